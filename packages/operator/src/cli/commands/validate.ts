import { catalogValidationLookups } from "@kaito-ts/preset-catalog";
import {
  type Cloud,
  parseWorkspaceDocuments,
  type RuntimeName,
  type ValidationContext,
  type ValidationIssue,
  validateWorkspace,
  validateWorkspaceUpdate,
} from "@kaito-ts/workspace-types";
import { clusterLookupFrom, isContextObject } from "../cluster-context.ts";
import { OperatorError } from "../../errors.ts";
import { type CliIO, readInputOrExplain } from "../io.ts";

/** Options of `kaito validate`. */
export interface ValidateOptions {
  readonly old?: string;
  readonly output: "text" | "json";
  readonly cloud: Cloud;
  readonly nodeAutoProvisioning: boolean;
  readonly runtime: RuntimeName;
  readonly namespace: string;
}

/** One problem as `kaito validate` reports it. */
export interface ReportedIssue {
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
  readonly workspace?: string;
  readonly line?: number;
  readonly column?: number;
}

/** The JSON form of the result (`-o json`). */
export interface ValidateReport {
  readonly valid: boolean;
  readonly errors: ReportedIssue[];
  readonly warnings: ReportedIssue[];
}

type Position = { line: number; column: number };
type ParsedDocument = ReturnType<typeof parseWorkspaceDocuments>[number];

/** `spec.inference.adapters[0].source.name` → `["inference", "adapters", 0, "source", "name"]` (Workspaces have no spec). */
export function objectPathOf(issuePath: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const part of issuePath.split(".")) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      segments.push(part);
      continue;
    }
    if (m[1]) segments.push(m[1]);
    for (const idx of (m[2] ?? "").matchAll(/\[(\d+)\]/g)) segments.push(Number(idx[1]));
  }
  return segments[0] === "spec" ? segments.slice(1) : segments;
}

function positionFor(doc: ParsedDocument, issuePath: string): Position | undefined {
  const path = objectPathOf(issuePath);
  for (let n = path.length; n > 0; n--) {
    const pos = doc.positionOf(path.slice(0, n));
    if (pos) return pos;
  }
  return undefined;
}

function workspaceName(value: unknown): string | undefined {
  const name = (value as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof name === "string" ? name : undefined;
}

function report(doc: ParsedDocument, issues: readonly ValidationIssue[]): ReportedIssue[] {
  const workspace = workspaceName(doc.value);
  return issues.map((i) => {
    const pos = positionFor(doc, i.path);
    return {
      path: i.path,
      message: i.message,
      ...(i.hint ? { hint: i.hint } : {}),
      ...(workspace ? { workspace } : {}),
      ...(pos ? { line: pos.line, column: pos.column } : {}),
    };
  });
}

interface LoadedFile {
  readonly workspaces: ParsedDocument[];
  readonly parseErrors: ReportedIssue[];
  readonly context: unknown[];
}

async function load(io: CliIO, path: string): Promise<LoadedFile> {
  const text = await readInputOrExplain(io, path);
  const source = path === "-" ? "<stdin>" : path;
  const workspaces: ParsedDocument[] = [];
  const parseErrors: ReportedIssue[] = [];
  const context: unknown[] = [];
  for (const doc of parseWorkspaceDocuments(text, { source })) {
    if (isContextObject(doc.value)) context.push(doc.value);
    else if (doc.errors.length > 0)
      for (const e of doc.errors)
        parseErrors.push({
          path: `${source}${e.line === undefined ? "" : `:${e.line}:${e.column ?? 1}`}`,
          message: e.message,
          ...(e.line === undefined ? {} : { line: e.line, column: e.column ?? 1 }),
        });
    else workspaces.push(doc);
  }
  if (workspaces.length === 0 && parseErrors.length === 0)
    parseErrors.push({ path: source, message: "no Workspace found (expected a document with kind: Workspace)" });
  return { workspaces, parseErrors, context };
}

/** Runs `kaito validate`; returns the exit code (0 valid, 1 invalid). */
export async function runValidate(io: CliIO, file: string, options: ValidateOptions): Promise<number> {
  const current = await load(io, file);
  const previous = options.old === undefined ? undefined : await load(io, options.old);
  const contextObjects = [...current.context, ...(previous?.context ?? [])].filter(isContextObject);
  const ctx: ValidationContext = {
    cloud: options.cloud,
    nodeAutoProvisioning: options.nodeAutoProvisioning,
    defaultRuntime: options.runtime,
    namespace: options.namespace,
    ...catalogValidationLookups(),
    ...(contextObjects.length > 0 ? { cluster: clusterLookupFrom(contextObjects, options.namespace) } : {}),
  };

  const errors: ReportedIssue[] = [...current.parseErrors, ...(previous?.parseErrors ?? [])];
  const warnings: ReportedIssue[] = [];
  if (previous && errors.length === 0) {
    if (previous.workspaces.length !== 1 || current.workspaces.length !== 1)
      throw new OperatorError(
        "INVALID_USAGE",
        "--old compares one Workspace with one Workspace: give exactly one in each file",
      );
    const [before, after] = [previous.workspaces[0]!, current.workspaces[0]!];
    const result = validateWorkspaceUpdate(before.value, after.value, ctx);
    errors.push(...report(after, result.errors));
    warnings.push(...report(after, result.warnings));
  } else {
    for (const doc of current.workspaces) {
      const result = validateWorkspace(doc.value, ctx);
      errors.push(...report(doc, result.errors));
      warnings.push(...report(doc, result.warnings));
    }
  }

  const result: ValidateReport = { valid: errors.length === 0, errors, warnings };
  if (options.output === "json") io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout(formatText(result, current.workspaces));
  return result.valid ? 0 : 1;
}

function line(issue: ReportedIssue, named: boolean): string {
  const who = named && issue.workspace ? `${issue.workspace}: ` : "";
  const hint = issue.hint ? ` (hint: ${issue.hint})` : "";
  return `${who}${issue.path}: ${issue.message}${hint}`;
}

function formatText(result: ValidateReport, workspaces: readonly ParsedDocument[]): string {
  const named = workspaces.length > 1;
  const out = [
    ...result.errors.map((e) => line(e, named)),
    ...result.warnings.map((w) => `warning: ${line(w, named)}`),
  ];
  if (result.valid) {
    const names = workspaces.map((w) => workspaceName(w.value) ?? "(unnamed)").join(", ");
    out.push(`valid: ${names}`);
  }
  return `${out.join("\n")}\n`;
}
