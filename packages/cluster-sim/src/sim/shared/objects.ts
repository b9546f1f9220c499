/** Small helpers over untyped Kubernetes objects. */
import type { KubeObject, OwnerReference } from "../../store/api.ts";

/** A plain JSON object. */
export type Obj = Record<string, unknown>;

/** `value` as an object, or an empty one. */
export function asObj(value: unknown): Obj {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : {};
}

/** `value` as an array of objects, or an empty array. */
export function asObjArray(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter((v): v is Obj => v !== null && typeof v === "object") : [];
}

/** `value` as a string array, or an empty array. */
export function asStringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** `value` as a string record (non-string values dropped). */
export function asStringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asObj(value))) if (typeof v === "string") out[k] = v;
  return out;
}

/** `value` if it is a string, else undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** `value` if it is a finite number, else undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The object's `spec`. */
export function specOf(o: KubeObject): Obj {
  return asObj(o.spec);
}

/** The object's `status`. */
export function statusOf(o: KubeObject): Obj {
  return asObj(o.status);
}

/** `namespace/name` (or `name` for cluster-scoped objects). */
export function keyOf(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? ""}` : (o.metadata.name ?? "");
}

/** Splits a `namespace/name` key. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** A controller owner reference to `owner`, as the real controllers write it. */
export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The controller owner reference of `o`, if any. */
export function controllerOf(o: KubeObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** True when `o` is controlled by `owner` (by uid). */
export function isControlledBy(o: KubeObject, owner: KubeObject): boolean {
  const ref = controllerOf(o);
  return ref !== undefined && ref.uid === owner.metadata.uid;
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ao = a as Obj;
  const bo = b as Obj;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}

/** A deep copy of a JSON value. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** RFC 3339 timestamp with second precision, as Kubernetes writes `metav1.Time`. */
export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The `reason` of a store error (`NotFound`, `Conflict`, `AlreadyExists`, …), if it carries a Kubernetes Status. */
export function errorReason(error: unknown): string | undefined {
  const e = asObj(error);
  const status = asObj(e.status);
  return str(status.reason) ?? str(asObj(e.body).reason) ?? str(e.reason);
}

/** True when the store error is the given Status reason. */
export function isReason(error: unknown, reason: "NotFound" | "Conflict" | "AlreadyExists" | "Invalid"): boolean {
  return errorReason(error) === reason;
}

/** True when the pod has finished (Succeeded or Failed). */
export function isPodTerminal(pod: KubeObject): boolean {
  const phase = statusOf(pod).phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** True when the pod's Ready condition is True. */
export function isPodReady(pod: KubeObject): boolean {
  return conditionStatus(pod, "Ready") === "True";
}

/** The status (`True`/`False`/`Unknown`) of a condition of `o`, if present. */
export function conditionStatus(o: KubeObject, type: string): string | undefined {
  const c = asObjArray(statusOf(o).conditions).find((x) => x.type === type);
  return str(c?.status);
}

/**
 * Conditions with `next` merged in (same order as before, new types appended): `lastTransitionTime` is kept when the
 * status did not change; `lastUpdateTime` (when `next` carries one) is kept when nothing changed.
 */
export function mergeConditions(existing: unknown, next: Obj[], now: string): Obj[] {
  const old = asObjArray(existing);
  const out = old.map((c) => ({ ...c }));
  for (const n of next) {
    const i = out.findIndex((c) => c.type === n.type);
    const prev = i >= 0 ? out[i] : undefined;
    const same = prev !== undefined && prev.status === n.status;
    const merged: Obj = { ...n, lastTransitionTime: same ? (prev.lastTransitionTime ?? now) : now };
    if ("lastUpdateTime" in n) {
      const unchanged = same && prev.reason === n.reason && prev.message === n.message;
      merged.lastUpdateTime = unchanged ? (prev.lastUpdateTime ?? now) : now;
    }
    if (i >= 0) out[i] = merged;
    else out.push(merged);
  }
  return out;
}
