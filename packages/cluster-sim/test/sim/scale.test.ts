/**
 * The simulation's work per workload does not grow with the number of workloads: N inference-like workloads (a GPU
 * NodeClaim, then a StatefulSet pinned to its node and two Services selecting its pod, as a Kaito Workspace makes)
 * on cluster-sim's store, and the objects the controllers' cache reads visited, per workload, compared between two
 * sizes. Scans of every pod or Service per event (the endpoints fan-out, pods listed per namespace, owned objects
 * found by scanning) made it grow linearly — and the whole run quadratically — before the cache indexes.
 * No wall-clock time is asserted.
 */
import { describe, expect, it } from "vitest";
import { nodeClaimCrd } from "../../src/builtin/nodeclaim-crd.ts";
import { StoreApi } from "../../src/sim/api/store-api.ts";
import { cachedResources, runSimulation } from "../../src/sim/simulation.ts";
import { ALL_CONTROLLERS, resolveOptions } from "../../src/sim/shared/options.ts";
import { R } from "../../src/sim/shared/resources.ts";
import type { SimulationOptions } from "../../src/sim/shared/types.ts";
import type { KubeObject } from "../../src/store/api.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { cond, nodeClaim, SKUS, waitFor } from "./helpers.ts";

const SKU = "Standard_NC24ads_A100_v4";
const CRDS = { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" };

function statefulSet(ws: string): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: ws, namespace: "default" },
    spec: {
      replicas: 1,
      serviceName: `${ws}-headless`,
      selector: { matchLabels: { apps: ws } },
      template: {
        metadata: { labels: { apps: ws } },
        spec: {
          containers: [
            {
              name: ws,
              image: "mcr.microsoft.com/aks/kaito/kaito-base:0.5.0",
              resources: { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } },
              ports: [{ containerPort: 5000 }],
            },
          ],
          tolerations: [
            { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
            { key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" },
          ],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: "kaito.sh/workspace", operator: "In", values: [ws] }] },
                ],
              },
            },
          },
        },
      },
    },
  };
}

function service(ws: string, headless: boolean): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: headless ? `${ws}-headless` : ws, namespace: "default" },
    spec: {
      selector: { apps: ws },
      ports: [{ name: "http", port: 80, targetPort: 5000 }],
      ...(headless ? { clusterIP: "None", publishNotReadyAddresses: true } : {}),
    },
  };
}

const hasAddress = (ep: KubeObject | undefined) =>
  ((ep?.subsets as Array<{ addresses?: unknown[] }> | undefined) ?? []).some((s) => (s.addresses?.length ?? 0) > 0);

/** Runs N workloads to ready endpoints; returns the cached objects visited per workload while they came up. */
async function visitedPerWorkload(n: number): Promise<number> {
  const store = new MemoryStore();
  store.create(CRDS, nodeClaimCrd());
  const errors: unknown[] = [];
  const options: SimulationOptions = {
    skus: SKUS,
    nodeDelayMs: 0,
    launchDelayMs: 0,
    podDelays: { pullMs: 0, readyMs: 0 },
    heartbeats: false,
    onError: (e) => errors.push(e),
  };
  const resolved = resolveOptions(options, ALL_CONTROLLERS);
  const api = new StoreApi(store, cachedResources(resolved.controllers));
  api.start();
  const sim = runSimulation(api, options, resolved);
  try {
    const names = Array.from({ length: n }, (_, i) => `ws${String(i).padStart(4, "0")}`);
    // Nodes first (Kaito creates the workload once its nodes are ready).
    for (const ws of names) store.create(R.nodeclaims, nodeClaim(ws, SKU, ws));
    await waitFor(`${n} ready NodeClaims`, () =>
      names.every((ws) => cond(store.get(R.nodeclaims, undefined, ws), "Ready") === "True"),
    );
    const before = api.cacheStats().visited;
    for (const ws of names) {
      store.create(R.services, service(ws, false));
      store.create(R.services, service(ws, true));
      store.create(R.statefulsets, statefulSet(ws));
    }
    await waitFor(
      `${n} workloads with ready endpoints`,
      () =>
        names.every(
          (ws) =>
            hasAddress(api.get(R.endpoints, "default", ws)) &&
            hasAddress(api.get(R.endpoints, "default", `${ws}-headless`)),
        ),
      60_000,
    );
    expect(errors).toEqual([]);
    return (api.cacheStats().visited - before) / n;
  } finally {
    await sim.stop();
    store.close();
  }
}

describe("simulation work per workload", () => {
  it("stays flat from 8 to 32 workloads (objects visited by the controllers' cache reads)", async () => {
    const small = await visitedPerWorkload(8);
    const large = await visitedPerWorkload(32);
    // Visited per workload: bounded by a constant, not by N (a per-event scan makes `large` ≈ 4 × `small`).
    expect(small).toBeGreaterThan(0);
    expect(large).toBeLessThanOrEqual(small * 1.5 + 2);
  }, 120_000);
});
