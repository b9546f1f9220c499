/** The real @kubernetes/client-node 2.0.1 against cluster-sim: informers, KubernetesObjectApi, status, Leases. */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, type KubeObject, startCluster } from "../../src/index.ts";
import { eventually, fixture, part } from "./kubectl-runner.ts";

let cluster: Cluster;
let objects: k8s.KubernetesObjectApi;
let custom: k8s.CustomObjectsApi;
let leases: k8s.CoordinationV1Api;
const widgets = { group: "demo.example.com", version: "v1", resource: "widgets" };

function apiError(e: unknown): { code: number; body: { reason?: string; message?: string } } {
  const err = e as { code: number; body: string };
  return { code: err.code, body: JSON.parse(err.body) as { reason?: string; message?: string } };
}

type WidgetObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: Record<string, unknown>;
};

const widget = (name: string, spec: Record<string, unknown> = { size: "small" }): WidgetObject => ({
  apiVersion: "demo.example.com/v1",
  kind: "Widget",
  metadata: { name, namespace: "default" },
  spec,
});

beforeAll(async () => {
  cluster = await startCluster({ crds: [fixture("widget-crd.yaml")], bookmarkIntervalMs: 200 });
  objects = k8s.KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  custom = cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  leases = cluster.kubeConfig.makeApiClient(k8s.CoordinationV1Api);
});

afterAll(async () => {
  await cluster?.stop();
});

