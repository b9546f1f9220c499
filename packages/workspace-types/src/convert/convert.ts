/**
 * Conversion between `kaito.sh/v1alpha1` and `kaito.sh/v1beta1`. Kaito's CRD has no conversion webhook: both
 * versions share one shape, the API server rewrites `apiVersion` and prunes what the target version does not
 * know. Going to v1alpha1 that drops `resource.partition`, `presetOptions.modelAccessSecret`, and
 * `status.state/targetNodeCount/performance`; going to v1beta1 drops nothing.
 */
import type * as z from "zod";
import { formatFieldPath } from "../schema/paths.ts";
import { findUnknownFieldPathsIn } from "../schema/unknown-fields.ts";
import { baseWorkspaceSchemaFor, type WorkspaceApiVersion } from "../schema/workspace.ts";

/** Result of {@link convertWorkspace}. */
export interface ConvertResult<T, V extends WorkspaceApiVersion> {
  /** A new object (the input is not changed). */
  readonly workspace: Omit<T, "apiVersion"> & { apiVersion: V };
  /** Kaito-style paths of the fields the target version cannot hold and that were dropped, e.g. `spec.resource.partition`. */
  readonly dropped: readonly string[];
}

function deletePath(root: unknown, path: readonly (string | number)[]): void {
  let cur: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (typeof cur !== "object" || cur === null) return;
    cur = (cur as Record<string | number, unknown>)[path[i] as string | number];
  }
  const last = path[path.length - 1];
  if (typeof cur === "object" && cur !== null && last !== undefined)
    delete (cur as Record<string | number, unknown>)[last];
}

/**
 * Convert a Workspace to another served version, reporting what was dropped. Unknown fields that neither version
 * knows are left alone (the API server would prune them on write; {@link findUnknownFields} reports them).
 * @example
 * const { workspace, dropped } = convertWorkspace(wsV1beta1, "kaito.sh/v1alpha1");
 * // dropped: ["spec.inference.preset.presetOptions.modelAccessSecret"]
 */
export function convertWorkspace<T extends { readonly apiVersion?: unknown }, V extends WorkspaceApiVersion>(
  obj: T,
  to: V,
): ConvertResult<T, V> {
  const copy = structuredClone(obj) as Record<string, unknown>;
  const fromSchema = baseWorkspaceSchemaFor(typeof obj.apiVersion === "string" ? obj.apiVersion : "");
  const toSchema = baseWorkspaceSchemaFor(to) as z.ZodType;
  const unknownInTarget = findUnknownFieldPathsIn(toSchema, copy);
  const unknownInSource = new Set(
    fromSchema ? findUnknownFieldPathsIn(fromSchema, copy).map((p) => JSON.stringify(p)) : [],
  );
  const dropped: string[] = [];
  for (const path of unknownInTarget) {
    if (unknownInSource.has(JSON.stringify(path))) continue;
    if (!fromSchema) continue;
    deletePath(copy, path);
    dropped.push(formatFieldPath(path));
  }
  copy.apiVersion = to;
  return { workspace: copy as Omit<T, "apiVersion"> & { apiVersion: V }, dropped };
}
