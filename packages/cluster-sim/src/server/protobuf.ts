/**
 * Decodes the Kubernetes protobuf envelope (`k8s\0` + `runtime.Unknown`) for the kinds kubectl ≥ 1.32 sends as
 * protobuf from its typed clients (`create secret|configmap|namespace|deployment|job|serviceaccount`, `run`, `expose`),
 * with the fields those commands set. Other kinds answer 415.
 */
import { badRequest, unsupportedMediaType } from "../errors/index.ts";
import type { KubeObject } from "../store/api.ts";

interface Field {
  num: number;
  wire: number;
  varint?: bigint;
  bytes?: Uint8Array;
}

function readFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw badRequest("protobuf: truncated varint");
      const b = buf[pos++] ?? 0;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw badRequest("protobuf: varint overflow");
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const num = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ num, wire, varint: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw badRequest("protobuf: truncated field");
      out.push({ num, wire, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw badRequest(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

const text = (b: Uint8Array | undefined): string => (b ? Buffer.from(b).toString("utf8") : "");

function mapEntry(b: Uint8Array | undefined): [string, Uint8Array] {
  let key = "";
  let value: Uint8Array = new Uint8Array();
  for (const f of readFields(b ?? new Uint8Array())) {
    if (f.num === 1) key = text(f.bytes);
    if (f.num === 2 && f.bytes) value = f.bytes;
  }
  return [key, value];
}

/**
 * Field types of the schema-driven decoder: `s` string, `i` int (zero dropped), `I` int (zero kept: pointer fields),
 * `b` bool, `y` bytes (base64), `ms` map string→string, `my` map string→bytes, `mq` map string→Quantity,
 * `ios` IntOrString, `q` Quantity, `t` Time, or the name of a message. A trailing `[]` marks repeated fields.
 */
type FieldSpec = [name: string, type: string];
type MessageSpec = Record<number, FieldSpec>;

const MESSAGES: Record<string, MessageSpec> = {
  ObjectMeta: {
    1: ["name", "s"],
    2: ["generateName", "s"],
    3: ["namespace", "s"],
    5: ["uid", "s"],
    6: ["resourceVersion", "s"],
    11: ["labels", "ms"],
    12: ["annotations", "ms"],
    13: ["ownerReferences", "OwnerReference[]"],
    14: ["finalizers", "s[]"],
  },
  OwnerReference: {
    1: ["kind", "s"],
    3: ["name", "s"],
    4: ["uid", "s"],
    5: ["apiVersion", "s"],
    6: ["controller", "b"],
    7: ["blockOwnerDeletion", "b"],
  },
  LabelSelector: { 1: ["matchLabels", "ms"], 2: ["matchExpressions", "LabelSelectorRequirement[]"] },
  LabelSelectorRequirement: { 1: ["key", "s"], 2: ["operator", "s"], 3: ["values", "s[]"] },
  Secret: {
    1: ["metadata", "ObjectMeta"],
    2: ["data", "my"],
    3: ["type", "s"],
    4: ["stringData", "ms"],
    5: ["immutable", "b"],
  },
  ConfigMap: { 1: ["metadata", "ObjectMeta"], 2: ["data", "ms"], 3: ["binaryData", "my"], 4: ["immutable", "b"] },
  Namespace: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "NamespaceSpec"] },
  NamespaceSpec: { 1: ["finalizers", "s[]"] },
  ServiceAccount: {
    1: ["metadata", "ObjectMeta"],
    2: ["secrets", "ObjectReference[]"],
    3: ["imagePullSecrets", "LocalObjectReference[]"],
    4: ["automountServiceAccountToken", "b"],
  },
  ObjectReference: {
    1: ["kind", "s"],
    2: ["namespace", "s"],
    3: ["name", "s"],
    4: ["uid", "s"],
    5: ["apiVersion", "s"],
  },
  LocalObjectReference: { 1: ["name", "s"] },
  Deployment: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "DeploymentSpec"] },
  DeploymentSpec: {
    1: ["replicas", "I"],
    2: ["selector", "LabelSelector"],
    3: ["template", "PodTemplateSpec"],
    4: ["strategy", "DeploymentStrategy"],
    5: ["minReadySeconds", "i"],
    6: ["revisionHistoryLimit", "I"],
    7: ["paused", "b"],
    9: ["progressDeadlineSeconds", "I"],
  },
  DeploymentStrategy: { 1: ["type", "s"], 2: ["rollingUpdate", "RollingUpdateDeployment"] },
  RollingUpdateDeployment: { 1: ["maxUnavailable", "ios"], 2: ["maxSurge", "ios"] },
  Job: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "JobSpec"] },
  JobSpec: {
    1: ["parallelism", "I"],
    2: ["completions", "I"],
    3: ["activeDeadlineSeconds", "I"],
    4: ["selector", "LabelSelector"],
    5: ["manualSelector", "b"],
    6: ["template", "PodTemplateSpec"],
    7: ["backoffLimit", "I"],
    8: ["ttlSecondsAfterFinished", "I"],
    9: ["completionMode", "s"],
    10: ["suspend", "b"],
  },
  Pod: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "PodSpec"] },
  PodTemplateSpec: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "PodSpec"] },
  PodSpec: {
    1: ["volumes", "Volume[]"],
    2: ["containers", "Container[]"],
    3: ["restartPolicy", "s"],
    4: ["terminationGracePeriodSeconds", "I"],
    5: ["activeDeadlineSeconds", "I"],
    6: ["dnsPolicy", "s"],
    7: ["nodeSelector", "ms"],
    8: ["serviceAccountName", "s"],
    10: ["nodeName", "s"],
    11: ["hostNetwork", "b"],
    15: ["imagePullSecrets", "LocalObjectReference[]"],
    16: ["hostname", "s"],
    17: ["subdomain", "s"],
    19: ["schedulerName", "s"],
    20: ["initContainers", "Container[]"],
    21: ["automountServiceAccountToken", "b"],
    22: ["tolerations", "Toleration[]"],
    24: ["priorityClassName", "s"],
  },
  Container: {
    1: ["name", "s"],
    2: ["image", "s"],
    3: ["command", "s[]"],
    4: ["args", "s[]"],
    5: ["workingDir", "s"],
    6: ["ports", "ContainerPort[]"],
    7: ["env", "EnvVar[]"],
    8: ["resources", "ResourceRequirements"],
    9: ["volumeMounts", "VolumeMount[]"],
    13: ["terminationMessagePath", "s"],
    14: ["imagePullPolicy", "s"],
    16: ["stdin", "b"],
    17: ["stdinOnce", "b"],
    18: ["tty", "b"],
    20: ["terminationMessagePolicy", "s"],
  },
  ContainerPort: {
    1: ["name", "s"],
    2: ["hostPort", "i"],
    3: ["containerPort", "I"],
    4: ["protocol", "s"],
    5: ["hostIP", "s"],
  },
  EnvVar: { 1: ["name", "s"], 2: ["value", "s"] },
  ResourceRequirements: { 1: ["limits", "mq"], 2: ["requests", "mq"] },
  VolumeMount: { 1: ["name", "s"], 2: ["readOnly", "b"], 3: ["mountPath", "s"], 4: ["subPath", "s"] },
  Volume: { 1: ["name", "s"], 2: ["volumeSource", "VolumeSource"] },
  VolumeSource: { 11: ["emptyDir", "EmptyDirVolumeSource"], 19: ["configMap", "LocalObjectReference"] },
  EmptyDirVolumeSource: { 1: ["medium", "s"] },
  Toleration: {
    1: ["key", "s"],
    2: ["operator", "s"],
    3: ["value", "s"],
    4: ["effect", "s"],
    5: ["tolerationSeconds", "I"],
  },
  Service: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "ServiceSpec"] },
  ServiceSpec: {
    1: ["ports", "ServicePort[]"],
    2: ["selector", "ms"],
    3: ["clusterIP", "s"],
    4: ["type", "s"],
    5: ["externalIPs", "s[]"],
    7: ["sessionAffinity", "s"],
    10: ["externalName", "s"],
  },
  Quantity: { 1: ["string", "s"] },
  ServicePort: {
    1: ["name", "s"],
    2: ["protocol", "s"],
    3: ["port", "I"],
    4: ["targetPort", "ios"],
    5: ["nodePort", "i"],
  },
};

