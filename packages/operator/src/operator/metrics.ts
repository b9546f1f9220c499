/**
 * `/metrics`: prom-client collectors under controller-runtime's and client-go's names ({@link MetricNames}), bound
 * to reconciler-core's {@link RuntimeMetrics} hooks, plus Node's default process metrics.
 */
import { MetricNames, type RuntimeMetrics } from "@kaito-ts/reconciler-core";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** A registry and the hooks that feed it. */
export interface OperatorMetrics {
  readonly registry: Registry;
  readonly hooks: RuntimeMetrics;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 45, 60];
const QUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10];

/**
 * Create the collectors on a fresh registry.
 * @example const m = createOperatorMetrics(); m.hooks.reconcileDone?.("workspace", "success", 0.1);
 */
export function createOperatorMetrics(): OperatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const reg = [registry];
  const total = new Counter({
    name: MetricNames.ReconcileTotal,
    help: "Total number of reconciliations per controller",
    labelNames: ["controller", "result"],
    registers: reg,
  });
  const errors = new Counter({
    name: MetricNames.ReconcileErrors,
    help: "Total number of reconciliation errors per controller",
    labelNames: ["controller"],
    registers: reg,
  });
  const time = new Histogram({
    name: MetricNames.ReconcileTime,
    help: "Length of time per reconciliation per controller",
    labelNames: ["controller"],
    buckets: BUCKETS,
    registers: reg,
  });
  const maxConcurrent = new Gauge({
    name: MetricNames.MaxConcurrentReconciles,
    help: "Maximum number of concurrent reconciles per controller",
    labelNames: ["controller"],
    registers: reg,
  });
  const active = new Gauge({
    name: MetricNames.ActiveWorkers,
    help: "Number of currently used workers per controller",
    labelNames: ["controller"],
    registers: reg,
  });
  const depth = new Gauge({
    name: MetricNames.WorkqueueDepth,
    help: "Current depth of workqueue",
    labelNames: ["name"],
    registers: reg,
  });
  const adds = new Counter({
    name: MetricNames.WorkqueueAdds,
    help: "Total number of adds handled by workqueue",
    labelNames: ["name"],
    registers: reg,
  });
  const retries = new Counter({
    name: MetricNames.WorkqueueRetries,
    help: "Total number of retries handled by workqueue",
    labelNames: ["name"],
    registers: reg,
  });
  const latency = new Histogram({
    name: MetricNames.WorkqueueQueueDuration,
    help: "How long in seconds an item stays in workqueue before being requested",
    labelNames: ["name"],
    buckets: QUEUE_BUCKETS,
    registers: reg,
  });
  const work = new Histogram({
    name: MetricNames.WorkqueueWorkDuration,
    help: "How long in seconds processing an item from workqueue takes",
    labelNames: ["name"],
    buckets: QUEUE_BUCKETS,
    registers: reg,
  });
  const leader = new Gauge({
    name: MetricNames.LeaderElectionStatus,
    help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master",
    labelNames: ["name"],
    registers: reg,
  });
  const hooks: RuntimeMetrics = {
    reconcileDone(controller, result, seconds) {
      total.inc({ controller, result });
      if (result === "error") errors.inc({ controller });
      time.observe({ controller }, seconds);
    },
    activeWorkers: (controller, count) => active.set({ controller }, count),
    maxConcurrentReconciles: (controller, count) => maxConcurrent.set({ controller }, count),
    queueDepth: (name, d) => depth.set({ name }, d),
    queueAdd: (name) => adds.inc({ name }),
    queueRetry: (name) => retries.inc({ name }),
    queueLatency: (name, s) => latency.observe({ name }, s),
    queueWorkDuration: (name, s) => work.observe({ name }, s),
    leaderStatus: (name, leading) => leader.set({ name }, leading ? 1 : 0),
  };
  return { registry, hooks };
}
