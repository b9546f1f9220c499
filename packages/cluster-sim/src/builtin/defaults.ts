/** Server-side defaulting and validation of the built-in kinds: the part of each kind's registry strategy clients see. */
import type { FieldCause } from "../errors/index.ts";
import { OBJECT_META_FIELDS } from "../semantics/schema-defaults.ts";
import type { KubeObject } from "../store/api.ts";

type Obj = Record<string, unknown>;

function rec(o: Obj, key: string): Obj {
  const v = o[key];
  if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Obj;
  const fresh: Obj = {};
  o[key] = fresh;
  return fresh;
}

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined) o[key] = value;
}

function defaultPodSpec(spec: Obj): void {
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "schedulerName", "default-scheduler");
  setDefault(spec, "securityContext", {});
  for (const key of ["containers", "initContainers"]) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (typeof c !== "object" || c === null) continue;
      const container = c as Obj;
      const image = typeof container.image === "string" ? container.image : "";
      setDefault(
        container,
        "imagePullPolicy",
        image.endsWith(":latest") || !image.includes(":") ? "Always" : "IfNotPresent",
      );
      setDefault(container, "terminationMessagePath", "/dev/termination-log");
      setDefault(container, "terminationMessagePolicy", "File");
      setDefault(container, "resources", {});
      if (Array.isArray(container.ports)) {
        for (const p of container.ports)
          if (typeof p === "object" && p !== null) setDefault(p as Obj, "protocol", "TCP");
      }
    }
  }
}

function defaultTemplate(spec: Obj): void {
  const template = spec.template;
  if (typeof template === "object" && template !== null) {
    const t = template as Obj;
    if (typeof t.spec === "object" && t.spec !== null) defaultPodSpec(t.spec as Obj);
  }
}

/** State the defaulting needs from the store. */
export interface DefaultingContext {
  /** Allocates a ClusterIP for a Service. */
  allocateClusterIP(): string;
}

