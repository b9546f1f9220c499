import type { ClusterLookup, ConfigMapInfo, NodeInfo } from "@kaito-ts/workspace-types";

/** Kinds that `kaito validate` accepts beside Workspaces, as a description of the cluster the rules consult. */
export const CONTEXT_KINDS = new Set(["ConfigMap", "Node", "Secret"]);

interface ContextObject {
  readonly kind: string;
  readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown; readonly labels?: unknown };
  readonly data?: unknown;
}

/** Whether a parsed document is a core/v1 object of a kind that describes cluster state. */
export function isContextObject(value: unknown): value is ContextObject {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { apiVersion?: unknown; kind?: unknown };
  return v.apiVersion === "v1" && typeof v.kind === "string" && CONTEXT_KINDS.has(v.kind);
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/**
 * A {@link ClusterLookup} over the ConfigMaps and Nodes given on the command line, so that the rules which read the
 * cluster (user tuning ConfigMaps, inference ConfigMaps, BYO nodes) can run without a cluster.
 */
export function clusterLookupFrom(objects: readonly ContextObject[], defaultNamespace: string): ClusterLookup {
  const nodes: NodeInfo[] = [];
  const configMaps = new Map<string, ConfigMapInfo>();
  for (const o of objects) {
    const name = typeof o.metadata?.name === "string" ? o.metadata.name : "";
    if (o.kind === "Node") nodes.push({ name, labels: stringRecord(o.metadata?.labels) });
    if (o.kind === "ConfigMap") {
      const ns = typeof o.metadata?.namespace === "string" ? o.metadata.namespace : defaultNamespace;
      configMaps.set(`${ns}/${name}`, { data: stringRecord(o.data) });
    }
  }
  return {
    listNodes: (matchLabels) => nodes.filter((n) => Object.entries(matchLabels).every(([k, v]) => n.labels[k] === v)),
    getConfigMap: (namespace, name) => configMaps.get(`${namespace}/${name}`),
  };
}
