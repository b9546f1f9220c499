/**
 * Test harness of the operator tests: the real control plane of `@kaito-ts/envtest` (with controllers), the install
 * manifests applied with `kubectl apply -f` as a user would, cluster-sim's simulated GPU nodes attached, and the
 * operator run as a child process — the `kaito operator` CLI — with a kubeconfig of the manifests' ServiceAccount.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  type AttachSimulationOptions,
  attachSimulation,
  installNodeClaimCrd,
  type Simulation,
} from "@kaito-ts/cluster-sim";
import { type ControlPlane, kubectlPath, startControlPlane, webhookServerCertificate } from "@kaito-ts/envtest";
import { parseAllDocuments, stringify } from "yaml";
import { installManifests, type ManifestObject } from "../src/manifests/generate.ts";
import { pusherArgv, TRAINER_SCRIPT } from "../src/playground/demo-processes.ts";
import { repoRoot } from "./support.ts";

export const SKU = "Standard_NC24ads_A100_v4";
export const V100 = "Standard_NC6s_v3";
export const NS = "kaito-system";
export const SA = "kaito-ts-operator";
/** A SKU the simulated cloud has no quota for once a test adds `{ kind: "quota", instanceType: QUOTA_SKU }`. */
export const QUOTA_SKU = "Standard_NC48ads_A100_v4";
/** Inference pods whose name starts with this run a server that dies at start-up (a crash loop). */
export const CRASHING_PREFIX = "crashy";
/** The committed install manifests (`kaito manifests` output). */
export const INSTALL_YAML = join(repoRoot, "packages", "operator", "manifests", "install.yaml");

// The inference server: answers the probes on the container's port 5000.
const SERVER = `require("node:http").createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT));`;
// A server that dies at start-up, as vLLM does on a CUDA error.
const CRASHING_SERVER = `console.error("RuntimeError: CUDA error: no kernel image is available"); process.exit(1);`;

