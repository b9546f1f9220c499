/** What every controller of the simulation shares: the API, the clock, events, faults and resolved options. */
import type { SimApi } from "../api/types.ts";
import type { EventRecorder } from "./events.ts";
import type { FaultRegistry } from "./faults.ts";
import type { SimControllers, SimHeartbeats, SimSku } from "./types.ts";

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
  controllers: Required<SimControllers>;
  agentNodes: "all" | "simulated";
  /** Intervals in ms, 0 = off. */
  heartbeats: Required<SimHeartbeats>;
}

/** Shared by the controllers. */
export interface SimContext {
  /** Cached reads, asynchronous writes (in-process store or a remote API server). */
  api: SimApi;
  now: () => Date;
  /** `now()` as an RFC 3339 second-precision timestamp. */
  nowIso: () => string;
  events: EventRecorder;
  faults: FaultRegistry;
  options: ResolvedOptions;
  onError: (error: unknown, where: string) => void;
  /** Port of the node agent's kubelet endpoint on 127.0.0.1 (`kubeletEndpoint`), when it serves one. */
  kubeletPort?: number | undefined;
}
