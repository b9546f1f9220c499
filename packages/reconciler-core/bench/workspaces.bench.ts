/**
 * reconciler-core benchmark: N inference Workspaces (phi-3 on one simulated A100 node each, instant nodes and pods)
 * driven to `WorkspaceSucceeded=True` by the Workspace controller, on the real control plane (envtest: kube-apiserver,
 * etcd, kube-controller-manager, kube-scheduler, with cluster-sim's cloud and kubelet attached) and on cluster-sim.
 * Each side runs in its own child process (`worker.ts`) on a fresh backend: first the baseline (`baseline-side.ts`:
 * the minimal writes of `minimum.ts` issued directly with client-node), then the reconciler (`reconciler-side.ts`).
 * Prints the time to all succeeded, requests per Workspace by verb, writes against the minimum, reads outside the
 * informer caches, and the reconciler's peak RSS, with the aims met or not.
 *
 *   node --conditions=@kaito-ts/source packages/reconciler-core/bench/workspaces.bench.ts
 *   BENCH_WORKSPACES=100 BENCH_BACKENDS=cluster-sim node --conditions=@kaito-ts/source …/workspaces.bench.ts
 *
 * `BENCH_WORKSPACES` sets N (default {@link DEFAULT_WORKSPACES}, so that `pnpm bench` ends in a few minutes on a shared
 * 2-core machine; the README gives the figures of `BENCH_WORKSPACES=1000`). `BENCH_BACKENDS` (`envtest,cluster-sim`)
 * picks backends, `BENCH_TIMEOUT_MS` bounds each side, `BENCH_TRACE=1` prints every Workspace patch of the reconciler.
 */
import { fork } from "node:child_process";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { CONTROLLER_NODE_FLAGS, KubeRestClient, type KubeObject, Resources } from "../src/index.ts";
import { type BackendName, SKU, startBackend } from "./backends.ts";
import { MINIMUM_WRITES, MINIMUM_WRITES_PER_WORKSPACE } from "./minimum.ts";
import { type BenchSide, type ChildMessage, type SideStats, workspaceName } from "./protocol.ts";

/** Default N on each backend. */
const DEFAULT_WORKSPACES = 100;
const CREATE_CONCURRENCY = 16;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 20 * 60_000);
const AIM = { writes: 1.2, time: 2, rssBytes: 300 * 1024 * 1024 };

const backendsToRun = (process.env.BENCH_BACKENDS ?? "envtest,cluster-sim")
  .split(",")
  .map((s) => s.trim())
  .filter((s): s is BackendName => {
    if (s === "envtest" || s === "cluster-sim") return true;
    throw new Error(`BENCH_BACKENDS: unknown backend ${JSON.stringify(s)}; use envtest, cluster-sim or both`);
  });
/** `BENCH_FROM=dist`: the measured children load the built `dist/` of the packages instead of their sources. */
const fromDist = (() => {
  const v = process.env.BENCH_FROM ?? "source";
  if (v !== "source" && v !== "dist")
    throw new Error(`BENCH_FROM: use source (default) or dist, got ${JSON.stringify(v)}`);
  return v === "dist";
})();
/** `BENCH_SIDES=reconciler` skips the baseline (for `BENCH_TRACE` runs and memory profiles; no ratios then). */
const reconcilerOnly = (() => {
  const v = process.env.BENCH_SIDES ?? "both";
  if (v !== "both" && v !== "reconciler")
    throw new Error(`BENCH_SIDES: use both (default) or reconciler, got ${JSON.stringify(v)}`);
  return v === "reconciler";
})();
/**
 * Node/V8 flags of the reconciler child: those the operator's Deployment runs with ({@link CONTROLLER_NODE_FLAGS}),
 * or `BENCH_NODE_FLAGS` (space-separated; empty for V8's defaults). The baseline runs with V8's defaults.
 */
const reconcilerFlags =
  process.env.BENCH_NODE_FLAGS === undefined
    ? [...CONTROLLER_NODE_FLAGS]
    : process.env.BENCH_NODE_FLAGS.split(/\s+/).filter((f) => f !== "");
