/** MemoryStore semantics: resourceVersions, generation, status, concurrency, deletion, GC, watch history, admission. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isClusterSimError, type KubeObject, MemoryStore, type StoreEvent } from "../../src/index.ts";
import type { CommittedEvent } from "../../src/store/backend.ts";
import { storeEngine } from "../../src/store/memory-store.ts";
import { waitFor } from "./wait-for.ts";

const cm = { group: "", version: "v1", resource: "configmaps" };
const ns = { group: "", version: "v1", resource: "namespaces" };
const pods = { group: "", version: "v1", resource: "pods" };
const deploy = { group: "apps", version: "v1", resource: "deployments" };
const rs = { group: "apps", version: "v1", resource: "replicasets" };
const crds = { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" };
const gadgets = { group: "demo.example.com", version: "v1", resource: "gadgets" };

let store: MemoryStore;

beforeEach(() => {
  store = new MemoryStore({ podTerminationDelayMs: 5 });
});
afterEach(() => store.close());

function errorOf(fn: () => unknown): { code: string; status: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    if (isClusterSimError(e)) return { code: e.code, status: e.status as unknown as Record<string, unknown> };
    throw e;
  }
  throw new Error("expected a ClusterSimError");
}

const configMap = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default" },
  data: { a: "1" },
  ...extra,
});

const deployment = (name: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default" },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx:1" }] } },
  },
});

const gadgetCrd: KubeObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gadgets.demo.example.com" },
  spec: {
    group: "demo.example.com",
    scope: "Namespaced",
    names: { kind: "Gadget", plural: "gadgets", singular: "gadget" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { n: { type: "integer", maximum: 5 } } },
              status: { type: "object", properties: { ok: { type: "boolean" } } },
            },
          },
        },
      },
      {
        name: "v1beta1",
        served: true,
        storage: false,
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  },
};

describe("create", () => {
  it("assigns uid, creationTimestamp, a monotonic resourceVersion and names from generateName", () => {
    const a = store.create(cm, configMap("a"));
    const b = store.create(cm, { ...configMap(""), metadata: { generateName: "gen-", namespace: "default" } });
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
    expect(b.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(a.metadata.generation).toBeUndefined();
    expect(store.create(deploy, deployment("d")).metadata.generation).toBe(1);
  });

  it("rejects duplicates, missing namespaces and invalid names with the real Status", () => {
    store.create(cm, configMap("dup"));
    expect(errorOf(() => store.create(cm, configMap("dup")))).toMatchObject({
      code: "ALREADY_EXISTS",
      status: { code: 409, message: 'configmaps "dup" already exists', details: { name: "dup", kind: "configmaps" } },
    });
    expect(
      errorOf(() => store.create(cm, { ...configMap("x"), metadata: { name: "x", namespace: "nope" } })),
    ).toMatchObject({
      code: "NOT_FOUND",
      status: { code: 404, message: 'namespaces "nope" not found' },
    });
    const bad = errorOf(() => store.create(cm, configMap("Bad_Name")));
    expect(bad.code).toBe("INVALID");
    expect(bad.status).toMatchObject({
      code: 422,
      details: { kind: "ConfigMap", causes: [{ field: "metadata.name", reason: "FieldValueInvalid" }] },
    });
    expect(String(bad.status.message)).toMatch(
      /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/,
    );
    expect(
      errorOf(() => store.create(cm, { ...configMap(""), metadata: { namespace: "default" } })).status,
    ).toMatchObject({
      message: 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    });
  });

  it("rejects a body whose kind does not match the resource", () => {
    expect(errorOf(() => store.create(cm, { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } })).code).toBe(
      "BAD_REQUEST",
    );
  });

  it("validates built-in kinds (pods need containers)", () => {
    const e = errorOf(() =>
      store.create(pods, { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: {} }),
    );
    expect(e.status).toMatchObject({
      code: 422,
      details: { causes: [{ field: "spec.containers", reason: "FieldValueRequired" }] },
    });
  });

  it("creates the default ServiceAccount in new namespaces", () => {
    store.create(ns, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
    expect(store.get({ group: "", version: "v1", resource: "serviceaccounts" }, "team", "default")).toBeDefined();
  });
});

describe("update and patch", () => {
  it("bumps resourceVersion only on change and generation only on spec change", () => {
    const d = store.create(deploy, deployment("g"));
    const same = store.update(deploy, d);
    expect(same.metadata.resourceVersion).toBe(d.metadata.resourceVersion);
    const labelled = store.patch(deploy, "default", "g", "merge", { metadata: { labels: { x: "y" } } });
    expect(labelled.metadata.generation).toBe(1);
    expect(labelled.metadata.resourceVersion).not.toBe(d.metadata.resourceVersion);
    const scaled = store.patch(deploy, "default", "g", "merge", { spec: { replicas: 4 } });
    expect(scaled.metadata.generation).toBe(2);
  });

  it("409 Conflict on a stale resourceVersion", () => {
    const a = store.create(cm, configMap("occ"));
    store.update(cm, { ...a, data: { a: "2" } });
    expect(errorOf(() => store.update(cm, { ...a, data: { a: "3" } })).status).toMatchObject({
      code: 409,
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on configmaps "occ": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it("main writes ignore status and /status writes change only status", () => {
    store.create(deploy, deployment("st"));
    const s1 = store.patch(
      deploy,
      "default",
      "st",
      "merge",
      { status: { replicas: 3 }, spec: { replicas: 9 } },
      { subresource: "status" },
    );
    expect(s1.status).toEqual({ replicas: 3 });
    expect((s1.spec as { replicas: number }).replicas).toBe(1);
    const s2 = store.patch(deploy, "default", "st", "merge", { status: { replicas: 5 } });
    expect(s2.status).toEqual({ replicas: 3 });
  });

  it("json patch failures are 422 and patching a missing object is 404", () => {
    store.create(cm, configMap("jp"));
    const e = errorOf(() => store.patch(cm, "default", "jp", "json", [{ op: "test", path: "/data/a", value: "nope" }]));
    expect(e.status.code).toBe(422);
    expect(errorOf(() => store.patch(cm, "default", "missing", "merge", {})).code).toBe("NOT_FOUND");
  });
});

describe("deletion", () => {
  it("finalizers keep the object with a deletionTimestamp until emptied", () => {
    store.create(cm, configMap("fin", { metadata: { name: "fin", namespace: "default", finalizers: ["x/y"] } }));
    const held = store.delete(cm, "default", "fin");
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect(
      errorOf(() => store.patch(cm, "default", "fin", "merge", { metadata: { finalizers: ["x/y", "new/one"] } })).code,
    ).toBe("INVALID");
    store.patch(cm, "default", "fin", "merge", { metadata: { finalizers: null } });
    expect(store.get(cm, "default", "fin")).toBeUndefined();
  });

  it("background propagation garbage-collects dependents; orphan keeps them without the ownerReference", async () => {
    const owner = store.create(deploy, deployment("own"));
    const ref = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "own",
      uid: owner.metadata.uid ?? "",
      controller: true,
    };
    const dep = (name: string): KubeObject => ({
      ...deployment(name),
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name, namespace: "default", ownerReferences: [ref] },
    });
    store.create(rs, dep("child"));
    store.delete(deploy, "default", "own");
    expect(store.get(rs, "default", "child")).toBeDefined(); // collected after the delete returns, as on a cluster
    await waitFor("the dependent to be collected", () => store.get(rs, "default", "child") === undefined);

    const owner2 = store.create(deploy, deployment("own2"));
    store.create(rs, {
      ...dep("child2"),
      metadata: {
        name: "child2",
        namespace: "default",
        ownerReferences: [{ ...ref, name: "own2", uid: owner2.metadata.uid ?? "" }],
      },
    });
    expect(store.delete(deploy, "default", "own2", { propagationPolicy: "Orphan" })?.metadata.finalizers).toEqual([
      "orphan",
    ]);
    await waitFor("the orphaning owner to go", () => store.get(deploy, "default", "own2") === undefined);
    expect(store.get(rs, "default", "child2")?.metadata.ownerReferences).toBeUndefined();
  });

  it("foreground propagation waits for blocking dependents", async () => {
    const owner = store.create(deploy, deployment("fg"));
    store.create(rs, {
      ...deployment("fg-rs"),
      kind: "ReplicaSet",
      metadata: {
        name: "fg-rs",
        namespace: "default",
        finalizers: ["hold"],
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: "fg",
            uid: owner.metadata.uid ?? "",
            blockOwnerDeletion: true,
          },
        ],
      },
    });
    const deleting = store.delete(deploy, "default", "fg", { propagationPolicy: "Foreground" });
    expect(deleting?.metadata.finalizers).toContain("foregroundDeletion");
    await waitFor(
      "the blocking dependent to be deleted",
      () => store.get(rs, "default", "fg-rs")?.metadata.deletionTimestamp !== undefined,
    );
    // the collector deletes the dependent and rechecks the owner in one pass: the owner waits for the dependent
    expect(store.get(deploy, "default", "fg")?.metadata.finalizers).toEqual(["foregroundDeletion"]);
    store.patch(rs, "default", "fg-rs", "merge", { metadata: { finalizers: null } });
    await waitFor("the owner to go once unblocked", () => store.get(deploy, "default", "fg") === undefined);
  });

  it("pods on a node terminate gracefully; namespaces terminate with their content", async () => {
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "default" },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox:1" }] },
    };
    store.create(pods, pod);
    const terminating = store.delete(pods, "default", "p");
    expect(terminating?.metadata.deletionGracePeriodSeconds).toBe(30);
    await waitFor(
      "the store's termination timer to remove the pod",
      () => store.get(pods, "default", "p") === undefined,
    );

    store.create(ns, { apiVersion: "v1", kind: "Namespace", metadata: { name: "gone" } });
    store.create(cm, { ...configMap("c"), metadata: { name: "c", namespace: "gone" } });
    const t = store.delete(ns, undefined, "gone");
    expect(t?.status).toMatchObject({ phase: "Terminating" });
    expect(
      errorOf(() => store.create(cm, { ...configMap("c2"), metadata: { name: "c2", namespace: "gone" } })).code,
    ).toBe("FORBIDDEN");
    await waitFor("the namespace to be finalized", () => store.get(ns, undefined, "gone") === undefined);
    expect(store.get(cm, "gone", "c")).toBeUndefined();
  });
});

describe("pod removal handed to a kubelet", () => {
  const pod = (name: string): KubeObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox:1" }] },
  });

  it("keeps a terminating pod until the kubelet deletes it with grace 0, and takes over again on release", async () => {
    const release = storeEngine(store).deferPodRemovalToKubelet();
    store.create(pods, pod("p1"));
    store.create(pods, pod("p2"));
    expect(store.delete(pods, "default", "p1")?.metadata.deletionTimestamp).toBeDefined();
    expect(store.delete(pods, "default", "p2")?.metadata.deletionTimestamp).toBeDefined();
    // A store without a kubelet, with the same 5 ms termination delay and its delete issued just after ours, shows
    // when our timer would have fired: timers of equal delay fire in the order they were set.
    const control = new MemoryStore({ podTerminationDelayMs: 5 });
    try {
      control.create(pods, pod("c1"));
      control.delete(pods, "default", "c1");
      await waitFor("the control store to remove its pod", () => control.get(pods, "default", "c1") === undefined);
    } finally {
      control.close();
    }
    expect(store.get(pods, "default", "p1")?.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(store.get(pods, "default", "p2")?.metadata.deletionTimestamp).toBeDefined();
    // what the kubelet does once the containers have stopped
    expect(store.delete(pods, "default", "p1", { gracePeriodSeconds: 0 })).toBeUndefined();
    expect(store.get(pods, "default", "p1")).toBeUndefined();
    release();
    release(); // idempotent
    await waitFor("the store to take pod removal back", () => store.get(pods, "default", "p2") === undefined);
    // without a kubelet the store's timer is back for new deletions
    store.create(pods, pod("p3"));
    expect(store.delete(pods, "default", "p3")?.metadata.deletionTimestamp).toBeDefined();
    await waitFor("the store's timer to remove a new pod", () => store.get(pods, "default", "p3") === undefined);
  });
});

describe("events and watch history", () => {
  it("subscribe delivers every committed change in order", () => {
    const seen: StoreEvent[] = [];
    const off = store.subscribe((e) => seen.push(e));
    store.create(cm, configMap("w"));
    store.patch(cm, "default", "w", "merge", { data: { a: "2" } });
    store.delete(cm, "default", "w");
    off();
    store.create(cm, configMap("w2"));
    expect(seen.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(["ADDED:w", "MODIFIED:w", "DELETED:w"]);
  });

  it("replays history after a resourceVersion and answers 410 once compacted", () => {
    const engine = storeEngine(store);
    const def = engine.definition(cm);
    const start = Number(store.currentResourceVersion());
    store.create(cm, configMap("h1"));
    store.create(cm, configMap("h2"));
    const got: CommittedEvent[] = [];
    const off = engine.watch(def, start, (e) => got.push(e));
    off();
    expect(got.map((e) => e.object.metadata.name)).toEqual(["h1", "h2"]);
    engine.compact(def);
    expect(errorOf(() => engine.watch(def, start, () => {})).status).toMatchObject({ code: 410, reason: "Expired" });
  });

  it("keeps a bounded history", () => {
    const small = new MemoryStore({ historySize: 3 });
    const engine = storeEngine(small);
    const def = engine.definition(cm);
    const start = Number(small.currentResourceVersion());
    for (let i = 0; i < 5; i++) small.create(cm, configMap(`b${i}`));
    expect(errorOf(() => engine.watch(def, start, () => {})).code).toBe("EXPIRED");
    small.close();
  });
});

describe("custom resources and admission hooks", () => {
  it("serves CRD versions with apiVersion rewritten and validates against the schema", () => {
    const crd = store.create(crds, gadgetCrd);
    expect((crd.status as { conditions: { type: string; status: string }[] }).conditions).toContainEqual(
      expect.objectContaining({ type: "Established", status: "True" }),
    );
    const g = store.create(gadgets, {
      apiVersion: "demo.example.com/v1",
      kind: "Gadget",
      metadata: { name: "g", namespace: "default" },
      spec: { n: 1 },
      status: { ok: true },
    });
    expect(g.status).toBeUndefined();
    const beta = store.get({ ...gadgets, version: "v1beta1" }, "default", "g");
    expect(beta?.apiVersion).toBe("demo.example.com/v1beta1");
    const e = errorOf(() => store.patch(gadgets, "default", "g", "merge", { spec: { n: 9 } }));
    expect(e.status).toMatchObject({ code: 422, details: { kind: "Gadget", causes: [{ field: "spec.n" }] } });
    store.delete(crds, undefined, "gadgets.demo.example.com");
    expect(errorOf(() => store.get(gadgets, "default", "g")).code).toBe("NOT_FOUND");
  });

  it("in-process hooks mutate and deny", () => {
    const off = store.addAdmissionHook({
      name: "labels.example.com",
      mutate: (a) => {
        if (a.object) a.object.metadata.labels = { ...a.object.metadata.labels, injected: "yes" };
      },
      validate: (a) => (a.name === "forbidden" ? "this name is reserved" : undefined),
    });
    expect(store.create(cm, configMap("ok")).metadata.labels).toEqual({ injected: "yes" });
    expect(errorOf(() => store.create(cm, configMap("forbidden"))).status).toMatchObject({
      code: 403,
      message: 'admission webhook "labels.example.com" denied the request: this name is reserved',
    });
    off();
    expect(store.create(cm, configMap("forbidden")).metadata.labels).toBeUndefined();
  });
});

describe("immutable ConfigMaps", () => {
  it("refuse data changes once immutable", () => {
    store.create(cm, configMap("frozen", { immutable: true }));
    expect(errorOf(() => store.patch(cm, "default", "frozen", "merge", { data: { a: "2" } })).status).toMatchObject({
      code: 422,
      details: { causes: [{ field: "data", reason: "FieldValueForbidden" }] },
    });
    expect(
      store.patch(cm, "default", "frozen", "merge", { metadata: { labels: { ok: "yes" } } }).metadata.labels,
    ).toEqual({ ok: "yes" });
  });
});

describe("status writes of custom resources", () => {
  it("are validated against the schema", () => {
    store.create(crds, gadgetCrd);
    store.create(gadgets, {
      apiVersion: "demo.example.com/v1",
      kind: "Gadget",
      metadata: { name: "sv", namespace: "default" },
      spec: { n: 1 },
    });
    const e = errorOf(() =>
      store.patch(gadgets, "default", "sv", "merge", { status: { ok: "not-a-bool" } }, { subresource: "status" }),
    );
    expect(e.status).toMatchObject({ code: 422, details: { causes: [{ field: "status.ok" }] } });
    expect(
      store.patch(gadgets, "default", "sv", "merge", { status: { ok: true } }, { subresource: "status" }).status,
    ).toEqual({ ok: true });
  });
});

describe("CRD registration checks", () => {
  it("rejects a non-structural schema and an uncompilable CEL rule with 422", () => {
    const bad = structuredClone(gadgetCrd);
    const versions = (bad.spec as { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] }).versions;
    const v0 = versions[0];
    if (v0) {
      v0.schema.openAPIV3Schema = {
        type: "object",
        properties: {
          spec: { properties: { n: { type: "integer" } }, "x-kubernetes-validations": [{ rule: "self.n >" }] },
        },
      };
    }
    const e = errorOf(() => store.create(crds, bad));
    expect(e.code).toBe("INVALID");
    const fields = ((e.status.details as { causes: { field: string }[] }).causes ?? []).map((c) => c.field);
    expect(fields.some((f) => f.startsWith("spec.versions[0].schema.openAPIV3Schema"))).toBe(true);
  });
});

describe("CRD printer columns", () => {
  const withColumns = (columns: unknown[]): KubeObject => {
    const crd = structuredClone(gadgetCrd);
    const versions = (crd.spec as { versions: Record<string, unknown>[] }).versions;
    if (versions[0]) versions[0].additionalPrinterColumns = columns;
    return crd;
  };

  it("accepts escaped dots in a column's JSONPath, as the real NodeClaim CRD uses", () => {
    const created = store.create(
      crds,
      withColumns([
        { name: "Type", type: "string", jsonPath: ".metadata.labels.node\\.kubernetes\\.io/instance-type" },
        { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      ]),
    );
    expect(created.metadata.name).toBe("gadgets.demo.example.com");
  });

  it("rejects bad columns with the real server's 422 and a cause per problem", () => {
    const e = errorOf(() =>
      store.create(
        crds,
        withColumns([
          { name: "Size", type: "text", jsonPath: ".spec.n" },
          { name: "", type: "string", jsonPath: "spec.n" },
          { name: "When", type: "date", format: "uuid", jsonPath: ".spec[" },
        ]),
      ),
    );
    expect(e.code).toBe("INVALID");
    expect(e.status.code).toBe(422);
    expect(e.status.message).toContain(
      'CustomResourceDefinition.apiextensions.k8s.io "gadgets.demo.example.com" is invalid',
    );
    const causes = (e.status.details as { causes: { field: string; reason: string }[] }).causes;
    expect(causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: "spec.versions[0].additionalPrinterColumns[0].type",
          reason: "FieldValueInvalid",
        }),
        expect.objectContaining({
          field: "spec.versions[0].additionalPrinterColumns[1].name",
          reason: "FieldValueRequired",
        }),
        expect.objectContaining({
          field: "spec.versions[0].additionalPrinterColumns[1].JSONPath",
          reason: "FieldValueInvalid",
        }),
        expect.objectContaining({
          field: "spec.versions[0].additionalPrinterColumns[2].format",
          reason: "FieldValueInvalid",
        }),
        expect.objectContaining({
          field: "spec.versions[0].additionalPrinterColumns[2].JSONPath",
          reason: "FieldValueInvalid",
        }),
      ]),
    );
    expect(causes).toHaveLength(5);
    expect(store.list(crds).map((c) => c.metadata.name)).not.toContain("gadgets.demo.example.com");
  });

  it("rejects a bad column on update and keeps the registered one", () => {
    const created = store.create(crds, withColumns([{ name: "N", type: "integer", jsonPath: ".spec.n" }]));
    const versions = (created.spec as { versions: Record<string, unknown>[] }).versions;
    if (versions[0]) versions[0].additionalPrinterColumns = [{ name: "N", type: "integer" }];
    const e = errorOf(() => store.update(crds, created));
    expect(e.code).toBe("INVALID");
    const causes = (e.status.details as { causes: { field: string; message: string }[] }).causes;
    expect(causes).toEqual([
      {
        field: "spec.versions[0].additionalPrinterColumns[0].JSONPath",
        reason: "FieldValueRequired",
        message: "Required value",
      },
    ]);
  });
});

describe("server-side apply through the store", () => {
  it("creates, records the manager, and applies to the status subresource", () => {
    const applied = store.patch(
      cm,
      "default",
      "ssa",
      "apply",
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" }, data: { a: "1" } },
      { fieldManager: "me" },
    );
    expect(applied.metadata.managedFields).toEqual([expect.objectContaining({ manager: "me", operation: "Apply" })]);
    store.create(deploy, deployment("ssa-d"));
    const st = store.patch(
      deploy,
      "default",
      "ssa-d",
      "apply",
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "ssa-d" }, status: { replicas: 2 } },
      { fieldManager: "ctrl", subresource: "status" },
    );
    expect(st.status).toEqual({ replicas: 2 });
    expect(st.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: "ctrl", operation: "Apply", subresource: "status" }),
    );
  });
});
