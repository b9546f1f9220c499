/**
 * Scenarios for a simulation attached to an API server over HTTP (`attachSimulation`), written against
 * `@kubernetes/client-node` only, so the same checks run on cluster-sim's server and on a real control plane.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KubeConfig, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import { expect } from "vitest";
import type { Simulation, SimulationOptions } from "../../src/sim/index.ts";
import type { KubeObject } from "../../src/store/api.ts";
import { SKUS, waitFor } from "./helpers.ts";

/** Simulation options shared by the remote scenarios. */
export function remoteSimOptions(extra: Partial<SimulationOptions> = {}): SimulationOptions {
  return {
    skus: SKUS,
    nodeDelayMs: 20,
    podDelays: { pullMs: 5, readyMs: 5, backoffMs: 20, maxBackoffMs: 200, probeIntervalMs: 30, killGraceMs: 2000 },
    processRuntime: {
      images: [
        { image: "sim/node:*" },
        {
          image: "sim/server",
          command: [
            process.execPath,
            "-e",
            `console.log("serving " + process.env.HOSTNAME); require("node:http").createServer((q, s) => s.end("hello from " + process.env.HOSTNAME)).listen(Number(process.env.PORT), "127.0.0.1")`,
          ],
        },
      ],
    },
    ...extra,
  };
}

/** The client the scenarios use. */
export interface Remote {
  kc: KubeConfig;
  sim: Simulation;
  namespace: string;
}

type Obj = Record<string, unknown>;

/** Polls an async `check` until it gives a value that is not undefined/false. */
async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function client(r: Remote): KubernetesObjectApi {
  return KubernetesObjectApi.makeApiClient(r.kc);
}