const countFor = (): number => {
  const env = process.env.BENCH_WORKSPACES;
  if (env === undefined || env === "") return DEFAULT_WORKSPACES;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_WORKSPACES must be a whole number ≥ 1, got ${env}`);
  return n;
};

function workspace(i: number): KubeObject {
  const name = workspaceName(i);
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, namespace: "default" },
    resource: { instanceType: SKU, labelSelector: { matchLabels: { apps: name } } },
    inference: { preset: { name: "phi-3-mini-4k-instruct" } },
  };
}

async function createWorkspaces(kubeconfigPath: string, n: number): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const client = new KubeRestClient(kc, { userAgent: "kaito-ts-bench-driver" });
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (next < n) await client.create(Resources.Workspace, workspace(next++));
    }),
  );
}

/** Run one side on a fresh backend; returns its figures and the time from the first create to the last success. */
async function runSide(backend: BackendName, side: BenchSide, n: number): Promise<{ ms: number; stats: SideStats }> {
  const simErrors: string[] = [];
  const be = await startBackend(backend, (e, where) => {
    if (simErrors.length < 5) simErrors.push(`${where}: ${String(e)}`);
  });
  const child = fork(join(import.meta.dirname, "worker.ts"), [], {
    // From the TypeScript sources (type stripping) by default; BENCH_FROM=dist loads the built packages, as an
    // installed operator does (build them first).
    execArgv: [
      ...(fromDist ? [] : ["--conditions=@kaito-ts/source"]),
      ...(side === "reconciler" ? reconcilerFlags : []),
    ],
    env: {
      ...process.env,
      BENCH_SIDE: side,
      BENCH_KUBECONFIG: be.kubeconfigPath,
      BENCH_WORKSPACES: String(n),
      // The reconciler connects as the operator does in a pod (the baseline uses the kubeconfig, with client-node).
      ...be.inCluster.env,
      BENCH_SERVICE_ACCOUNT_DIR: be.inCluster.serviceAccountDir,
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    const stats = await new Promise<{ ms: number; stats: SideStats }>((resolve, reject) => {
      let t0 = 0;
      let lastProgress = 0;
      const timer = setTimeout(
        () =>
          reject(new Error(`${side} on ${backend}: not done after ${TIMEOUT_MS} ms (${lastProgress}/${n} succeeded)`)),
        TIMEOUT_MS,
      );
      child.once("exit", (code) => reject(new Error(`${side} on ${backend}: the child exited (${code}) before done`)));
      child.on("message", (m: ChildMessage) => {
        if (m.type === "ready") {
          t0 = Date.now();
          createWorkspaces(be.kubeconfigPath, n).catch(reject);
        } else if (m.type === "progress") {
          lastProgress = m.succeeded;
          console.log(`    … ${side}: ${m.succeeded}/${n} succeeded after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
        } else if (m.type === "done") {
          clearTimeout(timer);
          resolve({ ms: m.stats.doneAt - t0, stats: m.stats });
        } else {
          clearTimeout(timer);
          reject(new Error(`${side} on ${backend} failed: ${m.error}`));
        }
      });
    });
    return stats;
  } finally {
    if (child.connected) child.send({ type: "stop" });
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(killer);
    await be.stop();
    if (simErrors.length > 0) console.log(`    simulation errors (first ${simErrors.length}): ${simErrors.join("; ")}`);
  }
}

