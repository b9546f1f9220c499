/**
 * The list semantics of the built-in kinds, from their Go struct tags: `patchStrategy`/`patchMergeKey` (strategic
 * merge patch) and `listType`/`listMapKey` (server-side apply), e.g. containers merged by `name` (SSA key `name`),
 * container ports merged by `containerPort` (SSA keys `containerPort`+`protocol`), finalizers as a merge set.
 * The same table serves both, so a strategic merge patch and an apply agree on list identity.
 */
import type { JSONSchemaProps } from "./schema-types.ts";
import { additionalPropertiesSchema, itemsSchema } from "./schema-types.ts";

/** Patch and apply metadata of one node of a kind's type tree. */
export interface PatchMeta {
  /** Struct fields (for objects). */
  fields?: Record<string, PatchMeta>;
  /** Meta of every value of a map (for `map[string]T` with structured T). */
  values?: PatchMeta;
  /** Meta of list elements. */
  items?: PatchMeta;
  /** List semantics for server-side apply: atomic (default), set (`v:` items) or map (`k:` items). */
  listType?: "atomic" | "set" | "map";
  /** Keys of a `map` list (SSA). */
  listMapKeys?: string[];
  /** Defaults of list-map key fields (`protocol: "TCP"`), used when an item omits them, as structured-merge-diff does. */
  listMapKeyDefaults?: Record<string, unknown>;
  /** Strategic merge: `merge` lists are merged (by `mergeKey` for lists of objects, as sets for primitives). */
  patchStrategy?: "merge" | "replace";
  /** Strategic merge key of a merged list of objects. */
  mergeKey?: string;
  /** An atomic map/struct (SSA `x-kubernetes-map-type: atomic`). */
  atomicMap?: boolean;
}

function keyed(mergeKey: string, item: PatchMeta = {}, listMapKeys: string[] = [mergeKey]): PatchMeta {
  return { listType: "map", listMapKeys, patchStrategy: "merge", mergeKey, items: item };
}

/** A list that SSA treats as a map but strategic merge patch replaces (no patchStrategy tag). */
function ssaKeyedOnly(keys: string[], item: PatchMeta = {}): PatchMeta {
  return { listType: "map", listMapKeys: keys, items: item };
}

const MERGE_SET: PatchMeta = { listType: "set", patchStrategy: "merge" };
const ATOMIC: PatchMeta = { listType: "atomic" };
/** A struct or map owned as a whole (`+structType=atomic`, `+mapType=atomic`): a `LabelSelector`, a key selector. */
const ATOMIC_STRUCT: PatchMeta = { atomicMap: true };

const ENV_VAR: PatchMeta = {
  fields: {
    valueFrom: {
      fields: {
        configMapKeyRef: ATOMIC_STRUCT,
        secretKeyRef: ATOMIC_STRUCT,
        fieldRef: ATOMIC_STRUCT,
        resourceFieldRef: ATOMIC_STRUCT,
      },
    },
  },
};

const OBJECT_META: PatchMeta = {
  fields: {
    finalizers: MERGE_SET,
    ownerReferences: keyed("uid"),
    managedFields: ATOMIC,
  },
};

const CONDITIONS = keyed("type");

const CONTAINER: PatchMeta = {
  fields: {
    env: keyed("name", ENV_VAR),
    ports: { ...keyed("containerPort", {}, ["containerPort", "protocol"]), listMapKeyDefaults: { protocol: "TCP" } },
    volumeMounts: keyed("mountPath"),
    volumeDevices: keyed("devicePath"),
    resizePolicy: ATOMIC,
    command: ATOMIC,
    args: ATOMIC,
    envFrom: ATOMIC,
    resources: { fields: { claims: ssaKeyedOnly(["name"]) } },
  },
};

const VOLUME: PatchMeta = {
  fields: {
    projected: { fields: { sources: ATOMIC } },
    configMap: { fields: { items: ATOMIC } },
    secret: { fields: { items: ATOMIC } },
  },
};

const POD_SPEC: PatchMeta = {
  fields: {
    containers: keyed("name", CONTAINER),
    initContainers: keyed("name", CONTAINER),
    ephemeralContainers: keyed("name", CONTAINER),
    volumes: keyed("name", VOLUME),
    imagePullSecrets: keyed("name"),
    hostAliases: keyed("ip"),
    topologySpreadConstraints: keyed("topologyKey", { fields: { labelSelector: ATOMIC_STRUCT } }, [
      "topologyKey",
      "whenUnsatisfiable",
    ]),
    nodeSelector: ATOMIC_STRUCT,
    resourceClaims: keyed("name"),
    schedulingGates: keyed("name"),
    tolerations: ATOMIC,
    readinessGates: ATOMIC,
  },
};

const POD_TEMPLATE: PatchMeta = { fields: { metadata: OBJECT_META, spec: POD_SPEC } };

const POD_STATUS: PatchMeta = {
  fields: {
    conditions: CONDITIONS,
    podIPs: keyed("ip"),
    hostIPs: keyed("ip"),
    containerStatuses: ATOMIC,
    initContainerStatuses: ATOMIC,
    ephemeralContainerStatuses: ATOMIC,
  },
};

const WORKLOAD_STATUS: PatchMeta = { fields: { conditions: CONDITIONS } };

/** A workload's spec: its pod template and its (atomic) label selector. */
const WORKLOAD_SPEC: PatchMeta = { fields: { template: POD_TEMPLATE, selector: ATOMIC_STRUCT } };

