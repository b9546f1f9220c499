/**
 * The structural part of validation: object, apiVersion, kind, unknown fields (warnings), CRD defaults and the zod
 * schema of the object's version — done in one walk and one parse for the common case.
 * @internal
 */

import {
  applyWorkspaceDefaults,
  formatFieldPath,
  isWorkspaceApiVersion,
  scanWorkspace,
  toFieldIssues,
  type Workspace,
  type WorkspaceApiVersion,
  workspaceSchemaFor,
} from "../schema/index.ts";
import type { IssueList } from "./rules/common.ts";

/** The typed, defaulted Workspace (absent when the structure is beyond repair) and its version. */
export interface Prepared {
  readonly ws?: Workspace;
  readonly apiVersion?: WorkspaceApiVersion;
}

const NOTHING: Prepared = Object.freeze({});

const V1BETA1_ONLY = new Set(["resource.partition", "inference.preset.presetOptions.modelAccessSecret"]);

/** How many times a structurally invalid object is re-parsed with its offending fields removed. */
const REPAIR_ROUNDS = 4;

function describe(obj: unknown): string {
  return obj === null ? "null" : Array.isArray(obj) ? "a list" : typeof obj;
}

/**
 * Check and parse `obj`. Issues go to `out` (pass `undefined` to parse quietly, e.g. the old object of an update).
 *
 * One walk finds the unknown fields and whether any non-nullable field is `null`. Without such nulls (the common
 * case) the object is parsed as written: the schema's own defaults are the CRD defaults, so this equals parsing
 * the output of `applyWorkspaceDefaults` without building it. Structurally invalid objects are re-parsed up to
 * {@link REPAIR_ROUNDS} times with the offending fields removed (copy on write; the input is never changed).
 */
export function prepareWorkspace(obj: unknown, out: IssueList | undefined): Prepared {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    out?.error("INVALID_STRUCTURE", "", `expected a Workspace object, got ${describe(obj)}`);
    return NOTHING;
  }
  const rec = obj as Record<string, unknown>;
  const apiVersion = rec.apiVersion;
  if (!isWorkspaceApiVersion(apiVersion)) {
    out?.error(
      "INVALID_API_VERSION",
      "apiVersion",
      apiVersion === undefined
        ? "Required value: apiVersion must be kaito.sh/v1alpha1 or kaito.sh/v1beta1"
        : `Unsupported value: ${JSON.stringify(apiVersion)}: supported values: "kaito.sh/v1alpha1", "kaito.sh/v1beta1"`,
      "Workspaces use apiVersion kaito.sh/v1beta1 (current) or kaito.sh/v1alpha1",
    );
    return NOTHING;
  }
  if (rec.kind !== "Workspace") {
    out?.error(
      "INVALID_KIND",
      "kind",
      rec.kind === undefined
        ? 'Required value: kind must be "Workspace"'
        : `Unsupported value: ${JSON.stringify(rec.kind)}: expected "Workspace"`,
    );
    return NOTHING;
  }
  const scan = scanWorkspace(obj);
  if (out !== undefined && scan.unknownFields.length > 0) reportUnknownFields(scan.unknownFields, apiVersion, out);
  return parseAndRepair(scan.hasPrunableNulls ? applyWorkspaceDefaults(obj) : obj, apiVersion, out);
}

function reportUnknownFields(
  paths: readonly (readonly (string | number)[])[],
  apiVersion: WorkspaceApiVersion,
  out: IssueList,
): void {
  for (const p of paths) {
    const path = formatFieldPath(p);
    const plain = p.filter((s) => typeof s === "string").join(".");
    out.warn(
      "UNKNOWN_FIELD",
      path,
      `unknown field "${path}"`,
      apiVersion === "kaito.sh/v1alpha1" && V1BETA1_ONLY.has(plain)
        ? "This field exists only in kaito.sh/v1beta1; change apiVersion to use it"
        : "The API server drops unknown fields; check the spelling",
    );
  }
}

/**
 * Parse; on structural errors report them (first round only), then re-parse without the offending fields so that
 * the content rules still run on the rest.
 */
function parseAndRepair(input: unknown, apiVersion: WorkspaceApiVersion, out: IssueList | undefined): Prepared {
  const schema = workspaceSchemaFor(apiVersion);
  let current = input;
  for (let round = 0; round < REPAIR_ROUNDS; round++) {
    const parsed = schema.safeParse(current);
    if (parsed.success) return { ws: parsed.data as Workspace, apiVersion };
    if (round === 0 && out !== undefined) {
      for (const fi of toFieldIssues(parsed.error.issues, current)) {
        out.error("INVALID_STRUCTURE", fi.path, fi.message);
      }
    }
    // drop the offending fields and try again, so the content rules still run on the rest
    let removed = false;
    for (const issue of parsed.error.issues) {
      const segs = issue.path.filter((s): s is string | number => typeof s !== "symbol");
      const next = withoutNearestKey(current, segs);
      if (next !== undefined) {
        current = next;
        removed = true;
      }
    }
    if (!removed) break;
  }
  return { apiVersion };
}

function isContainer(v: unknown): v is Record<string | number, unknown> {
  return typeof v === "object" && v !== null;
}

/**
 * `root` without the nearest object key on `segs` (array elements take their whole array with them), copying only
 * the objects and arrays along the path so the input is never changed; `undefined` when there is nothing to remove.
 */
export function withoutNearestKey(root: unknown, segs: readonly (string | number)[]): unknown {
  let cut = segs.length;
  while (cut > 0 && typeof segs[cut - 1] === "number") cut--;
  if (cut === 0) return undefined;
  const key = segs[cut - 1] as string | number;
  return removeAt(root, segs, 0, cut - 1, key);
}

function removeAt(
  node: unknown,
  segs: readonly (string | number)[],
  depth: number,
  parentDepth: number,
  key: string | number,
): unknown {
  if (!isContainer(node)) return undefined;
  if (depth === parentDepth) {
    if (node[key] === undefined) return undefined;
    const copy = shallowCopy(node);
    delete copy[key];
    return copy;
  }
  const seg = segs[depth] as string | number;
  const child = removeAt(node[seg], segs, depth + 1, parentDepth, key);
  if (child === undefined) return undefined;
  const copy = shallowCopy(node);
  copy[seg] = child;
  return copy;
}

function shallowCopy(node: Record<string | number, unknown>): Record<string | number, unknown> {
  return Array.isArray(node) ? (node.slice() as unknown as Record<number, unknown>) : { ...node };
}
