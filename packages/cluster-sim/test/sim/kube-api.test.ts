/**
 * The simulation's HTTP client (`KubeApi`) against cluster-sim's server: every patch type with its content type,
 * status subresource writes, reading its own writes from the cache, errors carrying the server's reason and code,
 * delete answers, watch events into the cache, and a relist after the watch history expired.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../src/cluster.ts";
import { isClusterSimError } from "../../src/errors/index.ts";
import { isNewer, KubeApi } from "../../src/sim/api/kube-api.ts";
import { apiError, collectionPath, objectPath } from "../../src/sim/api/kube-http.ts";
import { errorReason } from "../../src/sim/shared/objects.ts";
import { R } from "../../src/sim/shared/resources.ts";
import type { KubeObject, PatchType, StoreEvent } from "../../src/store/api.ts";
import { waitFor } from "./helpers.ts";

let cluster: Cluster;
let api: KubeApi;
const events: StoreEvent[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
  cluster = await startCluster({ simulation: false });
  api = new KubeApi(cluster.kubeConfig, {
    resources: [R.configmaps, R.pods],
    fieldManager: "kube-api-test",
    onError: (error) => errors.push(error),
  });
  api.subscribe((e) => events.push(e));
  api.start();
  await api.synced();
});

afterAll(async () => {
  await api?.stop();
  await cluster?.stop();
});

const configMap = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", labels: { app: "a" } },
  data,
});

const PATCHES: Record<PatchType, { patch: unknown; expected: Record<string, string> }> = {
  merge: { patch: { data: { b: "2", a: null } }, expected: { b: "2" } },
  strategic: { patch: { data: { c: "3" } }, expected: { a: "1", c: "3" } },
  json: { patch: [{ op: "add", path: "/data/d", value: "4" }], expected: { a: "1", d: "4" } },
  apply: {
    patch: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "", namespace: "default" }, data: { e: "5" } },
    expected: { a: "1", e: "5" },
  },
};

describe("KubeApi writes", () => {
  it("has a row for every patch type", () => {
    const types: PatchType[] = ["merge", "strategic", "json", "apply"];
    expect(Object.keys(PATCHES).sort()).toEqual([...types].sort());
  });

  it.each(Object.entries(PATCHES))("sends a %s patch with its content type", async (type, { patch, expected }) => {
    const name = `patch-${type}`;
    await api.create(R.configmaps, configMap(name, { a: "1" }));
    const body = type === "apply" ? { ...(patch as KubeObject), metadata: { name, namespace: "default" } } : patch;
    const out = await api.patch(R.configmaps, "default", name, type as PatchType, body);
    expect(out.data).toEqual(expected);
    // The answer is in the cache at once: the controller reads its own write.
    expect(api.get(R.configmaps, "default", name)?.data).toEqual(expected);
  });

  it("writes the status subresource, and the main resource without touching status", async () => {
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "status-pod", namespace: "default" },
      spec: { containers: [{ name: "c", image: "x" }] },
    };
    await api.create(R.pods, pod);
    const patched = await api.patch(
      R.pods,
      "default",
      "status-pod",
      "merge",
      { status: { phase: "Running", podIP: "10.244.0.9" } },
      { subresource: "status" },
    );
    expect(patched.status).toMatchObject({ phase: "Running", podIP: "10.244.0.9" });
    const main = await api.patch(R.pods, "default", "status-pod", "merge", {
      metadata: { labels: { x: "y" } },
      status: { phase: "Failed" },
    });
    expect(main.metadata.labels).toEqual({ x: "y" });
    expect((main.status as { phase?: string }).phase).toBe("Running");
  });

  it("updates with optimistic concurrency: a stale resourceVersion is a Conflict", async () => {
    const created = await api.create(R.configmaps, configMap("optimistic", { a: "1" }));
    await api.update(R.configmaps, { ...created, data: { a: "2" } });
    const error = await api.update(R.configmaps, { ...created, data: { a: "3" } }).catch((e: unknown) => e);
    expect(isClusterSimError(error)).toBe(true);
    expect(errorReason(error)).toBe("Conflict");
    expect((error as { status: { code: number } }).status.code).toBe(409);
    expect((error as Error).message).toContain("update /api/v1/namespaces/default/configmaps/optimistic:");
  });

  it.each([
    ["NotFound", 404, () => api.patch(R.configmaps, "default", "absent", "merge", { data: {} })],
    ["AlreadyExists", 409, () => api.create(R.configmaps, configMap("optimistic", {}))],
    ["Invalid", 422, () => api.create(R.configmaps, configMap("Not_A_Name", {}))],
  ])("answers %s (%i) with the server's reason", async (reason, code, call) => {
    const error = await call().catch((e: unknown) => e);
    expect(errorReason(error)).toBe(reason);
    expect((error as { status: { code: number } }).status.code).toBe(code);
  });

  it("deletes: undefined once gone, the object while a finalizer holds it", async () => {
    await api.create(R.configmaps, configMap("gone", {}));
    expect(await api.delete(R.configmaps, "default", "gone")).toBeUndefined();
    await api.create(R.configmaps, {
      ...configMap("held", {}),
      metadata: { ...configMap("held", {}).metadata, finalizers: ["x/y"] },
    });
    const held = await api.delete(R.configmaps, "default", "held");
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    await api.patch(R.configmaps, "default", "held", "merge", { metadata: { finalizers: null } });
  });
});

describe("KubeApi watches", () => {
  it("takes changes made by others into the cache and emits them", async () => {
    cluster.store.create(R.configmaps, configMap("from-elsewhere", { k: "v" }));
    await waitFor("the watch event", () => api.get(R.configmaps, "default", "from-elsewhere"));
    expect(events.some((e) => e.type === "ADDED" && e.object.metadata.name === "from-elsewhere")).toBe(true);
    cluster.store.delete(R.configmaps, "default", "from-elsewhere");
    await waitFor("the DELETED event", () => api.get(R.configmaps, "default", "from-elsewhere") === undefined);
  });

  it("relists after 410 Gone and emits what changed meanwhile", async () => {
    const lists = cluster.counters.get({ verb: "list", resource: "configmaps" });
    cluster.faults.add({ verb: "watch", resource: "configmaps", status: 503, times: 3 });
    cluster.faults.dropWatches("configmaps");
    cluster.store.create(R.configmaps, configMap("while-away", {}));
    cluster.faults.compact("configmaps");
    await waitFor("the relisted object", () => api.get(R.configmaps, "default", "while-away"), 15_000);
    expect(events.some((e) => e.type === "ADDED" && e.object.metadata.name === "while-away")).toBe(true);
    expect(cluster.counters.get({ verb: "list", resource: "configmaps" })).toBeGreaterThan(lists);
    expect(errors.filter((e) => errorReason(e) !== "ServiceUnavailable")).toEqual([]);
  });

  it("lists only from the cache: an uncached resource is a programming error", () => {
    expect(() => api.list(R.nodes)).toThrow("the simulation does not cache /nodes");
    expect(() => api.list(R.pods, { labelSelector: "a=b" })).toThrow("takes no label selector");
  });
});

describe("KubeApi helpers", () => {
  it.each([
    ["2", "10", false],
    ["10", "2", true],
    ["5", "5", false],
    ["abc", "abd", true],
    [undefined, "1", true],
  ])("isNewer(%s, %s) is %s", (a, b, expected) => {
    expect(isNewer(a, b)).toBe(expected);
  });

  it("builds paths of core, grouped, namespaced and cluster-scoped resources", () => {
    expect(collectionPath(R.pods, "ns")).toBe("/api/v1/namespaces/ns/pods");
    expect(collectionPath(R.pods)).toBe("/api/v1/pods");
    expect(collectionPath(R.nodeclaims, "ignored")).toBe("/apis/karpenter.sh/v1/nodeclaims");
    expect(objectPath(R.statefulsets, "ns", "web", "status")).toBe(
      "/apis/apps/v1/namespaces/ns/statefulsets/web/status",
    );
  });

  it("maps an answer without a Status to a reason from the HTTP code", () => {
    expect(errorReason(apiError(503, "upstream down", "get /x"))).toBe("ServiceUnavailable");
    expect(errorReason(apiError(418, "", "get /x"))).toBe("InternalError");
    expect(apiError(418, "", "get /x").message).toBe("get /x: HTTP 418");
    expect(errorReason(apiError(409, { reason: "AlreadyExists", message: "exists" }, "create /x"))).toBe(
      "AlreadyExists",
    );
  });
});
