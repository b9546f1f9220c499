/**
 * The `ClusterLookup` the cluster-dependent admission rules read (the referenced ConfigMaps, the BYO nodes' GPU
 * labels), served from informer caches: admission answers must be fast and synchronous, never an API round trip.
 */
import type { ClusterLookup, ConfigMapInfo, NodeInfo } from "@kaito-ts/workspace-types";
import type { Informer } from "../runtime/informer.ts";

/**
 * A {@link ClusterLookup} over a Node informer and a ConfigMap informer (of the namespaces Workspaces live in, or all).
 * @example
 * const lookup = informerClusterLookup(mgr.informer(Resources.Node), mgr.informer(Resources.ConfigMap));
 */
export function informerClusterLookup(nodes: Informer, configMaps: Informer): ClusterLookup {
  return {
    listNodes(matchLabels: Readonly<Record<string, string>>): readonly NodeInfo[] {
      const out: NodeInfo[] = [];
      for (const n of nodes.list()) {
        const labels = n.metadata.labels ?? {};
        if (Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) {
          out.push({ name: n.metadata.name ?? "", labels });
        }
      }
      return out;
    },
    getConfigMap(namespace: string, name: string): ConfigMapInfo | undefined {
      const cm = configMaps.getByName(namespace, name);
      if (cm === undefined) return undefined;
      return { data: (cm.data as Record<string, string> | undefined) ?? {} };
    },
  };
}
