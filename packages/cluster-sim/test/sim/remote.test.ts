/**
 * The simulation as a remote client (`attachSimulation`) of cluster-sim's own HTTP server: the in-process simulation
 * keeps only the scheduler and the workload/endpoint controllers, and a second simulation attached over HTTP is the
 * cloud and the node agent — the split a real control plane needs.
 */
import { KubeConfig, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../src/cluster.ts";
import { isClusterSimError } from "../../src/errors/index.ts";
import { attachSimulation, installNodeClaimCrd, type Simulation } from "../../src/sim/index.ts";
import { errorReason } from "../../src/sim/shared/objects.ts";
import { SKUS, waitFor } from "./helpers.ts";
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

let cluster: Cluster;
let sim: Simulation;
let remote: Remote;
const errors: string[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    skus: SKUS,
    simulation: { controllers: { nodeClaims: false, nodeAgent: false } },
  });
  sim = await attachSimulation(cluster.kubeConfig, {
    ...remoteSimOptions(),
    heartbeats: { leaseRenewMs: 50, nodeStatusMs: 100 },
    onError: (error, where) => errors.push(`${where}: ${error instanceof Error ? error.message : String(error)}`),
  });
  remote = { kc: cluster.kubeConfig, sim, namespace: "default" };
});

afterAll(async () => {
  await sim?.stop();
  await cluster?.stop();
});

function kubeConfigFor(server: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, skipTLSVerify: true }],
    users: [{ name: "u", token }],
    contexts: [{ name: "ctx", cluster: "c", user: "u" }],
    currentContext: "ctx",
  });
  return kc;
}

describe("attachSimulation against cluster-sim's HTTP server", () => {
  let nodeName = "";

  it("turns a NodeClaim into a Ready GPU node with a Lease", async () => {
    nodeName = await nodeClaimBecomesGpuNode(remote, "wsremote01");
    // The in-process simulation has no cloud: the node is the remote one's.
    expect(cluster.simulation).toBeDefined();
  });

  it("runs a Job's pod as a real process to Succeeded", async () => {
    await jobRunsToSucceeded(remote, "tune");
  });

  it("makes a StatefulSet's pod Ready, reachable through its Service, with readable logs", async () => {
    await statefulSetPodBecomesReady(remote, "infer");
  });

  it("ends a gracefully deleted pod: SIGTERM, the process's shutdown work, then removal", async () => {
    await gracefulDeletion(remote, "graceful");
  });

  it("is the kubelet of its own nodes only: a pod bound to another node is left to that node's kubelet", async () => {
    const client = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
    await client.create({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "foreign" },
      status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }] },
    } as KubernetesObject);
    const pod = (name: string, node: string) =>
      ({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "default" },
        spec: {
          nodeName: node,
          tolerations: [{ key: "sku", operator: "Exists" }],
          containers: [{ name: "main", image: "sim/node:24", command: ["node", "-e", "setInterval(() => {}, 1000)"] }],
        },
      }) as KubernetesObject;
    await client.create(pod("on-foreign", "foreign"));
    await client.create(pod("on-ours", nodeName));
    // Both pods were seen by the agent in the same watch stream; once ours runs, the other was passed over.
    const ref = (name: string) => ({ apiVersion: "v1", kind: "Pod", name, namespace: "default" });
    const deadline = Date.now() + 15_000;
    const phase = async (name: string) =>
      ((await read(remote, ref(name)))?.status as { phase?: string } | undefined)?.phase;
    while (Date.now() < deadline && (await phase("on-ours")) !== "Running") {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await read(remote, ref("on-ours")))?.status).toMatchObject({ phase: "Running" });
    expect((await read(remote, ref("on-foreign")))?.status).not.toHaveProperty("containerStatuses");
    for (const name of ["on-foreign", "on-ours"]) {
      await client.delete(
        { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" } },
        undefined,
        undefined,
        0,
      );
    }
    await client.delete({ apiVersion: "v1", kind: "Node", metadata: { name: "foreign" } });
  });

  it("renews the node's Lease and refreshes its Ready heartbeat", async () => {
    const first = await heartbeatsOf(remote, nodeName);
    const deadline = Date.now() + 5000;
    let now = first;
    while (Date.now() < deadline && (now.renewTime === first.renewTime || now.heartbeat === first.heartbeat)) {
      await new Promise((r) => setTimeout(r, 100));
      now = await heartbeatsOf(remote, nodeName);
    }
    expect(Date.parse(now.renewTime)).toBeGreaterThan(Date.parse(first.renewTime));
    expect(Date.parse(now.heartbeat)).toBeGreaterThan(Date.parse(first.heartbeat));
  });

  it("relists after its watch history expired (410) and keeps running pods", async () => {
    cluster.faults.compact("pods");
    cluster.faults.dropWatches("pods");
    await gracefulDeletion(remote, "after-410");
  });

  it("deletes the Node and releases the finalizer when the NodeClaim is deleted", async () => {
    const client = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
    await client.delete({ apiVersion: "karpenter.sh/v1", kind: "NodeClaim", metadata: { name: "wsremote01" } });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const claim = await read(remote, { apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: "wsremote01" });
      const node = await read(remote, { apiVersion: "v1", kind: "Node", name: nodeName });
      if (claim === undefined && node === undefined) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await read(remote, { apiVersion: "v1", kind: "Node", name: nodeName })).toBeUndefined();
    expect(
      await read(remote, { apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: "wsremote01" }),
    ).toBeUndefined();
  });

  it("stops its watches with stop(): dropped watches are not reopened", async () => {
    const second = await attachSimulation(cluster.kubeConfig, {
      ...remoteSimOptions(),
      clusterName: "second", // launches no nodes here and is the kubelet of none
      controllers: { nodeClaims: false },
      fieldManager: "second-sim",
    });
    const watches = () => cluster.counters.get({ verb: "watch", client: "second-sim" });
    // Lists first; each watch opens right after its list: pods, nodes, services, configmaps, secrets.
    await waitFor("the second simulation's 5 watches", () => (watches() >= 5 ? true : undefined));
    await second.stop();
    const after = watches();
    cluster.faults.dropWatches();
    // The first simulation, still running, reopens its watches; the stopped one does not.
    const firstBefore = cluster.counters.get({ verb: "watch", client: "kaito-sim" });
    await waitFor("the running simulation's new watches", () =>
      cluster.counters.get({ verb: "watch", client: "kaito-sim" }) > firstBefore ? true : undefined,
    );
    expect(watches()).toBe(after);
    await second.stop(); // a second stop() is harmless
  });

  it("reported no failures it could not handle", () => {
    expect(errors).toEqual([]);
  });
});

