/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) as apimachinery's `strategicpatch` applies it on
 * the server: keyed lists of the built-in kinds merge by their `patchMergeKey`, merge-sets of primitives union, other
 * lists are replaced, and the directives `$patch: replace|delete|merge`, `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` are honoured.
 *
 * The real server rejects strategic merge patch for custom resources with 415 UnsupportedMediaType
 * (`the body of the request was in an unknown format - accepted media types include: application/json-patch+json,
 * application/merge-patch+json, application/apply-patch+yaml`); {@link strategicMergePatchUnsupportedError} builds
 * that error. Called directly for a kind this module does not know, the patch is applied with merge-patch semantics
 * for lists (replace) plus the directives.
 */
import { badRequest, ClusterSimError } from "../errors/index.ts";
import { builtinPatchMeta, type GroupVersionKind, type PatchMeta } from "./patch-meta.ts";
import { cloneJson, isPlainObject, jsonEqual } from "./schema-types.ts";

const PATCH = "$patch";
const RETAIN_KEYS = "$retainKeys";
const DELETE_FROM = "$deleteFromPrimitiveList/";
const SET_ORDER = "$setElementOrder/";

/** Media types the real server accepts for PATCH of a custom resource. */
export const CUSTOM_RESOURCE_PATCH_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/apply-patch+yaml",
];

