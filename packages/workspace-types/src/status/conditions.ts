/**
 * metav1.Condition helpers with the API machinery's semantics: one condition per type, `lastTransitionTime`
 * moves only when `status` flips, `observedGeneration` records the generation the condition was computed from.
 */
import { LAST_RECONCILE_ERROR_SUFFIX } from "../constants/index.ts";
import type { Condition, ConditionStatus } from "../schema/common.ts";

/** The fields a caller decides when setting a condition. */
export interface ConditionUpdate {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

/** Options of {@link setCondition}. */
export interface SetConditionOptions {
  /** `metadata.generation` of the object; stored as `observedGeneration` (Kaito sets it on every condition). */
  readonly generation?: number;
  /** The current time (a `Date` or an RFC 3339 string); default `new Date()`. Pass it for deterministic output. */
  readonly now?: Date | string;
}

/**
 * RFC 3339 with second precision, as `metav1.Time` serializes (`2026-01-02T03:04:05Z`).
 * @example toKubernetesTime(new Date(0)) // "1970-01-01T00:00:00Z"
 */
export function toKubernetesTime(t: Date | string): string {
  const d = typeof t === "string" ? new Date(t) : t;
  if (Number.isNaN(d.getTime())) return typeof t === "string" ? t : "";
  return `${d.toISOString().slice(0, 19)}Z`;
}

/**
 * Set one condition, returning a new array (the input is not changed). An existing condition of the same type is
 * replaced in place; `lastTransitionTime` is kept unless the status changed; a new type is appended.
 * @example
 * const next = setCondition(ws.status?.conditions ?? [], { type: "ResourceReady", status: "True",
 *   reason: "workspaceResourceStatusSuccess", message: "" }, { generation: 2, now: new Date() });
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  opts: SetConditionOptions = {},
): Condition[] {
  const list = conditions ?? [];
  const now = toKubernetesTime(opts.now ?? new Date());
  const idx = list.findIndex((c) => c.type === update.type);
  const prev = idx >= 0 ? list[idx] : undefined;
  const next: Condition = {
    type: update.type,
    status: update.status,
    ...(opts.generation !== undefined
      ? { observedGeneration: opts.generation }
      : prev?.observedGeneration !== undefined
        ? { observedGeneration: prev.observedGeneration }
        : {}),
    lastTransitionTime: prev !== undefined && prev.status === update.status ? prev.lastTransitionTime : now,
    reason: update.reason,
    message: update.message,
  };
  if (idx < 0) return [...list, next];
  const out = list.slice();
  out[idx] = next;
  return out;
}

/** Remove the condition of a type; returns a new array. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** The condition of a type, or `undefined`. */
export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition of `type` exists with status `True`. */
export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === "True";
}

/** True when the condition of `type` exists with status `False`. */
export function isConditionFalse(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === "False";
}

/**
 * True when the conditions differ in anything but `lastTransitionTime` order-insensitively by type — use it to skip
 * status writes that change nothing.
 */
export function conditionsEqual(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  return x.every((c) => {
    const d = getCondition(y, c.type);
    return (
      d !== undefined &&
      d.status === c.status &&
      d.reason === c.reason &&
      d.message === c.message &&
      d.observedGeneration === c.observedGeneration &&
      d.lastTransitionTime === c.lastTransitionTime
    );
  });
}

/**
 * Append Kaito's ` (last reconcile error: <err>)` suffix to a condition message, unless it is already there.
 * @example withReconcileError("waiting for nodes", "quota exceeded") // "waiting for nodes (last reconcile error: quota exceeded)"
 */
export function withReconcileError(message: string, error: string | undefined): string {
  if (error === undefined || error === "") return message;
  const suffix = `${LAST_RECONCILE_ERROR_SUFFIX}${error})`;
  return message.includes(suffix) ? message : `${message}${suffix}`;
}