const perWs = (r: Readonly<Record<string, number>>, n: number, filter: (k: string) => boolean = () => true) =>
  Object.entries(r)
    .filter(([k]) => filter(k))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${(v / n).toFixed(2)}`)
    .join(", ") || "none";
const sum = (r: Readonly<Record<string, number>>) => Object.values(r).reduce((a, b) => a + b, 0);
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Lease restarts, event-loop delay and where the memory was, when the child reported them. */
function printReconcilerDetails(s: SideStats): void {
  if (s.restarts !== undefined && s.restarts > 0)
    console.log(`  reconciler replicas restarted after losing the Lease: ${s.restarts}`);
  if (s.eventLoopDelayMs !== undefined)
    console.log(
      `  reconciler event-loop delay: p99 ${s.eventLoopDelayMs.p99.toFixed(0)} ms, max ${s.eventLoopDelayMs.max.toFixed(0)} ms`,
    );
  if (s.memory !== undefined) {
    const m = s.memory;
    console.log(
      `  reconciler memory: peak heap used ${mb(m.peak.heapUsed)} (heap total ${mb(m.peak.heapTotal)}, external ${mb(m.peak.external)}); at the end RSS ${mb(m.atDone.rss)}, heap used ${mb(m.atDone.heapUsed)}`,
    );
    const caches = Object.entries(m.caches)
      .sort(([, a], [, b]) => b.jsonBytes - a.jsonBytes)
      .map(([k, v]) => `${k} ${v.objects} (${(v.jsonBytes / 1024 / 1024).toFixed(1)} MB JSON)`);
    console.log(`    informer caches: ${caches.join(", ")}`);
  }
}

console.log(
  `minimum writes per Workspace: ${MINIMUM_WRITES_PER_WORKSPACE} (${MINIMUM_WRITES.map((w) => `${w.key} ${w.count}`).join(", ")})`,
);
let missed = 0;
for (const backend of backendsToRun) {
  const n = countFor();
  console.log(
    `\n${n} inference Workspaces on ${backend} (instant simulated nodes; 5 workers on each side; packages from ${fromDist ? "dist" : "source"}; reconciler flags: ${reconcilerFlags.join(" ") || "none"})`,
  );
  if (reconcilerOnly) {
    const rec = await runSide(backend, "reconciler", n);
    const w = sum(rec.stats.writes);
    console.log(
      `  reconciler only: ${(rec.ms / 1000).toFixed(1)} s; peak RSS ${mb(rec.stats.maxRssBytes)}; writes per Workspace ${(w / n).toFixed(2)} = ${(w / n / MINIMUM_WRITES_PER_WORKSPACE).toFixed(2)}× (${perWs(rec.stats.writes, n)}); no baseline, no aims`,
    );
    printReconcilerDetails(rec.stats);
    console.log(`  reads outside the informer caches per Workspace: ${perWs(rec.stats.directReads, n)}`);
    continue;
  }
  const base = await runSide(backend, "baseline", n);
  const rec = await runSide(backend, "reconciler", n);
  const s = rec.stats;
  const writes = sum(s.writes);
  const writesRatio = writes / n / MINIMUM_WRITES_PER_WORKSPACE;
  const timeRatio = rec.ms / base.ms;
  console.log(
    `  baseline:   ${(base.ms / 1000).toFixed(1)} s to all WorkspaceSucceeded=True; peak RSS ${mb(base.stats.maxRssBytes)}`,
  );
  console.log(
    `  reconciler: ${(rec.ms / 1000).toFixed(1)} s; peak RSS ${mb(s.maxRssBytes)}; passes per Workspace: ${perWs(s.passes, n)}`,
  );
  const verbs: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.requests)) verbs[k.split(" ")[0] ?? k] = (verbs[k.split(" ")[0] ?? k] ?? 0) + v;
  printReconcilerDetails(s);
  console.log(`  reconciler requests per Workspace by verb: ${perWs(verbs, n)}`);
  console.log(`    by verb and resource: ${perWs(s.requests, n)}`);
  console.log(`  baseline requests per Workspace: ${perWs(base.stats.requests, n)}`);
  console.log(`  reconciler writes per Workspace: ${(writes / n).toFixed(2)} (${perWs(s.writes, n)})`);
  console.log(
    `  baseline writes per Workspace:   ${(sum(base.stats.writes) / n).toFixed(2)} (${perWs(base.stats.writes, n)})`,
  );
  console.log(`  reads outside the informer caches per Workspace: ${perWs(s.directReads, n)}`);
  const nonOk = Object.entries(s.failures).map(([k, v]) => `${k === "0" ? "no answer" : k} ×${v}`);
  if (nonOk.length > 0) console.log(`  non-2xx answers to the reconciler: ${nonOk.join(", ")}`);
  const writesOk = writesRatio <= AIM.writes;
  const timeOk = timeRatio <= AIM.time;
  const rssOk = s.maxRssBytes <= AIM.rssBytes;
  missed += [writesOk, timeOk, rssOk].filter((x) => !x).length;
  console.log(`  aim writes ≤ ${AIM.writes}× the minimum: ${writesRatio.toFixed(2)}× — ${verdict(writesOk)}`);
  console.log(`  aim time ≤ ${AIM.time}× the baseline: ${timeRatio.toFixed(2)}× — ${verdict(timeOk)}`);
  console.log(`  aim peak RSS ≤ ${mb(AIM.rssBytes)}: ${mb(s.maxRssBytes)} — ${verdict(rssOk)}`);
}
console.log(`\n${missed === 0 ? "all aims met" : `${missed} aim(s) not met`}`);
