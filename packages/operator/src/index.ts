/**
 * The reference kaito-ts operator and the `kaito` CLI. For now the package holds the CLI: {@link runCli} runs it
 * in-process with injectable I/O (the `kaito` bin is `runCli(process.argv.slice(2), processIO())`).
 *
 * @packageDocumentation
 */
export { type CliIO, processIO } from "./cli/io.ts";
export { runCli } from "./cli/program.ts";
export { isOperatorError, OperatorError, type OperatorErrorCode } from "./errors.ts";
export {
  createOperatorLogger,
  createOperatorMetrics,
  type LogLevel,
  loadClusterConnection,
  OPERATOR_DEFAULTS,
  OPERATOR_ENV,
  type OperatorConfig,
  type OperatorFlags,
  type OperatorMetrics,
  type ProvisionerName,
  parseFeatureGates,
  REDACTED_PATHS,
  type RunningOperator,
  resolveOperatorConfig,
  type StartOperatorOptions,
  startOperator,
  toRuntimeLogger,
  WEBHOOK_PATH,
  withWorkspaceFields,
} from "./operator/index.ts";
export {
  CLUSTER_RULES,
  DEFAULT_OPERATOR_IMAGE,
  installManifests,
  LEASE_RULES,
  type ManifestObject,
  type ManifestOptions,
  ManifestNames,
  type OperatorRule,
  operatorClusterRole,
  policyRule,
  renderManifests,
  webhookConfiguration,
} from "./manifests/index.ts";