/** The kinds whose protobuf bodies can be decoded (by `apiVersion/kind`). */
const TOP_LEVEL: Record<string, string> = {
  "v1/Secret": "Secret",
  "v1/ConfigMap": "ConfigMap",
  "v1/Namespace": "Namespace",
  "v1/ServiceAccount": "ServiceAccount",
  "v1/Pod": "Pod",
  "v1/Service": "Service",
  "apps/v1/Deployment": "Deployment",
  "batch/v1/Job": "Job",
};

function int(v: bigint | undefined): number {
  return Number(BigInt.asIntN(64, v ?? 0n));
}

function decodeMessage(name: string, buf: Uint8Array, depth = 0): Record<string, unknown> {
  if (depth > 32) throw badRequest("protobuf: message nested too deeply");
  const spec = MESSAGES[name] ?? {};
  const out: Record<string, unknown> = {};
  for (const f of readFields(buf)) {
    const fs = spec[f.num];
    if (!fs) continue;
    const [field, rawType] = fs;
    const repeated = rawType.endsWith("[]");
    const type = repeated ? rawType.slice(0, -2) : rawType;
    let value: unknown;
    switch (type) {
      case "s":
        value = text(f.bytes);
        if (value === "" && !repeated) continue;
        break;
      case "i":
        value = int(f.varint);
        if (value === 0) continue;
        break;
      case "I":
        value = int(f.varint);
        break;
      case "b":
        if (f.varint !== 1n) continue;
        value = true;
        break;
      case "y":
        value = Buffer.from(f.bytes ?? new Uint8Array()).toString("base64");
        break;
      case "ms":
      case "my":
      case "mq": {
        const [k, v] = mapEntry(f.bytes);
        const m = (out[field] ?? {}) as Record<string, string>;
        if (type === "my") m[k] = Buffer.from(v).toString("base64");
        else if (type === "mq") m[k] = String(decodeMessage("Quantity", v, depth + 1).string ?? "");
        else m[k] = text(v);
        out[field] = m;
        continue;
      }
      case "ios": {
        const m = readFields(f.bytes ?? new Uint8Array());
        const kind = int(m.find((x) => x.num === 1)?.varint);
        value = kind === 1 ? text(m.find((x) => x.num === 3)?.bytes) : int(m.find((x) => x.num === 2)?.varint);
        break;
      }
      default:
        value = decodeMessage(type, f.bytes ?? new Uint8Array(), depth + 1);
        if (type === "VolumeSource") {
          Object.assign(out, value);
          continue;
        }
    }
    if (repeated) {
      const list = (out[field] ?? []) as unknown[];
      list.push(value);
      out[field] = list;
    } else out[field] = value;
  }
  return out;
}

