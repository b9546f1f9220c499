/**
 * The inference Services (kaito-compat §2.3): `<ws>` in front of pod 0 only, and `<ws>-headless` for the pods' stable
 * DNS names (Ray). Kaito creates them once and never updates them.
 *
 * @packageDocumentation
 */
import type { V1Service, V1ServicePort } from "@kubernetes/client-node";
import { ENABLE_LB_VALUE, KaitoLabel, WorkspaceAnnotation } from "@kaito-ts/workspace-types";
import { INFERENCE_PORT, KV_EVENTS_PORT, RAY_PORT } from "./commands.ts";
import type { BuildOptions } from "./options.ts";
import { type BuildWorkspace, ownerReferenceFor, workspaceRuntime } from "./workspace.ts";

/** The two Services of an inference Workspace. */
export interface InferenceServices {
  /** `<ws>`: ClusterIP (or LoadBalancer with `kaito.sh/enablelb: "True"`), selecting `<ws>-0`. */
  readonly service: V1Service;
  /** `<ws>-headless`: `clusterIP: None`, no ports. */
  readonly headless: V1Service;
}

/** The label the StatefulSet controller puts on each pod with its name. */
export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

/** Build `<ws>` and `<ws>-headless`. */
export function buildInferenceServices(ws: BuildWorkspace, options: BuildOptions): InferenceServices {
  const { name, namespace } = ws.metadata;
  const loadBalancer = ws.metadata.annotations?.[WorkspaceAnnotation.EnableLoadBalancer] === ENABLE_LB_VALUE;
  const ports: V1ServicePort[] = [
    { name: "http", protocol: "TCP", port: 80, targetPort: INFERENCE_PORT },
    { name: "ray", protocol: "TCP", port: RAY_PORT, targetPort: RAY_PORT },
    { name: "dashboard", protocol: "TCP", port: 8265, targetPort: 8265 },
  ];
  // The KV-cache events stream is unauthenticated: only vLLM produces it, and only in-cluster Services expose it.
  if (!loadBalancer && workspaceRuntime(ws, options) === "vllm") {
    ports.push({ name: "kv-events", protocol: "TCP", port: KV_EVENTS_PORT, targetPort: KV_EVENTS_PORT });
  }
  const service: V1Service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, ownerReferences: [ownerReferenceFor(ws)] },
    spec: {
      type: loadBalancer ? "LoadBalancer" : "ClusterIP",
      ports,
      selector: { [KaitoLabel.Workspace]: name, [POD_NAME_LABEL]: `${name}-0` },
      publishNotReadyAddresses: true,
    },
  };
  const headless: V1Service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: `${name}-headless`, namespace, ownerReferences: [ownerReferenceFor(ws)] },
    spec: {
      selector: { [KaitoLabel.Workspace]: name },
      clusterIP: "None",
      ports: [],
      publishNotReadyAddresses: true,
    },
  };
  return { service, headless };
}
