/** Turns a CustomResourceDefinition object into served resource definitions, and validates the CRD itself. */
import { ALL_VERBS, compareVersions, type PrinterColumn, type ResourceDefinition } from "../builtin/types.ts";
import type { FieldCause } from "../errors/index.ts";
import {
  checkPrinterColumns,
  checkStructuralSchema,
  compileCelValidations,
  type JSONSchemaProps,
} from "../semantics/index.ts";
import type { KubeObject } from "./api.ts";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** The served definitions of a CRD (one per served version). */
export function definitionsFromCrd(crd: KubeObject): ResourceDefinition[] {
  const spec = isObj(crd.spec) ? crd.spec : {};
  const names = isObj(spec.names) ? spec.names : {};
  const group = String(spec.group ?? "");
  const kind = String(names.kind ?? "");
  const plural = String(names.plural ?? "");
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObj) : [];
  const storage = versions.find((v) => v.storage === true);
  const storageVersion = String(storage?.name ?? versions[0]?.name ?? "");
  const out: ResourceDefinition[] = [];
  for (const v of versions) {
    if (v.served === false) continue;
    const subresources = isObj(v.subresources) ? v.subresources : {};
    const schemaHolder = isObj(v.schema) ? v.schema : {};
    const schema = isObj(schemaHolder.openAPIV3Schema) ? schemaHolder.openAPIV3Schema : undefined;
    const columns: PrinterColumn[] = (Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : [])
      .filter(isObj)
      .map((c) => {
        const col: PrinterColumn = {
          name: String(c.name),
          type: String(c.type ?? "string"),
          jsonPath: String(c.jsonPath),
        };
        if (typeof c.format === "string") col.format = c.format;
        if (typeof c.description === "string") col.description = c.description;
        if (typeof c.priority === "number") col.priority = c.priority;
        return col;
      });
    const def: ResourceDefinition = {
      group,
      version: String(v.name),
      resource: plural,
      kind,
      listKind: String(names.listKind ?? `${kind}List`),
      singular: String(names.singular ?? kind.toLowerCase()),
      shortNames: strs(names.shortNames),
      namespaced: spec.scope !== "Cluster",
      verbs: ALL_VERBS,
      categories: strs(names.categories),
      statusSubresource: isObj(subresources.status),
      generation: true,
      nameRule: "subdomain",
      builtin: false,
      storageVersion,
      structural: schema !== undefined,
      printerColumns: columns,
      crdName: crd.metadata.name ?? "",
    };
    if (schema) def.schema = schema;
    if (isObj(subresources.scale)) {
      const s = subresources.scale;
      def.scale = {
        specReplicasPath: String(s.specReplicasPath ?? ".spec.replicas"),
        statusReplicasPath: String(s.statusReplicasPath ?? ".status.replicas"),
      };
      if (typeof s.labelSelectorPath === "string") def.scale.labelSelectorPath = s.labelSelectorPath;
    }
    const selectable = (Array.isArray(v.selectableFields) ? v.selectableFields : [])
      .filter(isObj)
      .map((f) => String(f.jsonPath ?? "").replace(/^\./, ""));
    if (selectable.length > 0) def.selectableFields = selectable;
    if (v.deprecated === true)
      def.deprecationWarning =
        typeof v.deprecationWarning === "string"
          ? v.deprecationWarning
          : defaultDeprecationWarning(group, def.version, kind, versions);
    out.push(def);
  }
  return out;
}

/**
 * The warning of a deprecated CRD version without its own `deprecationWarning`, as the real server words it:
 * `<group>/<version> <Kind> is deprecated`, then `; use <group>/<newest> <Kind>` when a newer version is served and
 * not deprecated.
 */
export function defaultDeprecationWarning(group: string, version: string, kind: string, versions: Obj[]): string {
  const newer = versions
    .filter((v) => v.served !== false && v.deprecated !== true && compareVersions(String(v.name), version) < 0)
    .map((v) => String(v.name))
    .sort(compareVersions);
  const head = `${group}/${version} ${kind} is deprecated`;
  return newer[0] === undefined ? head : `${head}; use ${group}/${newer[0]} ${kind}`;
}

