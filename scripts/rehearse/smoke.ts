/**
 * The smoke check of each image: what its users run, run through {@link runImage} against the built folder.
 *
 * - operator (`packages/operator/Dockerfile`): `kaito operator --help`; `kaito manifests` (parses as YAML and holds
 *   the Workspace CRD and the Deployment); `kaito plan` of Kaito's inference example and of its tuning example with
 *   the placeholders filled in (so the presets and the tuning templates are in the deployed folder); then the image's
 *   default command, `kaito operator`, as the Deployment runs it, against a cluster-sim: ready, metrics, SIGTERM.
 * - kaito-publish (`packages/image-publisher/Dockerfile`): the default command (`--help`), then the tuning Job's
 *   pusher command line (`/bin/sh -c 'kaito-publish push "$@"' …`) pushing a tiny adapter to Debian's
 *   `docker-registry` on loopback, and the manifest fetched back from the registry.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StageConfig } from "./build.ts";
import { RehearsalError } from "./errors.ts";
import { type CommandOverride, type RunResult, runImage, startImage } from "./run-image.ts";

/** Folders the operator's Deployment mounts writable (an emptyDir at /tmp); the rest of the image is read-only. */
export const MOUNTED_WRITABLE: readonly string[] = ["/tmp"];

/** What a smoke check needs. */
export interface SmokeContext {
  /** The repository (examples are read from it). */
  readonly repo: string;
  /** The image. */
  readonly image: StageConfig;
  /** This machine's Node folder. */
  readonly nodeBinDir: string;
  /** Where messages go. */
  readonly log: (line: string) => void;
  /** Parses YAML documents (the repository's `yaml`). */
  readonly parseYamlDocuments: (text: string) => unknown[];
}

/** A smoke check per Dockerfile (repository-relative path). */
export const SMOKES: Readonly<Record<string, (ctx: SmokeContext) => Promise<void>>> = {
  "packages/operator/Dockerfile": operatorSmoke,
  "packages/image-publisher/Dockerfile": publisherSmoke,
};

function describe(r: RunResult): string {
  const tail = (s: string) => s.trim().split("\n").slice(-15).join("\n");
  return `${r.argv.join(" ")} exited with ${r.status ?? "a signal"}\nstdout:\n${tail(r.stdout)}\nstderr:\n${tail(r.stderr)}`;
}

