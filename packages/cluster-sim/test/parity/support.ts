/** Fixtures and small helpers shared by the parity suite. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../src/index.ts";
import { fixture } from "../clients/kubectl-runner.ts";

/**
 * The Workspace CRD as `@kaito-ts/workspace-types` generates it (its `crds/` folder, read as a file: cluster-sim's
 * tests import no package of ours).
 */
export const WORKSPACE_CRD_PATH = join(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "workspace-types",
  "crds",
  "kaito.sh_workspaces.yaml",
);

/** The Workspace CRD object. */
export function workspaceCrd(): KubeObject {
  const docs = parseAllDocuments(readFileSync(WORKSPACE_CRD_PATH, "utf8"))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null && d.kind === "CustomResourceDefinition");
  const crd = docs[0];
  if (crd === undefined) throw new Error(`no CustomResourceDefinition in ${WORKSPACE_CRD_PATH}`);
  return crd;
}

/** The small widget CRD fixture (enum, defaults, a CEL rule, status and scale subresources, printer columns). */
export function widgetCrd(): KubeObject {
  return fixture("widget-crd.yaml");
}

/** A scratch folder for manifests written by a test file. */
export function scratch(prefix: string): (name: string, text: string) => string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return (name, text) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
}

/** A widget manifest. */
export function widgetYaml(name: string, spec: string, extraMetadata = ""): string {
  return `apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: ${name}\n${extraMetadata}spec:\n${spec}\n`;
}

/** Seconds-precision RFC 3339 time, as events and conditions carry it. */
export function nowRfc3339(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

/** The parsed body of a client-node API error: status code, Status reason and message. */
export function apiError(e: unknown): { code: number; reason?: string; message?: string; details?: unknown } {
  const err = e as { code?: number; body?: unknown };
  if (typeof err.code !== "number") throw new Error(`not an API error: ${String(e)}`);
  const body = (typeof err.body === "string" ? JSON.parse(err.body) : err.body) as {
    reason?: string;
    message?: string;
    details?: unknown;
  };
  return { code: err.code, ...body };
}

/** A table printed by kubectl with its AGE column (and any duration) blanked, for comparing two servers. */
export function normalizeTable(out: string): string {
  return out
    .trim()
    .split("\n")
    .map((line) =>
      line
        .replace(/\b\d+(?:ms|s|m\d*s?|h\d*m?|d\d*h?)\b/g, "<age>")
        .replace(/\s+/g, " ")
        .trim(),
    )
    .join("\n");
}

/** A CRD whose fields carry CEL rules of every kind of failure (value shown or not, reason, fieldPath, messageExpression). */
export function gadgetCrd(extraRule?: string): KubeObject {
  const spec = {
    type: "object",
    properties: {
      mode: {
        type: "string",
        "x-kubernetes-validations": [{ rule: "self != 'bad'", message: "mode must not be bad" }],
      },
      count: { type: "integer", "x-kubernetes-validations": [{ rule: "self < 10" }] },
      tags: {
        type: "array",
        maxItems: 5,
        items: { type: "string", maxLength: 10 },
        "x-kubernetes-validations": [{ rule: "size(self) < 2", messageExpression: "'too many tags: ' + self[0]" }],
      },
      zeta: { type: "string", maxLength: 5 },
      alpha: { type: "string", maxLength: 5 },
      level: { type: "integer", minimum: 0 },
    },
    "x-kubernetes-validations": [
      { rule: "!has(self.alpha) || self.alpha != 'x'", message: "alpha x forbidden", reason: "FieldValueForbidden" },
      {
        rule: "!has(self.zeta) || self.zeta != 'r'",
        message: "zeta required",
        reason: "FieldValueRequired",
        fieldPath: ".zeta",
      },
      { rule: "!has(self.zeta) || self.zeta != 'n' || self.alpha == 'q'" },
      ...(extraRule !== undefined ? [{ rule: extraRule }] : []),
    ],
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: extraRule === undefined ? "gadgets.demo.example.com" : "badgadgets.demo.example.com" },
    spec: {
      group: "demo.example.com",
      scope: "Namespaced",
      names:
        extraRule === undefined
          ? { kind: "Gadget", plural: "gadgets", singular: "gadget", listKind: "GadgetList" }
          : { kind: "BadGadget", plural: "badgadgets", singular: "badgadget", listKind: "BadGadgetList" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", properties: { spec } } },
        },
      ],
    },
  };
}
