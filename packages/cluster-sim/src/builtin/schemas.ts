/**
 * Summary OpenAPI schemas of the built-in kinds: enough for `kubectl explain` to describe the top-level fields and for
 * `kubectl apply` to find the kind. Field contents beyond the first level are left open
 * (`x-kubernetes-preserve-unknown-fields`), so built-in objects are never pruned.
 */

type Schema = Record<string, unknown>;

const open = (description: string): Schema => ({
  type: "object",
  description,
  "x-kubernetes-preserve-unknown-fields": true,
});
const str = (description: string): Schema => ({ type: "string", description });

const DESCRIPTIONS: Record<string, [string, Record<string, Schema>]> = {
  Namespace: [
    "Namespace provides a scope for Names. Use of multiple namespaces is optional.",
    {
      spec: open("Spec defines the behavior of the Namespace."),
      status: open("Status describes the current status of a Namespace."),
    },
  ],
  Node: [
    "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).",
    {
      spec: open("Spec defines the behavior of a node."),
      status: open("Most recently observed status of the node."),
    },
  ],
  Pod: [
    "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.",
    {
      spec: open("Specification of the desired behavior of the pod."),
      status: open("Most recently observed status of the pod."),
    },
  ],
  Service: [
    "Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.",
    {
      spec: open("Spec defines the behavior of a service."),
      status: open("Most recently observed status of the service."),
    },
  ],
  Endpoints: [
    "Endpoints is a collection of endpoints that implement the actual service.",
    {
      subsets: { type: "array", description: "The set of all endpoints is the union of all subsets.", items: open("") },
    },
  ],
  ConfigMap: [
    "ConfigMap holds configuration data for pods to consume.",
    {
      data: {
        type: "object",
        description: "Data contains the configuration data.",
        additionalProperties: { type: "string" },
      },
      binaryData: {
        type: "object",
        description: "BinaryData contains the binary data.",
        additionalProperties: { type: "string", format: "byte" },
      },
      immutable: {
        type: "boolean",
        description: "Immutable, if set to true, ensures that data stored cannot be updated.",
      },
    },
  ],
  Secret: [
    "Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.",
    {
      data: {
        type: "object",
        description: "Data contains the secret data. Each value is base64 encoded.",
        additionalProperties: { type: "string", format: "byte" },
      },
      stringData: {
        type: "object",
        description: "stringData allows specifying non-binary secret data in string form.",
        additionalProperties: { type: "string" },
      },
      type: str("Used to facilitate programmatic handling of secret data."),
      immutable: {
        type: "boolean",
        description: "Immutable, if set to true, ensures that data stored cannot be updated.",
      },
    },
  ],
  ServiceAccount: [
    "ServiceAccount binds together: a name, understood by users, and perhaps by peripheral systems, for an identity, a principal that can be authenticated and authorized, a set of secrets.",
    {
      secrets: {
        type: "array",
        description: "Secrets is a list of the secrets in the same namespace.",
        items: open(""),
      },
      imagePullSecrets: {
        type: "array",
        description: "ImagePullSecrets is a list of references to secrets.",
        items: open(""),
      },
    },
  ],
  Event: [
    "Event is a report of an event somewhere in the cluster.",
    {
      involvedObject: open("The object that this event is about."),
      reason: str("This should be a short, machine understandable string that gives the reason for the transition."),
      message: str("A human-readable description of the status of this operation."),
      type: str("Type of this event (Normal, Warning)."),
    },
  ],
  Deployment: [
    "Deployment enables declarative updates for Pods and ReplicaSets.",
    {
      spec: open("Specification of the desired behavior of the Deployment."),
      status: open("Most recently observed status of the Deployment."),
    },
  ],
  ReplicaSet: [
    "ReplicaSet ensures that a specified number of pod replicas are running at any given time.",
    {
      spec: open("Spec defines the specification of the desired behavior of the ReplicaSet."),
      status: open("Status."),
    },
  ],
  StatefulSet: [
    "StatefulSet represents a set of pods with consistent identities.",
    {
      spec: open("Spec defines the desired identities of pods in this set."),
      status: open("Status is the current status."),
    },
  ],
  ControllerRevision: [
    "ControllerRevision implements an immutable snapshot of state data.",
    {
      data: open("Data is the serialized representation of the state."),
      revision: { type: "integer", format: "int64", description: "Revision indicates the revision of the state." },
    },
  ],
  Job: [
    "Job represents the configuration of a single job.",
    { spec: open("Specification of the desired behavior of a job."), status: open("Current status of a job.") },
  ],
  Lease: ["Lease defines a lease concept.", { spec: open("spec contains the specification of the Lease.") }],
  StorageClass: [
    "StorageClass describes the parameters for a class of storage for which PersistentVolumes can be dynamically provisioned.",
    {
      provisioner: str("provisioner indicates the type of the provisioner."),
      parameters: open(
        "parameters holds the parameters for the provisioner that should create volumes of this storage class.",
      ),
      reclaimPolicy: str(
        "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.",
      ),
      mountOptions: {
        type: "array",
        description:
          "mountOptions controls the mountOptions for dynamically provisioned PersistentVolumes of this storage class.",
        items: str(""),
      },
      allowVolumeExpansion: {
        type: "boolean",
        description: "allowVolumeExpansion shows whether the storage class allow volume expand.",
      },
      volumeBindingMode: str("volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound."),
      allowedTopologies: {
        type: "array",
        description: "allowedTopologies restrict the node topologies where volumes can be dynamically provisioned.",
        items: open(""),
      },
    },
  ],
  CustomResourceDefinition: [
    "CustomResourceDefinition represents a resource that should be exposed on the API server.",
    {
      spec: open("spec describes how the user wants the resources to appear"),
      status: open("status indicates the actual state of the CustomResourceDefinition"),
    },
  ],
  ValidatingWebhookConfiguration: [
    "ValidatingWebhookConfiguration describes the configuration of and admission webhook that accept or reject and object without changing it.",
    {
      webhooks: {
        type: "array",
        description: "Webhooks is a list of webhooks and the affected resources.",
        items: open(""),
      },
    },
  ],
  Role: [
    "Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.",
    { rules: { type: "array", description: "Rules holds all the PolicyRules for this Role", items: open("") } },
  ],
  ClusterRole: [
    "ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.",
    {
      rules: { type: "array", description: "Rules holds all the PolicyRules for this ClusterRole", items: open("") },
      aggregationRule: open(
        "AggregationRule is an optional field that describes how to build the Rules for this ClusterRole.",
      ),
    },
  ],
  RoleBinding: [
    "RoleBinding references a role, but does not contain it.",
    {
      subjects: {
        type: "array",
        description: "Subjects holds references to the objects the role applies to.",
        items: open(""),
      },
      roleRef: open("RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace."),
    },
  ],
  ClusterRoleBinding: [
    "ClusterRoleBinding references a ClusterRole, but not contain it.",
    {
      subjects: {
        type: "array",
        description: "Subjects holds references to the objects the role applies to.",
        items: open(""),
      },
      roleRef: open("RoleRef can only reference a ClusterRole in the global namespace."),
    },
  ],
  MutatingWebhookConfiguration: [
    "MutatingWebhookConfiguration describes the configuration of and admission webhook that accept or reject and may change the object.",
    {
      webhooks: {
        type: "array",
        description: "Webhooks is a list of webhooks and the affected resources.",
        items: open(""),
      },
    },
  ],
};