/** Run kubectl against a kubeconfig; resolves with stdout/stderr and the exit code (never rejects on exit ≠ 0). */
export async function kubectl(
  kubeconfig: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      kubectlPath(),
      ["--kubeconfig", kubeconfig, ...args],
      { encoding: "utf8", timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : 1, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Multi-document YAML of objects. */
export function toYaml(objects: readonly object[]): string {
  return objects.map((o) => `---\n${stringify(o)}`).join("");
}

/** The install manifests as a user applies them on a cluster with no pods of ours: without the Deployment and the in-cluster webhook registration. */
export function manifestsForLocalOperator(): ManifestObject[] {
  return installManifests().filter((o) => o.kind !== "Deployment" && o.kind !== "ValidatingWebhookConfiguration");
}

/**
 * The objects of an install.yaml file as a user applies them for a local operator: without the Deployment (the
 * operator runs as a local process) and the in-cluster webhook registration (its Service has no pods).
 */
export async function installFileForLocalOperator(file: string): Promise<ManifestObject[]> {
  const docs = parseAllDocuments(await readFile(file, "utf8"));
  return docs
    .map((d) => d.toJS() as ManifestObject | null)
    .filter(
      (o): o is ManifestObject => o !== null && o.kind !== "Deployment" && o.kind !== "ValidatingWebhookConfiguration",
    );
}

/** Audit every request of a ServiceAccount at metadata level (user, verb, resource, the authorizer's decision). */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
  - level: None
`;

/** A request the API server's authorizer refused. */
export interface Denial {
  readonly user: string;
  readonly verb: string;
  /** `<apiGroup>/<resource>[/<subresource>]`, e.g. `/pods/log`, `kaito.sh/workspaces/status`. */
  readonly resource: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

/**
 * The API server's audit log, read as it grows: the requests the authorizer refused (`authorization.k8s.io/decision:
 * forbid`). Admission refusals with 403 (a namespace being terminated) are not authorization decisions and are left out.
 */
export class AuditLog {
  readonly #path: string;
  #offset = 0;
  #rest = "";
  readonly #denials: Denial[] = [];

  constructor(path: string) {
    this.#path = path;
  }

  #reading: Promise<void> = Promise.resolve();

  /** Forget the refusals read so far (after a test provoked one on purpose). */
  clear(): void {
    this.#denials.length = 0;
  }

  /** Every refusal so far (of `user` when given). */
  async denials(user?: string): Promise<Denial[]> {
    this.#reading = this.#reading.then(() => this.#readNew());
    await this.#reading;
    return this.#denials.filter((d) => user === undefined || d.user === user);
  }

  async #readNew(): Promise<void> {
    const file = await open(this.#path).catch(() => undefined);
    if (file === undefined) return;
    try {
      const size = (await file.stat()).size;
      if (size <= this.#offset) return;
      const buf = Buffer.alloc(size - this.#offset);
      await file.read(buf, 0, buf.length, this.#offset);
      this.#offset = size;
      const lines = (this.#rest + buf.toString("utf8")).split("\n");
      this.#rest = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.includes('"forbid"')) continue;
        const e = JSON.parse(line) as {
          verb: string;
          user: { username: string };
          objectRef?: { apiGroup?: string; resource?: string; subresource?: string; namespace?: string; name?: string };
          annotations?: Record<string, string>;
        };
        if (e.annotations?.["authorization.k8s.io/decision"] !== "forbid") continue;
        const o = e.objectRef ?? {};
        this.#denials.push({
          user: e.user.username,
          verb: e.verb,
          resource: `${o.apiGroup ?? ""}/${o.resource ?? ""}${o.subresource !== undefined ? `/${o.subresource}` : ""}`,
          namespace: o.namespace,
          name: o.name,
        });
      }
    } finally {
      await file.close();
    }
  }
}

/** How to start the environment. */
export interface EnvOptions {
  /** Apply these install manifests (e.g. {@link INSTALL_YAML}) instead of the generated ones. */
  readonly installFile?: string;
}

/** A started environment. */
export interface Env {
  readonly cp: ControlPlane;
  readonly sim: Simulation;
  readonly dir: string;
  /** Admin kubeconfig path. */
  readonly admin: string;
  /** Kubeconfig path of the manifests' ServiceAccount. */
  readonly operatorKubeconfig: string;
  /** Folder with the webhook's tls.crt / tls.key. */
  readonly certDir: string;
  readonly caBundle: string;
  /** The API server's audit log (ServiceAccounts' requests, metadata level). */
  readonly audit: AuditLog;
  stop(): Promise<void>;
}

/** Start the control plane, apply the manifests with kubectl, attach the simulation. */
export async function startEnv(options: EnvOptions = {}): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), "kaito-operator-test-"));
  // The API server's audit log: what ServiceAccounts asked and whether the authorizer allowed it.
  const auditLog = join(dir, "audit.log");
  await writeFile(join(dir, "audit-policy.yaml"), AUDIT_POLICY);
  const cp = await startControlPlane({
    controllers: true,
    apiServerFlags: [
      `--audit-policy-file=${join(dir, "audit-policy.yaml")}`,
      `--audit-log-path=${auditLog}`,
      "--audit-log-format=json",
    ],
  }).catch(async (e: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw e;
  });
  let sim: Simulation | undefined;
  try {
    const admin = cp.kubeconfigPath;
    const manifests = join(dir, "install.yaml");
    const objects =
      options.installFile !== undefined
        ? await installFileForLocalOperator(options.installFile)
        : manifestsForLocalOperator();
    await writeFile(manifests, toYaml(objects));
    const applied = await kubectl(admin, ["apply", "--server-side", "-f", manifests]);
    if (applied.code !== 0) throw new Error(`kubectl apply of the manifests failed: ${applied.stderr}`);
    await kubectl(admin, ["wait", "--for=condition=Established", "crd/workspaces.kaito.sh", "--timeout=60s"]);
    await installNodeClaimCrd(cp.kubeConfig);
    const simOptions: AttachSimulationOptions = {
      skus: [
        { name: SKU, gpuCount: 1, gpuProduct: "NVIDIA-A100-PCIE-80GB", gpuMemoryMiB: 81920 },
        { name: V100, gpuCount: 1, gpuProduct: "Tesla-V100-PCIE-16GB", gpuMemoryMiB: 16384 },
        { name: QUOTA_SKU, gpuCount: 2, gpuProduct: "NVIDIA-A100-PCIE-80GB", gpuMemoryMiB: 81920 },
      ],
      nodeDelayMs: 50,
      kubeletEndpoint: true, // pods/log through the API server reaches the processes (tuning progress)
      processRuntime: {
        images: [
          {
            // kaito-base: the demo's simulated trainer in a Job's pod (progress lines, then the adapter files and the
            // sentinel in /mnt/results), a /health server in an inference pod (one that crashes for CRASHING_PREFIX).
            image: "*/kaito-base:*",
            spawn: (ctx) => {
              const meta = ctx.pod.metadata as { name?: string; ownerReferences?: Array<{ kind: string }> };
              if (meta.ownerReferences?.[0]?.kind === "Job") {
                return {
                  command: [process.execPath, "-e", TRAINER_SCRIPT],
                  env: { RESULTS_DIR: ctx.mounts["/mnt/results"] ?? join(ctx.podDir, "results") },
                };
              }
              if (meta.name?.startsWith(`${CRASHING_PREFIX}-`) === true)
                return { command: [process.execPath, "-e", CRASHING_SERVER] };
              return { command: [process.execPath, "-e", SERVER], env: { PORT: String(ctx.ports[5000] ?? 0) } };
            },
          },
          // The pusher is the real kaito-publish CLI, with the argv the reconciler built.
          { image: "*/kaito-publish:*", spawn: (ctx) => ({ command: pusherArgv(ctx.argv) }) },
        ],
      },
    };
    sim = await attachSimulation(cp.kubeConfig, simOptions);
    const scoped = await cp.kubeconfigFor({ serviceAccount: { namespace: NS, name: SA } });
    const tls = await webhookServerCertificate();
    const certDir = join(dir, "certs");
    await mkdir(certDir);
    await writeFile(join(certDir, "tls.crt"), tls.cert);
    await writeFile(join(certDir, "tls.key"), tls.key);
    const s = sim;
    return {
      cp,
      sim: s,
      dir,
      admin,
      operatorKubeconfig: scoped.kubeconfigPath,
      certDir,
      caBundle: tls.caBundleBase64,
      audit: new AuditLog(auditLog),
      async stop() {
        await s.stop();
        await cp.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await sim?.stop();
    await cp.stop();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A running `kaito operator` child process. */
export interface OperatorProcess {
  readonly child: ChildProcess;
  /** Parsed JSON log lines so far. */
  readonly logs: Array<Record<string, unknown>>;
  /** Raw stderr. */
  stderr(): string;
  readonly healthPort: number;
  readonly metricsPort: number;
  readonly webhookPort: number | undefined;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  get(path: string): Promise<{ status: number; body: string }>;
}

const MAIN = join(repoRoot, "packages", "operator", "src", "cli", "main.ts");

/** Start `kaito operator` as a child process (Node with the source condition, as `pnpm kaito` runs it). */
export async function startOperatorProcess(args: readonly string[], timeoutMs = 30_000): Promise<OperatorProcess> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@kaito-ts/source",
      MAIN,
      "operator",
      "--bind-address=127.0.0.1",
      "--health-port=0",
      "--metrics-port=0",
      "--log-level=debug",
      ...args,
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KUBECONFIG: "" } },
  );
  const logs: Array<Record<string, unknown>> = [];
  let err = "";
  let buf = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    buf += d;
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line, unparsed: true });
      }
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const until = Date.now() + timeoutMs;
  let start: Record<string, unknown> | undefined;
  while (start === undefined) {
    start = logs.find((l) => l.msg === "operator starting");
    if (start !== undefined) break;
    if (child.exitCode !== null || Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`kaito operator did not start: ${err}\n${logs.map((l) => JSON.stringify(l)).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const healthPort = Number(start.healthPort);
  const metricsPort = Number(start.metricsPort);
  const webhookPort = start.webhookPort === undefined ? undefined : Number(start.webhookPort);
  return {
    child,
    logs,
    stderr: () => err,
    healthPort,
    metricsPort,
    webhookPort,
    exited,
    async get(path) {
      const port = path === "/metrics" ? metricsPort : healthPort;
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: res.status, body: await res.text() };
    },
  };
}

/** `kubectl get -o json`, parsed; undefined when not found. */
export async function getJson(kubeconfig: string, args: string[]): Promise<Record<string, unknown> | undefined> {
  const r = await kubectl(kubeconfig, ["get", ...args, "-o", "json"]);
  if (r.code !== 0) return undefined;
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** A condition of a Workspace read with kubectl. */
export function condition(
  ws: Record<string, unknown> | undefined,
  type: string,
): { status?: string; reason?: string } | undefined {
  const conds =
    (ws?.status as { conditions?: Array<{ type: string; status?: string; reason?: string }> } | undefined)
      ?.conditions ?? [];
  return conds.find((c) => c.type === type);
}

export const execFileP = promisify(execFile);

/** Poll a check until it returns a value (envtest's `eventually`). */
export { eventually } from "@kaito-ts/envtest";