describe("KubernetesObjectApi", () => {
  it("create, read, merge patch, server-side apply, replace, delete", async () => {
    const created: k8s.KubernetesObject = await objects.create(widget("o1"));
    expect(created.metadata?.uid).toBeTruthy();
    const read = await objects.read({
      apiVersion: "demo.example.com/v1",
      kind: "Widget",
      metadata: { name: "o1", namespace: "default" },
    });
    expect((read as unknown as KubeObject).spec).toMatchObject({ size: "small", replicas: 1 });

    const patched = await objects.patch(
      widget("o1", { size: "large" }),
      undefined,
      undefined,
      "test",
      undefined,
      k8s.PatchStrategy.MergePatch,
    );
    expect((patched as unknown as KubeObject).spec).toMatchObject({ size: "large" });

    const applied = await objects.patch(
      widget("o2", { size: "huge", replicas: 2 }),
      undefined,
      undefined,
      "ssa-test",
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect(applied.metadata?.name).toBe("o2");
    expect(cluster.store.get(widgets, "default", "o2")?.metadata.managedFields).toBeDefined();

    const current = await objects.read(widget("o1"));
    const replaced = await objects.replace({
      ...current,
      spec: { size: "small", replicas: 3 },
    } as k8s.KubernetesObject);
    expect((replaced as unknown as KubeObject).spec).toMatchObject({ replicas: 3 });

    const stale = { ...current, spec: { size: "huge" } } as k8s.KubernetesObject;
    const conflict = await objects.replace(stale).catch((e: unknown) => e);
    expect(apiError(conflict).code).toBe(409);
    expect(apiError(conflict).body.reason).toBe("Conflict");

    await objects.delete(widget("o1"), undefined, undefined, 0, undefined, "Foreground");
    expect(cluster.store.get(widgets, "default", "o1")).toBeUndefined();
  });

  it("default strategic merge patch on a custom resource is 415", async () => {
    await objects.create(widget("o3"));
    const e = await objects.patch(widget("o3", { size: "large" })).catch((err: unknown) => err);
    expect(apiError(e).code).toBe(415);
    expect(apiError(e).body.reason).toBe("UnsupportedMediaType");
  });

  it("errors are Status objects: NotFound, AlreadyExists, Invalid", async () => {
    const nf = await objects.read(widget("missing")).catch((e: unknown) => e);
    expect(apiError(nf)).toMatchObject({
      code: 404,
      body: { reason: "NotFound", message: 'widgets.demo.example.com "missing" not found' },
    });
    const dup = await objects.create(widget("o3")).catch((e: unknown) => e);
    expect(apiError(dup)).toMatchObject({ code: 409, body: { reason: "AlreadyExists" } });
    const inv = await objects.create(widget("o4", { size: "tiny" })).catch((e: unknown) => e);
    expect(apiError(inv).code).toBe(422);
    expect(apiError(inv).body.reason).toBe("Invalid");
  });
});

describe("status subresource", () => {
  it("patchNamespacedCustomObjectStatus changes only status; main writes ignore status", async () => {
    await objects.create(widget("s1"));
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: "demo.example.com",
        version: "v1",
        namespace: "default",
        plural: "widgets",
        name: "s1",
        body: { status: { replicas: 4 }, spec: { size: "huge" } },
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const s = cluster.store.get(widgets, "default", "s1");
    expect(s?.status).toEqual({ replicas: 4 });
    expect(part(s, "spec").size).toBe("small");
    const gen = s?.metadata.generation;
    await custom.patchNamespacedCustomObject(
      {
        group: "demo.example.com",
        version: "v1",
        namespace: "default",
        plural: "widgets",
        name: "s1",
        body: { status: { replicas: 9 } },
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const after = cluster.store.get(widgets, "default", "s1");
    expect(after?.status).toEqual({ replicas: 4 });
    expect(after?.metadata.generation).toBe(gen);
  });
});

describe("Lease with optimistic concurrency", () => {
  it("create, renew, and a stale update is a 409 Conflict", async () => {
    const created = await leases.createNamespacedLease({
      namespace: "default",
      body: {
        metadata: { name: "leader" },
        spec: { holderIdentity: "a", leaseDurationSeconds: 15, renewTime: new k8s.V1MicroTime() },
      },
    });
    expect(created.kind).toBe("Lease");
    const renewed = await leases.replaceNamespacedLease({
      name: "leader",
      namespace: "default",
      body: { ...created, spec: { ...created.spec, holderIdentity: "a", renewTime: new k8s.V1MicroTime() } },
    });
    expect(renewed.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
    const stale = await leases
      .replaceNamespacedLease({
        name: "leader",
        namespace: "default",
        body: { ...created, spec: { holderIdentity: "b" } },
      })
      .catch((e: unknown) => e);
    expect(apiError(stale).code).toBe(409);
    expect(apiError(stale).body.message).toContain(
      'Operation cannot be fulfilled on leases.coordination.k8s.io "leader"',
    );
  });
});

describe("informer", () => {
  it("receives ADDED, MODIFIED, DELETED and relists after 410", async () => {
    const path = "/apis/demo.example.com/v1/namespaces/default/widgets";
    const list = () =>
      custom.listNamespacedCustomObject({
        group: "demo.example.com",
        version: "v1",
        namespace: "default",
        plural: "widgets",
      }) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>;
    const informer = k8s.makeInformer(cluster.kubeConfig, path, list);
    const seen: string[] = [];
    const errors: unknown[] = [];
    informer.on("add", (o) => seen.push(`add:${o.metadata?.name}`));
    informer.on("update", (o) => seen.push(`update:${o.metadata?.name}`));
    informer.on("delete", (o) => seen.push(`delete:${o.metadata?.name}`));
    informer.on("error", (e) => errors.push(e));
    await informer.start();
    try {
      cluster.store.create(widgets, widget("inf1"));
      await eventually(() => seen.includes("add:inf1"), 10_000, "add");
      cluster.store.patch(widgets, "default", "inf1", "merge", { spec: { size: "large" } });
      await eventually(() => seen.includes("update:inf1"), 10_000, "update");
      cluster.store.delete(widgets, "default", "inf1");
      await eventually(() => seen.includes("delete:inf1"), 10_000, "delete");

      const listsBefore = cluster.counters.get({
        verb: "list",
        resource: "widgets",
        client: "kubernetes-client-javascript",
      });
      // While the watch is down, a change lands and the history is compacted past the informer's resourceVersion.
      cluster.faults.dropWatches("widgets");
      cluster.store.create(widgets, widget("inf2"));
      cluster.faults.compact("widgets");
      await eventually(() => seen.includes("add:inf2"), 15_000, "add after relist");
      await eventually(
        () =>
          cluster.counters.get({ verb: "list", resource: "widgets", client: "kubernetes-client-javascript" }) >
          listsBefore,
        15_000,
        "relist",
      );
      expect(informer.get("inf2", "default")?.metadata?.name).toBe("inf2");
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });
});

describe("faults and counters", () => {
  it("injects 429 with Retry-After, then recovers", async () => {
    const remove = cluster.faults.add({
      verb: "get",
      resource: "widgets",
      status: 429,
      retryAfterSeconds: 2,
      times: 1,
    });
    const e = await objects.read(widget("o3")).catch((err: unknown) => err);
    expect(apiError(e).code).toBe(429);
    expect((e as { headers: Record<string, string> }).headers["retry-after"]).toBe("2");
    const ok = await objects.read(widget("o3"));
    expect(ok.metadata?.name).toBe("o3");
    remove();
    expect(cluster.counters.get({ verb: "get", resource: "widgets" })).toBeGreaterThanOrEqual(2);
  });
});
