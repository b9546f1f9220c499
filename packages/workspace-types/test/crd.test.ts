import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate } from "@marcbachmann/cel-js";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { buildNodeClaimCrd, buildWorkspaceCrd } from "../src/crd/build.ts";
import { crdFileText, generatedModuleText } from "../src/crd/render.ts";
import { findStructuralProblems, toStructuralSchema } from "../src/crd/structural.ts";
import {
  allCrds,
  applyWorkspaceDefaults,
  crdsYaml,
  isWorkspaceTypesError,
  type JSONSchemaProps,
  VALIDATION_CODES,
  validateWorkspace,
  nodeClaimCrd,
  WORKSPACE_CEL_RULES,
  type WorkspaceCelRule,
  workspaceCrd,
} from "../src/index.ts";
import { FIXTURES, fixture } from "./helpers.ts";

const pkg = join(import.meta.dirname, "..");
const read = (...p: string[]) => readFileSync(join(pkg, ...p), "utf8");

describe("generated files", () => {
  it("are up to date with the zod schemas (run scripts/gen-crds.ts when this fails)", () => {
    const ws = buildWorkspaceCrd();
    const nc = buildNodeClaimCrd();
    expect(read("crds", "kaito.sh_workspaces.yaml")).toBe(crdFileText(ws));
    expect(read("crds", "karpenter.sh_nodeclaims.yaml")).toBe(crdFileText(nc));
    expect(read("src", "crd", "crds.generated.ts")).toBe(generatedModuleText({ workspaceCrd: ws, nodeClaimCrd: nc }));
    expect(workspaceCrd).toEqual(ws);
    expect(nodeClaimCrd).toEqual(nc);
  });
  it("crdsYaml() is the two CRDs as a multi-document stream that parses back to the data", () => {
    const docs = parseAllDocuments(crdsYaml());
    expect(Array.isArray(docs) && docs.map((d) => d.errors)).toEqual([[], []]);
    expect(Array.isArray(docs) && docs.map((d) => d.toJS())).toEqual([...allCrds]);
    expect(parseYaml(read("crds", "kaito.sh_workspaces.yaml"))).toEqual(workspaceCrd);
  });
});

function walk(node: unknown, visit: (n: Record<string, unknown>, path: string) => void, path = ""): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => {
      walk(n, visit, `${path}[${i}]`);
    });
  } else if (typeof node === "object" && node !== null) {
    visit(node as Record<string, unknown>, path);
    for (const [k, v] of Object.entries(node)) walk(v, visit, `${path}.${k}`);
  }
}

