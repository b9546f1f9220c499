/**
 * cluster-sim against the real kube-apiserver on the same write workload: 16 concurrent creates of a Workspace-sized
 * custom resource (the seed's filled-in tuning Workspace, with the generated Workspace CRD installed: schema, defaults
 * and CEL rules run on both) for N seconds, over HTTP(S) from this process. Reported per server CPU-second — the
 * server's CPU read from /proc/<pid>/stat: cluster-sim runs in a child process; the real server is kube-apiserver +
 * etcd from `@kaito-ts/envtest` — and as the ratio of the two, measured in the same run.
 *
 *   node --conditions=@kaito-ts/source packages/cluster-sim/bench/real-vs-sim.bench.ts   (REAL_VS_SIM_SECONDS=10)
 */
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from "node:https";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { kubectlPath, startControlPlane } from "@kaito-ts/envtest";
import { parse, parseAllDocuments } from "yaml";
import { type KubeObject, startCluster } from "../src/index.ts";

const SECONDS = Number(process.env.REAL_VS_SIM_SECONDS ?? 10);
const CONCURRENCY = 16;
const ROOT = join(import.meta.dirname, "..", "..", "..");
const CRD_PATH = join(ROOT, "packages", "workspace-types", "crds", "kaito.sh_workspaces.yaml");
const WORKSPACE_PATH = join(ROOT, "examples", "fine-tuning", "kaito_workspace_tuning_phi_3_local.yaml");
const PATH = "/apis/kaito.sh/v1beta1/namespaces/default/workspaces";
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

function workspaceCrd(): KubeObject {
  const crd = parseAllDocuments(readFileSync(CRD_PATH, "utf8"))
    .map((d) => d.toJS() as KubeObject | null)
    .find((d) => d?.kind === "CustomResourceDefinition");
  if (!crd) throw new Error(`no CustomResourceDefinition in ${CRD_PATH}`);
  return crd;
}

/** The body of the i-th Workspace (the seed's filled-in example, as v1beta1, with a unique name). */
function workspaceBody(prefix: string, i: number): string {
  const ws = parse(readFileSync(WORKSPACE_PATH, "utf8")) as KubeObject;
  return JSON.stringify({
    ...ws,
    apiVersion: "kaito.sh/v1beta1",
    metadata: { name: `${prefix}-${i}`, labels: { bench: prefix } },
  });
}

/** CPU seconds (user + system) of every process in the given process groups, from /proc. */
function groupCpuSeconds(groups: readonly number[]): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // fields after the command (which may hold spaces) — state is field 3, pgrp 5, utime 14, stime 15
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pgrp = Number(fields[2]);
    if (groups.includes(pgrp)) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLK_TCK;
}

interface Target {
  name: string;
  send(body: string): Promise<number>;
  cpuSeconds(): number;
}

async function drive(target: Target, prefix: string): Promise<{ writes: number; cpu: number; wall: number }> {
  // warm-up: the first writes compile the schema and CEL programs, open connections
  for (let i = 0; i < 32; i++) {
    const status = await target.send(workspaceBody(`${prefix}-warm`, i));
    if (status !== 201) throw new Error(`${target.name}: warm-up create answered ${status}`);
  }
  const cpuBefore = target.cpuSeconds();
  const start = process.hrtime.bigint();
  const deadline = Date.now() + SECONDS * 1000;
  let next = 0;
  let writes = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const status = await target.send(workspaceBody(prefix, next++));
      if (status !== 201) throw new Error(`${target.name}: create answered ${status}`);
      writes++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  return { writes, cpu: target.cpuSeconds() - cpuBefore, wall };
}

