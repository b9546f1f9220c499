import { describe, expect, it } from "vitest";
import {
  applyConflictMessage,
  applyServerSide,
  type ApplyServerSideSuccess,
  compareObjects,
  decodeFieldsV1,
  encodeFieldsV1,
  formatFieldPath,
  type ManagedFieldsEntry,
  pathKey,
  toFieldSet,
  updateManagedFields,
  builtinPatchMeta,
  type JSONSchemaProps,
} from "../../src/semantics/index.ts";

const now = new Date("2026-11-28T21:00:00.123Z");
const later = new Date("2026-11-28T22:00:00Z");

function ok(r: ReturnType<typeof applyServerSide>): ApplyServerSideSuccess {
  if ("conflicts" in r) throw new Error(r.message);
  return r;
}

const deployment = (replicas: number, image = "nginx:1", extra: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", labels: { app: "web" } },
  spec: {
    replicas,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "nginx", image, ports: [{ containerPort: 80, protocol: "TCP" }] }] },
    },
    ...extra,
  },
});

describe("fieldsV1", () => {
  it("round-trips and marks members with children", () => {
    const set = new Set([
      pathKey(["f:metadata", "f:labels"]),
      pathKey(["f:metadata", "f:labels", "f:app"]),
      pathKey(["f:spec", "f:containers", 'k:{"name":"x"}']),
      pathKey(["f:spec", "f:containers", 'k:{"name":"x"}', "f:image"]),
      pathKey(["f:spec", "f:replicas"]),
      pathKey(["f:metadata", "f:finalizers", 'v:"a"']),
    ]);
    const encoded = encodeFieldsV1(set);
    expect(encoded).toEqual({
      "f:metadata": { "f:finalizers": { 'v:"a"': {} }, "f:labels": { ".": {}, "f:app": {} } },
      "f:spec": { "f:containers": { 'k:{"name":"x"}': { ".": {}, "f:image": {} } }, "f:replicas": {} },
    });
    expect(JSON.stringify(Object.keys(encoded["f:metadata"] as object))).toBe('["f:finalizers","f:labels"]');
    expect(decodeFieldsV1(encoded)).toEqual(set);
  });

  it("formats paths like structured-merge-diff", () => {
    expect(formatFieldPath(pathKey(["f:spec", "f:replicas"]))).toBe(".spec.replicas");
    expect(formatFieldPath(pathKey(["f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}', "f:targetPort"]))).toBe(
      '.spec.ports[port=80,protocol="TCP"].targetPort',
    );
    expect(formatFieldPath(pathKey(["f:metadata", "f:finalizers", 'v:"x"']))).toBe(
      ".metadata.finalizers[=x]".replace("=x", '="x"'),
    );
    expect(formatFieldPath(pathKey(["f:a", "i:3"]))).toBe(".a[3]");
  });

  it("builds field sets with list-map keys", () => {
    const set = toFieldSet(deployment(2), builtinPatchMeta({ group: "apps", kind: "Deployment" }));
    expect(set).toContain(
      pathKey([
        "f:spec",
        "f:template",
        "f:spec",
        "f:containers",
        'k:{"name":"nginx"}',
        "f:ports",
        'k:{"containerPort":80,"protocol":"TCP"}',
        "f:containerPort",
      ]),
    );
    expect(set).toContain(pathKey(["f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"nginx"}']));
    expect(set).toContain(pathKey(["f:spec", "f:replicas"]));
  });

  it("compares objects", () => {
    const c = compareObjects({ a: 1, b: { c: 1 }, d: 1 }, { a: 2, b: { c: 1, e: 1 }, f: { g: 1 } }, undefined);
    expect([...c.modified]).toEqual(["f:a"]);
    expect([...c.added].sort()).toEqual([pathKey(["f:b", "f:e"]), "f:f", pathKey(["f:f", "f:g"])].sort());
    expect([...c.removed]).toEqual(["f:d"]);
  });
});

describe("updateManagedFields", () => {
  it("records the fields a create sets, without the stripped metadata", () => {
    const entries = updateManagedFields(undefined, deployment(1), "kubectl-create", "Update", undefined, { now });
    expect(entries).toHaveLength(1);
    const e = entries[0] as ManagedFieldsEntry;
    expect(e).toMatchObject({
      manager: "kubectl-create",
      operation: "Update",
      apiVersion: "apps/v1",
      time: "2026-11-28T21:00:00Z",
      fieldsType: "FieldsV1",
    });
    expect(e.fieldsV1["f:metadata"]).toEqual({ "f:labels": { ".": {}, "f:app": {} } });
    const spec = e.fieldsV1["f:spec"] as Record<string, Record<string, unknown>>;
    expect(spec["f:replicas"]).toEqual({});
    expect(JSON.stringify(e.fieldsV1)).not.toContain('f:name":{}},"f:namespace');
    expect(JSON.stringify(e.fieldsV1)).toContain('k:{\\"name\\":\\"nginx\\"}');
    expect(e).not.toHaveProperty("subresource");
    expect(Object.keys(spec)).not.toContain(".");
    const cr = updateManagedFields(
      undefined,
      { apiVersion: "kaito.sh/v1beta1", kind: "Workspace", metadata: { name: "w" }, spec: { a: 1 } },
      "m",
      "Update",
      undefined,
      { now },
    );
    expect(cr[0]?.fieldsV1).toEqual({ "f:spec": { ".": {}, "f:a": {} } });
  });

  it("moves changed fields to the writer and keeps the rest with the old manager", () => {
    const created = {
      ...deployment(1),
      metadata: {
        ...deployment(1).metadata,
        managedFields: updateManagedFields(undefined, deployment(1), "a", "Update", undefined, { now }),
      },
    };
    const updated = deployment(3);
    const entries = updateManagedFields(created, updated, "b", "Update", undefined, { now: later });
    expect(entries.map((e) => e.manager)).toEqual(["a", "b"]);
    expect(entries[1]?.fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });
    expect(JSON.stringify(entries[0]?.fieldsV1)).not.toContain("f:replicas");
    expect(entries[1]?.time).toBe("2026-11-28T22:00:00Z");
    const status = updateManagedFields(created, { ...updated, status: { replicas: 1 } }, "kcm", "Update", "status", {
      now,
    });
    expect(status.find((e) => e.manager === "kcm")).toMatchObject({
      subresource: "status",
      fieldsV1: { "f:spec": { "f:replicas": {} }, "f:status": { ".": {}, "f:replicas": {} } },
    });
  });

  it("drops removed fields and managers left with nothing", () => {
    const before = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } };
    const mf = updateManagedFields(undefined, before, "a", "Update", undefined, { now });
    const after = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } };
    expect(
      updateManagedFields({ ...before, metadata: { name: "c", managedFields: mf } }, after, "b", "Update", undefined, {
        now,
      }),
    ).toEqual([]);
  });

  it("honours managedFields sent by the client like decodeLiveOrNew", () => {
    const obj = deployment(1);
    const mf = updateManagedFields(undefined, obj, "a", "Update", undefined, { now });
    const live = { ...obj, metadata: { ...obj.metadata, managedFields: mf } };
    // dropped by the client: the live ones stay
    expect(updateManagedFields(live, deployment(1), "b", "Update", undefined, { now }).map((e) => e.manager)).toEqual([
      "a",
    ]);
    // [{}] resets them, then the writer owns nothing new
    expect(
      updateManagedFields(
        live,
        { ...obj, metadata: { ...obj.metadata, managedFields: [{}] } },
        "b",
        "Update",
        undefined,
        { now },
      ),
    ).toEqual([]);
    // replaced by the client
    const other = [
      {
        manager: "x",
        operation: "Update",
        apiVersion: "apps/v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": { "f:replicas": {} } },
      },
    ];
    expect(
      updateManagedFields(
        live,
        { ...obj, metadata: { ...obj.metadata, managedFields: other } },
        "b",
        "Update",
        undefined,
        { now },
      ).map((e) => e.manager),
    ).toEqual(["x"]);
    // subresource writes ignore what the request says
    expect(
      updateManagedFields(
        live,
        { ...obj, metadata: { ...obj.metadata, managedFields: [{}] } },
        "b",
        "Update",
        "status",
        { now },
      ).map((e) => e.manager),
    ).toEqual(["a"]);
  });

  it("no change keeps entries as they are", () => {
    const obj = deployment(1);
    const mf = updateManagedFields(undefined, obj, "a", "Update", undefined, { now });
    const withMf = { ...obj, metadata: { ...obj.metadata, managedFields: mf } };
    expect(updateManagedFields(withMf, withMf, "b", "Update", undefined, { now: later })).toEqual(mf);
  });
});