/** The 415 the real server answers to a strategic merge patch on a custom resource. */
export function strategicMergePatchUnsupportedError(): ClusterSimError {
  return new ClusterSimError(
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${CUSTOM_RESOURCE_PATCH_TYPES.join(", ")}`,
  );
}

/** Go's `%v` rendering of decoded JSON (`map[image:x name:y]`, `[a b]`), which apimachinery's messages embed. */
function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
  if (isPlainObject(v)) {
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goValue(v[k])}`)
      .join(" ")}]`;
  }
  if (v === null || v === undefined) return "<nil>";
  return String(v);
}

function isDirectiveKey(k: string): boolean {
  return k === PATCH || k === RETAIN_KEYS || k.startsWith(DELETE_FROM) || k.startsWith(SET_ORDER);
}

function mergeMap(
  original: Record<string, unknown>,
  patch: Record<string, unknown>,
  meta: PatchMeta | undefined,
): Record<string, unknown> {
  const directive = patch[PATCH];
  if (directive !== undefined) {
    if (directive === "replace") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(patch)) if (k !== PATCH) out[k] = stripDirectives(v);
      return out;
    }
    // `$patch: delete` on a map leaves an empty map, as apimachinery does
    if (directive === "delete") return {};
    if (directive !== "merge") {
      throw badRequest(`unknown patch type: ${String(directive)} in map: ${goValue(patch)}`);
    }
  }
  const out: Record<string, unknown> = { ...original };

  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(DELETE_FROM)) continue;
    const field = k.slice(DELETE_FROM.length);
    if (!Array.isArray(v)) throw badRequest("invalid patch format of primitive list");
    const cur = out[field];
    if (Array.isArray(cur)) out[field] = cur.filter((x) => !v.some((d) => jsonEqual(d, x)));
  }

  for (const [k, pv] of Object.entries(patch)) {
    if (isDirectiveKey(k)) continue;
    const fieldMeta = meta?.fields?.[k] ?? meta?.values;
    if (pv === null) {
      delete out[k];
      continue;
    }
    const ov = out[k];
    if (isPlainObject(pv)) {
      out[k] = mergeMap(isPlainObject(ov) ? ov : {}, pv, fieldMeta);
    } else if (Array.isArray(pv)) {
      out[k] = mergeList(Array.isArray(ov) ? ov : [], pv, fieldMeta, k);
    } else {
      out[k] = pv;
    }
  }

  for (const [k, order] of Object.entries(patch)) {
    if (!k.startsWith(SET_ORDER)) continue;
    const field = k.slice(SET_ORDER.length);
    if (!Array.isArray(order)) throw badRequest("invalid patch format of setElementOrder list");
    const list = out[field];
    const before = original[field];
    if (Array.isArray(list)) {
      const mergeKey = (meta?.fields?.[field] ?? meta?.values)?.mergeKey;
      out[field] = applyElementOrder(list, order, Array.isArray(before) ? before : [], mergeKey);
    }
  }

  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequest("invalid patch format of retainKeys");
    for (const k of Object.keys(patch)) {
      if (!isDirectiveKey(k) && !retain.includes(k)) {
        throw new ClusterSimError("Invalid", "the server rejected our request due to an error in our request", {
          details: {
            causes: [{ reason: "UnexpectedServerResponse", message: "patch content doesn't match retainKeys list" }],
          },
        });
      }
    }
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => !(isPlainObject(x) && x[PATCH] !== undefined)).map(stripDirectives);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!isDirectiveKey(k) && x !== null) out[k] = stripDirectives(x);
  return out;
}

function keyOf(item: unknown, mergeKey: string): unknown {
  return isPlainObject(item) ? item[mergeKey] : undefined;
}

function mergeList(original: unknown[], patch: unknown[], meta: PatchMeta | undefined, field: string): unknown[] {
  // any element carrying `$patch: replace` replaces the whole list with the elements that carry no directive
  const hasDirective = (x: unknown): boolean => isPlainObject(x) && x[PATCH] !== undefined;
  if (patch.some((x) => isPlainObject(x) && x[PATCH] === "replace")) {
    return patch.filter((x) => !hasDirective(x)).map(stripDirectives);
  }
  for (const x of patch) {
    if (!isPlainObject(x) || x[PATCH] === undefined || x[PATCH] === "delete") continue;
    if (x[PATCH] === "merge") throw badRequest("merging lists cannot yet be specified in the patch");
    throw badRequest(`unknown patch type: ${String(x[PATCH])} in map: ${goValue(x)}`);
  }
  if (meta?.patchStrategy !== "merge") return patch.map(stripDirectives);

  const mergeKey = meta.mergeKey;
  if (!mergeKey) {
    // merge set of primitives (finalizers, podCIDRs): union, original order first
    const out = [...original];
    for (const x of patch) if (!out.some((o) => jsonEqual(o, x))) out.push(x);
    return out;
  }
  const out = original.map((x) => cloneJson(x));
  for (const item of patch) {
    if (!isPlainObject(item)) {
      throw badRequest(
        `${field}: strategic merge patch list items must be objects with the merge key ${JSON.stringify(mergeKey)}`,
      );
    }
    const key = item[mergeKey];
    if (key === undefined) {
      throw badRequest(`map: ${goValue(item)} does not contain declared merge key: ${mergeKey}`);
    }
    const idx = out.findIndex((o) => jsonEqual(keyOf(o, mergeKey), key));
    if (item[PATCH] === "delete") {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const cur = out[idx];
      out[idx] = mergeMap(isPlainObject(cur) ? cur : {}, item, meta.items);
    } else {
      out.push(mergeMap({}, item, meta.items));
    }
  }
  return out;
}

/**
 * `$setElementOrder`: the items named in the order list come in that order; the others (server-only items) are
 * interleaved by their original server positions, as apimachinery's `normalizeElementOrder` does.
 */
function applyElementOrder(
  merged: unknown[],
  order: unknown[],
  original: unknown[],
  mergeKey: string | undefined,
): unknown[] {
  const identity = (x: unknown): unknown => (mergeKey ? keyOf(x, mergeKey) : x);
  const orderIds = order.map((o) => (mergeKey && isPlainObject(o) ? o[mergeKey] : o));
  const serverIds = original.map(identity);
  const indexIn = (ids: unknown[], x: unknown): number => ids.findIndex((id) => jsonEqual(id, identity(x)));
  const left = merged
    .filter((x) => indexIn(orderIds, x) >= 0)
    .sort((a, b) => indexIn(orderIds, a) - indexIn(orderIds, b));
  const right = merged
    .filter((x) => indexIn(orderIds, x) < 0)
    .sort((a, b) => indexIn(serverIds, a) - indexIn(serverIds, b));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverIds, left[i]);
      const ri = indexIn(serverIds, right[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/**
 * Applies a strategic merge patch to a copy of `doc` for the kind `gvk`, using the built-in kinds' merge keys
 * (containers/initContainers/ephemeralContainers/volumes/env/imagePullSecrets by `name`, volumeMounts by `mountPath`,
 * container ports by `containerPort`, service ports by `port`, conditions by `type`, ownerReferences by `uid`,
 * finalizers and podCIDRs as merge sets; tolerations, args, command and the like are replaced). Throws a 400
 * BadRequest for malformed directives or list items missing their merge key. Pass `meta` to override the table.
 */
export function applyStrategicMergePatch<T>(gvk: GroupVersionKind, doc: T, patch: unknown, meta?: PatchMeta): T {
  if (!isPlainObject(patch)) {
    throw badRequest("json: cannot unmarshal non-object into Go value of type map[string]interface {}");
  }
  const m = meta ?? builtinPatchMeta(gvk);
  const base = isPlainObject(doc) ? (cloneJson(doc) as Record<string, unknown>) : {};
  return mergeMap(base, patch, m) as T;
}
