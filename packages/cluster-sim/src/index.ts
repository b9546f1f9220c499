/**
 * `@kaito-ts/cluster-sim`: an in-process Kubernetes API server that real `kubectl` and `@kubernetes/client-node`
 * drive over HTTP, with fault injection and request counters for tests and benchmarks, plus a simulated cloud and
 * kubelet (NodeClaims → GPU Nodes, scheduler, workload controllers, pods running real local processes).
 */
export type { NameRule, PrinterColumn, ResourceDefinition, ScaleSubresource } from "./builtin/types.ts";
export {
  type Cluster,
  type ClusterStoreHandle,
  type StartClusterOptions,
  startCluster,
} from "./cluster.ts";
export {
  CLUSTER_SIM_ERROR_CODES,
  ClusterSimError,
  type ClusterSimErrorCode,
  type ClusterSimErrorCodeInfo,
  type FieldCause,
  isClusterSimError,
  type Status,
  type StatusCause,
  type StatusDetails,
  type StatusReason,
} from "./errors/index.ts";
export type { CountFilter, RequestCount, RequestCounters } from "./server/counters.ts";
export type { FaultInjector, FaultRule, Verb } from "./server/faults.ts";
export { ApiServer, type ApiServerOptions } from "./server/http-server.ts";
export type { PodSource, ServiceEndpoint, ServiceResolver } from "./server/proxy.ts";
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
} from "./sim/index.ts";
export {
  type AttachSimulationOptions,
  attachSimulation,
  installNodeClaimCrd,
  type SimControllers,
  type SimHeartbeats,
} from "./sim/index.ts";
export { nodeClaimCrd } from "./builtin/nodeclaim-crd.ts";
export type {
  ClusterStore,
  DeleteOptions,
  KubeObject,
  ListOptions,
  ObjectMeta,
  OwnerReference,
  PatchType,
  ResourceKey,
  StoreEvent,
  StoreEventType,
  WriteOptions,
} from "./store/api.ts";
export type { AdmissionAttributes, AdmissionHook } from "./store/admission.ts";
export { MemoryStore } from "./store/memory-store.ts";
export type { MemoryStoreOptions } from "./store/options.ts";
