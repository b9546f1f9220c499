/**
 * Workload decisions on spec updates (compat §2.5–§2.6), as pure functions of the observed object and the desired
 * one: the inference StatefulSet is updated in place when its revision annotation differs (only the main container's
 * `env` and `volumeMounts`, the pod's `initContainers` and `volumes` are replaced — other edits are kept — and the
 * API server's rolling update does the rest); the tuning Job is deleted (foreground) and created again.
 */
import { KaitoWrittenAnnotation } from "@kaito-ts/workspace-types";
import type { KubeObject } from "../runtime/resources.ts";

interface PodTemplateLike {
  metadata?: { annotations?: Record<string, string>; [k: string]: unknown };
  spec?: {
    containers?: Array<{ name: string; env?: unknown; volumeMounts?: unknown; [k: string]: unknown }>;
    initContainers?: unknown;
    volumes?: unknown;
    [k: string]: unknown;
  };
}

/** The `workspace.kaito.io/revision` annotation of an object. */
export function revisionOf(
  obj: { metadata?: { annotations?: Record<string, string> | undefined } } | undefined,
): string | undefined {
  return obj?.metadata?.annotations?.[KaitoWrittenAnnotation.WorkspaceRevision];
}

/**
 * The StatefulSet to PUT for a new revision, or `undefined` when it is current (or a template Workspace's, which
 * Kaito creates once and never updates).
 * @param existing the StatefulSet as observed (it keeps its `resourceVersion`, so a concurrent change gets 409).
 * @param desired what the builders produce for the current spec.
 * @param mainContainer the name of the inference container (the Workspace name).
 */
export function statefulSetUpdate(
  existing: KubeObject,
  desired: KubeObject,
  revision: string,
  mainContainer: string,
  template: boolean,
): KubeObject | undefined {
  if (template || revisionOf(existing) === revision) return undefined;
  const next = structuredClone(existing) as KubeObject & { spec?: { template?: PodTemplateLike } };
  next.metadata.annotations = {
    ...(next.metadata.annotations ?? {}),
    [KaitoWrittenAnnotation.WorkspaceRevision]: revision,
  };
  const want = (desired as { spec?: { template?: PodTemplateLike } }).spec?.template?.spec;
  const have = next.spec?.template?.spec;
  if (want === undefined || have === undefined) return next;
  const wantMain = want.containers?.find((c) => c.name === mainContainer);
  const haveMain = have.containers?.find((c) => c.name === mainContainer);
  if (wantMain !== undefined && haveMain !== undefined) {
    if (wantMain.env === undefined) delete haveMain.env;
    else haveMain.env = wantMain.env;
    if (wantMain.volumeMounts === undefined) delete haveMain.volumeMounts;
    else haveMain.volumeMounts = wantMain.volumeMounts;
  }
  if (want.initContainers === undefined) delete have.initContainers;
  else have.initContainers = want.initContainers;
  if (want.volumes === undefined) delete have.volumes;
  else have.volumes = want.volumes;
  return next;
}

/** What to do with the tuning Job. */
export type JobAction = "create" | "keep" | "recreate" | "wait-for-deletion";

/**
 * Kaito's Job rule: missing → create; same revision → keep; other revision → delete (foreground) then create once it
 * is gone; being deleted → wait.
 */
export function decideJob(existing: KubeObject | undefined, revision: string): JobAction {
  if (existing === undefined) return "create";
  if (existing.metadata.deletionTimestamp !== undefined) return "wait-for-deletion";
  return revisionOf(existing) === revision ? "keep" : "recreate";
}

/** The facts of a Job the conditions read. */
export interface JobFacts {
  readonly started: boolean;
  readonly succeeded: boolean;
  /** Terminal failure (the Job's `Failed` condition). */
  readonly failed: boolean;
  /** Pods failed so far (retries may still succeed). */
  readonly failedPods: number;
  readonly active: number;
  /** The `Failed` condition's message, when failed. */
  readonly failureMessage?: string;
}

/** Read a Job's status. */
export function jobFacts(job: KubeObject): JobFacts {
  const st = (job.status ?? {}) as {
    active?: number;
    ready?: number;
    succeeded?: number;
    failed?: number;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
  const cond = (t: string) => st.conditions?.find((c) => c.type === t && c.status === "True");
  const failedCond = cond("Failed");
  const complete = cond("Complete") !== undefined || cond("SuccessCriteriaMet") !== undefined;
  return {
    started: (st.active ?? 0) > 0 || (st.ready ?? 0) > 0 || (st.succeeded ?? 0) > 0 || complete,
    succeeded: complete,
    failed: failedCond !== undefined,
    failedPods: st.failed ?? 0,
    active: st.active ?? 0,
    ...(failedCond !== undefined
      ? { failureMessage: `${failedCond.reason ?? "Failed"}${failedCond.message ? `: ${failedCond.message}` : ""}` }
      : {}),
  };
}