/** The validation of a CRD object the real server does that matters for clients. */
export function validateCrd(crd: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const spec = isObj(crd.spec) ? crd.spec : undefined;
  const req = (field: string): void => {
    causes.push({ field, reason: "FieldValueRequired", message: "Required value" });
  };
  if (!spec) {
    req("spec");
    return causes;
  }
  const names = isObj(spec.names) ? spec.names : undefined;
  if (typeof spec.group !== "string" || spec.group === "") req("spec.group");
  if (!names) req("spec.names");
  else {
    if (typeof names.plural !== "string" || names.plural === "") req("spec.names.plural");
    if (typeof names.kind !== "string" || names.kind === "") req("spec.names.kind");
  }
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster")
    causes.push({
      field: "spec.scope",
      reason: "FieldValueNotSupported",
      message: `Unsupported value: ${JSON.stringify(spec.scope ?? "")}: supported values: "Cluster", "Namespaced"`,
    });
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObj) : [];
  if (versions.length === 0) req("spec.versions");
  else if (versions.filter((v) => v.storage === true).length !== 1)
    causes.push({
      field: "spec.versions",
      reason: "FieldValueInvalid",
      message: "Invalid value: must have exactly one version marked as storage version",
    });
  const schemaOf = (v: Obj): JSONSchemaProps | undefined => {
    const holder = isObj(v.schema) ? v.schema : {};
    return isObj(holder.openAPIV3Schema) ? (holder.openAPIV3Schema as JSONSchemaProps) : undefined;
  };
  // as the real server's conversion to its internal version: one schema shared by every version is checked once, as
  // `spec.validation.openAPIV3Schema`
  const first = versions[0] !== undefined ? schemaOf(versions[0]) : undefined;
  const shared =
    first !== undefined && versions.every((v) => JSON.stringify(schemaOf(v)) === JSON.stringify(first))
      ? first
      : undefined;
  if (shared !== undefined) {
    const lines = [
      ...checkStructuralSchema(shared, "spec.validation.openAPIV3Schema"),
      ...compileCelValidations(shared, "spec.validation.openAPIV3Schema"),
    ];
    for (const line of lines) causes.push(causeFromLine(line));
  }
  versions.forEach((v, i) => {
    const schema = shared === undefined ? schemaOf(v) : undefined;
    const base = `spec.versions[${i}]`;
    const lines: string[] = [];
    if (schema) {
      lines.push(...checkStructuralSchema(schema, `${base}.schema.openAPIV3Schema`));
      lines.push(...compileCelValidations(schema, `${base}.schema.openAPIV3Schema`));
    }
    if (v.additionalPrinterColumns !== undefined) {
      const columns = Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : [];
      lines.push(...checkPrinterColumns(columns, `${base}.additionalPrinterColumns`));
    }
    for (const line of lines) causes.push(causeFromLine(line));
  });
  if (names && typeof spec.group === "string" && typeof names.plural === "string") {
    const expected = `${names.plural}.${spec.group}`;
    if (crd.metadata.name !== expected)
      causes.push({
        field: "metadata.name",
        reason: "FieldValueInvalid",
        message: `Invalid value: "${crd.metadata.name ?? ""}": must be spec.names.plural+"."+spec.group`,
      });
  }
  return causes;
}

/** The status the real server gives an accepted CRD (`Established`, `NamesAccepted`, `acceptedNames`, `storedVersions`). */
export function crdStatus(crd: KubeObject, now: string, previous: unknown): Obj {
  const spec = isObj(crd.spec) ? crd.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObj) : [];
  const storage = String(versions.find((v) => v.storage === true)?.name ?? "");
  const prev = isObj(previous) ? previous : {};
  const stored = strs(prev.storedVersions);
  if (storage && !stored.includes(storage)) stored.push(storage);
  const cond = (type: string, reason: string, message: string): Obj => ({
    type,
    status: "True",
    lastTransitionTime: now,
    reason,
    message,
  });
  const kept = Array.isArray(prev.conditions) && prev.conditions.length > 0 ? prev.conditions : undefined;
  return {
    conditions: kept ?? [
      cond("NamesAccepted", "NoConflicts", "no conflicts found"),
      cond("Established", "InitialNamesAccepted", "the initial names have been accepted"),
    ],
    acceptedNames: spec.names ?? {},
    storedVersions: stored,
  };
}

/** Turns a `path: message` line of the semantics checks into a field cause. */
function causeFromLine(line: string): FieldCause {
  const i = line.indexOf(": ");
  const field = i < 0 ? "" : line.slice(0, i);
  const message = i < 0 ? line : line.slice(i + 2);
  const reason = message.startsWith("Required value")
    ? "FieldValueRequired"
    : message.startsWith("Forbidden")
      ? "FieldValueForbidden"
      : message.startsWith("Unsupported value")
        ? "FieldValueNotSupported"
        : "FieldValueInvalid";
  return { field, reason, message };
}
