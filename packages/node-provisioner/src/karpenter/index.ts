/**
 * `@kaito-ts/node-provisioner/karpenter`: GPU nodes through Karpenter NodeClaims, as Kaito in gpu-provisioner mode
 * (compat §3.1). Imports no cloud SDK.
 *
 * @packageDocumentation
 */
export {
  type ClaimLike,
  claimsToCreate,
  existingUnmanagedNodes,
  gpuPluginProblems,
  nodeClaimVerdict,
  type PluginProblem,
} from "./decide.ts";
export {
  type BuildNodeClaimOptions,
  buildNodeClaim,
  defaultNodeClassRef,
  type KarpenterCloud,
  type KubeNodeClaim,
  NODECLAIM,
  type NodeClassRef,
  nodeClaimRef,
} from "./nodeclaim.ts";
export {
  createKarpenterProvisioner,
  KarpenterNodeProvisioner,
  type KarpenterProvisionerOptions,
} from "./provisioner.ts";
