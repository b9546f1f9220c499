import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  applyWorkspaceDefaults,
  findUnknownFields,
  formatFieldPath,
  isWorkspaceTypesError,
  parseFieldPath,
  parseWorkspace,
  parseWorkspaceOrThrow,
  type Workspace,
  type WorkspaceInput,
  WorkspaceV1alpha1Schema,
  WorkspaceV1beta1Schema,
  workspaceSchemaFor,
} from "../src/index.ts";
import { baseWorkspaceSchemaFor, COMPILE_AFTER_PARSES } from "../src/schema/workspace.ts";
import { FIXTURES, fixture } from "./helpers.ts";

function load(name: string): Record<string, unknown> {
  return parseYaml(fixture(name)) as Record<string, unknown>;
}

describe("Workspace schemas on real Kaito YAML", () => {
  it.each(FIXTURES)("%s parses, has no unknown fields and round-trips", (name) => {
    const obj = load(name);
    expect(findUnknownFields(obj)).toEqual([]);
    const r = parseWorkspace(obj);
    if (!r.success) throw new Error(JSON.stringify(r.errors));
    expect(r.warnings).toEqual([]);
    // the parsed output is a fixed point: parsing it again gives the same object
    const again = parseWorkspace(JSON.parse(JSON.stringify(r.data)));
    expect(again.success && again.data).toEqual(r.data);
    // everything the user wrote survives (defaults only add)
    expect(r.data).toMatchObject(obj);
  });

  it("reads the seed example with its defaults (v1alpha1)", () => {
    const r = parseWorkspace(load("seed-tuning-phi-3.yaml"));
    expect(r.success).toBe(true);
    if (!r.success) return;
    expect(r.apiVersion).toBe("kaito.sh/v1alpha1");
    expect(r.data.resource).toEqual({
      count: 1,
      instanceType: "Standard_NC6s_v3",
      labelSelector: { matchLabels: { app: "tuning-phi-3" } },
    });
    expect(r.data.tuning?.preset?.accessMode).toBe("public");
    expect(r.data.tuning?.output.imagePushSecret).toBe("ACR_REGISTRY_SECRET_HERE");
    expect(r.data.inference).toBeUndefined();
  });

  it("keeps schemaless subtrees exactly (template, volumeSource)", () => {
    const obj = load("inference-template.yaml");
    const r = parseWorkspace(obj);
    expect(r.success && r.data.inference?.template).toEqual((obj.inference as Record<string, unknown>).template);
    const t = parseWorkspace(load("tuning-volume.yaml"));
    expect(t.success && t.data.tuning?.output.volumeSource).toEqual({
      persistentVolumeClaim: { claimName: "tuning-results" },
    });
  });

  it("accepts v1beta1-only fields in v1beta1 and reports them as unknown in v1alpha1", () => {
    const beta = load("byo-partition.yaml");
    expect(parseWorkspace(beta).success).toBe(true);
    const alpha = { ...beta, apiVersion: "kaito.sh/v1alpha1" };
    expect(findUnknownFields(alpha).sort()).toEqual(
      ["spec.resource.partition", "status.performance", "status.state", "status.targetNodeCount"].sort(),
    );
  });

  it("workspaceSchemaFor picks the schema of a version", () => {
    expect(baseWorkspaceSchemaFor("kaito.sh/v1alpha1")).toBe(WorkspaceV1alpha1Schema);
    expect(baseWorkspaceSchemaFor("kaito.sh/v1beta1")).toBe(WorkspaceV1beta1Schema);
    expect(baseWorkspaceSchemaFor("kaito.sh/v1")).toBeUndefined();
    expect(workspaceSchemaFor("kaito.sh/v1")).toBeUndefined();
  });

  it("after tiering up, the compiled schemas parse exactly like the runtime ones", () => {
    const samples: unknown[] = FIXTURES.map(load);
    const seed = load("seed-tuning-phi-3.yaml");
    samples.push(
      { ...seed, resource: { count: "x", labelSelector: {} } },
      { ...seed, tuning: { input: { urls: [1] } } },
      { ...seed, metadata: undefined, extra: true },
      { ...seed, resource: { labelSelector: { matchLabels: { a: 1 } }, instanceType: 5 } },
    );
    for (let i = 0; i <= COMPILE_AFTER_PARSES; i++) workspaceSchemaFor("kaito.sh/v1alpha1");
    for (let i = 0; i <= COMPILE_AFTER_PARSES; i++) workspaceSchemaFor("kaito.sh/v1beta1");
    for (const version of ["kaito.sh/v1alpha1", "kaito.sh/v1beta1"] as const) {
      const hot = workspaceSchemaFor(version);
      const base = baseWorkspaceSchemaFor(version);
      expect(hot).not.toBe(base);
      for (const s of samples) {
        const obj = applyWorkspaceDefaults({ ...(s as object), apiVersion: version });
        const a = hot.safeParse(obj);
        const b = base?.safeParse(obj);
        expect(a.success).toBe(b?.success);
        if (a.success && b?.success) expect(a.data).toEqual(b.data);
        if (!a.success && b && !b.success) expect(a.error.issues).toEqual(b.error.issues);
      }
    }
  });

  it("types: a v1alpha1 output is a Workspace, input types accept what users write", () => {
    const input: WorkspaceInput = {
      apiVersion: "kaito.sh/v1alpha1",
      kind: "Workspace",
      metadata: { name: "x" },
      resource: { labelSelector: {} },
    };
    const ws: Workspace = WorkspaceV1alpha1Schema.parse(input);
    expect(ws.resource.instanceType).toBe("Standard_NC24ads_A100_v4");
    expect(ws.resource.partition).toBeUndefined();
  });
});

