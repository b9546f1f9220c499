/**
 * Status assembly (compat §1.4): apply the condition updates of one pass with the API machinery's rules
 * (`lastTransitionTime` moves only on a status flip, `observedGeneration` = `metadata.generation`), Kaito's
 * ` (last reconcile error: …)` suffix when the pass failed, `status.state`, `targetNodeCount`, `workerNodes` and
 * the kaito-ts `tuningProgress`; decide whether anything changed — the status is written only then — and the merge
 * patch that writes it. Pure.
 */
import {
  type Condition,
  type ConditionUpdate,
  conditionsEqual,
  deriveWorkspaceState,
  type ObservedTuningJob,
  setCondition,
  withReconcileError,
  type WorkspaceTuningProgress,
} from "@kaito-ts/workspace-types";

/** The Workspace status fields the reconciler writes. */
export interface WorkspaceStatusFields {
  conditions?: Condition[];
  state?: string;
  targetNodeCount?: number;
  workerNodes?: string[];
  /** What the trainer of a tuning Workspace last reported (kaito-ts). */
  tuningProgress?: WorkspaceTuningProgress;
  [key: string]: unknown;
}

/** What {@link computeStatus} reads. */
export interface StatusInput {
  /** The Workspace as observed (its spec mode, generation and current status). */
  readonly workspace: {
    readonly metadata: { readonly generation?: number | undefined };
    readonly tuning?: unknown;
    readonly inference?: unknown;
    readonly status?: WorkspaceStatusFields | undefined;
  };
  /** Conditions decided in this pass, in order. */
  readonly conditions: readonly ConditionUpdate[];
  /** Condition types to drop (e.g. `WorkspaceDeleting` is never removed; `TuningProgress` before a Job exists). */
  readonly remove?: readonly string[];
  readonly targetNodeCount?: number | undefined;
  readonly workerNodes?: readonly string[] | undefined;
  /**
   * `status.tuningProgress` read in this pass (see `tuningProgressStatus`); `null` removes it (a new Job starts over);
   * `undefined` leaves it as it is. When only `observedTime` differs, the old value is kept: a re-read that found
   * nothing new is not a change.
   */
  readonly tuningProgress?: WorkspaceTuningProgress | null | undefined;
  /** The tuning Job as observed (for `status.state`). */
  readonly job?: ObservedTuningJob | undefined;
  /** The error of this pass, for Kaito's message suffix (transient errors only; bad-input messages say it already). */
  readonly error?: string | undefined;
  /** Now, for `lastTransitionTime`. */
  readonly now: Date;
}

/** The new status (a new object; the input is not changed). */
export function computeStatus(input: StatusInput): WorkspaceStatusFields {
  const old = input.workspace.status ?? {};
  const generation = input.workspace.metadata.generation;
  let conditions: Condition[] = (old.conditions ?? []).filter((c) => !(input.remove ?? []).includes(c.type));
  for (const u of input.conditions) {
    conditions = setCondition(
      conditions,
      { ...u, message: withReconcileError(u.message, input.error) },
      { ...(generation !== undefined ? { generation } : {}), now: input.now },
    );
  }
  const next: WorkspaceStatusFields = { ...old, conditions };
  if (input.targetNodeCount !== undefined) next.targetNodeCount = input.targetNodeCount;
  if (input.workerNodes !== undefined) next.workerNodes = [...input.workerNodes].sort();
  if (input.tuningProgress === null) delete next.tuningProgress;
  else if (input.tuningProgress !== undefined && !sameProgress(old.tuningProgress, input.tuningProgress, false)) {
    next.tuningProgress = { ...input.tuningProgress };
  }
  next.state = deriveWorkspaceState(
    {
      tuning: input.workspace.tuning,
      inference: input.workspace.inference,
      status: { ...(old.state !== undefined ? { state: old.state } : {}), conditions },
    },
    input.job,
  );
  return next;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function sameProgress(
  a: WorkspaceTuningProgress | undefined,
  b: WorkspaceTuningProgress | undefined,
  withTime: boolean,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof WorkspaceTuningProgress)[]);
  for (const k of keys) if ((withTime || k !== "observedTime") && a[k] !== b[k]) return false;
  return true;
}

/** True when the status differs in anything the reconciler writes. */
export function statusChanged(before: WorkspaceStatusFields | undefined, after: WorkspaceStatusFields): boolean {
  const b = before ?? {};
  return (
    !conditionsEqual(b.conditions, after.conditions) ||
    b.state !== after.state ||
    b.targetNodeCount !== after.targetNodeCount ||
    !sameList(b.workerNodes, after.workerNodes) ||
    !sameProgress(b.tuningProgress, after.tuningProgress, true)
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function withDeletions(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...after };
  for (const [k, v] of Object.entries(before)) {
    if (!(k in after)) out[k] = null;
    else if (isPlainObject(v) && isPlainObject(after[k])) out[k] = withDeletions(v, after[k]);
  }
  return out;
}

/**
 * The JSON merge patch (RFC 7386) of the status subresource that turns `before` into `after`: `after`, with `null`
 * for every key `before` had and `after` lacks, at any depth of nested objects (lists are replaced whole, as merge
 * patches do) — so a `tuningProgress` field the trainer no longer reports, or the whole `tuningProgress` of an old
 * Job, is removed rather than left stale.
 * @example
 * statusPatch({ tuningProgress: { step: 1, etaSeconds: 9 } }, { tuningProgress: { step: 2 } })
 * // { status: { tuningProgress: { step: 2, etaSeconds: null } } }
 */
export function statusPatch(
  before: WorkspaceStatusFields | undefined,
  after: WorkspaceStatusFields,
): { status: Record<string, unknown> } {
  return { status: withDeletions(before ?? {}, after) };
}
