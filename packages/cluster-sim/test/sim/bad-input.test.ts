/**
 * Malformed objects (as a store without validation could hold them) must not break the simulation: it keeps
 * running everything else, and reports what it cannot handle through onError instead of crashing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulation, type Simulation } from "../../src/sim/index.ts";
import { R } from "../../src/sim/shared/resources.ts";
import type { KubeObject, ResourceKey } from "../../src/store/api.ts";
import { cond, nodeClaim, SKUS, status, waitFor } from "./helpers.ts";
import { StoreDouble } from "./store-double.ts";

const store = new StoreDouble();
const errors: Array<{ error: unknown; where: string }> = [];
let sim: Simulation;

beforeAll(async () => {
  sim = createSimulation(store, {
    skus: SKUS,
    nodeDelayMs: 10,
    podDelays: { pullMs: 5, readyMs: 5 },
    processRuntime: { images: [{ image: "sim/node:*" }] },
    onError: (error, where) => errors.push({ error, where }),
  });
  store.create(R.nodeclaims, nodeClaim("cpubad0001", "Standard_D4s_v3", "bad", false));
  await waitFor("node", () => cond(store.get(R.nodeclaims, undefined, "cpubad0001"), "Ready") === "True");
});

afterAll(async () => {
  await sim.stop();
});

function obj(resource: ResourceKey, o: Omit<KubeObject, "metadata"> & { metadata: KubeObject["metadata"] }) {
  store.create(resource, o as KubeObject);
}

describe("malformed objects", () => {
  it("survives garbage in every field it reads, and keeps serving well-formed objects", async () => {
    obj(R.nodeclaims, {
      apiVersion: "karpenter.sh/v1",
      kind: "NodeClaim",
      metadata: { name: "junk" },
      spec: { requirements: "x" },
    });
    obj(R.pods, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "garbage", namespace: "default" },
      spec: {
        containers: "nope",
        tolerations: 5,
        nodeSelector: ["a"],
        affinity: { nodeAffinity: "x" },
        initContainers: [null, 3],
      },
    });
    obj(R.pods, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "bad-quantity", namespace: "default" },
      spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "lots", memory: {} } } }] },
    });
    obj(R.jobs, {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "weird-job", namespace: "default" },
      spec: { parallelism: -3, completions: "two", backoffLimit: null, template: 7 },
    });
    obj(R.statefulsets, {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "weird-sts", namespace: "default" },
      spec: { replicas: "3", updateStrategy: 1, template: { spec: { containers: [{ name: "c", image: "busybox" }] } } },
    });
    obj(R.deployments, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "weird-deploy", namespace: "default" },
      spec: { replicas: 1, strategy: { rollingUpdate: { maxSurge: "lots%" } }, template: { spec: { containers: [] } } },
    });
    obj(R.services, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "weird-svc", namespace: "default" },
      spec: { selector: { app: "x" }, ports: null, clusterIP: 42 },
    });
    obj(R.pods, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "bad-env", namespace: "default" },
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "c",
            image: "sim/node:24",
            command: ["node", "-e", "console.log(process.env.A ?? 'unset')"],
            env: [{ name: "A", valueFrom: { fieldRef: { fieldPath: 12 } } }, { value: "no name" }],
            volumeMounts: [{ name: "missing-volume", mountPath: "/mnt/x" }],
          },
        ],
        volumes: [{ name: "odd", hostPath: { path: "/etc" } }, { noName: true }],
      },
    });

    // A well-formed pod still runs.
    obj(R.pods, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "fine", namespace: "default" },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    });
    await waitFor("fine pod ready", () => cond(store.get(R.pods, "default", "fine"), "Ready") === "True");

    // The bad quantity is ignored (no request), so that pod runs too.
    await waitFor("bad-quantity ready", () => cond(store.get(R.pods, "default", "bad-quantity"), "Ready") === "True");
    // The unknown instance type never launches.
    await waitFor(
      "junk Launched=False",
      () => cond(store.get(R.nodeclaims, undefined, "junk"), "Launched") === "False",
    );
    // An unsupported fieldRef is a container configuration error, as the kubelet reports it.
    const cs = await waitFor("bad-env config error", () => {
      const c = (
        status(store.get(R.pods, "default", "bad-env")).containerStatuses as
          | Array<{ state: { waiting?: { reason: string; message: string } } }>
          | undefined
      )?.[0];
      return c?.state.waiting?.reason === "CreateContainerConfigError" ? c : undefined;
    });
    expect(cs.state.waiting?.message).toContain("unsupported fieldRef");
    // The Service without a usable clusterIP got one.
    await waitFor("weird-svc clusterIP", () =>
      /^10\.96\./.test(
        String((store.get(R.services, "default", "weird-svc")?.spec as { clusterIP?: unknown } | undefined)?.clusterIP),
      ),
    );
    expect(errors.map((e) => `${e.where}: ${String(e.error)}`)).toEqual([]);
  });

  it("clamps nonsense counts: a Job with negative parallelism runs no pod", async () => {
    const job = await waitFor("weird-job status", () => {
      const o = store.get(R.jobs, "default", "weird-job");
      return status(o).startTime !== undefined ? o : undefined;
    });
    expect(status(job)).toMatchObject({ active: 0, succeeded: 0, failed: 0 });
    const pods = store.list(R.pods, { namespace: "default", labelSelector: "job-name=weird-job" });
    expect(pods).toEqual([]);
  });
});
