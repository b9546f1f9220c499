/**
 * `@kaito-ts/node-provisioner/aks`: GPU nodes as AKS agent pools through `@azure/arm-containerservice` and
 * `@azure/identity`, as Kaito's gpu-provisioner does (compat §3.2), without Karpenter.
 *
 * @packageDocumentation
 */
export {
  buildAgentPool,
  CREATION_TIMESTAMP_LABEL,
  creationTimestampLabel,
  MACHINE_TYPE_LABEL,
  osDiskSizeGB,
  parseCreationTimestampLabel,
  quantityBytes,
} from "./agent-pool.ts";
export { type ArmFailure, armFailure } from "./arm-errors.ts";
export {
  type AksOperationRecord,
  type AksOperationStore,
  configMapOperationStore,
  memoryOperationStore,
} from "./operation-store.ts";
export {
  AksNodeProvisioner,
  type AksProvisionerOptions,
  aksClusterFromEnv,
  createAksProvisioner,
  type GarbageCollectionResult,
} from "./provisioner.ts";