async function expectRun(
  ctx: SmokeContext,
  label: string,
  override: CommandOverride,
  check: (r: RunResult) => string | undefined,
  env?: Record<string, string>,
): Promise<RunResult> {
  const started = Date.now();
  const r = await runImage(ctx.image, ctx.nodeBinDir, override, env !== undefined ? { env } : {});
  const problem = r.status !== 0 ? "non-zero exit" : check(r);
  if (problem !== undefined) throw new RehearsalError("SMOKE_FAILED", `${label}: ${problem}\n${describe(r)}`);
  ctx.log(`smoke: ${label} ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return r;
}

/** A folder the image's user can read, holding copies of `files` and the `texts` (like a mounted ConfigMap). */
function mountFolder(files: Record<string, string>, texts: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "rehearse-mount-"));
  chmodSync(dir, 0o755);
  for (const [name, from] of Object.entries(files)) cpSync(from, join(dir, name));
  for (const [name, text] of Object.entries(texts)) writeFileSync(join(dir, name), text);
  for (const name of [...Object.keys(files), ...Object.keys(texts)]) chmodSync(join(dir, name), 0o644);
  return dir;
}

async function operatorSmoke(ctx: SmokeContext): Promise<void> {
  await expectRun(ctx, "kaito operator --help", { args: ["operator", "--help"] }, (r) =>
    /--leader-elect/.test(r.stdout) ? undefined : "the help does not list --leader-elect",
  );
  await expectRun(
    ctx,
    "kaito manifests (the CRD, and a Deployment that fits the image)",
    { args: ["manifests"] },
    (r) => {
      const docs = ctx.parseYamlDocuments(r.stdout) as { kind?: string; metadata?: { name?: string } }[];
      const names = docs.map((d) => `${d.kind}/${d.metadata?.name}`);
      if (!names.includes("CustomResourceDefinition/workspaces.kaito.sh")) return "no Workspace CRD in the output";
      const deployment = docs.find((d) => d.kind === "Deployment") as DeploymentShape | undefined;
      if (deployment === undefined) return "no Deployment in the output";
      return deploymentFitsImage(deployment, ctx.image);
    },
  );
  // Kaito's tuning example with its placeholders filled in (as written it is rejected), so the plan copies the
  // default qlora template into the tuning ConfigMap.
  const tuning = readFileSync(join(ctx.repo, "examples/fine-tuning/kaito_workspace_tuning_phi_3.yaml"), "utf8")
    .replace("ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1", "myregistry.azurecr.io/adapters/phi-3:0.0.1")
    .replace("ACR_REGISTRY_SECRET_HERE", "myregistry-push-secret");
  const mount = mountFolder(
    { "inference.yaml": join(ctx.repo, "examples/inference/kaito_workspace_phi_3_mini.yaml") },
    { "tuning.yaml": tuning },
  );
  try {
    await expectRun(ctx, "kaito plan (inference example)", { args: ["plan", join(mount, "inference.yaml")] }, (r) =>
      /kind: StatefulSet/.test(r.stdout) ? undefined : "no StatefulSet in the plan",
    );
    await expectRun(
      ctx,
      "kaito plan (tuning example, default qlora template)",
      { args: ["plan", join(mount, "tuning.yaml")] },
      (r) =>
        /kind: Job/.test(r.stdout) &&
        /name: qlora-params-template/.test(r.stdout) &&
        /training_config\.yaml/.test(r.stdout)
          ? undefined
          : "no Job and no ConfigMap copied from the qlora template in the plan",
    );
    await operatorRuns(ctx, mount);
  } finally {
    rmSync(mount, { recursive: true, force: true });
  }
}

/**
 * The image's default command as the Deployment runs it (`operator --namespace=kaito-system --leader-elect=true
 * --webhook-cert-dir=…`, a mounted certificate, no HOME, the read-only image) against a cluster-sim started from this
 * checkout: `/readyz` must turn 200 (caches synced, leading), `/metrics` must answer, and SIGTERM must end it with 0.
 */
async function operatorRuns(ctx: SmokeContext, mount: string): Promise<void> {
  const started = Date.now();
  const certs = join(mount, "webhook-certs");
  mkdirSync(certs, { mode: 0o755 });
  // What cert-manager would put in the kaito-ts-webhook-cert Secret (openssl is not in the slim image: made here).
  const openssl = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=kaito-ts-webhook.kaito-system.svc",
      "-addext",
      "subjectAltName=DNS:kaito-ts-webhook.kaito-system.svc,DNS:localhost,IP:127.0.0.1",
      "-keyout",
      join(certs, "tls.key"),
      "-out",
      join(certs, "tls.crt"),
    ],
    { encoding: "utf8" },
  );
  if (openssl.status !== 0)
    throw new RehearsalError("SMOKE_FAILED", `openssl could not make a test certificate: ${openssl.stderr}`);
  for (const f of ["tls.key", "tls.crt"]) chmodSync(join(certs, f), 0o644);
  const kubeconfig = join(mount, "kubeconfig");
  const cluster = spawn(
    process.execPath,
    [
      "--conditions=@kaito-ts/source",
      join(ctx.repo, "packages/operator/src/cli/main.ts"),
      "cluster",
      "up",
      "--port",
      "0",
      "--kubeconfig",
      kubeconfig,
      "--node-delay-ms",
      "200",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let clusterOut = "";
  cluster.stdout?.on("data", (d: Buffer) => {
    clusterOut += d.toString();
  });
  cluster.stderr?.on("data", (d: Buffer) => {
    clusterOut += d.toString();
  });
  try {
    await waitFor(
      () => /export KUBECONFIG=/.test(clusterOut),
      120_000,
      () => `cluster-sim did not start:\n${clusterOut}`,
    );
    chmodSync(kubeconfig, 0o644);
    const [metrics, health, webhook] = [await freePort(), await freePort(), await freePort()];
    const operator = startImage(
      ctx.image,
      ctx.nodeBinDir,
      {
        args: [
          "operator",
          "--namespace=kaito-system",
          "--leader-elect=true",
          `--webhook-cert-dir=${certs}`,
          `--metrics-port=${metrics}`,
          `--health-port=${health}`,
          `--webhook-port=${webhook}`,
          "--bind-address=127.0.0.1",
        ],
      },
      { env: { KUBECONFIG: kubeconfig, POD_NAME: "kaito-ts-operator-rehearsal" }, timeoutMs: 300_000 },
    );
    try {
      const status = async (path: string, port: number) => {
        try {
          const res = await fetch(`http://127.0.0.1:${port}${path}`);
          return { status: res.status, body: await res.text() };
        } catch {
          return { status: 0, body: "" };
        }
      };
      let exited = false;
      void operator.done.then(
        () => {
          exited = true;
        },
        () => {
          exited = true;
        },
      );
      await waitFor(
        async () => exited || (await status("/readyz", health)).status === 200,
        120_000,
        () => `/readyz did not turn 200:\n${operator.output().stderr.slice(-3000)}`,
      );
      if (exited) {
        const r = await operator.done;
        throw new RehearsalError("SMOKE_FAILED", `kaito operator exited before it was ready\n${describe(r)}`);
      }
      const m = await status("/metrics", metrics);
      if (m.status !== 200 || !/workqueue_/.test(m.body)) {
        throw new RehearsalError("SMOKE_FAILED", `/metrics answered ${m.status} without workqueue_ metrics`);
      }
      operator.child.kill("SIGTERM");
      const r = await operator.done;
      if (r.status !== 0)
        throw new RehearsalError("SMOKE_FAILED", `kaito operator did not exit 0 on SIGTERM\n${describe(r)}`);
      ctx.log(
        `smoke: kaito operator (the image's CMD) ready, /metrics served, clean exit on SIGTERM (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    } finally {
      operator.child.kill("SIGKILL");
    }
  } finally {
    cluster.kill("SIGTERM");
  }
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  message: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new RehearsalError("SMOKE_FAILED", message());
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The fields of the operator Deployment that must agree with the image. */
interface DeploymentShape {
  readonly spec?: {
    readonly template?: {
      readonly spec?: {
        readonly securityContext?: { readonly runAsUser?: number; readonly runAsGroup?: number };
        readonly containers?: readonly {
          readonly command?: readonly string[];
          readonly args?: readonly string[];
          readonly securityContext?: { readonly readOnlyRootFilesystem?: boolean };
          readonly volumeMounts?: readonly { readonly mountPath?: string; readonly readOnly?: boolean }[];
        }[];
      };
    };
  };
}

/**
 * The Deployment of `kaito manifests` runs this image as the rehearsal does: as the image's USER, with the image's
 * ENTRYPOINT and CMD's subcommand, a read-only root filesystem, and a writable mount at each folder in
 * {@link MOUNTED_WRITABLE} (what the writable-files check leaves out). Returns the first disagreement.
 */
export function deploymentFitsImage(deployment: DeploymentShape, image: StageConfig): string | undefined {
  const pod = deployment.spec?.template?.spec;
  const container = pod?.containers?.[0];
  if (pod === undefined || container === undefined) return "the Deployment has no container";
  if (pod.securityContext?.runAsUser !== image.user.uid || pod.securityContext?.runAsGroup !== image.user.gid) {
    return `the Deployment runs as ${pod.securityContext?.runAsUser}:${pod.securityContext?.runAsGroup}, the image's USER is ${image.user.uid}:${image.user.gid}`;
  }
  if (container.command !== undefined) return "the Deployment overrides the image's ENTRYPOINT";
  if (container.args?.[0] !== image.cmd?.[0]) {
    return `the Deployment's args start with ${container.args?.[0]}, the image's CMD with ${image.cmd?.[0]}`;
  }
  if (container.securityContext?.readOnlyRootFilesystem !== true)
    return "the Deployment's root filesystem is not read-only";
  for (const dir of MOUNTED_WRITABLE) {
    if (!container.volumeMounts?.some((m) => m.mountPath === dir && m.readOnly !== true)) {
      return `the Deployment mounts nothing writable at ${dir}, which the image's user needs`;
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => resolvePort(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** Starts Debian's docker-registry on loopback (no auth); returns its host and a stop function. */
async function startRegistry(): Promise<{ host: string; stop: () => void }> {
  const bin = process.env.KAITO_REGISTRY_BIN ?? "/usr/bin/docker-registry";
  if (!existsSync(bin)) {
    throw new RehearsalError(
      "SMOKE_FAILED",
      `${bin} not found: install Debian's docker-registry (apt-get install -y docker-registry, or pnpm test-deps)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "rehearse-registry-"));
  const port = await freePort();
  writeFileSync(
    join(dir, "config.yml"),
    `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: rehearsal\n`,
  );
  const fd = openSync(join(dir, "log"), "w");
  const child: ChildProcess = spawn(bin, ["serve", join(dir, "config.yml")], { stdio: ["ignore", fd, fd] });
  const stop = () => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      await res.arrayBuffer();
      if (res.ok) return { host, stop };
    } catch {
      // not up yet
    }
    if (i > 300 || child.exitCode !== null) {
      const log = readFileSync(join(dir, "log"), "utf8");
      stop();
      throw new RehearsalError("SMOKE_FAILED", `docker-registry did not start on ${host}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function publisherSmoke(ctx: SmokeContext): Promise<void> {
  await expectRun(ctx, "kaito-publish (default command: --help)", {}, (r) =>
    /kaito-publish push/.test(r.stdout) ? undefined : "the help does not show the push usage",
  );
  const registry = await startRegistry();
  const work = mkdtempSync(join(tmpdir(), "rehearse-adapter-"));
  try {
    // The tuning Job's output folder: the trainer's adapter files and its sentinel.
    const output = join(work, "results");
    mkdirSync(output);
    writeFileSync(
      join(output, "adapter_config.json"),
      JSON.stringify({ base_model_name_or_path: "microsoft/Phi-3-mini-128k-instruct", peft_type: "LORA", r: 8 }),
    );
    const header = Buffer.from(JSON.stringify({ __metadata__: { format: "pt" } }));
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(join(output, "adapter_model.safetensors"), Buffer.concat([size, header]));
    writeFileSync(join(output, "fine_tuning_completed.txt"), "done\n");
    writeFileSync(join(work, "config.json"), JSON.stringify({ auths: {} }));
    const ref = `${registry.host}/rehearsal/adapter:0.0.1`;
    // As the tuning Job's pusher container runs it (reconciler-core's pusherContainer: /bin/sh -c PUSHER_SCRIPT).
    const pushed = await expectRun(
      ctx,
      "pusher: kaito-publish push --adapter to docker-registry",
      {
        command: ["/bin/sh", "-c"],
        args: [
          'kaito-publish push "$@" || exit $?',
          "pusher",
          output,
          ref,
          "--adapter",
          "--wait-for",
          join(output, "fine_tuning_completed.txt"),
          "--model-name",
          "phi-3-mini-128k-instruct",
          "--docker-config",
          join(work, "config.json"),
          "--plain-http",
        ],
      },
      (r) => (/^sha256:[0-9a-f]{64}$/m.test(r.stdout) ? undefined : "no manifest digest on stdout"),
    );
    const digest = (/sha256:[0-9a-f]{64}/.exec(pushed.stdout) as RegExpExecArray)[0];
    const res = await fetch(`http://${registry.host}/v2/rehearsal/adapter/manifests/0.0.1`, {
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    const body = await res.text();
    if (!res.ok || res.headers.get("docker-content-digest") !== digest) {
      throw new RehearsalError(
        "SMOKE_FAILED",
        `the registry does not serve the pushed manifest ${digest}: HTTP ${res.status} ${body.slice(0, 300)}`,
      );
    }
    ctx.log(`smoke: the registry serves ${ref} as ${digest}`);
  } finally {
    registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