describe("CRD defaults", () => {
  const base = { kind: "Workspace", metadata: { name: "w" } };
  it("v1alpha1: count 1, instanceType Standard_NC24ads_A100_v4, accessMode public", () => {
    const out = applyWorkspaceDefaults({
      ...base,
      apiVersion: "kaito.sh/v1alpha1",
      resource: { labelSelector: {} },
      inference: { preset: { name: "falcon-7b" } },
    });
    expect(out).toEqual({
      ...base,
      apiVersion: "kaito.sh/v1alpha1",
      resource: { labelSelector: {}, count: 1, instanceType: "Standard_NC24ads_A100_v4" },
      inference: { preset: { name: "falcon-7b", accessMode: "public" } },
    });
  });
  it("v1beta1: no instanceType default", () => {
    const out = applyWorkspaceDefaults({ ...base, apiVersion: "kaito.sh/v1beta1", resource: { labelSelector: {} } });
    expect(out).toEqual({ ...base, apiVersion: "kaito.sh/v1beta1", resource: { labelSelector: {}, count: 1 } });
  });
  it("keeps explicit values, defaults nulls, applies nothing where the parent is absent, and is pure", () => {
    const input = {
      ...base,
      apiVersion: "kaito.sh/v1alpha1",
      resource: { count: null, instanceType: "Standard_NC6s_v3", labelSelector: {}, preferredNodes: null },
      tuning: { preset: { name: "p", accessMode: "private" }, input: {}, output: {} },
    };
    const snapshot = structuredClone(input);
    const out = applyWorkspaceDefaults(input) as typeof input;
    expect(input).toEqual(snapshot);
    expect(out.resource).toEqual({ count: 1, instanceType: "Standard_NC6s_v3", labelSelector: {} });
    expect(out.tuning.preset.accessMode).toBe("private");
    expect(applyWorkspaceDefaults({ ...base, apiVersion: "kaito.sh/v1beta1" })).toEqual({
      ...base,
      apiVersion: "kaito.sh/v1beta1",
    });
  });
  it("returns non-objects unchanged", () => {
    expect(applyWorkspaceDefaults("x")).toBe("x");
    expect(applyWorkspaceDefaults(null)).toBe(null);
  });
});

describe("unknown fields", () => {
  it("reports typos and a spec: wrapper with Kaito paths, not schemaless content", () => {
    const obj = {
      apiVersion: "kaito.sh/v1beta1",
      kind: "Workspace",
      metadata: { name: "w", label: { a: "b" } },
      spec: { resource: {} },
      resource: { instancetype: "x", labelSelector: { matchLabel: {} } },
      inference: {
        template: { spec: { anything: true } },
        adapters: [{ source: { name: "a", volumeSource: { foo: {} }, url: [] }, weight: "1" }],
      },
    };
    expect(findUnknownFields(obj)).toEqual([
      "metadata.label",
      "spec",
      "spec.resource.instancetype",
      "spec.resource.labelSelector.matchLabel",
      "spec.inference.adapters[0].source.url",
      "spec.inference.adapters[0].weight",
    ]);
  });
  it("ignores non-objects", () => {
    expect(findUnknownFields(undefined)).toEqual([]);
    expect(findUnknownFields([1, 2])).toEqual([]);
  });
  it("parseWorkspace turns them into API-server warnings and drops them", () => {
    const r = parseWorkspace({
      apiVersion: "kaito.sh/v1beta1",
      kind: "Workspace",
      metadata: {},
      resource: { labelSelector: {}, foo: 1 },
      inference: { preset: { name: "x" } },
    });
    expect(r.warnings).toEqual(['unknown field "spec.resource.foo"']);
    expect(r.success && "foo" in r.data.resource).toBe(false);
  });
});

