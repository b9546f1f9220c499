/** The install manifests generator. */
export {
  DEFAULT_OPERATOR_IMAGE,
  installManifests,
  type ManifestObject,
  type ManifestOptions,
  ManifestNames,
  operatorClusterRole,
  renderManifests,
  webhookConfiguration,
} from "./generate.ts";
export { CLUSTER_RULES, LEASE_RULES, type OperatorRule, policyRule } from "./rbac.ts";
