/**
 * zod issues turned into API-server-style field errors with Kaito paths (`spec.resource.count: Invalid value: …`).
 */
import type * as z from "zod";
import { type FieldPath, formatFieldPath } from "./paths.ts";

/** One structural problem of a Workspace. */
export interface FieldIssue {
  /** Kaito-style path, e.g. `spec.tuning.output.image`; empty for the object itself. */
  readonly path: string;
  /** The same path as segments (no `spec`), for position lookups. */
  readonly segments: FieldPath;
  /** What is wrong, in the API server's words where it has some. */
  readonly message: string;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  if (typeof v === "object") return "object";
  return typeof v;
}

function quote(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function message(issue: z.core.$ZodIssue, input: unknown): string {
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return "Required value";
      if (issue.expected === "int" || issue.expected === "number")
        return `Invalid value: ${quote(value)}: must be of type integer`;
      return `Invalid value: ${typeName(value)}: must be of type ${issue.expected === "record" ? "object" : issue.expected}`;
    case "invalid_value":
      return `Unsupported value: ${quote(value)}: supported values: ${issue.values.map((v) => quote(v)).join(", ")}`;
    case "too_big":
      return `Invalid value: ${quote(value)}: ${issue.message}`;
    case "too_small":
      return `Invalid value: ${quote(value)}: ${issue.message}`;
    default:
      return issue.message;
  }
}

/** Convert zod issues of a Workspace parse into {@link FieldIssue}s (one per issue, input order). */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[], input: unknown): FieldIssue[] {
  return issues.map((issue) => {
    const segments = issue.path.filter((s): s is string | number => typeof s !== "symbol");
    return { path: formatFieldPath(segments), segments, message: message(issue, input) };
  });
}
