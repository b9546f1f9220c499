/** The demo's live status table: the `kubectl get workspace` columns plus the latest condition message. */
import type { KubeObject } from "@kaito-ts/reconciler-core";

interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

function conds(ws: KubeObject): Cond[] {
  return (ws.status as { conditions?: Cond[] } | undefined)?.conditions ?? [];
}

function col(ws: KubeObject, type: string): string {
  return conds(ws).find((c) => c.type === type)?.status ?? "";
}

const pad = (s: string, n: number) => s.padEnd(n);

/** The header for a tuning or an inference Workspace (the CRD's printer columns). */
export function statusTable(kind: "tuning" | "inference"): string {
  return kind === "tuning"
    ? `${pad("NAME", 26)}${pad("INSTANCE", 26)}${pad("RESOURCEREADY", 15)}${pad("JOBSTARTED", 12)}${pad("WORKSPACESUCCEEDED", 20)}CONDITION`
    : `${pad("NAME", 26)}${pad("INSTANCE", 26)}${pad("RESOURCEREADY", 15)}${pad("INFERENCEREADY", 16)}${pad("WORKSPACESUCCEEDED", 20)}CONDITION`;
}

/** One row. */
export function statusRow(ws: KubeObject, kind: "tuning" | "inference"): string {
  const instance = (ws.resource as { instanceType?: string } | undefined)?.instanceType ?? "";
  const mid = kind === "tuning" ? pad(col(ws, "JobStarted"), 12) : pad(col(ws, "InferenceReady"), 16);
  return `${pad(ws.metadata.name ?? "", 26)}${pad(instance, 26)}${pad(col(ws, "ResourceReady"), 15)}${mid}${pad(col(ws, "WorkspaceSucceeded"), 20)}`;
}

/** The most recently changed condition: `Type=Status Reason: message`. */
export function conditionSummary(ws: KubeObject): string {
  const sorted = [...conds(ws)].sort((a, b) => (a.lastTransitionTime ?? "").localeCompare(b.lastTransitionTime ?? ""));
  const c = sorted.find((x) => x.type === "TuningProgress") ?? sorted.at(-1);
  if (c === undefined) return "(no conditions yet)";
  const msg = (c.message ?? "").split("\n")[0]?.slice(0, 90) ?? "";
  return `${c.type}=${c.status} ${c.reason ?? ""}${msg !== "" ? `: ${msg}` : ""}`;
}
