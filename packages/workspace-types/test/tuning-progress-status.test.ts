/**
 * `status.tuningProgress` (kaito-ts): in both served versions, typed for the CRD's structural schema (integers as
 * `integer`, losses as `number`), documented, kept by conversion, and optional (a Kaito Workspace is unchanged).
 */
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  convertWorkspace,
  findUnknownFields,
  type JSONSchemaProps,
  parseWorkspace,
  type WorkspaceTuningProgress,
  WorkspaceTuningProgressSchema,
  workspaceCrd,
} from "../src/index.ts";
import { fixture } from "./helpers.ts";

const progress: WorkspaceTuningProgress = {
  step: 120,
  totalSteps: 400,
  epoch: 0.9,
  loss: 1.2031,
  learningRate: 0.0002,
  gradNorm: 0.41,
  evalLoss: 1.31,
  trainLoss: 1.25,
  elapsedSeconds: 300,
  etaSeconds: 720,
  completed: false,
  observedTime: "2026-12-07T18:00:00Z",
};

/** The CRD type of each field: a row per field of the schema (the test below fails when a field has none). */
const crdTypes: Record<keyof WorkspaceTuningProgress, { type: string; format?: string }> = {
  step: { type: "integer", format: "int64" },
  totalSteps: { type: "integer", format: "int64" },
  epoch: { type: "number" },
  loss: { type: "number" },
  learningRate: { type: "number" },
  gradNorm: { type: "number" },
  evalLoss: { type: "number" },
  trainLoss: { type: "number" },
  elapsedSeconds: { type: "integer", format: "int64" },
  etaSeconds: { type: "integer", format: "int64" },
  completed: { type: "boolean" },
  observedTime: { type: "string", format: "date-time" },
};

function tuningWorkspace(apiVersion: string, status: Record<string, unknown>): Record<string, unknown> {
  return {
    ...(parseYaml(fixture("tuning-volume.yaml")) as Record<string, unknown>),
    apiVersion,
    status,
  };
}

function errorsOf(obj: unknown): string[] {
  const r = parseWorkspace(obj);
  return r.success ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

function tuningProgressNode(version: string): JSONSchemaProps | undefined {
  const v = workspaceCrd.spec.versions.find((x) => x.name === version);
  return v?.schema.openAPIV3Schema.properties?.status?.properties?.tuningProgress;
}

describe("status.tuningProgress", () => {
  it.each(["kaito.sh/v1alpha1", "kaito.sh/v1beta1"])("%s: parses, no unknown fields, values kept", (apiVersion) => {
    const ws = tuningWorkspace(apiVersion, { tuningProgress: progress });
    expect(findUnknownFields(ws)).toEqual([]);
    const r = parseWorkspace(ws);
    if (!r.success) throw new Error(JSON.stringify(r.errors));
    expect(r.data.status?.tuningProgress).toEqual(progress);
  });

  it("is optional: a Workspace without it, and an empty one, are valid", () => {
    expect(errorsOf(tuningWorkspace("kaito.sh/v1beta1", {}))).toEqual([]);
    expect(errorsOf(tuningWorkspace("kaito.sh/v1beta1", { tuningProgress: {} }))).toEqual([]);
  });

  it.each([
    ["a fractional step", { step: 1.5 }, "status.tuningProgress.step: Invalid value: 1.5: must be of type integer"],
    ["a negative step", { totalSteps: -1 }, "status.tuningProgress.totalSteps"],
    ["a NaN loss", { loss: Number.NaN }, "status.tuningProgress.loss"],
    ["an infinite loss", { loss: Number.POSITIVE_INFINITY }, "status.tuningProgress.loss"],
    ["a string loss", { loss: "1.2" }, "status.tuningProgress.loss"],
    ["a non-boolean completed", { completed: "yes" }, "status.tuningProgress.completed"],
  ])("rejects %s, naming the field", (_name, bad, want) => {
    const errors = errorsOf(tuningWorkspace("kaito.sh/v1beta1", { tuningProgress: { ...progress, ...bad } }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(want);
  });

  it("NaN and ±Infinity are not JSON: the schema refuses them rather than let them become null on the wire", () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(WorkspaceTuningProgressSchema.safeParse({ loss: v }).success).toBe(false);
      expect(JSON.parse(JSON.stringify({ loss: v }))).toEqual({ loss: null });
    }
  });

  it("conversion keeps it both ways (it is in both versions)", () => {
    const beta = tuningWorkspace("kaito.sh/v1beta1", { state: "Running", tuningProgress: progress });
    const alpha = convertWorkspace(beta, "kaito.sh/v1alpha1");
    expect(alpha.dropped).toEqual(["status.state"]);
    expect((alpha.workspace.status as { tuningProgress?: unknown }).tuningProgress).toEqual(progress);
    const back = convertWorkspace(alpha.workspace, "kaito.sh/v1beta1");
    expect(back.dropped).toEqual([]);
    expect((back.workspace.status as { tuningProgress?: unknown }).tuningProgress).toEqual(progress);
  });

  it.each(["v1alpha1", "v1beta1"])(
    "the %s CRD types every field for the structural schema, with a description",
    (v) => {
      const node = tuningProgressNode(v);
      expect(node?.type).toBe("object");
      expect(node?.description).toMatch(/trainer/);
      const props = node?.properties ?? {};
      expect(Object.keys(props).sort()).toEqual(Object.keys(crdTypes).sort());
      expect(Object.keys(WorkspaceTuningProgressSchema.shape).sort()).toEqual(Object.keys(crdTypes).sort());
      for (const [field, want] of Object.entries(crdTypes)) {
        const p = props[field];
        expect({ field, type: p?.type, format: p?.format }).toEqual({ field, ...want, format: want.format });
        expect(typeof p?.description === "string" && p.description.length > 10).toBe(true);
      }
      expect(props.step?.minimum).toBe(0);
      expect(props.loss?.minimum).toBeUndefined(); // a loss may be negative (e.g. some RL objectives)
    },
  );
});