describe("structural errors", () => {
  const ok = {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name: "w" },
    resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { a: "b" } } },
    tuning: { method: "lora", input: { urls: ["https://x/y"] }, output: { volumeSource: {} } },
  };
  function errorsOf(obj: unknown): string[] {
    const r = parseWorkspace(obj);
    return r.success ? [] : r.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
  }
  it("wrong types, missing required fields and bad enums name the Kaito path", () => {
    expect(errorsOf({ ...ok, resource: { ...ok.resource, count: "2" } })).toEqual([
      'spec.resource.count: Invalid value: "2": must be of type integer',
    ]);
    expect(errorsOf({ ...ok, resource: { ...ok.resource, count: 1.5 } })).toEqual([
      "spec.resource.count: Invalid value: 1.5: must be of type integer",
    ]);
    expect(errorsOf({ ...ok, resource: { instanceType: "x" } })).toEqual([
      "spec.resource.labelSelector: Required value",
    ]);
    expect(errorsOf({ ...ok, tuning: { method: "lora", input: {} } })).toEqual(["spec.tuning.output: Required value"]);
    expect(errorsOf({ ...ok, tuning: undefined, inference: { preset: { name: "p", accessMode: "secret" } } })).toEqual([
      'spec.inference.preset.accessMode: Unsupported value: "secret": supported values: "public", "private"',
    ]);
    expect(errorsOf({ ...ok, tuning: { ...ok.tuning, input: { urls: "https://x" } } })).toEqual([
      "spec.tuning.input.urls: Invalid value: string: must be of type array",
    ]);
    expect(errorsOf({ ...ok, resource: { ...ok.resource, labelSelector: { matchLabels: { a: 1 } } } })).toEqual([
      "spec.resource.labelSelector.matchLabels.a: Invalid value: integer: must be of type string",
    ]);
    expect(errorsOf({ ...ok, resource: { ...ok.resource, partition: { mode: "mps" } } })).toEqual([
      'spec.resource.partition.mode: Unsupported value: "mps": supported values: "mig", "accelerator"',
    ]);
    expect(errorsOf({ ...ok, metadata: undefined })).toEqual(["metadata: Required value"]);
  });
  it("rejects non-objects, wrong apiVersion and kind with one line", () => {
    expect(errorsOf("hello")).toEqual(["expected a Workspace object, got string"]);
    expect(errorsOf(null)).toEqual(["expected a Workspace object, got null"]);
    expect(errorsOf([])).toEqual(["expected a Workspace object, got a list"]);
    expect(errorsOf({ ...ok, apiVersion: "kaito.sh/v1" })).toEqual([
      'apiVersion: Unsupported value: "kaito.sh/v1": supported values: "kaito.sh/v1alpha1", "kaito.sh/v1beta1"',
    ]);
    expect(errorsOf({ ...ok, apiVersion: undefined })).toEqual([
      "apiVersion: Required value: expected kaito.sh/v1alpha1 or kaito.sh/v1beta1",
    ]);
    expect(errorsOf({ ...ok, kind: "Pod" })).toEqual(['kind: Unsupported value: "Pod": expected "Workspace"']);
  });
  it("parseWorkspaceOrThrow throws a branded error listing every problem", () => {
    expect(parseWorkspaceOrThrow(ok).metadata.name).toBe("w");
    try {
      parseWorkspaceOrThrow({ ...ok, resource: {} });
      expect.unreachable();
    } catch (e) {
      expect(isWorkspaceTypesError(e)).toBe(true);
      if (!isWorkspaceTypesError(e)) return;
      expect(e.code).toBe("INVALID_WORKSPACE");
      expect(e.issues).toEqual(["spec.resource.labelSelector: Required value"]);
    }
    expect(isWorkspaceTypesError(new Error("x"))).toBe(false);
  });
});

describe("field paths", () => {
  it("formats and parses Kaito paths", () => {
    expect(formatFieldPath(["tuning", "output", "image"])).toBe("spec.tuning.output.image");
    expect(formatFieldPath(["inference", "adapters", 0, "source", "name"])).toBe(
      "spec.inference.adapters[0].source.name",
    );
    expect(formatFieldPath(["metadata", "annotations", "kaito.sh/runtime"])).toBe(
      'metadata.annotations["kaito.sh/runtime"]',
    );
    expect(formatFieldPath(["status", "state"])).toBe("status.state");
    expect(formatFieldPath([])).toBe("");
    expect(parseFieldPath("spec.inference.adapters[0].source.name")).toEqual([
      "inference",
      "adapters",
      0,
      "source",
      "name",
    ]);
    expect(parseFieldPath('metadata.annotations["kaito.sh/runtime"]')).toEqual([
      "metadata",
      "annotations",
      "kaito.sh/runtime",
    ]);
  });
});
