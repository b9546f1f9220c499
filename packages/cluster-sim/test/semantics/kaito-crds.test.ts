/**
 * The semantics modules against the project's real CRDs (workspace-types' generated YAML) and the seed's Workspace:
 * what the CRD registration and the create pipeline of the sim will run.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  applySchemaDefaults,
  buildTable,
  checkPrinterColumns,
  checkStructuralSchema,
  compileCelValidations,
  type CrdPrinterColumn,
  evaluateCelValidations,
  type JSONSchemaProps,
  pruneUnknownFields,
  validateStructural,
} from "../../src/semantics/index.ts";

const here = dirname(fileURLToPath(import.meta.url));
const crdDir = join(here, "../../../workspace-types/crds");
const fixtures = join(here, "../../../workspace-types/test/fixtures");

interface CrdVersion {
  name: string;
  schema: { openAPIV3Schema: JSONSchemaProps };
  additionalPrinterColumns?: CrdPrinterColumn[];
}

function load(file: string): { spec: { versions: CrdVersion[] } } {
  return parse(readFileSync(join(crdDir, file), "utf8"));
}

const crdFiles = readdirSync(crdDir).filter((f) => f.endsWith(".yaml"));
const workspaces = load("kaito.sh_workspaces.yaml");
const v1alpha1 = workspaces.spec.versions.find((v) => v.name === "v1alpha1") as CrdVersion;
const seed = parse(readFileSync(join(fixtures, "seed-tuning-phi-3.yaml"), "utf8")) as Record<string, unknown>;

function pipeline(schema: JSONSchemaProps, obj: unknown, old?: unknown) {
  const pruned = pruneUnknownFields(schema, obj);
  const defaulted = applySchemaDefaults(schema, pruned.object);
  const causes = validateStructural(schema, defaulted);
  return {
    pruned: pruned.prunedPaths,
    object: defaulted,
    causes: causes.length > 0 ? causes : evaluateCelValidations(schema, defaulted, old),
  };
}

describe("the project's CRDs", () => {
  it("finds the CRD files", () => {
    expect(crdFiles).toContain("kaito.sh_workspaces.yaml");
  });

  for (const file of crdFiles) {
    it(`${file}: every version is structural, its CEL rules compile and its printer columns are valid`, () => {
      const crd = load(file);
      crd.spec.versions.forEach((v, i) => {
        const base = `spec.versions[${i}].schema.openAPIV3Schema`;
        expect(checkStructuralSchema(v.schema.openAPIV3Schema, base)).toEqual([]);
        expect(compileCelValidations(v.schema.openAPIV3Schema, base)).toEqual([]);
        expect(
          checkPrinterColumns(v.additionalPrinterColumns ?? [], `spec.versions[${i}].additionalPrinterColumns`),
        ).toEqual([]);
      });
    });
  }

  it("accepts the seed Workspace and prints the seed's columns", () => {
    const { pruned, causes, object } = pipeline(v1alpha1.schema.openAPIV3Schema, {
      ...seed,
      metadata: { ...(seed.metadata as object), namespace: "default", creationTimestamp: "2026-11-28T12:00:00Z" },
    });
    expect(pruned).toEqual([]);
    expect(causes).toEqual([]);
    const t = buildTable({
      objects: [object],
      columns: v1alpha1.additionalPrinterColumns ?? [],
      now: new Date("2026-11-28T12:03:00Z"),
    });
    expect(t.columnDefinitions.map((c) => c.name.toUpperCase())).toEqual([
      "NAME",
      "INSTANCE",
      "RESOURCEREADY",
      "INFERENCEREADY",
      "JOBSTARTED",
      "WORKSPACESUCCEEDED",
      "WORKSPACEREADY",
      "PROGRESS", // priority 1: the Table has it, kubectl shows it only with -o wide
      "AGE",
    ]);
    expect(t.rows[0]?.cells).toEqual([
      "workspace-tuning-phi-3",
      "Standard_NC6s_v3",
      null,
      null,
      null,
      null,
      null,
      null,
      "3m",
    ]);
  });

  it("prints NodeClaims with Karpenter's escaped-dot label columns", () => {
    const v1 = load("karpenter.sh_nodeclaims.yaml").spec.versions.find((v) => v.name === "v1") as CrdVersion;
    const t = buildTable({
      objects: [
        {
          metadata: {
            name: "nc-1",
            creationTimestamp: "2026-11-28T12:00:00Z",
            labels: {
              "node.kubernetes.io/instance-type": "Standard_NC24ads_A100_v4",
              "karpenter.sh/capacity-type": "on-demand",
            },
          },
          status: { nodeName: "aks-nc-1", conditions: [{ type: "Ready", status: "True" }] },
        },
      ],
      columns: v1.additionalPrinterColumns ?? [],
      now: new Date("2026-11-28T12:10:00Z"),
    });
    const cells = t.rows[0]?.cells ?? [];
    const byName = Object.fromEntries(t.columnDefinitions.map((c, i) => [c.name, cells[i]]));
    expect(byName).toMatchObject({
      Name: "nc-1",
      Type: "Standard_NC24ads_A100_v4",
      Capacity: "on-demand",
      Zone: null,
      Node: "aks-nc-1",
      Ready: "True",
      Age: "10m",
    });
  });

  it("rejects a Workspace with both inference and tuning through CEL, and prunes unknown fields", () => {
    const bad = { ...seed, inference: { preset: { name: "phi-3-mini-4k-instruct" } }, bogus: 1 };
    const { pruned, causes } = pipeline(v1alpha1.schema.openAPIV3Schema, bad);
    expect(pruned).toEqual(["bogus"]);
    expect(causes).toContainEqual({
      reason: "FieldValueInvalid",
      field: "<nil>",
      message: "Invalid value: exactly one of inference or tuning must be set",
    });
  });

  it("reports schema violations before CEL", () => {
    const bad = { ...seed, tuning: { ...(seed.tuning as object), method: 5 } };
    const { causes } = pipeline(v1alpha1.schema.openAPIV3Schema, bad);
    expect(causes).toEqual([
      {
        reason: "FieldValueTypeInvalid",
        field: "tuning.method",
        message: 'Invalid value: "integer": tuning.method in body must be of type string: "integer"',
      },
    ]);
  });
});