/** The summary schema of a built-in kind (references `ObjectMeta`). */
export function builtinSchema(kind: string): Schema {
  const [description, props] = DESCRIPTIONS[kind] ?? [`${kind}.`, {}];
  return {
    type: "object",
    description,
    properties: {
      apiVersion: str("APIVersion defines the versioned schema of this representation of an object."),
      kind: str("Kind is a string value representing the REST resource this object represents."),
      metadata: {
        description: "Standard object's metadata.",
        allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }],
      },
      ...props,
    },
  };
}

/** The `ObjectMeta` schema referenced by every kind. */
export const OBJECT_META_SCHEMA: Schema = {
  type: "object",
  description:
    "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
  properties: {
    name: str("Name must be unique within a namespace."),
    generateName: str("GenerateName is an optional prefix, used by the server, to generate a unique name."),
    namespace: str("Namespace defines the space within which each name must be unique."),
    uid: str("UID is the unique in time and space value for this object."),
    resourceVersion: str("An opaque value that represents the internal version of this object."),
    generation: {
      type: "integer",
      format: "int64",
      description: "A sequence number representing a specific generation.",
    },
    creationTimestamp: { type: "string", format: "date-time", description: "The time this object was created." },
    deletionTimestamp: { type: "string", format: "date-time", description: "The time this object will be deleted." },
    labels: {
      type: "object",
      description: "Map of string keys and values that can be used to organize and categorize objects.",
      additionalProperties: { type: "string" },
    },
    annotations: {
      type: "object",
      description: "Annotations is an unstructured key value map stored with a resource.",
      additionalProperties: { type: "string" },
    },
    finalizers: {
      type: "array",
      description: "Must be empty before the object is deleted from the registry.",
      items: { type: "string" },
    },
    ownerReferences: {
      type: "array",
      description: "List of objects depended by this object.",
      items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
    managedFields: {
      type: "array",
      description: "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.",
      items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
  },
};