const KINDS: Record<string, PatchMeta> = {
  "/Pod": { fields: { spec: POD_SPEC, status: POD_STATUS } },
  "/PodTemplate": { fields: { template: POD_TEMPLATE } },
  "/ReplicationController": { fields: { spec: { fields: { template: POD_TEMPLATE } }, status: WORKLOAD_STATUS } },
  "apps/Deployment": { fields: { spec: WORKLOAD_SPEC, status: WORKLOAD_STATUS } },
  "apps/ReplicaSet": { fields: { spec: WORKLOAD_SPEC, status: WORKLOAD_STATUS } },
  "apps/DaemonSet": { fields: { spec: WORKLOAD_SPEC, status: WORKLOAD_STATUS } },
  "apps/StatefulSet": {
    fields: {
      spec: { fields: { ...WORKLOAD_SPEC.fields, volumeClaimTemplates: ATOMIC } },
      status: WORKLOAD_STATUS,
    },
  },
  "batch/Job": {
    fields: { spec: WORKLOAD_SPEC, status: WORKLOAD_STATUS },
  },
  "batch/CronJob": {
    fields: { spec: { fields: { jobTemplate: { fields: { spec: { fields: { template: POD_TEMPLATE } } } } } } },
  },
  "/Service": {
    fields: {
      spec: {
        fields: {
          ports: { ...keyed("port", {}, ["port", "protocol"]), listMapKeyDefaults: { protocol: "TCP" } },
          selector: ATOMIC_STRUCT,
          clusterIPs: ATOMIC,
          externalIPs: ATOMIC,
          ipFamilies: ATOMIC,
        },
      },
      status: { fields: { conditions: CONDITIONS } },
    },
  },
  "/Node": {
    fields: {
      spec: { fields: { podCIDRs: MERGE_SET, taints: ATOMIC } },
      status: { fields: { conditions: CONDITIONS, addresses: keyed("type", {}, ["type"]), images: ATOMIC } },
    },
  },
  "/Namespace": {
    fields: { spec: { fields: { finalizers: ATOMIC } }, status: { fields: { conditions: CONDITIONS } } },
  },
  "/ServiceAccount": { fields: { secrets: keyed("name"), imagePullSecrets: ATOMIC } },
  "/Endpoints": { fields: { subsets: ATOMIC } },
  "events.k8s.io/Event": {},
  "coordination.k8s.io/Lease": {},
  "storage.k8s.io/StorageClass": { fields: { mountOptions: ATOMIC, allowedTopologies: ATOMIC } },
};

/** API groups served by the real kube-apiserver (strategic merge patch works for their kinds). */
export const BUILTIN_API_GROUPS: ReadonlySet<string> = new Set([
  "",
  "apps",
  "batch",
  "autoscaling",
  "policy",
  "coordination.k8s.io",
  "events.k8s.io",
  "apiextensions.k8s.io",
  "admissionregistration.k8s.io",
  "rbac.authorization.k8s.io",
  "networking.k8s.io",
  "storage.k8s.io",
  "scheduling.k8s.io",
  "discovery.k8s.io",
  "node.k8s.io",
  "certificates.k8s.io",
  "apiregistration.k8s.io",
  "flowcontrol.apiserver.k8s.io",
  "resource.k8s.io",
]);

/** Identifies a kind: `{group: "apps", version: "v1", kind: "Deployment"}` (group "" = core). */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** True when the kind belongs to a built-in API group (strategic merge patch is accepted). */
export function isBuiltinKind(gvk: { group: string }): boolean {
  return BUILTIN_API_GROUPS.has(gvk.group);
}

/** The patch/apply metadata of a built-in kind (with `metadata` filled in); `undefined` for unknown kinds. */
export function builtinPatchMeta(gvk: { group: string; kind: string }): PatchMeta | undefined {
  const k = KINDS[`${gvk.group}/${gvk.kind}`];
  if (!k && !isBuiltinKind(gvk)) return undefined;
  return { fields: { ...(k?.fields ?? {}), metadata: OBJECT_META } };
}

/** Patch/apply metadata derived from a CRD schema: `x-kubernetes-list-type`/`-list-map-keys`/`-map-type`. */
export function patchMetaFromSchema(schema: JSONSchemaProps | undefined, isRoot = true): PatchMeta {
  const meta: PatchMeta = {};
  if (!schema) return isRoot ? { fields: { metadata: OBJECT_META } } : meta;
  if (schema.properties) {
    meta.fields = {};
    for (const [k, s] of Object.entries(schema.properties)) meta.fields[k] = patchMetaFromSchema(s, false);
  }
  if (isRoot) meta.fields = { ...(meta.fields ?? {}), metadata: OBJECT_META };
  const ap = additionalPropertiesSchema(schema);
  if (ap) meta.values = patchMetaFromSchema(ap, false);
  const it = itemsSchema(schema);
  if (it) meta.items = patchMetaFromSchema(it, false);
  const lt = schema["x-kubernetes-list-type"];
  if (lt) meta.listType = lt;
  const keys = schema["x-kubernetes-list-map-keys"];
  if (lt === "map" && keys) {
    meta.listMapKeys = keys;
    const defaults: Record<string, unknown> = {};
    for (const k of keys) {
      const d = it?.properties?.[k]?.default;
      if (d !== undefined) defaults[k] = d;
    }
    if (Object.keys(defaults).length > 0) meta.listMapKeyDefaults = defaults;
  }
  if (schema["x-kubernetes-map-type"] === "atomic") meta.atomicMap = true;
  return meta;
}

/** The meta of a child field/key of an object node. */
export function childMeta(meta: PatchMeta | undefined, key: string): PatchMeta | undefined {
  return meta?.fields?.[key] ?? meta?.values;
}
