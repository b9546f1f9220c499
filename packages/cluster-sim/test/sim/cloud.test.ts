import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulation, type Simulation } from "../../src/sim/index.ts";
import { R } from "../../src/sim/shared/resources.ts";
import type { KubeObject } from "../../src/store/api.ts";
import { cond, eventsFor, nodeClaim, SKUS, status, waitFor } from "./helpers.ts";
import { StoreDouble } from "./store-double.ts";

const store = new StoreDouble();
const errors: unknown[] = [];
let sim: Simulation;
/** A second cloud whose device plugin is slow. */
const slowStore = new StoreDouble();
let slowSim: Simulation;

beforeAll(() => {
  sim = createSimulation(store, {
    skus: SKUS,
    nodeDelayMs: 40,
    podDelays: { pullMs: 5, readyMs: 5, completionMs: null },
    onError: (e) => errors.push(e),
  });
  slowSim = createSimulation(slowStore, {
    skus: SKUS,
    nodeDelayMs: 10,
    gpuCapacityDelayMs: 150,
    onError: (e) => errors.push(e),
  });
});

afterAll(async () => {
  await sim.stop();
  await slowSim.stop();
});

describe("NodeClaims", () => {
  it("launch into a Ready GPU node with Karpenter/AKS labels, taints and capacity", async () => {
    store.create(R.nodeclaims, nodeClaim("ws0a1b2c3d4", "standard_nc24ads_a100_v4"));
    const nc = await waitFor("NodeClaim Ready", () => {
      const o = store.get(R.nodeclaims, undefined, "ws0a1b2c3d4");
      return cond(o, "Ready") === "True" ? o : undefined;
    });
    for (const t of ["Launched", "Registered", "Initialized", "Ready"]) expect(cond(nc, t)).toBe("True");
    expect(nc.metadata.finalizers).toContain("karpenter.sh/termination");
    const nodeName = String(status(nc).nodeName);
    expect(nodeName).toMatch(/^aks-ws0a1b2c3d4-\d{8}-vmss000000$/);
    expect(String(status(nc).providerID)).toContain("/virtualMachineScaleSets/aks-ws0a1b2c3d4-");
    expect((status(nc).capacity as Record<string, string>)["nvidia.com/gpu"]).toBe("1");

    const node = store.get(R.nodes, undefined, nodeName) as KubeObject;
    const labels = node.metadata.labels ?? {};
    expect(labels).toMatchObject({
      "node.kubernetes.io/instance-type": "Standard_NC24ads_A100_v4",
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/hostname": nodeName,
      "karpenter.sh/nodepool": "kaito",
      "kaito.sh/workspace": "ws1",
      agentpool: "ws0a1b2c3d4",
      "kubernetes.azure.com/agentpool": "ws0a1b2c3d4",
      accelerator: "nvidia",
      "nvidia.com/gpu.product": "NVIDIA-A100-PCIE-80GB",
      "nvidia.com/gpu.count": "1",
      "nvidia.com/gpu.memory": "81920",
      "nvidia.com/cuda.compute.major": "8",
    });
    expect((node.spec as { taints: unknown }).taints).toEqual([{ key: "sku", value: "gpu", effect: "NoSchedule" }]);
    expect((node.spec as { providerID: string }).providerID).toBe(status(nc).providerID);
    expect((status(node).capacity as Record<string, string>)["nvidia.com/gpu"]).toBe("1");
    expect((status(node).allocatable as Record<string, string>)["nvidia.com/gpu"]).toBe("1");
    expect(cond(node, "Ready")).toBe("True");
    expect(cond(node, "MemoryPressure")).toBe("False");
    expect(cond(node, "DiskPressure")).toBe("False");
    expect(cond(node, "PIDPressure")).toBe("False");
    expect(node.metadata.ownerReferences?.[0]).toMatchObject({ kind: "NodeClaim", name: "ws0a1b2c3d4" });
  });

  it("deleting a NodeClaim deletes its Node, then releases the termination finalizer", async () => {
    store.create(R.nodeclaims, nodeClaim("wsdelete01", "Standard_NC24ads_A100_v4"));
    const nc = await waitFor("NodeClaim Ready", () => {
      const o = store.get(R.nodeclaims, undefined, "wsdelete01");
      return cond(o, "Ready") === "True" ? o : undefined;
    });
    const nodeName = String(status(nc).nodeName);
    const after = store.delete(R.nodeclaims, undefined, "wsdelete01");
    expect(after?.metadata.deletionTimestamp).toBeDefined();
    await waitFor("NodeClaim gone", () => store.get(R.nodeclaims, undefined, "wsdelete01") === undefined);
    expect(store.get(R.nodes, undefined, nodeName)).toBeUndefined();
  });

  it("fails to launch an unknown instance type with Launched=False", async () => {
    store.create(R.nodeclaims, nodeClaim("wsunknown1", "Standard_Nope_v9"));
    const nc = await waitFor("Launched=False", () => {
      const o = store.get(R.nodeclaims, undefined, "wsunknown1");
      return cond(o, "Launched") === "False" ? o : undefined;
    });
    const launched = (status(nc).conditions as Array<Record<string, string>>).find((c) => c.type === "Launched");
    expect(launched?.reason).toBe("LaunchFailed");
    expect(launched?.message).toContain("all requested instance types were unavailable during launch");
    expect(launched?.message).toContain("Standard_Nope_v9");
    expect(cond(nc, "Ready")).toBe("Unknown");
  });

  it("injects quota and capacity failures by name pattern or instance type", async () => {
    const quota = sim.faults.addNodeClaimFault({ nodeClaim: "wsquota*", kind: "quota" });
    const capacity = sim.faults.addNodeClaimFault({ instanceType: "standard_nc96ads_*", kind: "unavailable" });
    store.create(R.nodeclaims, nodeClaim("wsquota01", "Standard_NC24ads_A100_v4"));
    store.create(R.nodeclaims, nodeClaim("wscap01", "Standard_NC96ads_A100_v4"));
    const message = (name: string) =>
      waitFor(`${name} Launched=False`, () => {
        const o = store.get(R.nodeclaims, undefined, name);
        const c = (status(o).conditions as Array<Record<string, string>> | undefined)?.find(
          (x) => x.type === "Launched" && x.status === "False",
        );
        return c?.message;
      });
    expect(await message("wsquota01")).toMatch(/quota/i);
    expect(await message("wscap01")).toContain("all requested instance types were unavailable during launch");
    expect(eventsFor(store, "default", "wscap01").some((e) => e.startsWith("InsufficientCapacityError"))).toBe(true);
    expect(sim.faults.remove(quota)).toBe(true);
    expect(sim.faults.remove(capacity)).toBe(true);
    expect(sim.faults.remove(capacity)).toBe(false);
  });
});

