/**
 * The messages between the benchmark driver and its measured child process (one child per side and backend, so
 * that the peak RSS is the measured client's own), and the small helpers both use.
 */

/** Which side a child runs. */
export type BenchSide = "reconciler" | "baseline";

/** What a child measured. Counts are totals for the run (divide by the Workspace count for per-Workspace figures). */
export interface SideStats {
  /** `Date.now()` when the last Workspace became `WorkspaceSucceeded=True` (as the child saw it). */
  readonly doneAt: number;
  /** Workspaces seen succeeded (the target when the run completed). */
  readonly succeeded: number;
  /** Every request, `verb resource` (informer lists and watches included). */
  readonly requests: Readonly<Record<string, number>>;
  /** Writes, `verb resource[/subresource]`. */
  readonly writes: Readonly<Record<string, number>>;
  /** Reads that did not come from an informer cache, `verb resource`. */
  readonly directReads: Readonly<Record<string, number>>;
  /** Answers that were not 2xx, by status (`0`: no answer). */
  readonly failures: Readonly<Record<string, number>>;
  /** Reconcile passes by result (the reconciler only). */
  readonly passes: Readonly<Record<string, number>>;
  /** Peak resident set size of the child, bytes. */
  readonly maxRssBytes: number;
  /** Where the memory was (the reconciler only): sampled every second, and the informer caches at the end. */
  readonly memory?: MemoryReport;
  /** Replicas started again after one lost its Lease (the reconciler only; an operator pod would be restarted). */
  readonly restarts?: number;
  /** Event-loop delay of the child over the run, ms (the reconciler only). */
  readonly eventLoopDelayMs?: { readonly p99: number; readonly max: number };
}

/** The reconciler side's memory, for finding where its RSS goes. */
export interface MemoryReport {
  /** Peaks of `process.memoryUsage()` fields over the run (sampled every second), bytes. */
  readonly peak: { readonly heapUsed: number; readonly heapTotal: number; readonly external: number };
  /** `process.memoryUsage()` when the last Workspace succeeded, bytes. */
  readonly atDone: { readonly rss: number; readonly heapUsed: number; readonly heapTotal: number };
  /** Per informer cache (`resource`): objects and their JSON size in bytes (a proxy for their heap size). */
  readonly caches: Readonly<Record<string, { readonly objects: number; readonly jsonBytes: number }>>;
}

/** Child → driver. */
export type ChildMessage =
  | { readonly type: "ready" }
  | { readonly type: "progress"; readonly succeeded: number }
  | { readonly type: "done"; readonly stats: SideStats }
  | { readonly type: "failed"; readonly error: string };

/** Driver → child. */
export type DriverMessage = { readonly type: "stop" };

/** The benchmark's Workspace names: `bench-0` … `bench-<n-1>`. */
export function workspaceName(i: number): string {
  return `bench-${i}`;
}

/** Add one to `key` of `into`. */
export function tally(into: Record<string, number>, key: string, n = 1): void {
  into[key] = (into[key] ?? 0) + n;
}

/** `WorkspaceSucceeded` is `True` in an object's status. */
export function isSucceeded(obj: object): boolean {
  const conditions = (
    (obj as { status?: unknown }).status as { conditions?: Array<{ type: string; status: string }> } | undefined
  )?.conditions;
  return conditions?.some((c) => c.type === "WorkspaceSucceeded" && c.status === "True") === true;
}
