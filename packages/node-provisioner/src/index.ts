/**
 * `@kaito-ts/node-provisioner`: the {@link NodeProvisioner} interface the reconciler calls to get GPU nodes for a
 * Workspace, the {@link KubernetesObjectPort} it works through, and the error family. The implementations are
 * subpath exports so that each user loads only its own: `/karpenter` (NodeClaims), `/aks` (agent pools through the
 * Azure SDK) and `/byo` (existing nodes). This entry imports no cloud SDK.
 *
 * @packageDocumentation
 */
export {
  describeError,
  isNodeProvisionerError,
  NODE_PROVISIONER_ERROR_CODES,
  NodeProvisionerError,
  type NodeProvisionerErrorCode,
  redactSecrets,
} from "./errors.ts";
export { AKS_POOL_NAME_PATTERN, nextNodeNames, nodeNameFor } from "./internal/names.ts";
export {
  type ResolvedRequest as ResolvedNodeRequest,
  resolveRequest as resolveNodeRequest,
  workspaceLabels,
} from "./internal/request.ts";
export {
  type ConditionVerdict,
  httpStatusOf,
  type JsonMergePatch,
  type JsonMergePatchValue,
  type KubeObject,
  type KubeObjectMeta,
  type KubernetesObjectPort,
  type ListQuery,
  type NodeProvisioner,
  type NodeRequest,
  type ObjectRef,
  type ProvisionerEvent,
  type ProvisionerMode,
  type ProvisionResult,
  type ReadinessReport,
  type ReleaseResult,
  type WorkspaceForNodes,
  type WorkspaceRef,
} from "./types.ts";
