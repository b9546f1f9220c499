/** Validation and defaults of {@link SimulationOptions}. */
import { ClusterSimError } from "../../errors/index.ts";
import type { ResolvedOptions } from "./context.ts";
import type { SimControllers, SimulationOptions } from "./types.ts";

function fail(field: string, problem: string): never {
  throw new ClusterSimError(
    "BadRequest",
    `invalid simulation option ${field}: ${problem} (fix the options passed to startCluster({ simulation }), createSimulation or attachSimulation)`,
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
  if (options.controllers !== undefined) {
    if (typeof options.controllers !== "object" || options.controllers === null) {
      fail("controllers", "must be an object such as { scheduler: false, workloads: false }");
    }
    for (const [key, value] of Object.entries(options.controllers)) {
      if (!(CONTROLLER_NAMES as readonly string[]).includes(key)) {
        fail(`controllers.${key}`, `is not a part of the simulation (known: ${CONTROLLER_NAMES.join(", ")})`);
      }
      if (value !== undefined && typeof value !== "boolean") fail(`controllers.${key}`, "must be true or false");
    }
  }
  if (options.kubeletEndpoint !== undefined && typeof options.kubeletEndpoint !== "boolean") {
    fail("kubeletEndpoint", `must be true or false, got ${JSON.stringify(options.kubeletEndpoint)}`);
  }
  if (options.agentNodes !== undefined && options.agentNodes !== "all" && options.agentNodes !== "simulated") {
    fail("agentNodes", `must be "all" or "simulated", got ${JSON.stringify(options.agentNodes)}`);
  }
  if (options.heartbeats !== undefined && options.heartbeats !== false) {
    if (typeof options.heartbeats !== "object" || options.heartbeats === null) {
      fail("heartbeats", "must be false or an object { leaseRenewMs, nodeStatusMs }");
    }
    delay(options.heartbeats.leaseRenewMs, "heartbeats.leaseRenewMs");
    delay(options.heartbeats.nodeStatusMs, "heartbeats.nodeStatusMs");
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

/** The parts of the simulation, as `controllers` names them. */
export const CONTROLLER_NAMES = ["nodeClaims", "nodeAgent", "scheduler", "workloads", "endpoints"] as const;

/** Every part on: the simulation owns the whole cluster (cluster-sim's in-process store). */
export const ALL_CONTROLLERS: Required<SimControllers> = {
  nodeClaims: true,
  nodeAgent: true,
  scheduler: true,
  workloads: true,
  endpoints: true,
};

/** Only the cloud and the node agent: a real controller-manager and scheduler do the rest. */
export const NODE_CONTROLLERS: Required<SimControllers> = {
  nodeClaims: true,
  nodeAgent: true,
  scheduler: false,
  workloads: false,
  endpoints: false,
};

/** Options with defaults applied (after {@link validateOptions}); `controllers` fills the parts not named. */
export function resolveOptions(
  options: SimulationOptions,
  controllers: Required<SimControllers> = ALL_CONTROLLERS,
  agentNodes: "all" | "simulated" = "all",
): ResolvedOptions {
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
    controllers: { ...controllers, ...definedOnly(options.controllers ?? {}) },
    agentNodes: options.agentNodes ?? agentNodes,
    heartbeats:
      options.heartbeats === false
        ? { leaseRenewMs: 0, nodeStatusMs: 0 }
        : {
            leaseRenewMs: options.heartbeats?.leaseRenewMs ?? 10_000,
            nodeStatusMs: options.heartbeats?.nodeStatusMs ?? 10_000,
          },
  };
}

function definedOnly(c: SimControllers): SimControllers {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
}
