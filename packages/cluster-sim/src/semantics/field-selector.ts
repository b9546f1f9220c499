/**
 * Field selectors (`?fieldSelector=`): apimachinery `fields.ParseSelector` syntax (`=`, `==`, `!=`, comma = AND,
 * `\` escapes) and the per-kind table of selectable fields of the real server.
 */
import { badRequest } from "../errors/index.ts";
import { BUILTIN_API_GROUPS } from "./patch-meta.ts";

/** One term of a field selector. */
export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

/** A parsed field selector (the conjunction of its terms; empty = everything). */
export interface FieldSelector {
  requirements: FieldRequirement[];
}

function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? "";
    if (c === "\\" && i + 1 < s.length) {
      cur += c + (s[i + 1] ?? "");
      i++;
    } else if (c === ",") {
      terms.push(cur);
      cur = "";
    } else {
      cur += c;
    }
  }
  terms.push(cur);
  return terms;
}

/** apimachinery `fields.UnescapeValue`: `\\`, `\,` and `\=` are escapes; bare `,`/`=` are errors. */
function unescapeValue(v: string): string {
  let out = "";
  let inSlash = false;
  for (const c of v) {
    if (inSlash) {
      if (c === "\\" || c === "," || c === "=") out += c;
      else throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === "\\") inSlash = true;
    else if (c === "," || c === "=") {
      // Go prints the rune with %v: its code point
      throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else out += c;
  }
  if (inSlash) throw badRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

const TERM_OPERATORS = ["!=", "==", "="] as const;

/** apimachinery `splitTerm`: the first position where an operator starts splits the term. */
function splitTerm(term: string): { lhs: string; op: (typeof TERM_OPERATORS)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * Parses a field selector (`metadata.name=x,status.phase!=Running`). Throws a 400 `ClusterSimError` worded like
 * the real server (`invalid selector: 'x'; can't understand 'x'`) when a term has no operator.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  if (s.trim() === "") return { requirements };
  for (const term of splitTerms(s)) {
    if (term === "") continue;
    const split = splitTerm(term);
    if (!split) throw badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    requirements.push({ field: split.lhs, operator: split.op === "!=" ? "!=" : "=", value: unescapeValue(split.rhs) });
  }
  return { requirements };
}

/** Identifies a kind for field selector support: API group ("" = core) and kind. */
export interface GroupKind {
  group: string;
  kind: string;
}

const META_FIELDS = ["metadata.name", "metadata.namespace"];

/** Selectable fields of the built-in kinds (from the registries' `GetAttrs`/conversion functions). */
const SELECTABLE: Record<string, string[]> = {
  "/Pod": [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName",
  ],
  "/Event": [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
  "events.k8s.io/Event": [
    "regarding.kind",
    "regarding.namespace",
    "regarding.name",
    "regarding.uid",
    "regarding.apiVersion",
    "regarding.resourceVersion",
    "regarding.fieldPath",
    "reason",
    "reportingController",
    "type",
  ],
  "/Node": ["spec.unschedulable"],
  "/Secret": ["type"],
  "/Namespace": ["status.phase"],
  "/Service": ["spec.clusterIP", "spec.type"],
  "/ReplicationController": ["status.replicas"],
  "apps/ReplicaSet": ["status.replicas"],
  "batch/Job": ["status.successful"],
  "certificates.k8s.io/CertificateSigningRequest": ["spec.signerName"],
};

/** The field selector labels a kind supports, besides `metadata.name`/`metadata.namespace`. */
export function selectableFields(gk: GroupKind, crdSelectableFields?: string[]): string[] {
  if (crdSelectableFields) return [...META_FIELDS, ...crdSelectableFields.map((f) => f.replace(/^\./, ""))];
  return [...META_FIELDS, ...(SELECTABLE[`${gk.group}/${gk.kind}`] ?? [])];
}

/**
 * Checks that every field of `sel` is selectable on the kind. Returns the error message the real server sends in a
 * 400 BadRequest, or undefined when the selector is supported. Built-in kinds answer
 * `field label not supported: spec.foo`; custom resources answer
 * `"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"`.
 * Pass the CRD version's `selectableFields[].jsonPath` for custom resources that declare some.
 */
export function unsupportedFieldSelectorMessage(
  gk: GroupKind,
  sel: FieldSelector,
  crdSelectableFields?: string[],
): string | undefined {
  const allowed = new Set(selectableFields(gk, crdSelectableFields));
  for (const r of sel.requirements) {
    if (allowed.has(r.field)) continue;
    if (BUILTIN_API_GROUPS.has(gk.group) && !crdSelectableFields) return `field label not supported: ${r.field}`;
    return `${JSON.stringify(r.field)} is not a known field selector: only ${[...allowed].map((f) => JSON.stringify(f)).join(", ")}`;
  }
  return undefined;
}

/** Throws the 400 BadRequest `ClusterSimError` of {@link unsupportedFieldSelectorMessage} when it applies. */
export function assertFieldSelectorSupported(gk: GroupKind, sel: FieldSelector, crdSelectableFields?: string[]): void {
  const msg = unsupportedFieldSelectorMessage(gk, sel, crdSelectableFields);
  if (msg !== undefined) throw badRequest(msg);
}

function lookup(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function asFieldString(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** The string value a field selector compares for `field` of `obj` (absent fields read as `""`, booleans `false`). */
export function fieldSelectorValue(obj: unknown, field: string): string {
  const kind = asFieldString(lookup(obj, ["kind"]));
  switch (field) {
    case "source":
      return asFieldString(lookup(obj, ["source", "component"]));
    case "status.successful":
      return asFieldString(lookup(obj, ["status", "succeeded"]) ?? 0);
    case "status.replicas":
      return asFieldString(lookup(obj, ["status", "replicas"]) ?? 0);
    case "spec.unschedulable":
    case "spec.hostNetwork":
      return asFieldString(lookup(obj, field.split(".")) ?? false);
    case "status.podIPs": {
      const ips = lookup(obj, ["status", "podIPs"]);
      return Array.isArray(ips) ? ips.map((p) => asFieldString(lookup(p, ["ip"]))).join(",") : "";
    }
    case "metadata.namespace":
      return asFieldString(lookup(obj, ["metadata", "namespace"]));
    default:
      if (kind === "Secret" && field === "type") return asFieldString(lookup(obj, ["type"]));
      return asFieldString(lookup(obj, field.split(".")));
  }
}

/** True when `obj` satisfies every term of `sel`. Use {@link unsupportedFieldSelectorMessage} first to reject unknown fields. */
export function matchesFieldSelector(sel: FieldSelector, obj: unknown): boolean {
  for (const r of sel.requirements) {
    const v = fieldSelectorValue(obj, r.field);
    if (r.operator === "=" ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** If the selector pins `metadata.name` (and maybe `metadata.namespace`) with `=`, returns them (a store fast path). */
export function exactNameFromFieldSelector(sel: FieldSelector): { name?: string; namespace?: string } {
  const out: { name?: string; namespace?: string } = {};
  for (const r of sel.requirements) {
    if (r.operator !== "=") continue;
    if (r.field === "metadata.name") out.name = r.value;
    if (r.field === "metadata.namespace") out.namespace = r.value;
  }
  return out;
}
