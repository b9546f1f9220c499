/** The resource types the simulation reads and writes, as store keys. */
import type { ResourceKey } from "../../store/api.ts";

const core = (resource: string): ResourceKey => ({ group: "", version: "v1", resource });

/** Store keys of every kind the simulation touches. */
export const R = {
  nodes: core("nodes"),
  pods: core("pods"),
  services: core("services"),
  endpoints: core("endpoints"),
  events: core("events"),
  configmaps: core("configmaps"),
  secrets: core("secrets"),
  deployments: { group: "apps", version: "v1", resource: "deployments" },
  replicasets: { group: "apps", version: "v1", resource: "replicasets" },
  statefulsets: { group: "apps", version: "v1", resource: "statefulsets" },
  controllerrevisions: { group: "apps", version: "v1", resource: "controllerrevisions" },
  jobs: { group: "batch", version: "v1", resource: "jobs" },
  nodeclaims: { group: "karpenter.sh", version: "v1", resource: "nodeclaims" },
  leases: { group: "coordination.k8s.io", version: "v1", resource: "leases" },
} as const satisfies Record<string, ResourceKey>;

/** True when two keys name the same resource (versions ignored). */
export function sameResource(a: ResourceKey, b: ResourceKey): boolean {
  return a.group === b.group && a.resource === b.resource;
}
