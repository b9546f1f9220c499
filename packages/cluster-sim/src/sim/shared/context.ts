/** What every controller of the simulation shares: the store, the clock, events, faults and resolved options. */
import type { ClusterStore } from "../../store/api.ts";
import type { EventRecorder } from "./events.ts";
import type { FaultRegistry } from "./faults.ts";
import type { SimSku } from "./types.ts";

/** Options with defaults applied. */
export interface ResolvedOptions {
  skus: SimSku[];
  nodeDelayMs: number;
  launchDelayMs: number;
  gpuCapacityDelayMs: number;
  pullMs: number;
  readyMs: number;
  completionMs: number | null;
  backoffMs: number;
  maxBackoffMs: number;
  probeIntervalMs: number;
  killGraceMs: number;
  clusterName: string;
  sidecarImages: string[];
  serviceCidr: string;
}

/** Shared by the controllers. */
export interface SimContext {
  store: ClusterStore;
  now: () => Date;
  /** `now()` as an RFC 3339 second-precision timestamp. */
  nowIso: () => string;
  events: EventRecorder;
  faults: FaultRegistry;
  options: ResolvedOptions;
  onError: (error: unknown, where: string) => void;
}
