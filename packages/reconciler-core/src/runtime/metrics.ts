/**
 * Metrics hooks: the runtime calls a small {@link RuntimeMetrics} object; the operator binds it to prom-client with
 * the names controller-runtime and client-go use ({@link MetricNames}), so dashboards built for Go controllers work.
 */

/** The metric names controller-runtime (and client-go's workqueue) register, with their labels. */
export const MetricNames = {
  /** Counter, labels `controller`, `result` (`success`, `error`, `requeue`, `requeue_after`). */
  ReconcileTotal: "controller_runtime_reconcile_total",
  /** Counter, label `controller`. */
  ReconcileErrors: "controller_runtime_reconcile_errors_total",
  /** Histogram (seconds), label `controller`. */
  ReconcileTime: "controller_runtime_reconcile_time_seconds",
  /** Gauge, label `controller`. */
  MaxConcurrentReconciles: "controller_runtime_max_concurrent_reconciles",
  /** Gauge, label `controller`. */
  ActiveWorkers: "controller_runtime_active_workers",
  /** Gauge, label `name` (the queue = the controller name). */
  WorkqueueDepth: "workqueue_depth",
  /** Counter, label `name`. */
  WorkqueueAdds: "workqueue_adds_total",
  /** Counter, label `name`: rate-limited re-adds. */
  WorkqueueRetries: "workqueue_retries_total",
  /** Histogram (seconds), label `name`: time a key waited in the queue. */
  WorkqueueQueueDuration: "workqueue_queue_duration_seconds",
  /** Histogram (seconds), label `name`: time a key was processed. */
  WorkqueueWorkDuration: "workqueue_work_duration_seconds",
  /** Gauge, label `name`: seconds of work in progress not yet observed by the work-duration histogram. */
  WorkqueueUnfinishedWork: "workqueue_unfinished_work_seconds",
  /** Gauge, label `name`: seconds the longest running processor has run. */
  WorkqueueLongestRunningProcessor: "workqueue_longest_running_processor_seconds",
  /** Gauge (0/1), label `name`: this replica leads. */
  LeaderElectionStatus: "leader_election_master_status",
} as const;

/** The `result` label of {@link MetricNames.ReconcileTotal}. */
export type ReconcileResultLabel = "success" | "error" | "requeue" | "requeue_after";

/**
 * Hooks the runtime calls; every hook is optional. Implementations must be cheap and must not throw (a throwing
 * hook is ignored).
 */
export interface RuntimeMetrics {
  /** One reconcile finished (`controller_runtime_reconcile_total`, `…_time_seconds`, `…_errors_total`). */
  reconcileDone?(controller: string, result: ReconcileResultLabel, seconds: number): void;
  /** Workers busy now (`controller_runtime_active_workers`). */
  activeWorkers?(controller: string, count: number): void;
  /** The configured concurrency (`controller_runtime_max_concurrent_reconciles`). */
  maxConcurrentReconciles?(controller: string, count: number): void;
  /** Queue length after a change (`workqueue_depth`). */
  queueDepth?(queue: string, depth: number): void;
  /** A key was added (`workqueue_adds_total`). */
  queueAdd?(queue: string): void;
  /** A key was re-added through the rate limiter (`workqueue_retries_total`). */
  queueRetry?(queue: string): void;
  /** Seconds a key waited before a worker took it (`workqueue_queue_duration_seconds`). */
  queueLatency?(queue: string, seconds: number): void;
  /** Seconds a worker held a key (`workqueue_work_duration_seconds`). */
  queueWorkDuration?(queue: string, seconds: number): void;
  /** Leadership changed (`leader_election_master_status`). */
  leaderStatus?(name: string, leading: boolean): void;
}

/** Call a hook, ignoring a throw. */
export function emitMetric<A extends unknown[]>(fn: ((...args: A) => void) | undefined, ...args: A): void {
  if (fn === undefined) return;
  try {
    fn(...args);
  } catch {
    // metrics must never break the controller
  }
}
