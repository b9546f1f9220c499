import type { AdmissionHook, ClusterStore, KubeObject } from "@kaito-ts/cluster-sim";
import { catalogValidationLookups } from "@kaito-ts/preset-catalog";
import {
  type ClusterLookup,
  type ValidationContext,
  type ValidationIssue,
  validateWorkspace,
  validateWorkspaceUpdate,
} from "@kaito-ts/workspace-types";

const NODES = { group: "", version: "v1", resource: "nodes" };
const CONFIGMAPS = { group: "", version: "v1", resource: "configmaps" };

/** A {@link ClusterLookup} that reads nodes and ConfigMaps from a cluster-sim store. */
export function storeClusterLookup(store: ClusterStore): ClusterLookup {
  const stringData = (o: KubeObject | undefined) =>
    Object.fromEntries(
      Object.entries((o?.data as Record<string, unknown> | undefined) ?? {}).filter(
        (e): e is [string, string] => typeof e[1] === "string",
      ),
    );
  return {
    listNodes: (matchLabels) => {
      const selector = Object.entries(matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      return store
        .list(NODES, selector ? { labelSelector: selector } : {})
        .map((n) => ({ name: n.metadata.name ?? "", labels: n.metadata.labels ?? {} }));
    },
    getConfigMap: (namespace, name) => {
      const cm = store.get(CONFIGMAPS, namespace, name);
      return cm ? { data: stringData(cm) } : undefined;
    },
  };
}

const describe = (errors: readonly ValidationIssue[]) =>
  `validation failed: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`;

/**
 * Kaito's validating webhook (`validation.workspace.kaito.sh`) as an in-process admission hook for cluster-sim:
 * Workspace creates and updates are checked with the same rules `kaito validate` applies, against the store's nodes
 * and ConfigMaps, so that the playground rejects what a Kaito cluster rejects.
 */
export function workspaceAdmissionHook(
  store: ClusterStore,
  base: Pick<ValidationContext, "cloud" | "nodeAutoProvisioning" | "defaultRuntime">,
): AdmissionHook {
  const ctx: ValidationContext = { ...base, ...catalogValidationLookups(), cluster: storeClusterLookup(store) };
  return {
    name: "validation.workspace.kaito.sh",
    validate: (attrs) => {
      if (attrs.resource.group !== "kaito.sh" || attrs.resource.resource !== "workspaces") return undefined;
      if (attrs.subresource !== undefined || attrs.object === undefined) return undefined;
      const result =
        attrs.operation === "UPDATE" && attrs.oldObject
          ? validateWorkspaceUpdate(attrs.oldObject, attrs.object, { ...ctx, namespace: attrs.namespace ?? "default" })
          : attrs.operation === "CREATE"
            ? validateWorkspace(attrs.object, { ...ctx, namespace: attrs.namespace ?? "default" })
            : undefined;
      return result && !result.valid ? describe(result.errors) : undefined;
    },
  };
}