/** Fills the server-side defaults of a built-in kind on create (mutates `obj`). */
export function defaultBuiltinOnCreate(kind: string, group: string, obj: KubeObject, ctx: DefaultingContext): void {
  const o = obj as Obj;
  switch (`${group}/${kind}`) {
    case "/Namespace": {
      const spec = rec(o, "spec");
      setDefault(spec, "finalizers", ["kubernetes"]);
      o.status = { phase: "Active" };
      obj.metadata.labels = { ...obj.metadata.labels, "kubernetes.io/metadata.name": obj.metadata.name ?? "" };
      break;
    }
    case "/Pod": {
      defaultPodSpec(rec(o, "spec"));
      o.status = { phase: "Pending", qosClass: "BestEffort" };
      break;
    }
    case "/Service": {
      const spec = rec(o, "spec");
      setDefault(spec, "type", "ClusterIP");
      setDefault(spec, "sessionAffinity", "None");
      if (spec.type !== "ExternalName") {
        if (spec.clusterIP === undefined || spec.clusterIP === "") spec.clusterIP = ctx.allocateClusterIP();
        setDefault(spec, "clusterIPs", [spec.clusterIP]);
        setDefault(spec, "ipFamilies", ["IPv4"]);
        setDefault(spec, "ipFamilyPolicy", "SingleStack");
        setDefault(spec, "internalTrafficPolicy", "Cluster");
      }
      if (Array.isArray(spec.ports)) {
        for (const p of spec.ports) {
          if (typeof p !== "object" || p === null) continue;
          const port = p as Obj;
          setDefault(port, "protocol", "TCP");
          setDefault(port, "targetPort", port.port);
        }
      }
      o.status = { loadBalancer: {} };
      break;
    }
    case "/Secret": {
      setDefault(o, "type", "Opaque");
      break;
    }
    case "storage.k8s.io/StorageClass": {
      setDefault(o, "reclaimPolicy", "Delete");
      setDefault(o, "volumeBindingMode", "Immediate");
      break;
    }
    case "apps/Deployment": {
      const spec = rec(o, "spec");
      setDefault(spec, "replicas", 1);
      setDefault(spec, "revisionHistoryLimit", 10);
      setDefault(spec, "progressDeadlineSeconds", 600);
      // as SetDefaults_Deployment: an empty strategy (`kubectl create deployment` sends `strategy: {}`) is defaulted too
      const strategy = rec(spec, "strategy");
      setDefault(strategy, "type", "RollingUpdate");
      if (strategy.type === "RollingUpdate") {
        const rollingUpdate = rec(strategy, "rollingUpdate");
        setDefault(rollingUpdate, "maxUnavailable", "25%");
        setDefault(rollingUpdate, "maxSurge", "25%");
      }
      defaultTemplate(spec);
      o.status = {};
      break;
    }
    case "apps/ReplicaSet": {
      const spec = rec(o, "spec");
      setDefault(spec, "replicas", 1);
      defaultTemplate(spec);
      o.status = { replicas: 0 };
      break;
    }
    case "apps/StatefulSet": {
      const spec = rec(o, "spec");
      setDefault(spec, "replicas", 1);
      setDefault(spec, "podManagementPolicy", "OrderedReady");
      setDefault(spec, "updateStrategy", { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
      setDefault(spec, "revisionHistoryLimit", 10);
      setDefault(spec, "persistentVolumeClaimRetentionPolicy", { whenDeleted: "Retain", whenScaled: "Retain" });
      defaultTemplate(spec);
      o.status = { replicas: 0, availableReplicas: 0 };
      break;
    }
    case "batch/Job": {
      const spec = rec(o, "spec");
      setDefault(spec, "parallelism", 1);
      setDefault(spec, "completions", 1);
      setDefault(spec, "backoffLimit", 6);
      setDefault(spec, "completionMode", "NonIndexed");
      setDefault(spec, "suspend", false);
      setDefault(spec, "manualSelector", undefined);
      const uid = obj.metadata.uid ?? "";
      const name = obj.metadata.name ?? "";
      if (spec.selector === undefined) {
        spec.selector = { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
        const template = rec(spec, "template");
        const meta = rec(template, "metadata");
        const labels = rec(meta, "labels");
        labels["batch.kubernetes.io/controller-uid"] = uid;
        labels["batch.kubernetes.io/job-name"] = name;
        labels["controller-uid"] = uid;
        labels["job-name"] = name;
      }
      defaultTemplate(spec);
      if (typeof spec.template === "object" && spec.template !== null) {
        const ts = rec(spec.template as Obj, "spec");
        if (ts.restartPolicy === "Always") ts.restartPolicy = "Never";
      }
      delete spec.manualSelector;
      o.status = {};
      break;
    }
    default:
      break;
  }
}

/** Fills defaults that apply on every write (create and update) of a built-in kind (mutates `obj`). */
export function defaultBuiltinOnWrite(kind: string, group: string, obj: KubeObject): void {
  if (group === "" && kind === "Secret") {
    const o = obj as Obj;
    const stringData = o.stringData;
    if (typeof stringData === "object" && stringData !== null) {
      const data = rec(o, "data");
      for (const [k, v] of Object.entries(stringData as Obj))
        data[k] = Buffer.from(String(v), "utf8").toString("base64");
      delete o.stringData;
    }
  }
}

const required = (field: string): FieldCause => ({
  field,
  reason: "FieldValueRequired",
  message: "Required value",
});

/** The validation of a built-in kind that clients rely on; returns the field errors. */
export function validateBuiltin(kind: string, group: string, obj: KubeObject): FieldCause[] {
  const o = obj as Obj;
  const causes: FieldCause[] = [];
  const spec = typeof o.spec === "object" && o.spec !== null ? (o.spec as Obj) : undefined;
  const checkPodSpec = (ps: Obj | undefined, path: string): void => {
    const containers = ps?.containers;
    if (!Array.isArray(containers) || containers.length === 0) {
      causes.push(required(`${path}.containers`));
      return;
    }
    containers.forEach((c, i) => {
      const container = (typeof c === "object" && c !== null ? c : {}) as Obj;
      if (typeof container.name !== "string" || container.name === "")
        causes.push(required(`${path}.containers[${i}].name`));
      if (typeof container.image !== "string" || container.image === "")
        causes.push(required(`${path}.containers[${i}].image`));
    });
  };
  const templateSpec = (): Obj | undefined => {
    const t = spec?.template;
    if (typeof t !== "object" || t === null) return undefined;
    const ts = (t as Obj).spec;
    return typeof ts === "object" && ts !== null ? (ts as Obj) : undefined;
  };
  switch (`${group}/${kind}`) {
    case "/Pod":
      checkPodSpec(spec, "spec");
      break;
    case "apps/Deployment":
    case "apps/ReplicaSet":
    case "apps/StatefulSet":
      if (spec?.selector === undefined) causes.push(required("spec.selector"));
      checkPodSpec(templateSpec(), "spec.template.spec");
      if (typeof spec?.replicas === "number" && spec.replicas < 0)
        causes.push({
          field: "spec.replicas",
          reason: "FieldValueInvalid",
          message: `Invalid value: ${spec.replicas}: must be greater than or equal to 0`,
        });
      break;
    case "batch/Job":
      checkPodSpec(templateSpec(), "spec.template.spec");
      break;
    case "storage.k8s.io/StorageClass":
      if (typeof o.provisioner !== "string" || o.provisioner === "") causes.push(required("provisioner"));
      break;
    case "/ConfigMap":
    case "/Secret": {
      const data = o.data;
      if (data !== undefined && (typeof data !== "object" || data === null || Array.isArray(data)))
        causes.push({ field: "data", reason: "FieldValueInvalid", message: "Invalid value: must be a map" });
      break;
    }
    default:
      break;
  }
  return causes;
}

const COMMON_TOP = ["apiVersion", "kind", "metadata"];
const SPEC_STATUS = ["spec", "status"];

/** The complete top-level fields of the built-in kinds (for unknown-field detection under `fieldValidation`). */
const TOP_LEVEL: Record<string, string[]> = {
  "/Namespace": SPEC_STATUS,
  "/Node": SPEC_STATUS,
  "/Pod": SPEC_STATUS,
  "/Service": SPEC_STATUS,
  "/Endpoints": ["subsets"],
  "/ConfigMap": ["data", "binaryData", "immutable"],
  "/Secret": ["data", "stringData", "type", "immutable"],
  "/ServiceAccount": ["secrets", "imagePullSecrets", "automountServiceAccountToken"],
  "/Event": [
    "involvedObject",
    "reason",
    "message",
    "source",
    "firstTimestamp",
    "lastTimestamp",
    "count",
    "type",
    "eventTime",
    "series",
    "action",
    "related",
    "reportingComponent",
    "reportingInstance",
  ],
  "events.k8s.io/Event": [
    "eventTime",
    "series",
    "reportingController",
    "reportingInstance",
    "action",
    "reason",
    "regarding",
    "related",
    "note",
    "type",
    "deprecatedSource",
    "deprecatedFirstTimestamp",
    "deprecatedLastTimestamp",
    "deprecatedCount",
  ],
  "apps/Deployment": SPEC_STATUS,
  "apps/ReplicaSet": SPEC_STATUS,
  "apps/StatefulSet": SPEC_STATUS,
  "apps/ControllerRevision": ["data", "revision"],
  "batch/Job": SPEC_STATUS,
  "coordination.k8s.io/Lease": ["spec"],
  "storage.k8s.io/StorageClass": [
    "provisioner",
    "parameters",
    "reclaimPolicy",
    "mountOptions",
    "allowVolumeExpansion",
    "volumeBindingMode",
    "allowedTopologies",
  ],
  "apiextensions.k8s.io/CustomResourceDefinition": SPEC_STATUS,
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration": ["webhooks"],
  "admissionregistration.k8s.io/MutatingWebhookConfiguration": ["webhooks"],
  "rbac.authorization.k8s.io/Role": ["rules"],
  "rbac.authorization.k8s.io/ClusterRole": ["rules", "aggregationRule"],
  "rbac.authorization.k8s.io/RoleBinding": ["subjects", "roleRef"],
  "rbac.authorization.k8s.io/ClusterRoleBinding": ["subjects", "roleRef"],
};

/** Unknown top-level and `metadata` fields of a built-in object (paths like `spek`, `metadata.lables`), sorted. */
export function unknownBuiltinFields(kind: string, group: string, obj: KubeObject): string[] {
  const known = TOP_LEVEL[`${group}/${kind}`];
  if (!known) return [];
  const out: string[] = [];
  for (const k of Object.keys(obj)) if (!COMMON_TOP.includes(k) && !known.includes(k)) out.push(k);
  for (const k of Object.keys(obj.metadata)) if (!OBJECT_META_FIELDS.has(k)) out.push(`metadata.${k}`);
  return out.sort();
}