describe("structural schemas", () => {
  it.each(
    allCrds.flatMap((crd) =>
      crd.spec.versions.map((v) => [`${crd.metadata.name} ${v.name}`, v.schema.openAPIV3Schema] as const),
    ),
  )("%s has no forbidden keys anywhere", (_, schema) => {
    expect(findStructuralProblems(schema)).toEqual([]);
    const found: string[] = [];
    walk(schema, (n, path) => {
      for (const key of ["$ref", "definitions", "$defs", "$schema", "const", "oneOf", "allOf", "not"]) {
        if (key in n) found.push(`${path}.${key}`);
      }
      if ("properties" in n && "additionalProperties" in n)
        found.push(`${path}: additionalProperties beside properties`);
      if (n.additionalProperties === false) found.push(`${path}: additionalProperties false`);
      if ("anyOf" in n && n["x-kubernetes-int-or-string"] !== true) found.push(`${path}: anyOf`);
    });
    expect(found).toEqual([]);
  });

  it("marks Kaito's schemaless fields with x-kubernetes-preserve-unknown-fields and keeps metadata bare", () => {
    for (const v of workspaceCrd.spec.versions) {
      const root = v.schema.openAPIV3Schema;
      const p = root.properties ?? {};
      expect(p.metadata).toEqual({ type: "object" });
      expect(p.apiVersion?.type).toBe("string");
      const inf = p.inference?.properties ?? {};
      expect(inf.template?.["x-kubernetes-preserve-unknown-fields"]).toBe(true);
      expect(inf.template?.additionalProperties).toBeUndefined();
      const tuning = p.tuning?.properties ?? {};
      expect(tuning.input?.properties?.volumeSource?.["x-kubernetes-preserve-unknown-fields"]).toBe(true);
      expect(tuning.output?.properties?.volumeSource?.["x-kubernetes-preserve-unknown-fields"]).toBe(true);
      expect(
        inf.adapters?.items?.properties?.source?.properties?.volumeSource?.["x-kubernetes-preserve-unknown-fields"],
      ).toBe(true);
      expect(tuning.input?.required).toBeUndefined();
      expect(p.tuning?.required).toEqual(["input", "output"]);
      expect(p.resource?.required).toEqual(["labelSelector"]);
      expect(p.resource?.properties?.count).toMatchObject({ type: "integer", default: 1, format: "int32" });
      expect(inf.preset?.properties?.accessMode).toMatchObject({
        default: "public",
        enum: ["public", "private"],
      });
    }
    const [alpha, beta] = workspaceCrd.spec.versions;
    expect(alpha?.schema.openAPIV3Schema.properties?.resource?.properties?.instanceType?.default).toBe(
      "Standard_NC24ads_A100_v4",
    );
    expect(beta?.schema.openAPIV3Schema.properties?.resource?.properties?.instanceType?.default).toBeUndefined();
    expect(beta?.schema.openAPIV3Schema.properties?.resource?.properties?.partition).toBeDefined();
    expect(alpha?.schema.openAPIV3Schema.properties?.resource?.properties?.partition).toBeUndefined();
  });

  it("the post-pass refuses what it cannot make structural", () => {
    expect(() => toStructuralSchema({ type: "object", properties: { a: { $ref: "#/definitions/A" } } })).toThrow(
      /not structural/,
    );
    try {
      toStructuralSchema({ oneOf: [{ type: "object" }] });
    } catch (e) {
      expect(isWorkspaceTypesError(e) && e.code).toBe("CRD_NOT_STRUCTURAL");
    }
    expect(findStructuralProblems({ type: "object", properties: {}, additionalProperties: false })).toEqual([
      "<root>: additionalProperties beside properties",
      "<root>: additionalProperties: false",
    ]);
    expect(findStructuralProblems({ type: "object", oneOf: [{ type: "object", description: "x" }] })).toEqual([
      ".oneOf[0]: type inside a junctor",
      ".oneOf[0]: description inside a junctor",
    ]);
    expect(findStructuralProblems({ properties: { a: { type: "array" } } })).toEqual([
      "<root>: missing type",
      ".a: array without items",
    ]);
  });
});