const PROTO_MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** Decodes a protobuf request body (`k8s\0` + runtime.Unknown) into a JSON object for the supported kinds. */
export function decodeProtobufObject(body: Uint8Array): KubeObject {
  if (body.length < 4 || PROTO_MAGIC.some((b, i) => body[i] !== b))
    throw badRequest("the body of the request is not a Kubernetes protobuf message (missing the k8s\\0 prefix)");
  let apiVersion = "";
  let kind = "";
  let raw: Uint8Array = new Uint8Array();
  for (const f of readFields(body.subarray(4))) {
    if (f.num === 1) {
      for (const g of readFields(f.bytes ?? new Uint8Array())) {
        if (g.num === 1) apiVersion = text(g.bytes);
        if (g.num === 2) kind = text(g.bytes);
      }
    }
    if (f.num === 2 && f.bytes) raw = f.bytes;
  }
  const message = TOP_LEVEL[`${apiVersion}/${kind}`];
  if (!message)
    throw unsupportedMediaType("application/vnd.kubernetes.protobuf", [
      "application/json",
      "application/yaml",
      `application/vnd.kubernetes.protobuf (for ${Object.keys(TOP_LEVEL).join(", ")})`,
    ]);
  const decoded = decodeMessage(message, raw);
  const meta = (decoded.metadata ?? {}) as Record<string, unknown>;
  return { apiVersion, kind, ...decoded, metadata: meta } as KubeObject;
}
