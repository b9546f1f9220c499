import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulation, type Simulation } from "../../src/sim/index.ts";
import { R } from "../../src/sim/shared/resources.ts";
import type { KubeObject } from "../../src/store/api.ts";
import { cond, eventsFor, nodeClaim, SKUS, status, waitFor } from "./helpers.ts";
import { StoreDouble } from "./store-double.ts";

const store = new StoreDouble();
const errors: unknown[] = [];
let sim: Simulation;

const gpuPodSpec = (image = "mcr.microsoft.com/aks/kaito/kaito-base:0.5.0") => ({
  containers: [
    {
      name: "main",
      image,
      resources: { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } },
      ports: [{ name: "http", containerPort: 5000 }],
    },
  ],
  tolerations: [
    { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
    { key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" },
  ],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: "kaito.sh/workspace", operator: "In", values: ["ws-sts"] }] }],
      },
    },
  },
});

beforeAll(async () => {
  sim = createSimulation(store, {
    skus: SKUS,
    nodeDelayMs: 20,
    podDelays: { pullMs: 5, readyMs: 5, completionMs: 30, backoffMs: 20, maxBackoffMs: 100 },
    onError: (e) => errors.push(e),
  });
  store.create(R.nodeclaims, nodeClaim("wssts00001", "Standard_NC24ads_A100_v4", "ws-sts"));
  store.create(R.nodeclaims, nodeClaim("wssts00002", "Standard_NC24ads_A100_v4", "ws-sts"));
  store.create(R.nodeclaims, nodeClaim("cpu0000001", "Standard_D4s_v3", "cpu", false));
  await waitFor("3 ready NodeClaims", () =>
    ["wssts00001", "wssts00002", "cpu0000001"].every(
      (n) => cond(store.get(R.nodeclaims, undefined, n), "Ready") === "True",
    ),
  );
});

afterAll(async () => {
  await sim.stop();
});

function sts(name: string, template: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: "default" },
    spec: {
      replicas: 2,
      podManagementPolicy: "Parallel",
      serviceName: `${name}-headless`,
      selector: { matchLabels: { "kaito.sh/workspace": name } },
      template: { metadata: { labels: { "kaito.sh/workspace": name } }, spec: template },
      ...extra,
    },
  };
}

describe("StatefulSet", () => {
  it("runs 2 replicas on the 2 GPU nodes and reports them ready", async () => {
    store.create(R.statefulsets, sts("ws-sts", gpuPodSpec()));
    const set = await waitFor("readyReplicas 2", () => {
      const o = store.get(R.statefulsets, "default", "ws-sts");
      return status(o).readyReplicas === 2 ? o : undefined;
    });
    const s = status(set);
    expect(s).toMatchObject({ replicas: 2, currentReplicas: 2, updatedReplicas: 2, observedGeneration: 1 });
    expect(s.currentRevision).toBe(s.updateRevision);
    expect(String(s.updateRevision)).toMatch(/^ws-sts-[bcdfghjklmnpqrstvwxz2456789]+$/);
    const pods = ["ws-sts-0", "ws-sts-1"].map((n) => store.get(R.pods, "default", n) as KubeObject);
    expect(pods.map((p) => p.metadata.labels?.["statefulset.kubernetes.io/pod-name"])).toEqual([
      "ws-sts-0",
      "ws-sts-1",
    ]);
    expect(pods.map((p) => p.metadata.labels?.["apps.kubernetes.io/pod-index"])).toEqual(["0", "1"]);
    expect(pods[0]?.metadata.labels?.["controller-revision-hash"]).toBe(s.updateRevision);
    expect((pods[0]?.spec as { subdomain?: string } | undefined)?.subdomain).toBe("ws-sts-headless");
    const nodes = new Set(pods.map((p) => (p.spec as { nodeName: string }).nodeName));
    expect(nodes.size).toBe(2);
    const revs = store.list(R.controllerrevisions, { namespace: "default" });
    expect(revs.map((r) => r.metadata.name)).toContain(s.updateRevision);
    expect(revs[0]?.revision).toBe(1);
  });

  it("rolls pods to a new template revision, highest ordinal first", async () => {
    const cur = store.get(R.statefulsets, "default", "ws-sts") as KubeObject;
    const before = String(status(cur).currentRevision);
    const spec = structuredClone(cur.spec) as { template: { spec: { containers: Array<Record<string, unknown>> } } };
    const c0 = spec.template.spec.containers[0];
    if (c0) c0.env = [{ name: "VLLM_USE_FLASHINFER_SAMPLER", value: "0" }];
    store.update(R.statefulsets, { ...cur, spec });
    const done = await waitFor("rolled", () => {
      const o = store.get(R.statefulsets, "default", "ws-sts");
      const s = status(o);
      return s.updateRevision !== before && s.currentRevision === s.updateRevision && s.readyReplicas === 2
        ? o
        : undefined;
    });
    expect(status(done)).toMatchObject({ updatedReplicas: 2, currentReplicas: 2, observedGeneration: 2 });
    const deletions = eventsFor(store, "default", "ws-sts").filter((e) => e.startsWith("SuccessfulDelete"));
    expect(deletions[0]).toContain("ws-sts-1");
    expect(store.list(R.controllerrevisions, { namespace: "default" }).length).toBe(2);
  });

  it("keeps an OrderedReady replica pending until its predecessor is ready", async () => {
    store.create(
      R.statefulsets,
      sts(
        "ordered",
        { containers: [{ name: "c", image: "busybox" }] },
        { podManagementPolicy: "OrderedReady", replicas: 3 },
      ),
    );
    await waitFor("3 ready", () => status(store.get(R.statefulsets, "default", "ordered")).readyReplicas === 3);
    const created = eventsFor(store, "default", "ordered")
      .filter((e) => e.startsWith("SuccessfulCreate"))
      .map((e) => /Pod (\S+)/.exec(e)?.[1]);
    expect(created).toEqual(["ordered-0", "ordered-1", "ordered-2"]);
    // Scale down: highest ordinals go.
    store.patch(R.statefulsets, "default", "ordered", "merge", { spec: { replicas: 1 } });
    await waitFor("scaled down", () => {
      const s = status(store.get(R.statefulsets, "default", "ordered"));
      return s.replicas === 1 && store.get(R.pods, "default", "ordered-1") === undefined;
    });
    expect(store.get(R.pods, "default", "ordered-0")).toBeDefined();
  });
});

