/**
 * node-provisioner benchmark: W Workspaces × N nodes brought to readiness by the Karpenter provisioner on cluster-sim
 * (instant simulated nodes, real client-node over HTTP), against a baseline in the same run that issues the minimum
 * by hand with client-node: create the same NodeClaims, then read them until Ready. Prints time and requests per
 * Workspace by verb next to the baseline's, writes against the minimum (one create per node), and the cost of one
 * readiness pass in requests. Run:
 *   node --conditions=@kaito-ts/source packages/node-provisioner/bench/provision.bench.ts [workspaces] [nodes]
 */
import { type Cluster, startCluster } from "@kaito-ts/cluster-sim";
import { KubernetesObjectApi } from "@kubernetes/client-node";
import { kubernetesObjectPort } from "../src/client-node/index.ts";
import { resolveNodeRequest } from "../src/index.ts";
import { buildNodeClaim, createKarpenterProvisioner, type KubeNodeClaim } from "../src/karpenter/index.ts";

const W = Number(process.argv[2] ?? 100);
const N = Number(process.argv[3] ?? 2);
const CONCURRENCY = 16;
const SKU = "Standard_NC24ads_A100_v4";

let round = 0;
function workspace(prefix: string, i: number) {
  return {
    metadata: { name: `${prefix}-${round}-${i}`, namespace: "default", uid: `${prefix}-uid-${round}-${i}` },
    resource: { instanceType: SKU, labelSelector: { matchLabels: { apps: `${prefix}-${i}` } } },
    inference: { preset: { name: "phi-3-mini-4k-instruct" } },
  };
}

async function pool<T>(items: readonly T[], run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await run(items[next++] as T);
    }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function counts(cluster: Cluster): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of cluster.counters.snapshot()) {
    if (c.verb === "discovery" || c.verb === "watch") continue;
    out[c.verb] = (out[c.verb] ?? 0) + c.count;
  }
  return out;
}

async function provisionerRun(
  cluster: Cluster,
): Promise<{ ms: number; passes: number; requests: Record<string, number> }> {
  const p = createKarpenterProvisioner({ port: kubernetesObjectPort(cluster.kubeConfig) });
  cluster.counters.reset();
  let passes = 0;
  const t0 = performance.now();
  await pool(
    Array.from({ length: W }, (_, i) => i),
    async (i) => {
      const req = { workspace: workspace("prov", i), targetNodeCount: N };
      await p.provision(req);
      while (true) {
        passes++;
        if ((await p.readiness(req)).ready) return;
        await sleep(20);
      }
    },
  );
  return { ms: performance.now() - t0, passes, requests: counts(cluster) };
}

async function baselineRun(cluster: Cluster): Promise<{ ms: number; requests: Record<string, number> }> {
  const api = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  cluster.counters.reset();
  const t0 = performance.now();
  await pool(
    Array.from({ length: W }, (_, i) => i),
    async (i) => {
      const req = resolveNodeRequest(
        { workspace: workspace("base", i), targetNodeCount: N },
        { uid: true, instanceType: true },
      );
      const names = Array.from({ length: N }, (_, k) => `wsb${round}${String(i).padStart(4, "0")}${k}`.slice(0, 12));
      for (const name of names) await api.create(buildNodeClaim(req, name, { cloud: "azure" }) as never);
      for (const name of names) {
        while (true) {
          const c = (await api.read({
            apiVersion: "karpenter.sh/v1",
            kind: "NodeClaim",
            metadata: { name },
          })) as unknown as KubeNodeClaim;
          if (c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True")) break;
          await sleep(20);
        }
      }
    },
  );
  return { ms: performance.now() - t0, requests: counts(cluster) };
}

const perWs = (r: Record<string, number>) =>
  Object.entries(r)
    .sort()
    .map(([k, v]) => `${k} ${(v / W).toFixed(1)}`)
    .join(", ");

const cluster = await startCluster({ skus: [{ name: SKU, gpuCount: 1 }], simulation: { nodeDelayMs: 0 } });
try {
  // Warm-up (client, server, JIT), not measured.
  await createKarpenterProvisioner({ port: kubernetesObjectPort(cluster.kubeConfig) }).provision({
    workspace: workspace("warm", 0),
    targetNodeCount: 1,
  });
  // Interleaved rounds (base, prov, prov, base) so that neither side always meets the fuller store.
  const base = { ms: 0, requests: {} as Record<string, number> };
  const prov = { ms: 0, passes: 0, requests: {} as Record<string, number> };
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v / 2;
  };
  for (const side of ["base", "prov", "prov", "base"] as const) {
    round++;
    if (side === "base") {
      const r = await baselineRun(cluster);
      base.ms += r.ms / 2;
      add(base.requests, r.requests);
    } else {
      const r = await provisionerRun(cluster);
      prov.ms += r.ms / 2;
      prov.passes += r.passes / 2;
      add(prov.requests, r.requests);
    }
  }
  const writes =
    (prov.requests.create ?? 0) +
    (prov.requests.patch ?? 0) +
    (prov.requests.update ?? 0) +
    (prov.requests.delete ?? 0);
  const minimum = W * N;
  console.log(`${W} workspaces × ${N} nodes on cluster-sim (instant nodes), concurrency ${CONCURRENCY}`);
  console.log(`  provisioner: ${prov.ms.toFixed(0)} ms; requests per workspace: ${perWs(prov.requests)}`);
  console.log(`  baseline:    ${base.ms.toFixed(0)} ms; requests per workspace: ${perWs(base.requests)}`);
  console.log(`  time vs baseline: ${(prov.ms / base.ms).toFixed(2)}x`);
  console.log(`  writes vs minimum (${N} creates per workspace): ${(writes / minimum).toFixed(2)}x`);
  console.log(
    `  readiness passes per workspace: ${(prov.passes / W).toFixed(1)} (reads: 2 lists per provision pass, 2 per readiness pass)`,
  );
} finally {
  await cluster.stop();
}
