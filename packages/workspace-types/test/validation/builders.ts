/** Valid base Workspaces for the table-driven rule tests, and assertion helpers. */
import { expect } from "vitest";
import type { ValidationCode, ValidationIssue, ValidationResult } from "../../src/index.ts";

export type ApiVersion = "kaito.sh/v1alpha1" | "kaito.sh/v1beta1";
export const VERSIONS: readonly ApiVersion[] = ["kaito.sh/v1alpha1", "kaito.sh/v1beta1"];

// biome-ignore lint/suspicious/noExplicitAny: test objects are free-form YAML-like trees mutated per row
export type Obj = Record<string, any>;

export function inferenceWs(apiVersion: ApiVersion = "kaito.sh/v1beta1"): Obj {
  return {
    apiVersion,
    kind: "Workspace",
    metadata: { name: "workspace-phi-3", namespace: "default" },
    resource: {
      instanceType: "Standard_NC24ads_A100_v4",
      labelSelector: { matchLabels: { apps: "phi-3" } },
    },
    inference: { preset: { name: "phi-3-mini-4k-instruct" } },
  };
}

export function tuningWs(apiVersion: ApiVersion = "kaito.sh/v1beta1"): Obj {
  return {
    apiVersion,
    kind: "Workspace",
    metadata: { name: "workspace-tuning-phi-3", namespace: "default" },
    resource: {
      instanceType: "Standard_NC24ads_A100_v4",
      labelSelector: { matchLabels: { app: "tuning-phi-3" } },
    },
    tuning: {
      preset: { name: "phi-3-mini-128k-instruct" },
      method: "qlora",
      input: {
        urls: [
          "https://huggingface.co/datasets/philschmid/dolly-15k-oai-style/resolve/main/data/train-00000-of-00001-54e3756291ca09c6.parquet?download=true",
        ],
      },
      output: { image: "localhost:5000/tuning/phi-3-adapter:0.0.1", imagePushSecret: "registry-push-secret" },
    },
  };
}

export function adapter(name: string, extra: Obj = {}): Obj {
  return { source: { name, image: `myregistry.azurecr.io/adapters/${name}:0.0.1` }, ...extra };
}

function describeIssues(list: readonly ValidationIssue[]): string {
  return list.map((i) => `${i.code} @ ${i.path}: ${i.message}`).join("\n") || "(none)";
}

/** Assert an error (or warning) with `code` at `path`; returns it. */
export function expectIssue(
  r: ValidationResult,
  code: ValidationCode,
  path: string,
  severity: "error" | "warning" = "error",
): ValidationIssue {
  const list = severity === "error" ? r.errors : r.warnings;
  const hit = list.find((i) => i.code === code && i.path === path);
  if (hit === undefined) {
    expect.fail(
      `expected ${severity} ${code} at ${path}; got errors:\n${describeIssues(r.errors)}\nwarnings:\n${describeIssues(r.warnings)}`,
    );
  }
  if (severity === "error") expect(r.valid).toBe(false);
  return hit;
}

/** Assert no errors at all (warnings allowed). */
export function expectValid(r: ValidationResult): void {
  if (!r.valid) expect.fail(`expected valid, got errors:\n${describeIssues(r.errors)}`);
  expect(r.errors).toEqual([]);
}