/** Reads an object, or undefined when it is gone. */
export async function read(r: Remote, o: { apiVersion: string; kind: string; name: string; namespace?: string }) {
  try {
    const metadata: { name: string; namespace?: string } = { name: o.name };
    if (o.namespace !== undefined) metadata.namespace = o.namespace;
    return (await client(r).read({ apiVersion: o.apiVersion, kind: o.kind, metadata })) as unknown as KubeObject;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/** Polls `read` until `check` holds for the object (returns it). */
async function waitObject(
  r: Remote,
  what: string,
  ref: { apiVersion: string; kind: string; name: string; namespace?: string },
  check: (o: KubeObject) => boolean,
  timeoutMs = 30_000,
): Promise<KubeObject> {
  const deadline = Date.now() + timeoutMs;
  let last: KubeObject | undefined;
  for (;;) {
    last = await read(r, ref);
    if (last !== undefined && check(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last state: ${JSON.stringify(last?.status ?? "absent")}`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

function condition(o: KubeObject | undefined, type: string): string | undefined {
  const conditions = (o?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions;
  return conditions?.find((c) => c.type === type)?.status;
}

function status(o: KubeObject | undefined): Obj {
  return (o?.status as Obj | undefined) ?? {};
}

/** A NodeClaim like Kaito's, for an A100 SKU, tainted `sku=gpu:NoSchedule`. */
export function gpuNodeClaim(name: string): KubernetesObject {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: {
      name,
      labels: { "karpenter.sh/nodepool": "kaito", "kaito.sh/workspace": name },
    } as KubernetesObject["metadata"],
    spec: {
      nodeClassRef: { group: "kaito.sh", kind: "KaitoNodeClass", name: "default" },
      taints: [{ key: "sku", value: "gpu", effect: "NoSchedule" }],
      requirements: [
        { key: "karpenter.sh/nodepool", operator: "In", values: ["kaito"] },
        { key: "node.kubernetes.io/instance-type", operator: "In", values: ["Standard_NC24ads_A100_v4"] },
      ],
      resources: { requests: { storage: "87Gi" } },
    },
  } as KubernetesObject;
}

const gpuPodSpec = (containers: Obj[], extra: Obj = {}): Obj => ({
  tolerations: [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
  nodeSelector: { accelerator: "nvidia" },
  containers,
  ...extra,
});

/**
 * Creates a NodeClaim and checks it becomes a Ready GPU Node: capacity/allocatable `nvidia.com/gpu`, the instance
 * type and GPU labels, the claim's taint, provider ID, the NodeClaim's lifecycle conditions and finalizer, and a Lease
 * in `kube-node-lease`. Returns the node's name.
 */
export async function nodeClaimBecomesGpuNode(r: Remote, claimName: string): Promise<string> {
  await client(r).create(gpuNodeClaim(claimName));
  const claim = await waitObject(
    r,
    `NodeClaim ${claimName} Ready`,
    { apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: claimName },
    (o) => condition(o, "Ready") === "True",
  );
  for (const type of ["Launched", "Registered", "Initialized"]) expect(condition(claim, type)).toBe("True");
  expect(claim.metadata.finalizers).toContain("karpenter.sh/termination");
  const nodeName = String(status(claim).nodeName);
  expect(String(status(claim).providerID)).toMatch(/^azure:\/\/\/subscriptions\//);
  const node = await waitObject(
    r,
    `Node ${nodeName} Ready`,
    { apiVersion: "v1", kind: "Node", name: nodeName },
    (o) => condition(o, "Ready") === "True",
  );
  expect(status(node).capacity).toMatchObject({ "nvidia.com/gpu": "1", pods: "110" });
  expect(status(node).allocatable).toMatchObject({ "nvidia.com/gpu": "1" });
  expect(node.metadata.labels).toMatchObject({
    "node.kubernetes.io/instance-type": "Standard_NC24ads_A100_v4",
    accelerator: "nvidia",
    "nvidia.com/gpu.product": "NVIDIA-A100-PCIE-80GB",
    "kaito.sh/workspace": claimName,
  });
  expect((node.spec as Obj).taints).toContainEqual({ key: "sku", value: "gpu", effect: "NoSchedule" });
  expect((node.spec as Obj).providerID).toBe(status(claim).providerID);
  const lease = await waitUntil("the node's Lease", () =>
    read(r, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", name: nodeName, namespace: "kube-node-lease" }),
  );
  expect((lease.spec as Obj).holderIdentity).toBe(nodeName);
  return nodeName;
}

/** A Job whose pod asks for one GPU and runs a real `node -e` process: it ends Succeeded, its output in the logs. */
export async function jobRunsToSucceeded(r: Remote, name: string): Promise<void> {
  await client(r).create({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: r.namespace },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { app: name } },
        spec: gpuPodSpec(
          [
            {
              name: "main",
              image: "sim/node:24",
              command: ["node", "-e", "console.log('tuned on ' + process.env.NODE_NAME)"],
              env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
              resources: { limits: { "nvidia.com/gpu": "1" } },
            },
          ],
          { restartPolicy: "Never" },
        ),
      },
    },
  } as KubernetesObject);
  const job = await waitObject(
    r,
    `Job ${name} Complete`,
    { apiVersion: "batch/v1", kind: "Job", name, namespace: r.namespace },
    (o) => condition(o, "Complete") === "True",
    60_000,
  );
  expect(status(job).succeeded).toBe(1);
  const pods = await client(r).list(
    "v1",
    "Pod",
    r.namespace,
    undefined,
    undefined,
    undefined,
    undefined,
    `app=${name}`,
  );
  const pod = pods.items[0] as unknown as KubeObject;
  expect(status(pod).phase).toBe("Succeeded");
  const nodeName = String((pod.spec as Obj).nodeName);
  const main = (status(pod).containerStatuses as Obj[])[0];
  expect(main?.state).toMatchObject({ terminated: { exitCode: 0, reason: "Completed" } });
  expect(status(pod).podIP).toMatch(/^10\.244\.\d+\.\d+$/);
  expect(r.sim.logs(r.namespace, pod.metadata.name ?? "", "main")).toBe(`tuned on ${nodeName}\n`);
}

/**
 * A StatefulSet whose pod runs an HTTP server with a readiness probe: the pod becomes Ready, its Service resolves to
 * the process, and its logs are readable. Returns the pod's name.
 */
export async function statefulSetPodBecomesReady(r: Remote, name: string): Promise<string> {
  await client(r).create({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: r.namespace },
    spec: { clusterIP: "None", selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  } as KubernetesObject);
  await client(r).create({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: r.namespace },
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: gpuPodSpec([
          {
            name: "server",
            image: "sim/server",
            ports: [{ name: "http", containerPort: 5000 }],
            readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 1 },
            resources: { limits: { "nvidia.com/gpu": "1" } },
          },
        ]),
      },
    },
  } as KubernetesObject);
  const podName = `${name}-0`;
  const pod = await waitObject(
    r,
    `pod ${podName} Ready`,
    { apiVersion: "v1", kind: "Pod", name: podName, namespace: r.namespace },
    (o) => condition(o, "Ready") === "True",
    60_000,
  );
  expect(status(pod).phase).toBe("Running");
  expect((status(pod).containerStatuses as Obj[])[0]).toMatchObject({ ready: true, started: true, restartCount: 0 });
  await waitObject(
    r,
    `StatefulSet ${name} readyReplicas 1`,
    { apiVersion: "apps/v1", kind: "StatefulSet", name, namespace: r.namespace },
    (o) => status(o).readyReplicas === 1,
  );
  const endpoint = await waitFor("the service's process endpoint", () =>
    r.sim.resolveService(r.namespace, name, "http"),
  );
  const answer = await fetch(`http://${endpoint.host}:${endpoint.port}/`);
  expect(await answer.text()).toBe(`hello from ${podName}`);
  expect(r.sim.logs(r.namespace, podName, "server")).toBe(`serving ${podName}\n`);
  return podName;
}

/**
 * Deleting a running pod with a grace period: the node agent sends SIGTERM, the process finishes its shutdown work,
 * then the agent removes the pod (delete with grace 0), as the kubelet does.
 */
export async function gracefulDeletion(r: Remote, name: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sim-remote-"));
  try {
    await client(r).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: r.namespace },
      spec: gpuPodSpec([
        {
          name: "main",
          image: "sim/node:24",
          command: [
            "node",
            "-e",
            [
              `const fs = require("node:fs");`,
              // The handler first: until it exists, SIGTERM kills the process at once.
              `process.on("SIGTERM", () => { setTimeout(() => { fs.writeFileSync(${JSON.stringify(join(dir, "done"))}, "clean"); process.exit(0); }, 100); });`,
              `console.log("up");`,
              "setInterval(() => {}, 1000);",
            ].join(" "),
          ],
        },
      ]),
    } as KubernetesObject);
    const ref = { apiVersion: "v1", kind: "Pod", name, namespace: r.namespace };
    await waitObject(r, `pod ${name} Running`, ref, (o) => status(o).phase === "Running");
    await waitFor("the process's output", () => r.sim.logs(r.namespace, name, "main") === "up\n");
    await client(r).delete(
      { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: r.namespace } },
      undefined,
      undefined,
      5,
    );
    await waitUntil(`pod ${name} removed`, async () => (await read(r, ref)) === undefined, 20_000);
    expect(readFileSync(join(dir, "done"), "utf8")).toBe("clean");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads the node's Lease renewTime and Ready heartbeat. */
export async function heartbeatsOf(r: Remote, nodeName: string): Promise<{ renewTime: string; heartbeat: string }> {
  const lease = await read(r, {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    name: nodeName,
    namespace: "kube-node-lease",
  });
  const node = await read(r, { apiVersion: "v1", kind: "Node", name: nodeName });
  const ready = ((status(node).conditions as Obj[] | undefined) ?? []).find((c) => c.type === "Ready");
  return {
    renewTime: String((lease?.spec as Obj | undefined)?.renewTime),
    heartbeat: String(ready?.lastHeartbeatTime),
  };
}