/** Child mode: serve cluster-sim with the Workspace CRD and print its URL and token. */
async function serveSim(): Promise<void> {
  const cluster = await startCluster({ crds: [workspaceCrd()], simulation: false });
  process.stdout.write(`${JSON.stringify({ url: cluster.url, token: cluster.token })}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => {
    void cluster.stop().then(() => process.exit(0));
  });
}

async function simTarget(): Promise<{ target: Target; stop(): void }> {
  const child = spawn(process.execPath, ["--conditions=@kaito-ts/source", import.meta.filename, "--serve-sim"], {
    stdio: ["pipe", "pipe", "inherit"],
    detached: true,
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the cluster-sim child exited with ${code}`)));
  });
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  const u = new URL(url);
  const agent = new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY });
  const pid = child.pid ?? 0;
  return {
    target: {
      name: "cluster-sim",
      cpuSeconds: () => groupCpuSeconds([pid]),
      send: (body) =>
        new Promise((resolve, reject) => {
          const req = httpRequest(
            {
              host: u.hostname,
              port: u.port,
              path: PATH,
              method: "POST",
              agent,
              headers: {
                Authorization: `Bearer ${token}`,
                "Content-Type": "application/json",
                "Content-Length": Buffer.byteLength(body),
              },
            },
            (res) => {
              res.resume();
              res.on("end", () => resolve(res.statusCode ?? 0));
            },
          );
          req.on("error", reject);
          req.end(body);
        }),
    },
    stop() {
      child.stdin?.end();
      agent.destroy();
    },
  };
}

async function realTarget(): Promise<{ target: Target; stop(): Promise<void> }> {
  const cp = await startControlPlane();
  try {
    const kubectl = (args: string[], input?: string) =>
      execFileSync(kubectlPath(), ["--kubeconfig", cp.kubeconfigPath, ...args], {
        ...(input !== undefined ? { input } : {}),
      });
    // plain JSON through kubectl: client-node's typed CRD model would drop enum/default/x-kubernetes-* (FIDELITY.md)
    kubectl(["create", "-f", "-"], JSON.stringify(workspaceCrd()));
    kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/workspaces.kaito.sh"]);
  } catch (e) {
    await cp.stop();
    throw e;
  }
  const u = new URL(cp.url);
  const tls: RequestOptions = {};
  await cp.kubeConfig.applyToHTTPSOptions(tls);
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: CONCURRENCY });
  const groups = [cp.pids["kube-apiserver"], cp.pids.etcd].filter((p): p is number => p !== undefined);
  if (groups.length !== 2) throw new Error("the control plane did not report the pids of kube-apiserver and etcd");
  return {
    target: {
      name: "kube-apiserver",
      cpuSeconds: () => groupCpuSeconds(groups),
      send: (body) =>
        new Promise((resolve, reject) => {
          const req = httpsRequest(
            {
              ...tls,
              host: u.hostname,
              port: u.port,
              path: PATH,
              method: "POST",
              agent,
              headers: {
                ...tls.headers,
                "Content-Type": "application/json",
                "Content-Length": Buffer.byteLength(body),
              },
            },
            (res) => {
              res.resume();
              res.on("end", () => resolve(res.statusCode ?? 0));
            },
          );
          req.on("error", reject);
          req.end(body);
        }),
    },
    async stop() {
      agent.destroy();
      await cp.stop();
    },
  };
}

async function main(): Promise<void> {
  console.log(
    `${CONCURRENCY} concurrent creates of a Workspace (${workspaceBody("x", 0).length} bytes, Workspace CRD installed) for ${SECONDS} s each; cluster-sim over HTTP with a token, kube-apiserver over HTTPS with a client certificate`,
  );
  const sim = await simTarget();
  let simResult: Awaited<ReturnType<typeof drive>>;
  try {
    simResult = await drive(sim.target, "sim");
  } finally {
    sim.stop();
  }
  const real = await realTarget();
  let realResult: Awaited<ReturnType<typeof drive>>;
  try {
    realResult = await drive(real.target, "real");
  } finally {
    await real.stop();
  }
  const row = (name: string, r: typeof simResult) =>
    `${name.padEnd(40)} ${String(r.writes).padStart(7)} writes  ${(r.writes / r.wall).toFixed(0).padStart(6)}/s wall  ${r.cpu.toFixed(2).padStart(6)} server CPU-s  ${(r.writes / r.cpu).toFixed(0).padStart(6)} writes/CPU-s`;
  console.log(row("cluster-sim (child process)", simResult));
  console.log(row("kube-apiserver + etcd (envtest)", realResult));
  const ratio = simResult.writes / simResult.cpu / (realResult.writes / realResult.cpu);
  console.log(`cluster-sim / kube-apiserver, writes per server CPU-second: ${ratio.toFixed(2)}x`);
}

if (process.argv.includes("--serve-sim")) await serveSim();
else await main();
