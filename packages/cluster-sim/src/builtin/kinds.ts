/**
 * The compiled-in resource types of cluster-sim: core/v1, apps/v1, batch/v1, coordination, storage (StorageClass),
 * apiextensions, admission, RBAC.
 */
import { builtinSchema } from "./schemas.ts";
import { ALL_VERBS, type NameRule, type ResourceDefinition } from "./types.ts";

interface KindSpec {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  scale?: boolean;
  generation?: boolean;
  nameRule?: NameRule;
  verbs?: string[];
  deprecationWarning?: string;
}

const SPECS: KindSpec[] = [
  {
    group: "",
    version: "v1",
    resource: "namespaces",
    kind: "Namespace",
    namespaced: false,
    shortNames: ["ns"],
    status: true,
    nameRule: "label",
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  },
  { group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false, shortNames: ["no"], status: true },
  {
    group: "",
    version: "v1",
    resource: "pods",
    kind: "Pod",
    namespaced: true,
    shortNames: ["po"],
    categories: ["all"],
    status: true,
  },
  {
    group: "",
    version: "v1",
    resource: "services",
    kind: "Service",
    namespaced: true,
    shortNames: ["svc"],
    categories: ["all"],
    status: true,
    nameRule: "label1035",
  },
  {
    group: "",
    version: "v1",
    resource: "endpoints",
    kind: "Endpoints",
    namespaced: true,
    shortNames: ["ep"],
    deprecationWarning: "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
  },
  { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"] },
  { group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true },
  {
    group: "",
    version: "v1",
    resource: "serviceaccounts",
    kind: "ServiceAccount",
    namespaced: true,
    shortNames: ["sa"],
  },
  { group: "", version: "v1", resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"] },
  { group: "events.k8s.io", version: "v1", resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"] },
  {
    group: "apps",
    version: "v1",
    resource: "deployments",
    kind: "Deployment",
    namespaced: true,
    shortNames: ["deploy"],
    categories: ["all"],
    status: true,
    scale: true,
    generation: true,
  },
  {
    group: "apps",
    version: "v1",
    resource: "replicasets",
    kind: "ReplicaSet",
    namespaced: true,
    shortNames: ["rs"],
    categories: ["all"],
    status: true,
    scale: true,
    generation: true,
  },
  {
    group: "apps",
    version: "v1",
    resource: "statefulsets",
    kind: "StatefulSet",
    namespaced: true,
    shortNames: ["sts"],
    categories: ["all"],
    status: true,
    scale: true,
    generation: true,
  },
  { group: "apps", version: "v1", resource: "controllerrevisions", kind: "ControllerRevision", namespaced: true },
  {
    group: "batch",
    version: "v1",
    resource: "jobs",
    kind: "Job",
    namespaced: true,
    categories: ["all"],
    status: true,
    generation: true,
  },
  { group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true },
  {
    group: "storage.k8s.io",
    version: "v1",
    resource: "storageclasses",
    kind: "StorageClass",
    namespaced: false,
    shortNames: ["sc"],
  },
  {
    group: "apiextensions.k8s.io",
    version: "v1",
    resource: "customresourcedefinitions",
    kind: "CustomResourceDefinition",
    namespaced: false,
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    status: true,
    generation: true,
    nameRule: "crd",
  },
  {
    group: "admissionregistration.k8s.io",
    version: "v1",
    resource: "validatingwebhookconfigurations",
    kind: "ValidatingWebhookConfiguration",
    namespaced: false,
    categories: ["api-extensions"],
    generation: true,
  },
  {
    group: "admissionregistration.k8s.io",
    version: "v1",
    resource: "mutatingwebhookconfigurations",
    kind: "MutatingWebhookConfiguration",
    namespaced: false,
    categories: ["api-extensions"],
    generation: true,
  },
  { group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role", namespaced: true },
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "rolebindings",
    kind: "RoleBinding",
    namespaced: true,
  },
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "clusterroles",
    kind: "ClusterRole",
    namespaced: false,
  },
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "clusterrolebindings",
    kind: "ClusterRoleBinding",
    namespaced: false,
  },
];

/** All compiled-in resource definitions. */
export function builtinDefinitions(): ResourceDefinition[] {
  return SPECS.map((s) => {
    const def: ResourceDefinition = {
      group: s.group,
      version: s.version,
      resource: s.resource,
      kind: s.kind,
      listKind: `${s.kind}List`,
      singular: s.kind.toLowerCase(),
      shortNames: s.shortNames ?? [],
      namespaced: s.namespaced,
      verbs: s.verbs ?? ALL_VERBS,
      categories: s.categories ?? [],
      statusSubresource: s.status ?? false,
      generation: s.generation ?? false,
      nameRule: s.nameRule ?? "subdomain",
      builtin: true,
      storageVersion: s.version,
      schema: builtinSchema(s.kind),
      structural: false,
    };
    if (s.scale) def.scale = { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" };
    if (s.deprecationWarning !== undefined) def.deprecationWarning = s.deprecationWarning;
    return def;
  });
}
