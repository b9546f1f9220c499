/**
 * The simulated cloud and kubelet of cluster-sim: NodeClaims launched into GPU nodes, a scheduler, the
 * Deployment/ReplicaSet/StatefulSet/Job/Endpoints controllers, pod lifecycle with injectable faults, and a process
 * runtime that runs real local processes for mapped images — inside cluster-sim (`createSimulation`) or against any
 * API server (`attachSimulation`).
 */
export { installNodeClaimCrd } from "./api/install-crd.ts";
export { attachSimulation } from "./attach.ts";
export type {
  AttachSimulationOptions,
  NodeClaimFaultRule,
  NodeFaultRule,
  PodFaultKind,
  PodFaultRule,
  ProcessContext,
  ProcessImageMapping,
  ProcessSpec,
  SimControllers,
  SimEndpoint,
  SimFaultRule,
  SimFaults,
  SimHeartbeats,
  SimPodDelays,
  SimProcessRuntimeOptions,
  SimSku,
  Simulation,
  SimulationOptions,
} from "./shared/types.ts";
export { createSimulation } from "./simulation.ts";