describe("applyServerSide", () => {
  it("creates with an Apply entry", () => {
    const r = ok(applyServerSide({ live: undefined, applied: deployment(2), manager: "kubectl", now }));
    expect(r.changed).toBe(true);
    expect(r.object.spec).toEqual(deployment(2).spec);
    expect(r.managedFields).toHaveLength(1);
    expect(r.managedFields[0]).toMatchObject({
      manager: "kubectl",
      operation: "Apply",
      apiVersion: "apps/v1",
      time: "2026-11-28T21:00:00Z",
    });
    expect((r.object.metadata as Record<string, unknown>).managedFields).toEqual(r.managedFields);
  });

  it("conflicts with another manager's different value, with the real message and Status", () => {
    const created = {
      ...deployment(1),
      metadata: {
        ...deployment(1).metadata,
        managedFields: updateManagedFields(undefined, deployment(1), "kubectl-client-side-apply", "Update", undefined, {
          now,
        }),
      },
    };
    const r = applyServerSide({ live: created, applied: deployment(3), manager: "kubectl", now });
    if (!("conflicts" in r)) throw new Error("expected conflicts");
    expect(r.conflicts).toEqual([
      { manager: "kubectl-client-side-apply", field: ".spec.replicas", operation: "Update", apiVersion: "apps/v1" },
    ]);
    expect(r.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    expect(r.error.httpCode).toBe(409);
    expect(r.error.status).toMatchObject({
      reason: "Conflict",
      code: 409,
      details: {
        causes: [
          {
            reason: "FieldManagerConflict",
            message: 'conflict with "kubectl-client-side-apply" using apps/v1',
            field: ".spec.replicas",
          },
        ],
      },
    });
    // same value: shared ownership, no conflict
    const same = ok(applyServerSide({ live: created, applied: deployment(1), manager: "kubectl", now }));
    expect(same.changed).toBe(false);
    expect(same.managedFields.map((e) => e.manager)).toEqual(["kubectl", "kubectl-client-side-apply"]);
  });

  it("force takes the fields over", () => {
    const created = {
      ...deployment(1),
      metadata: {
        ...deployment(1).metadata,
        managedFields: updateManagedFields(undefined, deployment(1), "other", "Update", undefined, { now }),
      },
    };
    const r = ok(
      applyServerSide({
        live: created,
        applied: deployment(3, "nginx:2"),
        manager: "kubectl",
        force: true,
        now: later,
      }),
    );
    expect((r.object.spec as Record<string, unknown>).replicas).toBe(3);
    const other = r.managedFields.find((e) => e.manager === "other");
    expect(JSON.stringify(other?.fieldsV1)).not.toContain("f:replicas");
    expect(JSON.stringify(other?.fieldsV1)).not.toContain("f:image");
    expect(JSON.stringify(r.managedFields.find((e) => e.manager === "kubectl")?.fieldsV1)).toContain("f:replicas");
  });

  it("removes fields the manager stopped applying, unless someone else owns them", () => {
    const first = ok(
      applyServerSide({
        live: undefined,
        applied: deployment(2, "nginx:1", { paused: true, minReadySeconds: 5 }),
        manager: "a",
        now,
      }),
    );
    // another manager takes ownership of minReadySeconds through an update
    const live = first.object;
    const upd = structuredClone(live) as Record<string, Record<string, unknown>>;
    (upd.spec as Record<string, unknown>).minReadySeconds = 6;
    const mf = updateManagedFields(live, upd, "b", "Update", undefined, { now });
    (upd.metadata as Record<string, unknown>).managedFields = mf;
    const second = ok(applyServerSide({ live: upd, applied: deployment(2), manager: "a", now: later }));
    const spec = second.object.spec as Record<string, unknown>;
    expect(spec).not.toHaveProperty("paused");
    expect(spec.minReadySeconds).toBe(6);
    expect(spec.replicas).toBe(2);
  });

  it("merges keyed lists and removes list items the manager no longer applies", () => {
    const withTwo = deployment(1);
    withTwo.spec.template.spec.containers.push({ name: "side", image: "busybox", ports: [] });
    const first = ok(applyServerSide({ live: undefined, applied: withTwo, manager: "a", now }));
    // a controller adds an env var to nginx (Update)
    const upd = structuredClone(first.object) as ReturnType<typeof deployment>;
    (upd.spec.template.spec.containers[0] as Record<string, unknown>).env = [{ name: "X", value: "1" }];
    (upd.metadata as Record<string, unknown>).managedFields = updateManagedFields(
      first.object,
      upd,
      "ctrl",
      "Update",
      undefined,
      { now },
    );
    const second = ok(applyServerSide({ live: upd, applied: deployment(1, "nginx:2"), manager: "a", now: later }));
    const containers = (second.object.spec as ReturnType<typeof deployment>["spec"]).template.spec.containers;
    expect(containers.map((c) => c.name)).toEqual(["nginx"]);
    expect(containers[0]).toMatchObject({ image: "nginx:2", env: [{ name: "X", value: "1" }] });
  });

  it("fills defaulted list-map keys (protocol TCP) so applied ports match defaulted live ports", () => {
    const svc = (ports: Record<string, unknown>[]) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s" },
      spec: { ports },
    });
    const live = ok(
      applyServerSide({ live: undefined, applied: svc([{ port: 80, targetPort: 8080 }]), manager: "m", now }),
    ).object;
    // the API server defaulted the protocol
    const defaulted = structuredClone(live) as ReturnType<typeof svc>;
    (defaulted.spec.ports[0] as Record<string, unknown>).protocol = "TCP";
    const r = ok(
      applyServerSide({ live: defaulted, applied: svc([{ port: 80, targetPort: 9090 }]), manager: "m", now }),
    );
    expect((r.object.spec as ReturnType<typeof svc>["spec"]).ports).toEqual([
      { port: 80, targetPort: 9090, protocol: "TCP" },
    ]);
    expect(JSON.stringify(r.managedFields[0]?.fieldsV1)).toContain('k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}');
  });

  it("uses the CRD schema list types and prints multi-conflict messages", () => {
    const schema: JSONSchemaProps = {
      type: "object",
      properties: {
        spec: {
          type: "object",
          properties: {
            a: { type: "string" },
            b: { type: "string" },
            items: {
              type: "array",
              "x-kubernetes-list-type": "map",
              "x-kubernetes-list-map-keys": ["name"],
              items: { type: "object", properties: { name: { type: "string" }, v: { type: "string" } } },
            },
          },
        },
      },
    };
    const cr = (a: string, b: string, v: string) => ({
      apiVersion: "demo.example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
      spec: { a, b, items: [{ name: "x", v }] },
    });
    const first = ok(applyServerSide({ live: undefined, applied: cr("1", "1", "1"), manager: "one", schema, now }));
    expect(JSON.stringify(first.managedFields[0]?.fieldsV1)).toContain('k:{\\"name\\":\\"x\\"}');
    const r = applyServerSide({ live: first.object, applied: cr("2", "2", "2"), manager: "two", schema, now });
    if (!("conflicts" in r)) throw new Error("expected conflicts");
    expect(r.message).toBe(
      'Apply failed with 3 conflicts: conflicts with "one":\n- .spec.a\n- .spec.b\n- .spec.items[name="x"].v',
    );
    expect(r.conflicts).toHaveLength(3);
  });

  it("lets kubectl upgrade from client-side apply on the fields of the last-applied annotation", () => {
    const cfg = deployment(1);
    const annotated = {
      ...cfg,
      metadata: {
        ...cfg.metadata,
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(cfg) },
      },
    };
    const mf = updateManagedFields(undefined, annotated, "kubectl-client-side-apply", "Update", undefined, { now });
    const live = { ...annotated, metadata: { ...annotated.metadata, managedFields: mf } };
    // another manager name still conflicts
    const other = applyServerSide({ live, applied: deployment(3), manager: "ctl", now });
    expect("conflicts" in other).toBe(true);
    // kubectl takes over the fields listed in the annotation, and the annotation follows the applied config
    const r = ok(applyServerSide({ live, applied: deployment(3), manager: "kubectl", now }));
    expect((r.object.spec as Record<string, unknown>).replicas).toBe(3);
    const annotations = (r.object.metadata as Record<string, Record<string, string>>).annotations ?? {};
    const lastApplied = JSON.parse(annotations["kubectl.kubernetes.io/last-applied-configuration"] ?? "{}");
    expect(lastApplied.spec.replicas).toBe(3);
    expect(
      JSON.stringify(r.managedFields.find((e) => e.manager === "kubectl-client-side-apply")?.fieldsV1),
    ).not.toContain("f:replicas");
    // a field outside the annotation still conflicts
    const extra = deployment(3, "nginx:1", { paused: true });
    const liveWithPaused = structuredClone(live) as typeof live & { spec: Record<string, unknown> };
    liveWithPaused.spec.paused = false;
    liveWithPaused.metadata.managedFields = updateManagedFields(
      live,
      liveWithPaused,
      "kubectl-edit",
      "Update",
      undefined,
      { now },
    );
    const c = applyServerSide({ live: liveWithPaused, applied: extra, manager: "kubectl", now });
    if (!("conflicts" in c)) throw new Error("expected conflicts");
    expect(c.conflicts.map((x) => x.field)).toEqual([".spec.paused"]);
  });

  it("formats manager descriptions with subresources", () => {
    expect(
      applyConflictMessage([
        { manager: "b", field: ".status.x", operation: "Update", apiVersion: "v1", subresource: "status" },
        { manager: "a", field: ".spec.y", operation: "Apply", apiVersion: "v1" },
      ]),
    ).toBe(
      'Apply failed with 2 conflicts: conflicts with "a":\n- .spec.y\nconflicts with "b" with subresource "status" using v1:\n- .status.x',
    );
  });

  it("ignores invalid live managedFields and rejects managedFields or another version in the applied body", () => {
    const r = ok(
      applyServerSide({
        live: undefined,
        applied: deployment(1),
        manager: "m",
        managedFields: ["junk", { nope: 1 }],
        now,
      }),
    );
    expect(r.managedFields.map((e) => e.manager)).toEqual(["m"]);
    const withMf = { ...deployment(1), metadata: { ...deployment(1).metadata, managedFields: [] } };
    expect(() => applyServerSide({ live: undefined, applied: withMf, manager: "m" })).toThrow(
      "metadata.managedFields must be nil",
    );
    expect(() =>
      applyServerSide({ live: undefined, applied: deployment(1), manager: "m", expectedApiVersion: "apps/v1beta2" }),
    ).toThrow("Incorrect version specified in apply patch. Specified patch version: apps/v1, expected: apps/v1beta2");
    expect(
      ok(applyServerSide({ live: undefined, applied: deployment(1), manager: "m", expectedApiVersion: "apps/v1" }))
        .changed,
    ).toBe(true);
  });
});