describe("CRD metadata", () => {
  it("Workspace: both versions served, v1beta1 stored, status subresource, short names, category", () => {
    expect(workspaceCrd.metadata.name).toBe("workspaces.kaito.sh");
    expect(workspaceCrd.spec.scope).toBe("Namespaced");
    expect(workspaceCrd.spec.names).toMatchObject({
      kind: "Workspace",
      plural: "workspaces",
      shortNames: ["wk", "wks"],
      categories: ["workspace"],
    });
    expect(workspaceCrd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([
      ["v1alpha1", true, false],
      ["v1beta1", true, true],
    ]);
    for (const v of workspaceCrd.spec.versions) expect(v.subresources).toEqual({ status: {} });
  });

  it("printer columns: Kaito's plus WorkspaceReady, in an order that shows the seed's columns", () => {
    // the default columns (priority 0); the -o wide addition of kaito-ts is checked below
    const cols = (name: string) =>
      (workspaceCrd.spec.versions.find((v) => v.name === name)?.additionalPrinterColumns ?? []).filter(
        (c) => c.priority === undefined,
      );
    expect(cols("v1beta1").map((c) => c.name)).toEqual([
      "Instance",
      "ResourceReady",
      "InferenceReady",
      "JobStarted",
      "WorkspaceSucceeded",
      "WorkspaceReady",
      "TargetNodeCount",
      "State",
      "Age",
    ]);
    expect(cols("v1alpha1").map((c) => c.name)).toEqual([
      "Instance",
      "ResourceReady",
      "InferenceReady",
      "JobStarted",
      "WorkspaceSucceeded",
      "WorkspaceReady",
      "Age",
    ]);
    for (const v of ["v1alpha1", "v1beta1"]) {
      const byName = new Map(cols(v).map((c) => [c.name, c]));
      expect(byName.get("WorkspaceReady")?.jsonPath).toBe('.status.conditions[?(@.type=="WorkspaceSucceeded")].status');
      expect(byName.get("Instance")?.jsonPath).toBe(".resource.instanceType");
      expect(byName.get("ResourceReady")?.jsonPath).toBe('.status.conditions[?(@.type=="ResourceReady")].status');
      expect(byName.get("Age")).toEqual({ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" });
      expect(cols(v).every((c) => c.priority === undefined)).toBe(true);
      // the seed's `kubectl get workspace` header, in order
      const names = cols(v).map((c) => c.name.toUpperCase());
      const seed = ["INSTANCE", "RESOURCEREADY", "INFERENCEREADY", "WORKSPACEREADY", "AGE"].map((n) =>
        names.indexOf(n),
      );
      expect(seed.every((i) => i >= 0)).toBe(true);
      expect([...seed].sort((a, b) => a - b)).toEqual(seed);
    }
    const beta = new Map(cols("v1beta1").map((c) => [c.name, c]));
    expect(beta.get("TargetNodeCount")).toEqual({
      name: "TargetNodeCount",
      type: "integer",
      jsonPath: ".status.targetNodeCount",
    });
    expect(beta.get("State")?.jsonPath).toBe(".status.state");
  });

  it("kubectl get -o wide adds one column, Progress: the TuningProgress message, priority 1, before Age", () => {
    for (const v of workspaceCrd.spec.versions) {
      const all = v.additionalPrinterColumns ?? [];
      const wide = all.filter((c) => c.priority !== undefined);
      expect(wide).toEqual([
        {
          name: "Progress",
          type: "string",
          jsonPath: '.status.conditions[?(@.type=="TuningProgress")].message',
          description: "What the trainer of a tuning Workspace last reported (see status.tuningProgress)",
          priority: 1,
        },
      ]);
      expect(all.at(-2)).toEqual(wide[0]);
      expect(all.at(-1)?.name).toBe("Age");
    }
  });

  it("NodeClaim: karpenter.sh/v1, cluster-scoped, status subresource, Karpenter-like columns", () => {
    expect(nodeClaimCrd.metadata.name).toBe("nodeclaims.karpenter.sh");
    expect(nodeClaimCrd.spec.scope).toBe("Cluster");
    const [v1] = nodeClaimCrd.spec.versions;
    expect([v1?.name, v1?.served, v1?.storage]).toEqual(["v1", true, true]);
    expect(v1?.subresources).toEqual({ status: {} });
    const visible = (v1?.additionalPrinterColumns ?? []).filter((c) => !c.priority).map((c) => c.name);
    expect(visible).toEqual(["Type", "Capacity", "Zone", "Node", "Ready", "Age"]);
    const cols = new Map((v1?.additionalPrinterColumns ?? []).map((c) => [c.name, c.jsonPath]));
    expect(cols.get("Node")).toBe(".status.nodeName");
    expect(cols.get("Ready")).toBe('.status.conditions[?(@.type=="Ready")].status');
    expect(cols.get("Type")).toBe(".metadata.labels.node\\.kubernetes\\.io/instance-type");
    const spec = v1?.schema.openAPIV3Schema.properties?.spec;
    expect(spec?.required).toEqual(["nodeClassRef", "requirements"]);
    expect(Object.keys(spec?.properties ?? {})).toEqual(
      expect.arrayContaining(["nodeClassRef", "taints", "requirements", "resources"]),
    );
    const status = v1?.schema.openAPIV3Schema.properties?.status?.properties ?? {};
    expect(Object.keys(status)).toEqual(
      expect.arrayContaining(["nodeName", "providerID", "capacity", "allocatable", "conditions"]),
    );
  });
});

/** JSON → CEL values the way the API server sees them: integers are CEL ints. */
function toCel(v: unknown): unknown {
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(toCel);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  return v;
}

function at(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const k of path) cur = typeof cur === "object" && cur !== null ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

/** Evaluate every CEL rule of the version on a (defaulted) object; returns the ids of the failing rules. */
function celFailures(obj: Record<string, unknown>): string[] {
  const version = obj.apiVersion === "kaito.sh/v1alpha1" ? "v1alpha1" : "v1beta1";
  const schema = workspaceCrd.spec.versions.find((v) => v.name === version)?.schema.openAPIV3Schema as JSONSchemaProps;
  const failing: string[] = [];
  const defaulted = applyWorkspaceDefaults(obj);
  for (const rule of WORKSPACE_CEL_RULES as readonly WorkspaceCelRule[]) {
    let node: JSONSchemaProps | undefined = schema;
    for (const k of rule.at) node = node?.properties?.[k];
    const inCrd = node?.["x-kubernetes-validations"]?.some((r) => r.rule === rule.rule) ?? false;
    if (!inCrd) continue;
    const self = at(defaulted, rule.at);
    if (self === undefined) continue; // the API server evaluates a rule only where the value exists
    if (evaluate(rule.rule, { self: toCel(self) }) !== true) failing.push(rule.id);
  }
  return failing;
}

describe("CEL rules (evaluated with a CEL interpreter)", () => {
  it.each(FIXTURES)("%s passes every rule", (name) => {
    expect(celFailures(parseYaml(fixture(name)) as Record<string, unknown>)).toEqual([]);
  });

  const base = {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name: "w" },
    resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { a: "b" } } },
  };
  const tuning = {
    preset: { name: "phi-3-mini-4k-instruct" },
    method: "lora",
    input: { urls: ["https://example.com/d.parquet"] },
    output: { image: "registry.example.com/a:1", imagePushSecret: "push" },
  };
  it.each([
    ["neither inference nor tuning", {}, ["INFERENCE_TUNING_EXACTLY_ONE"]],
    ["both", { inference: { preset: { name: "x" } }, tuning }, ["INFERENCE_TUNING_EXACTLY_ONE"]],
    [
      "preset and template",
      { inference: { preset: { name: "x" }, template: {} } },
      ["INFERENCE_PRESET_TEMPLATE_EXACTLY_ONE"],
    ],
    ["neither preset nor template", { inference: { config: "c" } }, ["INFERENCE_PRESET_TEMPLATE_EXACTLY_ONE"]],
    [
      "11 adapters",
      {
        inference: {
          preset: { name: "x" },
          adapters: Array.from({ length: 11 }, (_, i) => ({ source: { name: `a${i}`, image: "r/a:1" } })),
        },
      },
      ["ADAPTERS_TOO_MANY"],
    ],
    [
      "input with two sources",
      { tuning: { ...tuning, input: { urls: ["https://x/y"], image: "r/d:1" } } },
      ["TUNING_INPUT_EXACTLY_ONE"],
    ],
    ["input with none", { tuning: { ...tuning, input: { urls: [], image: "" } } }, ["TUNING_INPUT_EXACTLY_ONE"]],
    ["input volume only", { tuning: { ...tuning, input: { volumeSource: { emptyDir: {} } } } }, []],
    [
      "output with both",
      { tuning: { ...tuning, output: { image: "r/a:1", imagePushSecret: "s", volumeSource: {} } } },
      ["TUNING_OUTPUT_EXACTLY_ONE"],
    ],
    [
      "output image without secret",
      { tuning: { ...tuning, output: { image: "r/a:1" } } },
      ["OUTPUT_PUSH_SECRET_REQUIRED"],
    ],
    ["output volume only", { tuning: { ...tuning, output: { volumeSource: { emptyDir: {} } } } }, []],
    ["tuning on 2 nodes", { resource: { ...base.resource, count: 2 }, tuning }, ["TUNING_COUNT"]],
    [
      "tuning with a partition",
      { resource: { ...base.resource, partition: { mode: "mig" } }, tuning },
      ["TUNING_PARTITION"],
    ],
    ["inference on 2 nodes", { resource: { ...base.resource, count: 2 }, inference: { preset: { name: "x" } } }, []],
  ] as const)("%s → %j", (_, patch, expected) => {
    const obj = { ...base, ...patch } as Record<string, unknown>;
    expect(celFailures(obj)).toEqual(expected);
    // the in-process rules agree with the CEL rules on the same object
    const codes = new Set(validateWorkspace(obj).errors.map((e) => e.code));
    for (const rule of WORKSPACE_CEL_RULES) {
      expect([rule.id, codes.has(rule.id)]).toEqual([rule.id, (expected as readonly string[]).includes(rule.id)]);
    }
  });

  it("every CEL rule has an in-process twin (its id is the code of the validateWorkspace rule)", () => {
    const codes: readonly string[] = VALIDATION_CODES;
    expect(WORKSPACE_CEL_RULES.map((r) => r.id).filter((id) => !codes.includes(id))).toEqual([]);
  });

  it("v1alpha1 has no partition rule (it has no partition field)", () => {
    expect(celFailures({ ...base, apiVersion: "kaito.sh/v1alpha1", tuning })).toEqual([]);
  });
});
