/**
 * One call from an untyped object (e.g. parsed YAML) to a typed, defaulted Workspace, with structural errors and
 * unknown-field warnings. Cross-field admission rules are in `validateWorkspace`.
 */
import { WorkspaceTypesError } from "../errors.ts";
import { applyWorkspaceDefaults } from "./defaults.ts";
import { type FieldIssue, toFieldIssues } from "./issues.ts";
import { formatFieldPath } from "./paths.ts";
import { scanWorkspace, unknownFieldWarning } from "./unknown-fields.ts";
import { isWorkspaceApiVersion, type Workspace, type WorkspaceApiVersion, workspaceSchemaFor } from "./workspace.ts";

/** Result of {@link parseWorkspace}. */
export type ParseWorkspaceResult =
  | {
      readonly success: true;
      /** The Workspace after CRD defaults, unknown fields dropped (as the API server prunes them). */
      readonly data: Workspace;
      readonly apiVersion: WorkspaceApiVersion;
      /** `unknown field "<path>"` warnings. */
      readonly warnings: readonly string[];
    }
  | {
      readonly success: false;
      readonly errors: readonly FieldIssue[];
      readonly warnings: readonly string[];
    };

function fail(path: string, segments: (string | number)[], message: string): ParseWorkspaceResult {
  return { success: false, errors: [{ path, segments, message }], warnings: [] };
}

/**
 * Check that `obj` is a Workspace of a served version, apply CRD defaults, and parse it with the schema of its
 * version. Never throws on user input.
 * @example
 * const r = parseWorkspace(yamlObject);
 * if (r.success) console.log(r.data.resource.count); else console.log(r.errors.map((e) => `${e.path}: ${e.message}`));
 */
export function parseWorkspace(obj: unknown): ParseWorkspaceResult {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    return fail(
      "",
      [],
      `expected a Workspace object, got ${obj === null ? "null" : Array.isArray(obj) ? "a list" : typeof obj}`,
    );
  }
  const rec = obj as Record<string, unknown>;
  const apiVersion = rec.apiVersion;
  const kind = rec.kind;
  if (apiVersion === undefined)
    return fail("apiVersion", ["apiVersion"], "Required value: expected kaito.sh/v1alpha1 or kaito.sh/v1beta1");
  if (!isWorkspaceApiVersion(apiVersion)) {
    return fail(
      "apiVersion",
      ["apiVersion"],
      `Unsupported value: ${JSON.stringify(apiVersion)}: supported values: "kaito.sh/v1alpha1", "kaito.sh/v1beta1"`,
    );
  }
  if (kind !== "Workspace") {
    return fail(
      "kind",
      ["kind"],
      kind === undefined
        ? 'Required value: expected "Workspace"'
        : `Unsupported value: ${JSON.stringify(kind)}: expected "Workspace"`,
    );
  }
  const scan = scanWorkspace(obj);
  const warnings = scan.unknownFields.map((p) => unknownFieldWarning(formatFieldPath(p)));
  // without nulls to prune, the schema's own defaults (the CRD defaults) fill the absent fields during the parse
  const input = scan.hasPrunableNulls ? applyWorkspaceDefaults(obj) : obj;
  const result = workspaceSchemaFor(apiVersion).safeParse(input);
  if (!result.success) return { success: false, errors: toFieldIssues(result.error.issues, input), warnings };
  return { success: true, data: result.data, apiVersion, warnings };
}

/**
 * Like {@link parseWorkspace} but returns the Workspace or throws a `WorkspaceTypesError`
 * (`INVALID_WORKSPACE` / `UNSUPPORTED_VERSION`) whose message lists every problem as `path: message`.
 */
export function parseWorkspaceOrThrow(obj: unknown): Workspace {
  const r = parseWorkspace(obj);
  if (r.success) return r.data;
  const issues = r.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
  const code = r.errors.some((e) => e.path === "apiVersion") ? "UNSUPPORTED_VERSION" : "INVALID_WORKSPACE";
  throw new WorkspaceTypesError(code, `invalid Workspace: ${issues.join("; ")}`, { issues });
}