describe("device plugin delay", () => {
  it("registers a Ready node first and advertises nvidia.com/gpu later", async () => {
    slowStore.create(R.nodeclaims, nodeClaim("wsslow0001", "Standard_NC96ads_A100_v4"));
    const nc = await waitFor("NodeClaim Ready", () => {
      const o = slowStore.get(R.nodeclaims, undefined, "wsslow0001");
      return cond(o, "Ready") === "True" ? o : undefined;
    });
    const nodeName = String(status(nc).nodeName);
    const early = slowStore.get(R.nodes, undefined, nodeName);
    expect(cond(early, "Ready")).toBe("True");
    expect((status(early).capacity as Record<string, string>)["nvidia.com/gpu"]).toBeUndefined();
    const later = await waitFor("GPU capacity", () => {
      const o = slowStore.get(R.nodes, undefined, nodeName);
      return (status(o).allocatable as Record<string, string>)["nvidia.com/gpu"] === "4" ? o : undefined;
    });
    expect((status(later).capacity as Record<string, string>)["nvidia.com/gpu"]).toBe("4");
    expect((status(later).capacity as Record<string, string>).cpu).toBe("24");
  });
});

describe("scheduler", () => {
  it("leaves a pod that fits nowhere Pending/Unschedulable with the real scheduler's message and an event", async () => {
    store.create(R.pods, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "greedy", namespace: "default" },
      spec: {
        containers: [{ name: "main", image: "busybox", resources: { limits: { "nvidia.com/gpu": "2" } } }],
        tolerations: [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
      },
    });
    const pod = await waitFor("PodScheduled=False", () => {
      const o = store.get(R.pods, "default", "greedy");
      return cond(o, "PodScheduled") === "False" ? o : undefined;
    });
    const c = (status(pod).conditions as Array<Record<string, string>>).find((x) => x.type === "PodScheduled");
    expect(c?.reason).toBe("Unschedulable");
    expect(c?.message).toMatch(/^0\/\d+ nodes are available: \d+ Insufficient nvidia.com\/gpu\.$/);
    expect(status(pod).phase).toBe("Pending");
    expect(eventsFor(store, "default", "greedy").some((e) => e.startsWith("FailedScheduling: 0/"))).toBe(true);
  });

  it("binds a tolerating, fitting pod and the kubelet runs it to Ready", async () => {
    store.create(R.pods, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "fits", namespace: "default" },
      spec: {
        containers: [{ name: "main", image: "busybox", resources: { limits: { "nvidia.com/gpu": "1" } } }],
        tolerations: [{ key: "sku", operator: "Exists", effect: "NoSchedule" }],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "kaito.sh/workspace", operator: "In", values: ["ws1"] }] },
              ],
            },
          },
        },
      },
    });
    const pod = await waitFor("pod Ready", () => {
      const o = store.get(R.pods, "default", "fits");
      return cond(o, "Ready") === "True" ? o : undefined;
    });
    expect(String((pod.spec as { nodeName: string }).nodeName)).toMatch(/^aks-ws0a1b2c3d4-/);
    expect(status(pod).phase).toBe("Running");
    expect(status(pod).podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(status(pod).hostIP).toMatch(/^10\.224\./);
    for (const t of ["PodScheduled", "Initialized", "ContainersReady", "Ready", "PodReadyToStartContainers"]) {
      expect(cond(pod, t)).toBe("True");
    }
    const cs = (status(pod).containerStatuses as Array<Record<string, unknown>>)[0];
    expect(cs).toMatchObject({ name: "main", ready: true, started: true, restartCount: 0 });
    expect(String(cs?.imageID)).toMatch(/^docker\.io\/library\/busybox@sha256:/);
    const reasons = eventsFor(store, "default", "fits").map((e) => e.split(":")[0]);
    expect(reasons).toEqual(expect.arrayContaining(["Scheduled", "Pulling", "Pulled", "Created", "Started"]));
  });

  it("the greedy pod's message now counts the full node as Insufficient", async () => {
    // The fitting pod took the only GPU of the A100 node; the message is recomputed on the next pass.
    store.patch(R.pods, "default", "greedy", "merge", { metadata: { labels: { poke: "1" } } });
    await waitFor("message", () => {
      const o = store.get(R.pods, "default", "greedy");
      const c = (status(o).conditions as Array<Record<string, string>>).find((x) => x.type === "PodScheduled");
      return c?.message?.includes("Insufficient nvidia.com/gpu") ? c : undefined;
    });
    expect(errors).toEqual([]);
  });
});
