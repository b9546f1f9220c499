/**
 * Pure helpers: the REST paths of Workspaces, turning YAML or an object into one Workspace, client-side validation,
 * and the `kubectl get workspace` columns.
 *
 * @packageDocumentation
 */
import { catalogValidationLookups } from "@kaito-ts/preset-catalog";
import {
  type Condition,
  ConditionType,
  isWorkspaceApiVersion,
  KAITO_GROUP,
  parseWorkspaceDocuments,
  type ValidationContext,
  type ValidationIssue,
  validateWorkspace,
  type Workspace,
  WORKSPACE_KIND,
  WORKSPACE_PLURAL,
  WORKSPACE_STORAGE_VERSION,
  type WorkspaceInput,
} from "@kaito-ts/workspace-types";
import { WorkspaceClientError } from "./errors.ts";

/** `/apis/kaito.sh/<version>/namespaces/<ns>/workspaces[/<name>]` (all namespaces when `namespace` is undefined). */
export function workspacePath(
  namespace: string | undefined,
  name?: string,
  version: string = WORKSPACE_STORAGE_VERSION,
): string {
  const ns = namespace === undefined ? "" : `/namespaces/${encodeURIComponent(namespace)}`;
  const obj = name === undefined ? "" : `/${encodeURIComponent(name)}`;
  return `/apis/${KAITO_GROUP}/${version}${ns}/${WORKSPACE_PLURAL}${obj}`;
}

/** The version part of a Workspace's `apiVersion` (`kaito.sh/v1alpha1` → `v1alpha1`). */
export function versionOf(apiVersion: string): string {
  return apiVersion.slice(apiVersion.indexOf("/") + 1);
}

/**
 * One Workspace from YAML/JSON text or an object.
 * @throws WorkspaceClientError `INVALID_ARGUMENT` for unparsable text, no Workspace, or several; `INVALID_WORKSPACE`
 *   for a document that is not a Workspace of a known version.
 */
export function toWorkspaceObject(input: Workspace | WorkspaceInput | string): Record<string, unknown> {
  if (typeof input !== "string") {
    if (typeof input !== "object" || input === null) {
      throw new WorkspaceClientError("INVALID_ARGUMENT", "apply: give a Workspace object or its YAML/JSON text");
    }
    return structuredClone(input) as unknown as Record<string, unknown>;
  }
  const all = parseWorkspaceDocuments(input);
  const docs = all.filter((d) => d.value !== null && d.value !== undefined);
  const broken = all.find((d) => d.value === undefined && d.errors.some((e) => !/empty/i.test(e.message)));
  if (docs.length === 0) throw new WorkspaceClientError("INVALID_ARGUMENT", "apply: the text holds no document");
  if (broken !== undefined) {
    const e = broken.errors[0];
    throw new WorkspaceClientError(
      "INVALID_ARGUMENT",
      `apply: the text is not valid YAML${e?.line !== undefined ? ` (line ${e.line})` : ""}: ${e?.message ?? "unparsable"}`,
    );
  }
  if (docs.length > 1) {
    throw new WorkspaceClientError(
      "INVALID_ARGUMENT",
      `apply: the text holds ${docs.length} documents; apply one Workspace at a time`,
    );
  }
  return structuredClone(docs[0]?.value) as Record<string, unknown>;
}

/** The validation context of `apply` by default: Kaito's chart defaults and the preset catalog. */
export function defaultValidation(): ValidationContext {
  return { cloud: "azure", nodeAutoProvisioning: true, defaultRuntime: "vllm", ...catalogValidationLookups() };
}

/**
 * Checks a Workspace as Kaito's admission webhook would, before it is sent.
 * @throws WorkspaceClientError `INVALID_WORKSPACE` listing every problem (`path: message`).
 */
export function assertValidWorkspace(obj: Record<string, unknown>, context: Partial<ValidationContext>): void {
  const apiVersion = obj.apiVersion;
  const kind = obj.kind;
  const name = (obj.metadata as { name?: unknown } | undefined)?.name;
  const label = typeof name === "string" ? `Workspace ${name}` : "the Workspace";
  if (kind !== WORKSPACE_KIND || typeof apiVersion !== "string" || !isWorkspaceApiVersion(apiVersion)) {
    throw new WorkspaceClientError(
      "INVALID_WORKSPACE",
      `${label}: expected kind: Workspace with apiVersion kaito.sh/v1beta1 or kaito.sh/v1alpha1, got kind: ${String(kind)}, apiVersion: ${String(apiVersion)}`,
    );
  }
  const result = validateWorkspace(obj, context);
  if (!result.valid) throw invalidWorkspace(label, result.errors);
}

/** The `INVALID_WORKSPACE` error for a list of problems. */
export function invalidWorkspace(label: string, issues: readonly ValidationIssue[]): WorkspaceClientError {
  const lines = issues.map((i) => `  ${i.path}: ${i.message}${i.hint !== undefined ? ` (hint: ${i.hint})` : ""}`);
  return new WorkspaceClientError(
    "INVALID_WORKSPACE",
    `${label} is invalid (${issues.length} problem${issues.length === 1 ? "" : "s"}); fix and apply again:\n${lines.join("\n")}`,
    { issues },
  );
}

/** The conditions of a Workspace's status (empty when it has none yet). */
export function workspaceConditions(ws: Workspace | Record<string, unknown>): readonly Condition[] {
  const status = (ws as { status?: { conditions?: unknown } }).status;
  return Array.isArray(status?.conditions) ? (status.conditions as Condition[]) : [];
}

/** The `kubectl get workspace` row of a Workspace (v1beta1 printer columns, plus the classic `WORKSPACEREADY`). */
export interface WorkspaceRow {
  readonly name: string;
  readonly namespace: string;
  readonly instance: string;
  readonly resourceReady: string;
  readonly inferenceReady: string;
  readonly jobStarted: string;
  readonly workspaceSucceeded: string;
  /** `WorkspaceSucceeded` under the column name classic Kaito releases (and the seed) use. */
  readonly workspaceReady: string;
  /** `metadata.creationTimestamp`, when the server set it. */
  readonly createdAt: Date | undefined;
}

/** The printer columns of a Workspace. */
export function workspaceRow(ws: Workspace | Record<string, unknown>): WorkspaceRow {
  const w = ws as {
    metadata?: { name?: string; namespace?: string; creationTimestamp?: string | Date };
    resource?: { instanceType?: string };
  };
  const conds = workspaceConditions(ws);
  const status = (type: string) => conds.find((c) => c.type === type)?.status ?? "";
  const created = w.metadata?.creationTimestamp;
  const succeeded = status(ConditionType.WorkspaceSucceeded);
  return {
    name: w.metadata?.name ?? "",
    namespace: w.metadata?.namespace ?? "",
    instance: w.resource?.instanceType ?? "",
    resourceReady: status(ConditionType.ResourceReady),
    inferenceReady: status(ConditionType.InferenceReady),
    jobStarted: status(ConditionType.JobStarted),
    workspaceSucceeded: succeeded,
    workspaceReady: succeeded,
    createdAt: created === undefined ? undefined : new Date(created),
  };
}

/** kubectl's age format: `45s`, `3m12s`, `5h2m`, `3d4h`, `400d`. */
export function formatAge(from: Date | undefined, now: Date = new Date()): string {
  if (from === undefined || Number.isNaN(from.getTime())) return "<unknown>";
  const s = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 === 0 ? "" : `${s % 60}s`}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 === 0 ? "" : `${m % 60}m`}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 === 0 ? "" : `${h % 24}h`}`;
  return `${d}d`;
}
