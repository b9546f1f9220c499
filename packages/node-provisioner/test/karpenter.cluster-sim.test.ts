/**
 * The Karpenter provisioner against cluster-sim over HTTP through real client-node: the simulation turns NodeClaims
 * into GPU nodes (and fails launches on injected quota faults), as Karpenter + gpu-provisioner would.
 */
import { type Cluster, startCluster } from "@kaito-ts/cluster-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubernetesObjectPort, NodeRequest, ReadinessReport } from "../src/index.ts";
import { createKarpenterProvisioner, type KubeNodeClaim, NODECLAIM } from "../src/karpenter/index.ts";
import { workspace } from "./helpers/fixtures.ts";
import { kubernetesObjectPort } from "../src/client-node/index.ts";

let cluster: Cluster;
let port: KubernetesObjectPort;

beforeAll(async () => {
  cluster = await startCluster({
    skus: [
      { name: "Standard_NC24ads_A100_v4", gpuCount: 1, gpuProduct: "NVIDIA-A100-PCIE-80GB", gpuMemoryMiB: 81920 },
      { name: "Standard_NC48ads_A100_v4", gpuCount: 2, gpuProduct: "NVIDIA-A100-PCIE-80GB", gpuMemoryMiB: 81920 },
    ],
    simulation: { nodeDelayMs: 60 },
  });
  port = kubernetesObjectPort(cluster.kubeConfig);
});

afterAll(async () => {
  await cluster?.stop();
});

async function claimsOf(ws: string): Promise<KubeNodeClaim[]> {
  return port.list<KubeNodeClaim>({
    ...NODECLAIM,
    labelSelector: { "kaito.sh/workspace": ws, "kaito.sh/workspacenamespace": "default" },
  });
}

async function until(check: () => Promise<ReadinessReport>, want: (r: ReadinessReport) => boolean) {
  let last: ReadinessReport | undefined;
  for (let i = 0; i < 300; i++) {
    last = await check();
    if (want(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not reached; last readiness: ${JSON.stringify(last)}`);
}

describe("karpenter provisioner on cluster-sim", () => {
  it("provisions 2 GPU nodes that become Ready with nvidia.com/gpu, then releases them", async () => {
    const req: NodeRequest = { workspace: workspace({ name: "two", uid: "uid-two" }), targetNodeCount: 2 };
    const p = createKarpenterProvisioner({ port });
    const first = await p.provision(req);
    expect(first.created).toHaveLength(2);
    const ready = await until(
      () => p.readiness(req),
      (r) => r.ready,
    );
    expect(ready.nodeClaims?.reason).toBe("NodeClaimsReady");
    expect(ready.workerNodes).toHaveLength(2);
    for (const name of ready.workerNodes) {
      const n = await port.get<{
        apiVersion: string;
        kind: string;
        metadata: { labels?: Record<string, string> };
        status?: { capacity?: Record<string, string> };
      }>({ apiVersion: "v1", kind: "Node", name });
      expect(Number(n?.status?.capacity?.["nvidia.com/gpu"])).toBeGreaterThan(0);
      expect(n?.metadata.labels?.accelerator).toBe("nvidia");
      expect(n?.metadata.labels?.["kaito.sh/workspace"]).toBe("two");
    }
    // What landed on the API server is §3.1's NodeClaim.
    const claims = await claimsOf("two");
    expect(claims.map((c) => c.metadata.name).every((n) => /^ws[0-9a-f]{9}$/.test(n ?? ""))).toBe(true);
    expect(claims[0]?.spec.taints).toEqual([{ key: "sku", value: "gpu", effect: "NoSchedule" }]);
    expect(claims[0]?.spec.resources?.requests?.storage).toBe("87Gi");

    let released = await p.release({ name: "two", namespace: "default" });
    expect(released.deleting).toHaveLength(2);
    for (let i = 0; i < 300 && !released.done; i++) {
      await new Promise((r) => setTimeout(r, 50));
      released = await p.release({ name: "two", namespace: "default" });
    }
    expect(released.done).toBe(true);
    expect(await claimsOf("two")).toEqual([]);
    const nodes = await port.list({ apiVersion: "v1", kind: "Node", labelSelector: { "kaito.sh/workspace": "two" } });
    expect(nodes).toEqual([]);
  });

  it("copies an injected quota failure into the readiness message", async () => {
    const sim = cluster.simulation;
    if (sim === undefined) throw new Error("the simulation is not running");
    const quota =
      "creating instance, Operation could not be completed as it results in exceeding approved standardNCADSA100v4Family Cores quota. Current Limit: 0, Current Usage: 0, Additional Required: 48 (QuotaExceeded)";
    const fault = sim.faults.addNodeClaimFault({
      kind: "quota",
      instanceType: "Standard_NC48ads_A100_v4",
      message: quota,
    });
    try {
      const req: NodeRequest = {
        workspace: workspace({ name: "quota", uid: "uid-quota", instanceType: "Standard_NC48ads_A100_v4" }),
        targetNodeCount: 1,
      };
      const p = createKarpenterProvisioner({ port });
      await p.provision(req);
      const r = await until(
        () => p.readiness(req),
        (x) => x.reason === "LaunchFailed",
      );
      expect(r.ready).toBe(false);
      expect(r.message).toContain(quota);
      expect(r.nodeClaims?.message).toContain(quota);
    } finally {
      sim.faults.remove(fault);
    }
  });

  it("keeps exactly N NodeClaims across repeated, concurrent and restarted provisioners", async () => {
    const req: NodeRequest = { workspace: workspace({ name: "idem", uid: "uid-idem" }), targetNodeCount: 3 };
    const a = createKarpenterProvisioner({ port });
    const b = createKarpenterProvisioner({ port });
    await Promise.all([a.provision(req), b.provision(req), a.provision(req)]);
    expect(await claimsOf("idem")).toHaveLength(3);
    // A new process after a crash: a fresh instance with no memory of the first.
    const restarted = createKarpenterProvisioner({ port });
    const again = await restarted.provision(req);
    expect(again.created).toEqual([]);
    expect(await claimsOf("idem")).toHaveLength(3);
    await until(
      () => restarted.readiness(req),
      (r) => r.ready,
    );
    expect(await claimsOf("idem")).toHaveLength(3);
  });
});
