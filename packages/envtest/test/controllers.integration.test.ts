/**
 * `controllers: true`: the real kube-controller-manager and kube-scheduler do their work on the real API server —
 * service accounts and the root CA ConfigMap in a new namespace, the node-lifecycle controller lifting the not-ready
 * taint of a Node the test reports Ready, a Deployment's ReplicaSet and Pods, and the scheduler binding those Pods.
 */
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlPlane, eventually, startControlPlane } from "../src/index.ts";

let cp: ControlPlane;
let core: CoreV1Api;

beforeAll(async () => {
  cp = await startControlPlane({ controllers: true });
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await cp?.stop();
});

describe("with controllers", () => {
  it("starts all four components, each with its own log", () => {
    expect(Object.keys(cp.pids).sort()).toEqual([
      "etcd",
      "kube-apiserver",
      "kube-controller-manager",
      "kube-scheduler",
    ]);
    expect(Object.keys(cp.logs).sort()).toEqual(Object.keys(cp.pids).sort());
    expect(cp.timings.controllers).toBeGreaterThan(0);
  });

  it("a new namespace gets its default ServiceAccount and the kube-root-ca.crt ConfigMap with the cluster CA", async () => {
    await core.createNamespace({ body: { metadata: { name: "team-a" } } });
    await eventually("default ServiceAccount", () =>
      core.readNamespacedServiceAccount({ namespace: "team-a", name: "default" }),
    );
    const rootCa = await eventually("kube-root-ca.crt", () =>
      core.readNamespacedConfigMap({ namespace: "team-a", name: "kube-root-ca.crt" }),
    );
    expect(rootCa.data?.["ca.crt"]?.trim()).toBe(cp.caCertificate.trim());
  });

  it("a Deployment gets a ReplicaSet and Pods, which the scheduler binds to a ready Node", async () => {
    const node = await core.createNode({
      body: { metadata: { name: "gpu-node-1", labels: { "kubernetes.io/hostname": "gpu-node-1" } } },
    });
    expect(node.metadata?.name).toBe("gpu-node-1");
    // the TaintNodesByCondition admission plugin marks a new Node not-ready until the node-lifecycle controller sees
    // it Ready
    expect(node.spec?.taints?.map((t) => t.key)).toContain("node.kubernetes.io/not-ready");
    const now = new Date().toISOString();
    // a merge patch of the status: the node-lifecycle controller may be updating the Node at the same time
    await core.patchNodeStatus(
      {
        name: "gpu-node-1",
        body: {
          status: {
            capacity: { cpu: "8", memory: "32Gi", pods: "110", "nvidia.com/gpu": "1" },
            allocatable: { cpu: "8", memory: "32Gi", pods: "110", "nvidia.com/gpu": "1" },
            conditions: [
              {
                type: "Ready",
                status: "True",
                reason: "KubeletReady",
                message: "simulated",
                lastHeartbeatTime: now,
                lastTransitionTime: now,
              },
            ],
          },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await eventually("default/default ServiceAccount", () =>
      core.readNamespacedServiceAccount({ namespace: "default", name: "default" }),
    );
    const labels = { app: "demo" };
    await cp.kubeConfig.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: "default",
      body: {
        metadata: { name: "demo" },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [{ name: "main", image: "sim/demo:1", resources: { limits: { "nvidia.com/gpu": "0" } } }],
            },
          },
        },
      },
    });
    const pods = await eventually("two scheduled pods", async () => {
      const list = await core.listNamespacedPod({ namespace: "default", labelSelector: "app=demo" });
      const scheduled = list.items.filter((p: V1Pod) => p.spec?.nodeName === "gpu-node-1");
      return scheduled.length === 2 ? scheduled : undefined;
    });
    expect(pods[0]?.metadata?.ownerReferences?.[0]?.kind).toBe("ReplicaSet");
    expect(pods[0]?.status?.conditions?.find((c) => c.type === "PodScheduled")?.status).toBe("True");
    const ready = await core.readNode({ name: "gpu-node-1" });
    expect(ready.spec?.taints ?? []).toEqual([]);
  });
});
