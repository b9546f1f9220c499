/** Validation and defaults of {@link SimulationOptions}. */
import { ClusterSimError } from "../../errors/index.ts";
import type { ResolvedOptions } from "./context.ts";
import type { SimulationOptions } from "./types.ts";

function fail(field: string, problem: string): never {
  throw new ClusterSimError(
    "BadRequest",
    `invalid simulation option ${field}: ${problem} (fix the options passed to startCluster({ simulation }) or createSimulation)`,
  );
}

function delay(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    fail(field, `must be a number of milliseconds ≥ 0, got ${JSON.stringify(value)}`);
  }
}

/** Throws a `BadRequest` ClusterSimError naming the first bad option. */
export function validateOptions(options: SimulationOptions): void {
  if (!Array.isArray(options.skus)) fail("skus", "must be an array of SKUs ({ name, gpuCount, … })");
  const seen = new Set<string>();
  options.skus.forEach((sku, i) => {
    const at = `skus[${i}]`;
    if (typeof sku !== "object" || sku === null) fail(at, "must be an object");
    if (typeof sku.name !== "string" || sku.name.trim() === "") fail(`${at}.name`, "must be a non-empty string");
    if (!Number.isInteger(sku.gpuCount) || sku.gpuCount < 0) {
      fail(`${at}.gpuCount`, `must be a whole number ≥ 0, got ${JSON.stringify(sku.gpuCount)}`);
    }
    const lower = sku.name.toLowerCase();
    if (seen.has(lower)) fail(`${at}.name`, `"${sku.name}" appears twice (names are case-insensitive)`);
    seen.add(lower);
  });
  delay(options.nodeDelayMs, "nodeDelayMs");
  delay(options.launchDelayMs, "launchDelayMs");
  delay(options.gpuCapacityDelayMs, "gpuCapacityDelayMs");
  const d = options.podDelays ?? {};
  for (const key of ["pullMs", "readyMs", "backoffMs", "maxBackoffMs", "probeIntervalMs", "killGraceMs"] as const) {
    delay(d[key], `podDelays.${key}`);
  }
  if (d.completionMs !== null) delay(d.completionMs, "podDelays.completionMs");
  if (options.serviceCidr !== undefined) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(options.serviceCidr);
    const octets = m?.slice(1, 5) ?? [];
    const bits = Number(m?.[5] ?? -1);
    const ok = octets.length === 4 && octets.every((p) => Number(p) <= 255) && bits >= 8 && bits <= 28;
    if (!ok)
      fail("serviceCidr", `must be an IPv4 CIDR between /8 and /28, e.g. "10.96.0.0/16", got "${options.serviceCidr}"`);
  }
  (options.processRuntime?.images ?? []).forEach((m, i) => {
    if (typeof m?.image !== "string" || m.image === "")
      fail(`processRuntime.images[${i}].image`, "must be a non-empty string");
    if (m.spawn !== undefined && typeof m.spawn !== "function")
      fail(`processRuntime.images[${i}].spawn`, "must be a function");
    for (const key of ["entrypoint", "cmd", "command"] as const) {
      const v = m[key];
      if (v !== undefined && (!Array.isArray(v) || v.some((a) => typeof a !== "string"))) {
        fail(`processRuntime.images[${i}].${key}`, "must be an array of strings");
      }
    }
  });
}

/** Options with defaults applied (after {@link validateOptions}). */
export function resolveOptions(options: SimulationOptions): ResolvedOptions {
  const nodeDelayMs = options.nodeDelayMs ?? 200;
  const d = options.podDelays ?? {};
  return {
    skus: [...options.skus],
    nodeDelayMs,
    launchDelayMs: options.launchDelayMs ?? Math.floor(nodeDelayMs / 2),
    gpuCapacityDelayMs: options.gpuCapacityDelayMs ?? 0,
    pullMs: d.pullMs ?? 20,
    readyMs: d.readyMs ?? 20,
    completionMs: d.completionMs === undefined ? 50 : d.completionMs,
    backoffMs: d.backoffMs ?? 100,
    maxBackoffMs: d.maxBackoffMs ?? 2000,
    probeIntervalMs: d.probeIntervalMs ?? 100,
    killGraceMs: d.killGraceMs ?? 2000,
    clusterName: options.clusterName ?? "kaito-sim",
    sidecarImages: options.sidecarImages ?? ["registry.k8s.io/pause*", "*/pause", "*/pause:*"],
    serviceCidr: options.serviceCidr ?? "10.96.0.0/16",
  };
}
