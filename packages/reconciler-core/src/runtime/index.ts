/**
 * The controller runtime of `@kaito-ts/reconciler-core`, usable on its own (no Kaito knowledge): informer cache,
 * work queue with rate limiting, controllers, leader election, events, metrics hooks, graceful shutdown.
 * @packageDocumentation
 */
export { Backoff, type BackoffOptions } from "./backoff.ts";
export {
  type ClusterAccess,
  type ClusterConnection,
  type ClusterCredentials,
  type InClusterAccessOptions,
  inClusterAccess,
  isClusterAccess,
  kubeConfigAccess,
  SERVICE_ACCOUNT_DIR,
  toClusterAccess,
} from "./cluster-access.ts";
export { type Clock, FakeClock, systemClock, type TimerHandle } from "./clock.ts";
export {
  Controller,
  type ControllerOptions,
  type EventPredicate,
  type KeyMapper,
  labelMapper,
  type OwnerKind,
  ownerMapper,
  type ReconcileContext,
  type ReconcileFunc,
  type ReconcileRequest,
  type ReconcileResult,
  type WatchEventKind,
} from "./controller.ts";
export { EventRecorder, type EventRecorderOptions, type EventSink, type EventType } from "./events.ts";
export {
  type IndexFunc,
  IndexNames,
  Indexers,
  Informer,
  type InformerHandler,
  type InformerOptions,
  type InformerStats,
  stripManagedFields,
} from "./informer.ts";
export { type LeaderElectionOptions, LeaderElector, type LeaderState, toMicroTime } from "./leader-election.ts";
export { childLogger, type LogFn, type RuntimeLogger, silentLogger } from "./logger.ts";
export { Manager, type ManagerInformerOptions, type ManagerLeaderElection, type ManagerOptions } from "./manager.ts";
export { CONTROLLER_NODE_FLAGS } from "./node-flags.ts";
export { emitMetric, MetricNames, type ReconcileResultLabel, type RuntimeMetrics } from "./metrics.ts";
export {
  BucketRateLimiter,
  type BucketOptions,
  type DefaultRateLimiterOptions,
  defaultControllerRateLimiter,
  type ExponentialBackoffOptions,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
} from "./rate-limiter.ts";
export {
  apiVersionOf,
  controllerOf,
  groupResourceOf,
  type KubeObject,
  type KubeObjectMeta,
  keyOf,
  objectKey,
  type OwnerReference,
  Resources,
  type ResourceType,
  splitKey,
} from "./resources.ts";
export {
  apiError,
  type DeleteOptions,
  describeResource,
  type KubeClient,
  KubeRestClient,
  type KubeRestClientOptions,
  type ListOptions,
  type ListResult,
  type LogOptions,
  type PatchOptions,
  type PatchType,
  resourcePath,
  type WatchEvent,
  type WatchOptions,
  type WriteGuard,
  type WriteOptions,
} from "./rest-client.ts";
export { WorkQueue, type WorkQueueOptions } from "./work-queue.ts";
