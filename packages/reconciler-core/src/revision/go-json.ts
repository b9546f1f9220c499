/**
 * JSON the way Go's `encoding/json` writes Kaito's API structs: fields in struct declaration order, `omitempty`
 * honoured, map keys sorted, and HTML-safe string escaping (`<`, `>`, `&`, U+2028, U+2029 as `\u00xx`). This is what
 * Kaito hashes (`ComputeHash`) and stores in ControllerRevisions, so the same Workspace gets the same hash here.
 *
 * Schemaless subtrees (`inference.template`, `volumeSource`) are Go structs of `k8s.io/api` in Kaito; they are encoded
 * here as maps with sorted keys — deterministic, but not byte-identical to Go for those subtrees.
 *
 * @packageDocumentation
 */

/** How one struct field is written. */
interface Field {
  /** JSON name. */
  readonly name: string;
  /** Omit when empty (`""`, absent, empty list/map). */
  readonly omitEmpty: boolean;
  /** Nested struct layout; absent for scalars, string lists and schemaless maps. */
  readonly struct?: StructLayout;
  /** A list of structs of this layout. */
  readonly listOf?: StructLayout;
  /** A Go value struct (not a pointer): always written, `{}` when absent. */
  readonly valueStruct?: boolean;
}

/** The fields of a Go struct in declaration order. */
export type StructLayout = readonly Field[];

const f = (name: string, omitEmpty = true, more: Partial<Field> = {}): Field => ({ name, omitEmpty, ...more });

const LABEL_SELECTOR_REQUIREMENT: StructLayout = [f("key", false), f("operator", false), f("values")];
const LABEL_SELECTOR: StructLayout = [
  f("matchLabels"),
  f("matchExpressions", true, { listOf: LABEL_SELECTOR_REQUIREMENT }),
];
const PARTITION: StructLayout = [f("mode", false), f("profile", false), f("count")];

/** `ResourceSpec` (v1beta1). */
export const RESOURCE_LAYOUT: StructLayout = [
  f("count"),
  f("instanceType"),
  f("labelSelector", false, { struct: LABEL_SELECTOR }),
  f("preferredNodes"),
  f("partition", true, { struct: PARTITION }),
];
const PRESET_OPTIONS: StructLayout = [f("image"), f("imagePullSecrets"), f("modelAccessSecret")];
const PRESET: StructLayout = [
  f("name", false),
  f("accessMode"),
  f("presetOptions", false, { struct: PRESET_OPTIONS, valueStruct: true }),
];
const DATA_SOURCE: StructLayout = [f("name"), f("urls"), f("volumeSource"), f("image"), f("imagePullSecrets")];
const DATA_DESTINATION: StructLayout = [f("volumeSource"), f("image"), f("imagePushSecret")];
const ADAPTER: StructLayout = [f("source", true, { struct: DATA_SOURCE }), f("strength")];

/** `InferenceSpec` (v1beta1). */
export const INFERENCE_LAYOUT: StructLayout = [
  f("preset", true, { struct: PRESET }),
  f("template"),
  f("config"),
  f("adapters", true, { listOf: ADAPTER }),
];

/** `TuningSpec` (v1beta1). */
export const TUNING_LAYOUT: StructLayout = [
  f("preset", true, { struct: PRESET }),
  f("method"),
  f("config"),
  f("input", false, { struct: DATA_SOURCE }),
  f("output", false, { struct: DATA_DESTINATION }),
];

const ESCAPES: Readonly<Record<string, string>> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** A string as Go's encoder writes it (HTML-safe). */
export function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => ESCAPES[c] ?? c);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === "" || v === false || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

/** Any JSON value with map keys sorted (Go's encoding of `map[string]…` and, here, of schemaless subtrees). */
export function goValue(v: unknown): string {
  if (v === undefined || v === null) return "null";
  if (typeof v === "string") return goString(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map(goValue).join(",")}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${goString(k)}:${goValue(v[k])}`).join(",")}}`;
  }
  return "null";
}

/**
 * A struct pointer: `null` when absent, else the fields in layout order. A field is omitted when `omitEmpty` and its
 * value is empty: absent, `""`, an empty list or map (pointer fields such as `count` or `strength` are omitted only
 * when absent).
 */
export function goStruct(v: unknown, layout: StructLayout): string {
  if (!isRecord(v)) return "null";
  const parts: string[] = [];
  for (const field of layout) {
    const value = v[field.name];
    const pointerLike = field.name === "count" || field.name === "strength";
    if (field.omitEmpty) {
      if (value === undefined || value === null) continue;
      if (!pointerLike && isEmpty(value)) continue;
      if (isRecord(value) && Object.keys(value).length === 0 && field.struct === undefined) continue;
    }
    let encoded: string;
    if (field.struct !== undefined) {
      encoded =
        field.valueStruct === true && !isRecord(value) ? goStruct({}, field.struct) : goStruct(value, field.struct);
    } else if (field.listOf !== undefined && Array.isArray(value)) {
      const item = field.listOf;
      encoded = `[${value.map((x) => goStruct(x, item)).join(",")}]`;
    } else {
      encoded = goValue(value);
    }
    parts.push(`${goString(field.name)}:${encoded}`);
  }
  return `{${parts.join(",")}}`;
}
