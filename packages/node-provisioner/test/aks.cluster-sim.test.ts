/**
 * The AKS provisioner end to end: the real `@azure/arm-containerservice` client against the agentPools emulation, and
 * a real API server (cluster-sim over HTTP, through client-node) where the "cloud" registers each pool's Node.
 */
import { type Cluster, startCluster } from "@kaito-ts/cluster-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAksProvisioner } from "../src/aks/index.ts";
import { type AksEmulator, agentPoolNode, startAksEmulator } from "../src/aks-emulator/index.ts";
import { kubernetesObjectPort } from "../src/client-node/index.ts";
import type { KubernetesObjectPort, NodeRequest, ReadinessReport } from "../src/index.ts";
import { workspace } from "./helpers/fixtures.ts";

let cluster: Cluster;
let port: KubernetesObjectPort;
let emulator: AksEmulator;

beforeAll(async () => {
  cluster = await startCluster({ simulation: false });
  port = kubernetesObjectPort(cluster.kubeConfig);
  emulator = await startAksEmulator({
    onPoolSucceeded: async (pool) => {
      // AKS registers the VM as a Node; a GPU node without Kaito's label, to see the provisioner write it.
      const node = agentPoolNode(pool);
      delete node.metadata.labels?.accelerator;
      await port.create(node);
    },
    onPoolDeleted: async (pool) => {
      await port.delete({ apiVersion: "v1", kind: "Node", name: agentPoolNode(pool).metadata.name ?? "" });
    },
  });
});

afterAll(async () => {
  await emulator?.stop();
  await cluster?.stop();
});

function provisioner() {
  return createAksProvisioner({
    port,
    subscriptionId: emulator.subscriptionId,
    resourceGroup: emulator.resourceGroup,
    clusterName: emulator.clusterName,
    credential: { getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 }) },
    clientOptions: { endpoint: emulator.endpoint, agent: emulator.agent },
  });
}

describe("aks provisioner with the ARM emulation and a real API server", () => {
  it("provisions, becomes ready (writing accelerator=nvidia), and releases with the nodes gone", async () => {
    const req: NodeRequest = { workspace: workspace({ name: "aksws", uid: "uid-aks" }), targetNodeCount: 2 };
    const p = provisioner();
    expect((await p.provision(req)).created).toHaveLength(2);
    let r: ReadinessReport | undefined;
    for (let pass = 0; pass < 10 && r?.ready !== true; pass++) {
      await provisioner().provision(req); // other replicas / restarts in between change nothing
      r = await p.readiness(req);
    }
    expect(r).toMatchObject({ ready: true, reason: "workspaceResourceStatusSuccess" });
    expect(r?.workerNodes).toHaveLength(2);
    expect(r?.events.filter((e) => e.reason === "NodeLabeled")).toHaveLength(2);
    const nodes = await port.list<{ apiVersion: string; kind: string; metadata: { labels?: Record<string, string> } }>({
      apiVersion: "v1",
      kind: "Node",
      labelSelector: { "kaito.sh/workspace": "aksws" },
    });
    expect(nodes.map((n) => n.metadata.labels?.accelerator)).toEqual(["nvidia", "nvidia"]);
    expect(emulator.pools()).toHaveLength(2);

    let released = await p.release({ name: "aksws", namespace: "default" });
    for (let pass = 0; pass < 10 && !released.done; pass++)
      released = await p.release({ name: "aksws", namespace: "default" });
    expect(released.done).toBe(true);
    expect(emulator.pools()).toEqual([]);
    expect(
      await port.list({ apiVersion: "v1", kind: "Node", labelSelector: { "kaito.sh/workspace": "aksws" } }),
    ).toEqual([]);
  });
});
