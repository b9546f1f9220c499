/**
 * The simulated cloud and kubelet of cluster-sim (internal to the package): NodeClaims launched into GPU nodes, a
 * scheduler, the Deployment/ReplicaSet/StatefulSet/Job/Endpoints controllers, pod lifecycle with injectable faults,
 * and a process runtime that runs real local processes for mapped images.
 */
export { createSimulation } from "./simulation.ts";
export type {
  NodeClaimFaultRule,
  NodeFaultRule,
  PodFaultKind,
  PodFaultRule,
  ProcessContext,
  ProcessImageMapping,
  ProcessSpec,
  SimEndpoint,
  SimFaultRule,
  SimFaults,
  SimPodDelays,
  SimProcessRuntimeOptions,
  SimSku,
  Simulation,
  SimulationOptions,
} from "./shared/types.ts";
