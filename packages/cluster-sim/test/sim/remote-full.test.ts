/**
 * Every part of the simulation as a remote client: cluster-sim's server runs without its own simulation, and one
 * attached over HTTP schedules, runs the workload controllers and endpoints, the cloud and the node agent — the
 * controllers working from a watch-fed cache, where a write's own watch event arrives after the write returns.
 */
import { type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../src/cluster.ts";
import { attachSimulation, installNodeClaimCrd, type Simulation } from "../../src/sim/index.ts";
import { R } from "../../src/sim/shared/resources.ts";
import { waitFor } from "./helpers.ts";
import {
  jobRunsToSucceeded,
  nodeClaimBecomesGpuNode,
  type Remote,
  remoteSimOptions,
  statefulSetPodBecomesReady,
} from "./remote-scenarios.ts";

let cluster: Cluster;
let sim: Simulation;
let remote: Remote;
const errors: string[] = [];

beforeAll(async () => {
  cluster = await startCluster({ simulation: false });
  await installNodeClaimCrd(cluster.kubeConfig);
  sim = await attachSimulation(cluster.kubeConfig, {
    ...remoteSimOptions(),
    controllers: { scheduler: true, workloads: true, endpoints: true },
    onError: (error, where) => errors.push(`${where}: ${error instanceof Error ? error.message : String(error)}`),
  });
  remote = { kc: cluster.kubeConfig, sim, namespace: "default" };
});

afterAll(async () => {
  await sim?.stop();
  await cluster?.stop();
});

describe("attachSimulation with every part on", () => {
  it("turns a NodeClaim into a Ready GPU node", async () => {
    await nodeClaimBecomesGpuNode(remote, "wsfull01");
  });

  it("runs a Job to Succeeded with its own Job controller and scheduler", async () => {
    await jobRunsToSucceeded(remote, "tune");
  });

  it("makes a StatefulSet's pod Ready with its own StatefulSet and Endpoints controllers", async () => {
    await statefulSetPodBecomesReady(remote, "infer");
    const endpoints = await waitFor("the Endpoints", () => {
      const ep = cluster.store.get(R.endpoints, "default", "infer");
      return JSON.stringify(ep?.subsets ?? []).includes('"hostname":"infer-0"') ? ep : undefined;
    });
    expect(JSON.stringify(endpoints.subsets)).toContain('"port":5000');
  });

  it("scales a Deployment to exactly its replicas, without duplicates from a cache that lags its writes", async () => {
    const client = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
    await client.create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "default" },
      spec: {
        replicas: 5,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            tolerations: [{ key: "sku", operator: "Exists" }],
            containers: [{ name: "c", image: "example.com/web:1" }],
          },
        },
      },
    } as KubernetesObject);
    await waitFor("5 available replicas", () => {
      const d = cluster.store.get(R.deployments, "default", "web");
      return (d?.status as { availableReplicas?: number } | undefined)?.availableReplicas === 5;
    });
    const pods = cluster.store.list(R.pods, { namespace: "default" }).filter((p) => p.metadata.labels?.app === "web");
    expect(pods).toHaveLength(5);
    expect(cluster.store.list(R.replicasets, { namespace: "default" })).toHaveLength(1);
  });

  it("reported no failures it could not handle", () => {
    expect(errors).toEqual([]);
  });
});
