/**
 * The helper containers' commands, run for real on this machine exactly as the built pod spec gives them (mount paths
 * swapped for temporary folders): the data downloader with curl against a local HTTP server, and the tuning pusher
 * with the real `kaito-publish` against Debian's `docker-registry` — waiting for the sentinel, pushing only the adapter
 * files as a Kaito adapter image, then stopping the pod's `pause` process.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { V1Container, V1Job } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildWorkspaceObjects,
  DATA_DOWNLOADER_SCRIPT,
  PULLER_SCRIPT,
  PUSHER_SCRIPT,
  resolveBuildOptions,
} from "../../src/index.ts";

const IMAGE_PUBLISHER_CLI = fileURLToPath(new URL("../../../image-publisher/src/cli/main.ts", import.meta.url));
const REGISTRY_BIN = process.env.KAITO_REGISTRY_BIN ?? "/usr/bin/docker-registry";

const temp: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temp.push(d);
  return d;
}
afterAll(() => {
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});

function tuningJob(output: Record<string, unknown>, input: Record<string, unknown>): V1Job {
  const plan = buildWorkspaceObjects(
    {
      apiVersion: "kaito.sh/v1beta1",
      kind: "Workspace",
      metadata: { name: "ws", namespace: "ns", uid: "u" },
      resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { apps: "x" } } },
      tuning: { preset: { name: "phi-3-mini-4k-instruct" }, method: "lora", input, output },
    },
    {},
    resolveBuildOptions(),
  );
  return plan.objects.find((o) => o.kind === "Job") as V1Job;
}

function container(job: V1Job, name: string): V1Container {
  const spec = job.spec?.template.spec;
  const c = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].find((x) => x.name === name);
  if (c === undefined) throw new Error(`no container ${name}`);
  return c;
}

function run(
  argv: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("scripts are valid POSIX sh", () => {
  for (const [name, script] of Object.entries({ PULLER_SCRIPT, DATA_DOWNLOADER_SCRIPT, PUSHER_SCRIPT })) {
    it(name, () => {
      const r = spawnSync("sh", ["-n", "-c", script]);
      expect(r.stderr.toString()).toBe("");
      expect(r.status).toBe(0);
    });
  }
});

describe("data-downloader (curl)", () => {
  let server: Server;
  let base: string;
  let flakyHits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? "").split("?")[0];
      if (path === "/d/train.parquet") res.end("PAR1 rows");
      else if (path === "/flaky.jsonl") {
        flakyHits++;
        if (flakyHits === 1) {
          res.statusCode = 503;
          res.end("busy");
        } else res.end('{"text":"hi"}\n');
      } else if (path === "/empty.csv") res.end("");
      else {
        res.statusCode = 404;
        res.end("no");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const addr = server.address();
    if (addr === null || typeof addr === "string") throw new Error("no address");
    base = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const downloader = () =>
    container(tuningJob({ volumeSource: { emptyDir: {} } }, { urls: ["https://e.com/x"] }), "data-downloader");

  it("saves each URL under its basename without query or fragment, retrying failed attempts", {
    timeout: 30_000,
  }, async () => {
    const c = downloader();
    const dir = tempDir("kaito-data-");
    const r = await run(c.command ?? [], {
      DATA_URLS: `${base}/d/train.parquet?download=true ${base}/flaky.jsonl#frag`,
      DATA_VOLUME_PATH: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["flaky.jsonl", "train.parquet"]);
    expect(r.stderr).toMatch(/attempt 1 for .*flaky\.jsonl#frag failed \(HTTP 503\)/);
  });

  it("fails after 3 attempts on an empty or missing file", { timeout: 30_000 }, async () => {
    const c = downloader();
    const r = await run(c.command ?? [], { DATA_URLS: `${base}/empty.csv`, DATA_VOLUME_PATH: tempDir("kaito-data-") });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/attempt 3 for .*empty\.csv failed \(HTTP 200\)/);
    expect(r.stderr).toMatch(/giving up on/);
  });
});

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const addr = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

describe("pusher (kaito-publish) against docker-registry", () => {
  let registry: ChildProcess | undefined;
  let host: string;

  beforeAll(async () => {
    if (!existsSync(REGISTRY_BIN)) {
      throw new Error(`${REGISTRY_BIN} not found: install Debian's docker-registry (pnpm test-deps)`);
    }
    const dir = tempDir("kaito-registry-");
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    writeFileSync(
      join(dir, "config.yml"),
      `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: ${host}\n`,
    );
    const log = openSync(join(dir, "log"), "w");
    registry = spawn(REGISTRY_BIN, ["serve", join(dir, "config.yml")], { stdio: ["ignore", log, log] });
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://${host}/v2/`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 150) throw new Error("docker-registry did not start within 15 s");
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 30_000);
  afterAll(() => {
    registry?.kill("SIGKILL");
  });

  it("waits for the sentinel, pushes only the adapter files with the model name, then stops pause", {
    timeout: 120_000,
  }, async () => {
    const ref = `${host}/tuning/phi-3-adapter:0.0.1`;
    const pusher = container(
      tuningJob({ image: ref, imagePushSecret: "push" }, { urls: ["https://e.com/x"] }),
      "pusher",
    );
    const results = tempDir("kaito-results-");
    const docker = tempDir("kaito-docker-");
    writeFileSync(join(docker, "config.json"), JSON.stringify({ auths: { [host]: {} } }));
    const bin = tempDir("kaito-bin-");
    writeFileSync(
      join(bin, "kaito-publish"),
      `#!/bin/sh\nexec "${process.execPath}" --conditions=@kaito-ts/source "${IMAGE_PUBLISHER_CLI}" "$@"\n`,
      { mode: 0o755 },
    );
    // The container's command and args, with the pod's mount paths pointed at the temporary folders.
    const argv = [...(pusher.command ?? []), ...(pusher.args ?? [])].map((a) =>
      a.startsWith("/mnt/results")
        ? a.replace("/mnt/results", results)
        : a === "/root/.docker/config.json"
          ? join(docker, "config.json")
          : a,
    );
    expect(argv).toContain("--plain-http");
    const pause = spawn("sleep", ["60"], { argv0: "/pause", stdio: "ignore" });
    const pauseExit = new Promise<NodeJS.Signals | null>((r) => pause.once("exit", (_c, sig) => r(sig)));

    const pushing = run(argv, { PATH: `${bin}:${process.env.PATH ?? ""}` });
    writeFileSync(join(results, "adapter_config.json"), JSON.stringify({ base_model_name_or_path: "x", r: 8 }));
    writeFileSync(join(results, "adapter_model.safetensors"), Buffer.alloc(4096, 7));
    writeFileSync(join(results, "optimizer.pt"), "not part of the adapter");
    await new Promise((r) => setTimeout(r, 1500));
    expect(registry?.exitCode).toBeNull();
    writeFileSync(join(results, "fine_tuning_completed.txt"), "done");
    const r = await pushing;
    expect(r.code, r.stderr).toBe(0);
    expect(await pauseExit).toBe("SIGTERM");

    const manifest = (await (
      await fetch(`http://${host}/v2/tuning/phi-3-adapter/manifests/0.0.1`, {
        headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
      })
    ).json()) as { annotations?: Record<string, string>; layers: unknown[] };
    expect(manifest.annotations?.["sh.kaito.model.name"]).toBe("phi-3-mini-4k-instruct");
    expect(manifest.layers).toHaveLength(1);

    const pulled = tempDir("kaito-pulled-");
    const pull = await run(
      [
        process.execPath,
        "--conditions=@kaito-ts/source",
        IMAGE_PUBLISHER_CLI,
        "pull",
        ref,
        pulled,
        "--adapter",
        "--plain-http",
      ],
      {},
    );
    expect(pull.code, pull.stderr).toBe(0);
    expect(readdirSync(pulled).sort()).toEqual(["adapter_config.json", "adapter_model.safetensors"]);
  });
});
