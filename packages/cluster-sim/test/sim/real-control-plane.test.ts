/**
 * The simulation attached to a real control plane (etcd + kube-apiserver + kube-controller-manager + kube-scheduler
 * from `@kaito-ts/envtest`): the simulation is only the cloud and the node agent; the real scheduler places the pods
 * (GPU extended resources, taints, node selectors) and the real Job/StatefulSet controllers make them. The
 * controller-manager's node grace period is short, so a node whose heartbeats stop is tainted within seconds.
 */
import { type ControlPlane, startControlPlane } from "@kaito-ts/envtest";
import { CoreV1Api, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachSimulation, installNodeClaimCrd, type Simulation } from "../../src/sim/index.ts";
import type { KubeObject } from "../../src/store/api.ts";
import {
  gracefulDeletion,
  heartbeatsOf,
  jobRunsToSucceeded,
  nodeClaimBecomesGpuNode,
  type Remote,
  read,
  remoteSimOptions,
  statefulSetPodBecomesReady,
} from "./remote-scenarios.ts";

/** The node-lifecycle controller's grace period for this control plane, in seconds. */
const GRACE_SECONDS = 8;

let plane: ControlPlane;
let sim: Simulation;
let remote: Remote;
const errors: string[] = [];

type Obj = Record<string, unknown>;

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  plane = await startControlPlane({
    controllers: true,
    controllerManagerFlags: [`--node-monitor-grace-period=${GRACE_SECONDS}s`, "--node-monitor-period=1s"],
  });
  await installNodeClaimCrd(plane.kubeConfig);
  sim = await attachSimulation(plane.kubeConfig, {
    ...remoteSimOptions(),
    heartbeats: { leaseRenewMs: 1000, nodeStatusMs: 2000 },
    kubeletEndpoint: true,
    onError: (error, where) => errors.push(`${where}: ${error instanceof Error ? error.message : String(error)}`),
  });
  remote = { kc: plane.kubeConfig, sim, namespace: "default" };
  // Pods are admitted once the serviceaccount controller made the namespace's default ServiceAccount.
  await until("the default ServiceAccount", () =>
    read(remote, { apiVersion: "v1", kind: "ServiceAccount", name: "default", namespace: "default" }),
  );
}, 180_000);

afterAll(async () => {
  await sim?.stop();
  await plane?.stop();
});

describe("attachSimulation on a real control plane", () => {
  let nodeName = "";

  it("turns a NodeClaim into a Ready GPU node with a Lease", async () => {
    nodeName = await nodeClaimBecomesGpuNode(remote, "wsreal01");
  });

  it("runs a Job's GPU pod, placed by the real scheduler, as a real process to Succeeded", async () => {
    await jobRunsToSucceeded(remote, "tune");
  });

  it("makes a StatefulSet's pod Ready, reachable through its Service, with readable logs", async () => {
    await statefulSetPodBecomesReady(remote, "infer");
  });

  it("serves the process's output to the API server's pods/log (kubectl logs)", async () => {
    const core = plane.kubeConfig.makeApiClient(CoreV1Api);
    const logs = await core.readNamespacedPodLog({ name: "infer-0", namespace: "default", container: "server" });
    expect(logs).toBe("serving infer-0\n");
    const missing = await core
      .readNamespacedPodLog({ name: "infer-0", namespace: "default", container: "server", previous: true })
      .catch((e: unknown) => e);
    const status = JSON.parse(String((missing as { body?: unknown }).body)) as { reason?: string; message?: string };
    expect(status.reason).toBe("BadRequest");
    expect(status.message).toContain('previous terminated container "server" in pod "infer-0" not found');
  });

  it.each([
    ["too-big", [{ key: "sku", operator: "Exists" }], "2", "Insufficient nvidia.com/gpu"],
    ["untolerated", [], "1", "had untolerated taint"],
  ])("leaves pod %s Pending as the real scheduler decides (%j, %s GPUs)", async (name, tolerations, gpus, why) => {
    const client = KubernetesObjectApi.makeApiClient(plane.kubeConfig);
    await client.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default" },
      spec: {
        tolerations,
        containers: [{ name: "main", image: "sim/node:24", resources: { limits: { "nvidia.com/gpu": gpus } } }],
      },
    } as KubernetesObject);
    const pod = await until("FailedScheduling", async () => {
      const p = await read(remote, { apiVersion: "v1", kind: "Pod", name, namespace: "default" });
      const scheduled = ((p?.status as Obj | undefined)?.conditions as Obj[] | undefined)?.find(
        (c) => c.type === "PodScheduled",
      );
      return scheduled?.reason === "Unschedulable" ? p : undefined;
    });
    const scheduled = ((pod.status as Obj).conditions as Obj[]).find((c) => c.type === "PodScheduled");
    expect(String(scheduled?.message)).toContain(why);
    expect((pod.spec as Obj).nodeName).toBeUndefined();
  });

  it("ends a gracefully deleted pod: SIGTERM, the process's shutdown work, then removal", async () => {
    await gracefulDeletion(remote, "graceful");
  });

  it("keeps its node Ready past the node grace period while a node without heartbeats is tainted unreachable", async () => {
    const client = KubernetesObjectApi.makeApiClient(plane.kubeConfig);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    await client.create({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "silent", labels: { "kubernetes.io/hostname": "silent" } },
      status: {
        capacity: { cpu: "4", memory: "16Gi", pods: "110" },
        allocatable: { cpu: "4", memory: "16Gi", pods: "110" },
        conditions: [
          { type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: now, lastTransitionTime: now },
        ],
      },
    } as KubernetesObject);
    const before = await heartbeatsOf(remote, nodeName);
    const taintKeys = (n: KubeObject | undefined) =>
      (((n?.spec as Obj | undefined)?.taints as Obj[] | undefined) ?? []).map((t) => String(t.key));
    // The control: the node-lifecycle controller is at work with the short grace period.
    await until(
      "the silent node tainted unreachable",
      async () =>
        taintKeys(await read(remote, { apiVersion: "v1", kind: "Node", name: "silent" })).includes(
          "node.kubernetes.io/unreachable",
        ),
      (GRACE_SECONDS + 20) * 1000,
    );
    const node = await read(remote, { apiVersion: "v1", kind: "Node", name: nodeName });
    expect(taintKeys(node)).not.toContain("node.kubernetes.io/unreachable");
    expect(taintKeys(node)).not.toContain("node.kubernetes.io/not-ready");
    const ready = (((node?.status as Obj | undefined)?.conditions as Obj[] | undefined) ?? []).find(
      (c) => c.type === "Ready",
    );
    expect(ready?.status).toBe("True");
    const after = await heartbeatsOf(remote, nodeName);
    expect(Date.parse(after.renewTime)).toBeGreaterThan(Date.parse(before.renewTime));
    expect(Date.parse(after.heartbeat)).toBeGreaterThan(Date.parse(before.heartbeat));
  });

  it("deletes the Node and releases the finalizer when the NodeClaim is deleted", async () => {
    const client = KubernetesObjectApi.makeApiClient(plane.kubeConfig);
    await client.delete({ apiVersion: "karpenter.sh/v1", kind: "NodeClaim", metadata: { name: "wsreal01" } });
    await until(
      "NodeClaim and Node gone",
      async () =>
        (await read(remote, { apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: "wsreal01" })) === undefined &&
        (await read(remote, { apiVersion: "v1", kind: "Node", name: nodeName })) === undefined,
    );
  });

  it("reported no failures it could not handle", () => {
    expect(errors).toEqual([]);
  });
});
