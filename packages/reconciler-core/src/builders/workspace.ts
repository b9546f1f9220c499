/**
 * The Workspace as the builders read it: the v1beta1 internal form, its runtime, its owner reference, its labels and
 * the node-affinity terms of its label selector (kaito-compat §1.5, §2.3–§2.4).
 *
 * @packageDocumentation
 */
import type { V1NodeSelectorRequirement, V1OwnerReference } from "@kubernetes/client-node";
import {
  applyWorkspaceDefaults,
  convertWorkspace,
  KaitoLabel,
  type RuntimeName,
  RuntimeValue,
  sanitizeLabelSelector,
  type Workspace,
  WorkspaceAnnotation,
  WorkspaceApiVersions,
  type WorkspaceInput,
} from "@kaito-ts/workspace-types";
import { ReconcilerError } from "../errors.ts";
import type { BuildOptions } from "./options.ts";

/** A v1beta1 Workspace after CRD defaults, with the metadata the builders need. */
export type BuildWorkspace = Workspace & {
  readonly apiVersion: "kaito.sh/v1beta1";
  readonly metadata: Workspace["metadata"] & { readonly name: string; readonly namespace: string };
};

/**
 * The v1beta1 internal form of a Workspace of either version, with the CRD defaults applied (`resource.count: 1`,
 * `preset.accessMode: public`, v1alpha1's `instanceType` default) — what the API server stores and Kaito's controller
 * reads. The input is not changed.
 * @throws ReconcilerError `INVALID_WORKSPACE` when `metadata.name` is missing.
 */
export function toBuildWorkspace(ws: Workspace | WorkspaceInput): BuildWorkspace {
  const defaulted = applyWorkspaceDefaults(structuredClone(ws)) as Workspace;
  const converted =
    defaulted.apiVersion === WorkspaceApiVersions.V1beta1
      ? defaulted
      : (convertWorkspace(defaulted, WorkspaceApiVersions.V1beta1).workspace as Workspace);
  const name = converted.metadata?.name;
  if (name === undefined || name === "") {
    throw new ReconcilerError("INVALID_WORKSPACE", "Workspace has no metadata.name; give the Workspace a name");
  }
  return {
    ...converted,
    apiVersion: WorkspaceApiVersions.V1beta1,
    metadata: { ...converted.metadata, name, namespace: converted.metadata.namespace ?? "default" },
  };
}

/**
 * The runtime serving an inference Workspace: `transformers` when the `vLLM` feature gate is off; otherwise the
 * `kaito.sh/runtime` annotation when it is `vllm` or `transformers`, else {@link BuildOptions.defaultRuntime}.
 */
export function workspaceRuntime(ws: Pick<Workspace, "metadata">, options: BuildOptions): RuntimeName {
  if (!options.featureGates.vLLM) return RuntimeValue.Transformers;
  const a = ws.metadata.annotations?.[WorkspaceAnnotation.Runtime];
  if (a === RuntimeValue.Transformers || a === RuntimeValue.VLLM) return a;
  return options.defaultRuntime;
}

/** The controller owner reference every namespaced object of the Workspace carries. */
export function ownerReferenceFor(ws: BuildWorkspace): V1OwnerReference {
  return {
    apiVersion: WorkspaceApiVersions.V1beta1,
    kind: "Workspace",
    name: ws.metadata.name,
    uid: ws.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** `kaito.sh/workspace: <ws>` — the pod and selector label of the Workspace's workloads. */
export function workspaceSelectorLabels(ws: BuildWorkspace): Record<string, string> {
  const labels: Record<string, string> = { [KaitoLabel.Workspace]: ws.metadata.name };
  const createdBy = ws.metadata.labels?.[KaitoLabel.InferenceSetCreatedBy];
  if (createdBy !== undefined) labels[KaitoLabel.InferenceSetCreatedBy] = createdBy;
  return labels;
}

/** The labels of a node that belongs to the Workspace (NodeClaims and nodes carry them). */
export function workspaceNodeLabels(ws: BuildWorkspace): Record<string, string> {
  return { [KaitoLabel.Workspace]: ws.metadata.name, [KaitoLabel.WorkspaceNamespace]: ws.metadata.namespace };
}

/**
 * `resource.labelSelector.matchLabels` as Kaito uses it (reserved Kaito keys dropped, single-value `In` expressions
 * folded in), sorted by key so the objects built from it are deterministic.
 * @throws ReconcilerError `INVALID_WORKSPACE` for a selector Kaito cannot convert.
 */
export function selectorMatchLabels(ws: BuildWorkspace): Array<[string, string]> {
  const r = sanitizeLabelSelector(ws.resource.labelSelector);
  if (!r.ok) {
    throw new ReconcilerError(
      "INVALID_WORKSPACE",
      `Workspace ${ws.metadata.namespace}/${ws.metadata.name}: resource.labelSelector${r.path ? `.${r.path}` : ""}: ${r.reason}`,
    );
  }
  return Object.entries(r.matchLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `In` node-selector requirements, one per selector label (sorted by key). */
export function selectorRequirements(ws: BuildWorkspace): V1NodeSelectorRequirement[] {
  return selectorMatchLabels(ws).map(([key, value]) => ({ key, operator: "In", values: [value] }));
}

/**
 * The requirements that pin pods to the nodes provisioned for this Workspace (gpu-provisioner and Karpenter modes):
 * `kaito.sh/workspace In [<ws>]`, `kaito.sh/workspacenamespace In [<ns>]`. None for BYO nodes.
 */
export function provisionerRequirements(ws: BuildWorkspace, options: BuildOptions): V1NodeSelectorRequirement[] {
  if (options.nodeProvisioner === "byo") return [];
  return [
    { key: KaitoLabel.Workspace, operator: "In", values: [ws.metadata.name] },
    { key: KaitoLabel.WorkspaceNamespace, operator: "In", values: [ws.metadata.namespace] },
  ];
}

/** `<namespace>/<name>` for messages. */
export function workspaceKey(ws: BuildWorkspace): string {
  return `${ws.metadata.namespace}/${ws.metadata.name}`;
}
