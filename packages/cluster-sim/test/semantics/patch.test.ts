import { describe, expect, it } from "vitest";
import { type ClusterSimError, isClusterSimError } from "../../src/errors/index.ts";
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  builtinPatchMeta,
  isBuiltinKind,
  patchMetaFromSchema,
  strategicMergePatchUnsupportedError,
} from "../../src/semantics/index.ts";

function errorOf(fn: () => unknown): ClusterSimError {
  try {
    fn();
  } catch (e) {
    if (isClusterSimError(e)) return e;
    throw e;
  }
  throw new Error("expected an error");
}

describe("applyJsonPatch", () => {
  const doc = { metadata: { name: "a", labels: { x: "1" } }, spec: { list: [1, 2, 3], "a/b": { "c~d": 1 } } };

  it("applies add/remove/replace/move/copy/test without mutating the input", () => {
    const out = applyJsonPatch(doc, [
      { op: "test", path: "/metadata/name", value: "a" },
      { op: "add", path: "/metadata/labels/y", value: "2" },
      { op: "add", path: "/spec/list/-", value: 4 },
      { op: "add", path: "/spec/list/0", value: 0 },
      { op: "remove", path: "/spec/list/1" },
      { op: "replace", path: "/metadata/name", value: "b" },
      { op: "copy", from: "/metadata/labels", path: "/metadata/annotations" },
      { op: "move", from: "/spec/a~1b/c~0d", path: "/spec/moved" },
      { op: "test", path: "/spec/list", value: [0, 2, 3, 4] },
    ]);
    expect(out).toEqual({
      metadata: { name: "b", labels: { x: "1", y: "2" }, annotations: { x: "1", y: "2" } },
      spec: { list: [0, 2, 3, 4], "a/b": {}, moved: 1 },
    });
    expect(doc.spec.list).toEqual([1, 2, 3]);
    expect(applyJsonPatch(doc, [{ op: "replace", path: "", value: { x: 1 } }])).toEqual({ x: 1 });
    expect(applyJsonPatch(doc, [])).toEqual(doc);
  });

  it("rejects a body that is not an array with 400", () => {
    const e = errorOf(() => applyJsonPatch(doc, { op: "add" }));
    expect(e.code).toBe("BAD_REQUEST");
    expect(e.httpCode).toBe(400);
  });

  it("answers a failed test operation with 422 and empty details, as the real server does", () => {
    const e = errorOf(() => applyJsonPatch(doc, [{ op: "test", path: "/metadata/name", value: "z" }]));
    expect(e.httpCode).toBe(422);
    expect(e.message).toBe("the server rejected our request due to an error in our request");
    expect(e.status.details).toEqual({});
    expect(String((e.cause as Error).message)).toBe(
      "JSON patch operation 0 (test /metadata/name) failed: testing value /metadata/name failed: test failed",
    );
  });

  it("answers 422 with the failing operation", () => {
    const cases: [unknown[], string][] = [
      [[{ op: "remove", path: "/spec/nope" }], "Unable to remove nonexistent key: nope: missing value"],
      [
        [{ op: "replace", path: "/spec/nope", value: 1 }],
        "replace operation does not apply: doc is missing key: /spec/nope: missing value",
      ],
      [
        [{ op: "add", path: "/spec/x/y", value: 1 }],
        'add operation does not apply: doc is missing path: "/spec/x/y": missing value',
      ],
      [[{ op: "add", path: "/spec/list/9", value: 1 }], "Unable to access invalid index: 9: invalid index referenced"],
      [[{ op: "frob", path: "/a" }], "Unexpected kind: frob"],
      [[{ op: "add", value: 1 }], "add operation failed to decode path"],
      [[{ op: "add", path: "/a" }], "add operation has no value"],
      [[{ op: "move", path: "/a" }], "move operation failed to decode from"],
      [
        [{ op: "move", from: "/spec", path: "/spec/x" }],
        "move operation does not apply: cannot move /spec into its own child /spec/x",
      ],
      [[{ op: "add", path: "spec", value: 1 }], 'JSON pointer must be empty or start with a "/": spec'],
    ];
    for (const [ops, message] of cases) {
      const e = errorOf(() => applyJsonPatch(doc, ops));
      expect(e.code).toBe("INVALID");
      expect(e.httpCode).toBe(422);
      expect(e.message).toBe("the server rejected our request due to an error in our request");
      expect(e.status.details?.causes?.[0]?.message).toBe(message);
    }
    const e = errorOf(() =>
      applyJsonPatch(doc, [
        { op: "test", path: "/metadata/name", value: "a" },
        { op: "test", path: "/x", value: 1 },
      ]),
    );
    expect(String((e.cause as Error).message)).toContain("operation 1 (test /x)");
    expect(errorOf(() => applyJsonPatch(doc, ["x"])).code).toBe("BAD_REQUEST");
    const many = Array.from({ length: 10001 }, () => ({ op: "test", path: "/metadata/name", value: "a" }));
    expect(errorOf(() => applyJsonPatch(doc, many))).toMatchObject({
      code: "REQUEST_ENTITY_TOO_LARGE",
      message: "The allowed maximum operations in a JSON patch is 10000, got 10001",
    });
  });
});

