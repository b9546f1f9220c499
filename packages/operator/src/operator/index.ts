/** The operator process: configuration, composition, endpoints. */
export {
  type LogLevel,
  OPERATOR_DEFAULTS,
  OPERATOR_ENV,
  type OperatorConfig,
  type OperatorFlags,
  type ProvisionerName,
  parseFeatureGates,
  resolveOperatorConfig,
} from "./config.ts";
export { createOperatorLogger, REDACTED_PATHS, toRuntimeLogger, withWorkspaceFields } from "./logger.ts";
export { createOperatorMetrics, type OperatorMetrics } from "./metrics.ts";
export { loadClusterConnection, type RunningOperator, type StartOperatorOptions, startOperator } from "./run.ts";
export { WEBHOOK_PATH } from "./servers.ts";
