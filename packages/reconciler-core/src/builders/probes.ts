/**
 * Probes of the inference container (kaito-compat §2.4, §7.4): HTTP `/health` on 5000 for a single node, the
 * multi-node health-check script for Ray, and the post-load benchmark as the startup probe for vLLM.
 *
 * @packageDocumentation
 */
import type { V1HTTPGetAction, V1Probe } from "@kubernetes/client-node";
import type { Preset } from "@kaito-ts/preset-catalog";
import { INFERENCE_PORT, multiNodeHealthCheck } from "./commands.ts";
import { shellCommand } from "./pod-parts.ts";
import type { BuildWorkspace } from "./workspace.ts";

/** Probe period, seconds. */
export const PROBE_PERIOD_SECONDS = 10;
/** Startup timeout when a preset states none: 30 minutes. */
export const DEFAULT_READINESS_TIMEOUT_SECONDS = 30 * 60;
/** Bounds of the generated-model readiness timeout: 30 and 180 minutes. */
export const READINESS_TIMEOUT_BOUNDS_SECONDS = [30 * 60, 180 * 60] as const;
/** Benchmark startup probe timeout (covers the benchmark run). */
export const BENCHMARK_PROBE_TIMEOUT_SECONDS = 600;

/**
 * How long the model may take to start: Kaito's generated presets use 15 minutes + 18 s per GiB of weights, clamped
 * to [30, 180] minutes; presets without a weights size use 30 minutes.
 */
export function readinessTimeoutSeconds(preset: Preset | undefined): number {
  const weights = preset?.weightsGiB;
  if (weights === undefined) return DEFAULT_READINESS_TIMEOUT_SECONDS;
  const [lo, hi] = READINESS_TIMEOUT_BOUNDS_SECONDS;
  return Math.min(hi, Math.max(lo, 15 * 60 + 18 * weights));
}

/** The three probes of the inference container. */
export interface ContainerProbes {
  readonly startupProbe: V1Probe;
  readonly livenessProbe: V1Probe;
  readonly readinessProbe: V1Probe;
}

function healthGet(): V1HTTPGetAction {
  return { path: "/health", port: INFERENCE_PORT };
}

/** The probes of a single-node server. */
export function singleNodeProbes(
  timeoutSeconds: number,
): Required<
  Pick<
    { startupProbe: V1Probe; livenessProbe: V1Probe; readinessProbe: V1Probe },
    "startupProbe" | "livenessProbe" | "readinessProbe"
  >
> {
  return {
    startupProbe: {
      httpGet: healthGet(),

      periodSeconds: PROBE_PERIOD_SECONDS,
      failureThreshold: Math.ceil(timeoutSeconds / PROBE_PERIOD_SECONDS),
    },
    livenessProbe: {
      httpGet: healthGet(),

      periodSeconds: PROBE_PERIOD_SECONDS,
      failureThreshold: 3,
    },
    readinessProbe: { httpGet: healthGet(), initialDelaySeconds: 30, periodSeconds: PROBE_PERIOD_SECONDS },
  };
}

/** The exec probes of a multi-node (Ray) server (§7.4). */
export function multiNodeProbes(ws: BuildWorkspace, timeoutSeconds: number): ContainerProbes {
  return {
    startupProbe: {
      exec: { command: multiNodeHealthCheck(ws, "readiness") },

      periodSeconds: PROBE_PERIOD_SECONDS,
      timeoutSeconds: 1,
      failureThreshold: Math.ceil(timeoutSeconds / PROBE_PERIOD_SECONDS),
    },
    livenessProbe: {
      exec: { command: multiNodeHealthCheck(ws, "liveness") },
      initialDelaySeconds: 60,
      periodSeconds: PROBE_PERIOD_SECONDS,
      timeoutSeconds: 5,
      failureThreshold: 1,
      terminationGracePeriodSeconds: 1,
    },
    readinessProbe: {
      exec: { command: multiNodeHealthCheck(ws, "readiness") },

      periodSeconds: PROBE_PERIOD_SECONDS,
      timeoutSeconds: 1,
      failureThreshold: 1,
    },
  };
}

/**
 * The benchmark startup probe (vLLM unless `kaito.sh/disable-benchmark: "true"`): `benchmark_entrypoint.py` exits 1
 * while the model loads and 0 after the benchmark; on multi-node only pod 0 runs it.
 */
export function benchmarkStartupProbe(timeoutSeconds: number, multiNode: boolean): V1Probe {
  const command = multiNode
    ? shellCommand('if [ "$POD_INDEX" = "0" ]; then python3 /workspace/vllm/benchmark_entrypoint.py; else true; fi')
    : ["python3", "/workspace/vllm/benchmark_entrypoint.py"];
  return {
    exec: { command },
    periodSeconds: PROBE_PERIOD_SECONDS,
    timeoutSeconds: BENCHMARK_PROBE_TIMEOUT_SECONDS,
    failureThreshold: Math.ceil(timeoutSeconds / PROBE_PERIOD_SECONDS),
  };
}
