/**
 * Status assembly (compat §1.4): apply the condition updates of one pass with the API machinery's rules
 * (`lastTransitionTime` moves only on a status flip, `observedGeneration` = `metadata.generation`), Kaito's
 * ` (last reconcile error: …)` suffix when the pass failed, `status.state`, `targetNodeCount` and `workerNodes`;
 * and decide whether anything changed — the status is written only then. Pure.
 */
import {
  type Condition,
  type ConditionUpdate,
  conditionsEqual,
  deriveWorkspaceState,
  type ObservedTuningJob,
  setCondition,
  withReconcileError,
} from "@kaito-ts/workspace-types";

/** The Workspace status fields the reconciler writes. */
export interface WorkspaceStatusFields {
  conditions?: Condition[];
  state?: string;
  targetNodeCount?: number;
  workerNodes?: string[];
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

/** True when the status differs in anything the reconciler writes. */
export function statusChanged(before: WorkspaceStatusFields | undefined, after: WorkspaceStatusFields): boolean {
  const b = before ?? {};
  return (
    !conditionsEqual(b.conditions, after.conditions) ||
    b.state !== after.state ||
    b.targetNodeCount !== after.targetNodeCount ||
    !sameList(b.workerNodes, after.workerNodes)
  );
}
