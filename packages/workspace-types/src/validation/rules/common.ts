/**
 * Shared plumbing of the rule modules: the issue list, the resolved environment, and small content checks.
 * @internal
 */

import { formatFieldPath } from "../../schema/index.ts";
import type { Workspace, WorkspaceApiVersion } from "../../schema/index.ts";
import type { PresetResolution, RuntimeName, ValidationContext } from "../context.ts";
import { parseImageReference } from "../image-reference.ts";
import { memoizeStringCheck } from "../memo.ts";
import type { ValidationCode, ValidationIssue } from "../issues.ts";
import { dns1123Message, isDns1123Subdomain, suggestDns1123 } from "../names.ts";
import { placeholderParts } from "../placeholder.ts";

/** A field path as segments (no `spec`): formatted under `spec.` for resource/inference/tuning. */
export type Segments = readonly (string | number)[];

/** Format segments as a reported path. */
export function at(...segments: Segments): string {
  return formatFieldPath(segments);
}

/** Errors and warnings collected by the rules. */
export class IssueList {
  readonly errors: ValidationIssue[] = [];
  readonly warnings: ValidationIssue[] = [];

  /** Record an error. */
  error(code: ValidationCode, path: string, message: string, hint?: string): void {
    this.errors.push(hint === undefined ? { path, message, code } : { path, message, hint, code });
  }

  /** Record a warning. */
  warn(code: ValidationCode, path: string, message: string, hint?: string): void {
    this.warnings.push(hint === undefined ? { path, message, code } : { path, message, hint, code });
  }

  /** Record an error or a warning. */
  add(severity: Severity, code: ValidationCode, path: string, message: string, hint?: string): void {
    if (severity === "error") this.error(code, path, message, hint);
    else this.warn(code, path, message, hint);
  }
}

/** Whether an issue rejects the Workspace (`error`) or is only reported (`warning`). */
export type Severity = "error" | "warning";

/**
 * Which admission request the rules judge: `create`, or `update` (Kaito's webhook runs different rule sets for the
 * two; some content rules kaito-ts applies on both are errors on create and warnings on update).
 */
export type Operation = "create" | "update";

/** Everything a rule may read besides the Workspace. */
export interface RuleEnv {
  readonly ctx: ValidationContext;
  readonly apiVersion: WorkspaceApiVersion;
  /** Namespace of the Workspace (object's, else ctx's, else `default`). */
  readonly namespace: string;
  /** Effective runtime (annotation, else ctx default). */
  readonly runtime: RuntimeName;
  /** `kaito.sh/bypass-resource-checks` is present. */
  readonly bypassResourceChecks: boolean;
  /** The object as written, before CRD defaults (to tell written fields from defaulted ones). */
  readonly raw: unknown;
  /** Memoised preset resolution; `undefined` when ctx has no preset lookup. */
  resolvePreset(name: string): PresetResolution | undefined;
}

/** Whether `raw` has a (non-null) value at `segments`. */
export function rawHas(raw: unknown, segments: Segments): boolean {
  let cur: unknown = raw;
  for (const s of segments) {
    if (typeof cur !== "object" || cur === null) return false;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur !== undefined && cur !== null;
}

/** Annotations of a Workspace (empty when none). */
export function annotationsOf(ws: Workspace): Readonly<Record<string, string>> {
  const a = ws.metadata.annotations;
  return a ?? {};
}

/** Non-empty string, else `undefined`. */
export function nonEmpty(v: string | undefined | null): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/**
 * `SECRET_NAME_INVALID` at `segments` when `name` is not a valid Secret name (DNS-1123 subdomain): such a Secret
 * can never exist. An error by default; `severity: "warning"` where the reference is optional at run time.
 */
export function checkSecretName(
  out: IssueList,
  segments: Segments,
  name: string,
  what: string,
  severity: Severity = "error",
): void {
  if (isDns1123Subdomain(name)) return;
  const placeholder = placeholderParts(name).length > 0;
  out.add(
    severity,
    "SECRET_NAME_INVALID",
    formatFieldPath(segments),
    `${JSON.stringify(name)} is not a valid Secret name (${what}): ${dns1123Message(name, "subdomain")}`,
    placeholder ? undefined : `Name an existing Secret in the Workspace's namespace, e.g. "${suggestDns1123(name)}"`,
  );
}

/** Why an image reference is invalid, and whether it holds a placeholder (which gets its own hint). */
interface ImageReferenceProblem {
  readonly message: string;
  readonly placeholder: boolean;
}

/** The problem of `image`, or `undefined` when it is an OCI image reference (memoised: images repeat). */
const imageReferenceProblem = memoizeStringCheck((image: string): ImageReferenceProblem | undefined => {
  const parsed = parseImageReference(image);
  if (parsed.ok) return undefined;
  return Object.freeze({ message: parsed.message, placeholder: placeholderParts(image).length > 0 });
});

/**
 * `IMAGE_REFERENCE_INVALID` at `segments` when `image` does not parse as an OCI reference (an error by default;
 * `severity: "warning"` for fields current Kaito ignores).
 */
export function checkImageReference(
  out: IssueList,
  segments: Segments,
  image: string,
  example: string,
  severity: Severity = "error",
): void {
  const problem = imageReferenceProblem(image);
  if (problem === undefined) return;
  out.add(
    severity,
    "IMAGE_REFERENCE_INVALID",
    formatFieldPath(segments),
    `${JSON.stringify(image)}: ${problem.message}`,
    problem.placeholder ? undefined : `Write <registry>/<repository>:<tag> in lowercase, e.g. ${example}`,
  );
}

/** Structural deep equality of JSON-like values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual(ra[k], rb[k]));
}