describe("installNodeClaimCrd", () => {
  it("leaves an installed CRD as it is and resolves once it is Established", async () => {
    await installNodeClaimCrd(cluster.kubeConfig);
    const crd = cluster.store.get(
      { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" },
      undefined,
      "nodeclaims.karpenter.sh",
    );
    const schema = JSON.stringify((crd?.spec as { versions?: unknown[] } | undefined)?.versions);
    expect(schema).toContain('"x-kubernetes-preserve-unknown-fields":true');
  });

  it("names the server it cannot reach", async () => {
    const error = await installNodeClaimCrd(kubeConfigFor("http://127.0.0.1:1", "x")).catch((e: unknown) => e);
    expect(errorReason(error)).toBe("ServiceUnavailable");
    expect((error as Error).message).toContain("http://127.0.0.1:1");
  });
});

describe("attachSimulation with bad input", () => {
  it("rejects an API server it cannot reach, naming it", async () => {
    const error = await attachSimulation(kubeConfigFor("http://127.0.0.1:1", "x"), { skus: SKUS }).catch(
      (e: unknown) => e,
    );
    expect(isClusterSimError(error)).toBe(true);
    expect(errorReason(error)).toBe("ServiceUnavailable");
    expect((error as Error).message).toContain("cannot reach the API server at http://127.0.0.1:1");
  });

  it("rejects credentials the server refuses, with its reason", async () => {
    const error = await attachSimulation(kubeConfigFor(cluster.url, "not-the-token"), { skus: SKUS }).catch(
      (e: unknown) => e,
    );
    expect(errorReason(error)).toBe("Unauthorized");
    expect((error as Error).message).toMatch(/^list \/api\/v1\/\w+: /);
  });

  it.each([
    [{ controllers: { kubelet: true } }, "controllers.kubelet: is not a part of the simulation"],
    [{ controllers: { scheduler: "yes" } }, "controllers.scheduler: must be true or false"],
    [{ heartbeats: { leaseRenewMs: -1 } }, "heartbeats.leaseRenewMs: must be a number of milliseconds ≥ 0"],
    [{ syncTimeoutMs: 0 }, "syncTimeoutMs: must be a number of milliseconds > 0"],
  ])("rejects the option %j", async (bad, message) => {
    const error = await attachSimulation(cluster.kubeConfig, { skus: SKUS, ...(bad as object) }).catch(
      (e: unknown) => e,
    );
    expect(errorReason(error)).toBe("BadRequest");
    expect((error as Error).message).toContain(`invalid simulation option ${message}`);
  });
});
