/** Shared fixtures: Workspaces, nodes and NodeClaim statuses as the tests need them. */
import type { KubeNodeClaim } from "../../src/karpenter/index.ts";
import type { KubeObject, WorkspaceForNodes } from "../../src/index.ts";

/** A v1beta1 inference Workspace on `Standard_NC24ads_A100_v4` with a selector. */
export function workspace(
  overrides: {
    name?: string;
    namespace?: string;
    uid?: string;
    instanceType?: string;
    matchLabels?: Record<string, string>;
    annotations?: Record<string, string>;
    preset?: string;
    tuning?: boolean;
  } = {},
): WorkspaceForNodes & { apiVersion: string; kind: string } {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: {
      name: overrides.name ?? "phi",
      namespace: overrides.namespace ?? "default",
      uid: overrides.uid ?? "7f0c7c64-1b8a-4d0c-9d43-1c6c1f0b8a11",
      ...(overrides.annotations === undefined ? {} : { annotations: overrides.annotations }),
    },
    resource: {
      instanceType: overrides.instanceType ?? "Standard_NC24ads_A100_v4",
      labelSelector: { matchLabels: overrides.matchLabels ?? { apps: "phi" } },
    },
    ...(overrides.tuning === true
      ? { tuning: { preset: { name: "phi-3-mini-4k-instruct" }, method: "lora" } }
      : { inference: { preset: { name: overrides.preset ?? "phi-3-mini-4k-instruct" } } }),
  };
}

/** A Node with the given labels, Ready unless told otherwise, with `gpus` nvidia.com/gpu capacity. */
export function node(
  name: string,
  labels: Record<string, string>,
  options: { ready?: boolean; gpus?: number; pressure?: string[]; providerID?: string } = {},
): KubeObject & { spec: object; status: object } {
  const conditions = [
    { type: "Ready", status: options.ready === false ? "False" : "True", reason: "KubeletReady" },
    ...(options.pressure ?? []).map((type) => ({ type, status: "True" })),
  ];
  const gpus = options.gpus ?? 1;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/os": "linux", ...labels } },
    spec: options.providerID === undefined ? {} : { providerID: options.providerID },
    status: {
      capacity: { cpu: "24", memory: "220Gi", ...(gpus > 0 ? { "nvidia.com/gpu": String(gpus) } : {}) },
      conditions,
    },
  };
}

/** Karpenter's conditions on a claim: all True, or the first not-True one as given. */
export function claimStatus(
  state:
    | "ready"
    | { type: "Launched" | "Registered" | "Initialized"; status: "False" | "Unknown"; reason: string; message: string },
  nodeName?: string,
): KubeNodeClaim["status"] {
  const order = ["Launched", "Registered", "Initialized", "Ready"];
  const conditions = order.map((type) => {
    if (state === "ready") return { type, status: "True", reason: type, message: "" };
    if (type === state.type) return { type, status: state.status, reason: state.reason, message: state.message };
    if (order.indexOf(type) < order.indexOf(state.type)) return { type, status: "True", reason: type, message: "" };
    return { type, status: "Unknown", reason: "AwaitingReconciliation", message: "object is awaiting reconciliation" };
  });
  return { ...(nodeName === undefined ? {} : { nodeName }), conditions };
}