describe("Deployment", () => {
  it("creates a ReplicaSet with pod-template-hash and reaches Available", async () => {
    store.create(R.deployments, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "default" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
      },
    });
    const d = await waitFor("available", () => {
      const o = store.get(R.deployments, "default", "web");
      return status(o).availableReplicas === 2 && cond(o, "Available") === "True" ? o : undefined;
    });
    expect(status(d)).toMatchObject({ replicas: 2, updatedReplicas: 2, readyReplicas: 2, observedGeneration: 1 });
    const progressing = (status(d).conditions as Array<Record<string, string>>).find((c) => c.type === "Progressing");
    expect(progressing?.reason).toBe("NewReplicaSetAvailable");
    const rs = store.list(R.replicasets, { namespace: "default" });
    expect(rs).toHaveLength(1);
    const hash = rs[0]?.metadata.labels?.["pod-template-hash"];
    expect(rs[0]?.metadata.name).toBe(`web-${hash}`);
    const pods = store.list(R.pods, { namespace: "default", labelSelector: "app=web" });
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => p.metadata.labels?.["pod-template-hash"] === hash)).toBe(true);
    expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
  });

  it("rolls out a new template to a second ReplicaSet and scales the old one to 0", async () => {
    const cur = store.get(R.deployments, "default", "web") as KubeObject;
    const spec = structuredClone(cur.spec) as { template: { spec: { containers: Array<Record<string, unknown>> } } };
    const c0 = spec.template.spec.containers[0];
    if (c0) c0.image = "nginx:1.27";
    store.update(R.deployments, { ...cur, spec });
    const d = await waitFor("rolled out", () => {
      const o = store.get(R.deployments, "default", "web");
      const s = status(o);
      return s.observedGeneration === 2 && s.updatedReplicas === 2 && s.replicas === 2 && s.availableReplicas === 2
        ? o
        : undefined;
    });
    expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    const rs = store.list(R.replicasets, { namespace: "default" });
    expect(rs).toHaveLength(2);
    expect(rs.map((r) => (r.spec as { replicas: number }).replicas).sort()).toEqual([0, 2]);
    const live = store
      .list(R.pods, { namespace: "default", labelSelector: "app=web" })
      .filter((p) => p.metadata.deletionTimestamp === undefined);
    await waitFor("old pods gone", () =>
      store
        .list(R.pods, { namespace: "default", labelSelector: "app=web" })
        .every((p) => (p.spec as { containers: Array<{ image: string }> }).containers[0]?.image === "nginx:1.27"),
    );
    expect(live.length).toBeGreaterThanOrEqual(2);
  });
});

