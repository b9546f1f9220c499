/**
 * Field paths as Kaito reports them. A Workspace has no `spec`, but Kaito's webhook reports the fields of
 * `resource`, `inference` and `tuning` under `spec.` (e.g. `spec.tuning.output.image`); metadata and status keep
 * their own roots.
 */

/** A path into an object: keys and array indices. */
export type FieldPath = readonly (string | number)[];

const SPEC_ROOTS = new Set(["resource", "inference", "tuning"]);

/** True for keys printed after a dot (`[A-Za-z_][A-Za-z0-9_-]*`); a char loop, this is on the hot path. */
function isPlainKey(key: string): boolean {
  const n = key.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (alpha) continue;
    if (i > 0 && ((c >= 48 && c <= 57) || c === 45)) continue;
    return false;
  }
  return true;
}

/**
 * Render a path the way Kaito and kubectl print it: dots between keys, `[i]` for indices, keys that are not plain
 * identifiers quoted in brackets, and `spec.` in front of resource/inference/tuning.
 * @example formatFieldPath(["tuning", "output", "image"]) // "spec.tuning.output.image"
 * @example formatFieldPath(["inference", "adapters", 0, "source", "name"]) // "spec.inference.adapters[0].source.name"
 */
export function formatFieldPath(path: FieldPath): string {
  let out = typeof path[0] === "string" && SPEC_ROOTS.has(path[0]) ? "spec" : "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (isPlainKey(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * Turn a Kaito-style path back into segments (drops a leading `spec.`), for looking up positions.
 * @example parseFieldPath("spec.inference.adapters[0].source") // ["inference", "adapters", 0, "source"]
 */
export function parseFieldPath(path: string): (string | number)[] {
  const segs: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) segs.push(m[1]);
    else if (m[2] !== undefined) segs.push(Number(m[2]));
    else if (m[3] !== undefined) segs.push(JSON.parse(m[3]) as string);
  }
  if (segs[0] === "spec" && typeof segs[1] === "string" && SPEC_ROOTS.has(segs[1])) segs.shift();
  return segs;
}