describe("applyMergePatch", () => {
  it("merges objects, deletes nulls, replaces arrays and scalars", () => {
    const doc = { a: { b: 1, c: 2 }, l: [1, 2], s: "x" };
    expect(applyMergePatch(doc, { a: { b: null, d: { e: null, f: 1 } }, l: [3], s: "y" })).toEqual({
      a: { c: 2, d: { f: 1 } },
      l: [3],
      s: "y",
    });
    expect(doc).toEqual({ a: { b: 1, c: 2 }, l: [1, 2], s: "x" });
    expect(applyMergePatch(doc, [1])).toEqual([1]);
    expect(
      applyMergePatch({ metadata: { labels: { a: "b", k: "v" } } }, { metadata: { labels: { k: null } } }),
    ).toEqual({
      metadata: { labels: { a: "b" } },
    });
  });
});

describe("applyStrategicMergePatch", () => {
  const deploy = { group: "apps", version: "v1", kind: "Deployment" };
  const live = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d", finalizers: ["a"], ownerReferences: [{ uid: "u1", name: "o1" }] },
    spec: {
      replicas: 1,
      template: {
        metadata: { labels: { app: "d" } },
        spec: {
          containers: [
            {
              name: "main",
              image: "nginx:1",
              env: [
                { name: "A", value: "1" },
                { name: "B", value: "2" },
              ],
              ports: [{ containerPort: 80 }],
              volumeMounts: [{ mountPath: "/data", name: "data" }],
              args: ["--a"],
            },
            { name: "side", image: "busybox" },
          ],
          volumes: [{ name: "data", emptyDir: {} }],
          tolerations: [{ key: "x", operator: "Exists" }],
        },
      },
    },
    status: { conditions: [{ type: "Available", status: "True" }] },
  };

  it("merges keyed lists by their merge keys", () => {
    const out = applyStrategicMergePatch(deploy, live, {
      metadata: { finalizers: ["b", "a"], ownerReferences: [{ uid: "u2", name: "o2" }] },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "main",
                image: "nginx:2",
                env: [
                  { name: "B", value: "20" },
                  { name: "C", value: "3" },
                ],
                ports: [{ containerPort: 8080 }],
                args: ["--b"],
              },
            ],
            volumes: [{ name: "cache", emptyDir: {} }],
            tolerations: [{ key: "y", operator: "Exists" }],
          },
        },
      },
      status: { conditions: [{ type: "Progressing", status: "True" }] },
    });
    expect(out.metadata.finalizers).toEqual(["a", "b"]);
    expect(out.metadata.ownerReferences).toEqual([
      { uid: "u1", name: "o1" },
      { uid: "u2", name: "o2" },
    ]);
    const c = out.spec.template.spec.containers;
    expect(c.map((x) => x.name)).toEqual(["main", "side"]);
    expect(c[0]?.image).toBe("nginx:2");
    expect(c[0]?.env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "20" },
      { name: "C", value: "3" },
    ]);
    expect(c[0]?.ports).toEqual([{ containerPort: 80 }, { containerPort: 8080 }]);
    expect(c[0]?.args).toEqual(["--b"]);
    expect(c[0]?.volumeMounts).toEqual([{ mountPath: "/data", name: "data" }]);
    expect(out.spec.template.spec.volumes.map((v) => v.name)).toEqual(["data", "cache"]);
    expect(out.spec.template.spec.tolerations).toEqual([{ key: "y", operator: "Exists" }]);
    expect(out.status.conditions.map((x) => x.type)).toEqual(["Available", "Progressing"]);
    expect(live.spec.template.spec.containers[0]?.image).toBe("nginx:1");
  });

  it("honours $patch delete/replace/merge in lists and maps", () => {
    const out = applyStrategicMergePatch(deploy, live, {
      spec: {
        template: {
          metadata: { labels: { $patch: "replace", only: "this" } },
          spec: {
            containers: [
              { name: "side", $patch: "delete" },
              { name: "main", env: [{ name: "A", $patch: "delete" }] },
            ],
            volumes: [{ $patch: "replace" }, { name: "new", emptyDir: {} }],
          },
        },
      },
    });
    expect(out.spec.template.metadata.labels).toEqual({ only: "this" });
    expect(out.spec.template.spec.containers.map((x) => x.name)).toEqual(["main"]);
    expect(out.spec.template.spec.containers[0]?.env).toEqual([{ name: "B", value: "2" }]);
    expect(out.spec.template.spec.volumes).toEqual([{ name: "new", emptyDir: {} }]);
    const deleted = applyStrategicMergePatch(deploy, live, { status: { $patch: "delete" } });
    expect(deleted.status).toEqual({});
  });

  it("honours $deleteFromPrimitiveList, $setElementOrder and $retainKeys", () => {
    const out = applyStrategicMergePatch(deploy, live, {
      metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] },
      spec: {
        strategy: { $retainKeys: ["type"], type: "Recreate" },
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "side" }, { name: "main" }],
            containers: [{ name: "main", image: "nginx:3" }],
            volumes: [{ name: "data", $retainKeys: ["name", "configMap"], configMap: { name: "cm" } }],
          },
        },
      },
    });
    expect(out.metadata.finalizers).toEqual([]);
    expect(out.spec.template.spec.containers.map((x) => `${x.name}:${x.image}`)).toEqual([
      "side:busybox",
      "main:nginx:3",
    ]);
    expect(out.spec.template.spec.volumes).toEqual([{ name: "data", configMap: { name: "cm" } }]);
    expect((out.spec as Record<string, unknown>).strategy).toEqual({ type: "Recreate" });
  });

  it("interleaves server-only items like normalizeElementOrder", () => {
    const pod = { group: "", version: "v1", kind: "Pod" };
    const live = { spec: { containers: [{ name: "a" }, { name: "s1" }, { name: "b" }, { name: "s2" }] } };
    const out = applyStrategicMergePatch(pod, live, {
      spec: {
        "$setElementOrder/containers": [{ name: "b" }, { name: "a" }, { name: "c" }],
        containers: [{ name: "c" }],
      },
    });
    expect(out.spec.containers.map((c) => c.name)).toEqual(["s1", "b", "a", "s2", "c"]);
    const fin = applyStrategicMergePatch(
      pod,
      { metadata: { finalizers: ["x", "y"] } },
      {
        metadata: { "$setElementOrder/finalizers": ["z", "y", "x"], finalizers: ["z"] },
      },
    );
    expect(fin.metadata.finalizers).toEqual(["z", "y", "x"]);
  });

  it("deletes fields with null and strips directives and nulls from new values", () => {
    const out = applyStrategicMergePatch(deploy, live, {
      spec: { replicas: null, paused: true, selector: { matchLabels: { app: "d", gone: null } } },
    });
    expect(out.spec).not.toHaveProperty("replicas");
    expect((out.spec as Record<string, unknown>).selector).toEqual({ matchLabels: { app: "d" } });
  });

  it("replaces lists for kinds without merge keys (ConfigMap, CRDs)", () => {
    const cm = { group: "", version: "v1", kind: "ConfigMap" };
    expect(
      applyStrategicMergePatch(
        cm,
        { data: { a: "1" }, metadata: { finalizers: ["x"] } },
        { data: { b: "2" }, metadata: { finalizers: ["y"] } },
      ),
    ).toEqual({
      data: { a: "1", b: "2" },
      metadata: { finalizers: ["x", "y"] },
    });
    const cr = { group: "kaito.sh", version: "v1beta1", kind: "Workspace" };
    expect(applyStrategicMergePatch(cr, { spec: { l: [{ name: "a" }] } }, { spec: { l: [{ name: "b" }] } })).toEqual({
      spec: { l: [{ name: "b" }] },
    });
  });

  it("rejects bad directives and items without merge key", () => {
    expect(errorOf(() => applyStrategicMergePatch(deploy, live, { spec: { $patch: "frob" } })).message).toContain(
      "unknown patch type: frob in map: map[$patch:frob]",
    );
    expect(
      errorOf(() =>
        applyStrategicMergePatch(deploy, live, { spec: { template: { spec: { containers: [{ image: "x" }] } } } }),
      ).message,
    ).toBe("map: map[image:x] does not contain declared merge key: name");
    expect(errorOf(() => applyStrategicMergePatch(deploy, live, [1])).code).toBe("BAD_REQUEST");
    expect(
      errorOf(() =>
        applyStrategicMergePatch(deploy, live, {
          spec: { template: { spec: { containers: [{ name: "main", $patch: "merge" }] } } },
        }),
      ).message,
    ).toBe("merging lists cannot yet be specified in the patch");
    const replaced = applyStrategicMergePatch(deploy, live, {
      spec: {
        template: {
          spec: {
            containers: [
              { name: "only", image: "x", $patch: "replace" },
              { name: "other", image: "y" },
            ],
          },
        },
      },
    });
    expect(replaced.spec.template.spec.containers).toEqual([{ name: "other", image: "y" }]);
    const retain = errorOf(() => applyStrategicMergePatch(deploy, live, { spec: { $retainKeys: ["a"], b: 1 } }));
    expect(retain.httpCode).toBe(422);
    expect(retain.status.details?.causes?.[0]?.message).toBe("patch content doesn't match retainKeys list");
    expect(errorOf(() => applyStrategicMergePatch(deploy, live, { spec: { $retainKeys: "a" } })).message).toBe(
      "invalid patch format of retainKeys",
    );
    expect(
      errorOf(() =>
        applyStrategicMergePatch(deploy, live, { metadata: { "$deleteFromPrimitiveList/finalizers": "a" } }),
      ).message,
    ).toBe("invalid patch format of primitive list");
  });

  it("knows which kinds are built in and builds the 415 for custom resources", () => {
    expect(isBuiltinKind({ group: "apps" })).toBe(true);
    expect(isBuiltinKind({ group: "kaito.sh" })).toBe(false);
    expect(builtinPatchMeta({ group: "kaito.sh", kind: "Workspace" })).toBeUndefined();
    expect(builtinPatchMeta({ group: "", kind: "Pod" })?.fields?.spec?.fields?.containers?.mergeKey).toBe("name");
    const e = strategicMergePatchUnsupportedError();
    expect(e.httpCode).toBe(415);
    expect(e.message).toBe(
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    );
    const meta = patchMetaFromSchema({
      type: "object",
      properties: {
        spec: {
          type: "object",
          properties: {
            l: {
              type: "array",
              "x-kubernetes-list-type": "map",
              "x-kubernetes-list-map-keys": ["name"],
              items: { type: "object" },
            },
          },
        },
      },
    });
    expect(meta.fields?.spec?.fields?.l).toMatchObject({ listType: "map", listMapKeys: ["name"] });
  });
});