describe("Job", () => {
  const job = (name: string, extra: Record<string, unknown>, image = "busybox"): KubeObject => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "default" },
    spec: {
      template: { spec: { restartPolicy: "Never", containers: [{ name: "work", image }] } },
      ...extra,
    },
  });

  it("completes with completions/parallelism and the 1.32 conditions", async () => {
    store.create(R.jobs, job("batch", { completions: 3, parallelism: 2 }));
    const j = await waitFor("Complete", () => {
      const o = store.get(R.jobs, "default", "batch");
      return cond(o, "Complete") === "True" ? o : undefined;
    });
    expect(status(j)).toMatchObject({ succeeded: 3, failed: 0, active: 0, ready: 0 });
    expect(cond(j, "SuccessCriteriaMet")).toBe("True");
    expect(status(j).startTime).toBeDefined();
    expect(status(j).completionTime).toBeDefined();
    const pods = store.list(R.pods, { namespace: "default", labelSelector: "job-name=batch" });
    expect(pods).toHaveLength(3);
    expect(pods[0]?.metadata.labels).toMatchObject({
      "batch.kubernetes.io/job-name": "batch",
      "controller-uid": j.metadata.uid,
      "batch.kubernetes.io/controller-uid": j.metadata.uid,
    });
    expect(pods.every((p) => status(p).phase === "Succeeded")).toBe(true);
  });

  it("fails after backoffLimit failed pods with FailureTarget then Failed", async () => {
    const fault = sim.faults.addPodFault({ kind: "ExitCode", pod: "doomed-*", exitCode: 3, afterMs: 5 });
    store.create(R.jobs, job("doomed", { backoffLimit: 1 }));
    const j = await waitFor("Failed", () => {
      const o = store.get(R.jobs, "default", "doomed");
      return cond(o, "Failed") === "True" ? o : undefined;
    });
    expect(status(j)).toMatchObject({ failed: 2, succeeded: 0, active: 0 });
    const failed = (status(j).conditions as Array<Record<string, string>>).find((c) => c.type === "Failed");
    expect(failed).toMatchObject({
      reason: "BackoffLimitExceeded",
      message: "Job has reached the specified backoff limit",
    });
    expect(cond(j, "FailureTarget")).toBe("True");
    const pods = store.list(R.pods, { namespace: "default", labelSelector: "job-name=doomed" });
    const term = (status(pods[0]).containerStatuses as Array<{ state: { terminated: Record<string, unknown> } }>)[0];
    expect(term?.state.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    sim.faults.remove(fault);
  });
});

describe("Services", () => {
  it("allocates a ClusterIP and keeps Endpoints with ready and not-ready addresses", async () => {
    store.create(R.services, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "ws-sts", namespace: "default" },
      spec: {
        selector: { "kaito.sh/workspace": "ws-sts", "statefulset.kubernetes.io/pod-name": "ws-sts-0" },
        ports: [{ name: "http", port: 80, targetPort: 5000, protocol: "TCP" }],
        publishNotReadyAddresses: true,
      },
    });
    store.create(R.services, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "ws-sts-headless", namespace: "default" },
      spec: { clusterIP: "None", selector: { "kaito.sh/workspace": "ws-sts" }, publishNotReadyAddresses: true },
    });
    store.create(R.services, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "named", namespace: "default" },
      spec: { selector: { "kaito.sh/workspace": "ws-sts" }, ports: [{ name: "web", port: 8080, targetPort: "http" }] },
    });
    const ep = await waitFor("endpoints", () => {
      const o = store.get(R.endpoints, "default", "ws-sts");
      return o?.subsets ? o : undefined;
    });
    const svc = store.get(R.services, "default", "ws-sts");
    expect(String((svc?.spec as { clusterIP?: string } | undefined)?.clusterIP)).toMatch(/^10\.96\.\d+\.\d+$/);
    const subsets = ep.subsets as Array<Record<string, Array<Record<string, unknown>>>>;
    expect(subsets).toHaveLength(1);
    expect(subsets[0]?.addresses?.map((a) => (a.targetRef as { name: string }).name)).toEqual(["ws-sts-0"]);
    expect(subsets[0]?.ports).toEqual([{ name: "http", port: 5000, protocol: "TCP" }]);

    const headless = await waitFor("headless endpoints", () => {
      const o = store.get(R.endpoints, "default", "ws-sts-headless");
      return (o?.subsets as Array<{ addresses?: unknown[] }> | undefined)?.[0]?.addresses?.length === 2 ? o : undefined;
    });
    expect(headless.metadata.labels?.["service.kubernetes.io/headless"]).toBe("");
    const addr = (headless.subsets as Array<{ addresses: Array<Record<string, unknown>> }>)[0]?.addresses ?? [];
    expect(addr.map((a) => a.hostname).sort()).toEqual(["ws-sts-0", "ws-sts-1"]);
    expect(
      (store.get(R.services, "default", "ws-sts-headless")?.spec as { clusterIP?: string } | undefined)?.clusterIP,
    ).toBe("None");

    const named = await waitFor("named endpoints", () => store.get(R.endpoints, "default", "named")?.subsets);
    expect((named as Array<{ ports: unknown }>)[0]?.ports).toEqual([{ name: "web", port: 5000, protocol: "TCP" }]);
  });

  it("moves a pod to notReadyAddresses when it is not ready (without publishNotReadyAddresses)", async () => {
    const fault = sim.faults.addPodFault({ kind: "CrashLoopBackOff", pod: "flaky-*", afterMs: 5 });
    store.create(
      R.statefulsets,
      sts("flaky", { containers: [{ name: "c", image: "busybox", ports: [{ containerPort: 80 }] }] }),
    );
    store.create(R.services, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "flaky", namespace: "default" },
      spec: { selector: { "kaito.sh/workspace": "flaky" }, ports: [{ port: 80 }] },
    });
    const ep = await waitFor("not ready addresses", () => {
      const subsets = store.get(R.endpoints, "default", "flaky")?.subsets as
        | Array<{ notReadyAddresses?: unknown[]; addresses?: unknown[] }>
        | undefined;
      return subsets?.[0]?.notReadyAddresses?.length === 2 ? subsets : undefined;
    });
    expect(ep[0]?.addresses).toBeUndefined();
    sim.faults.remove(fault);
    expect(errors).toEqual([]);
  });
});
