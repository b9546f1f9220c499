/**
 * Turns a {@link NodeRequest} into the facts every provisioner needs (identity, selector, SKU, disk, image family),
 * with `INVALID_REQUEST` errors that name the field and say what to change.
 */
import { DEFAULT_DISK_STORAGE, diskStorageRequirement, getPreset } from "@kaito-ts/preset-catalog";
import {
  KaitoLabel,
  NodeImageFamilyValue,
  sanitizeLabelSelector,
  WorkspaceAnnotation,
} from "@kaito-ts/workspace-types";
import { NodeProvisionerError } from "../errors.ts";
import type { NodeRequest, WorkspaceForNodes, WorkspaceRef } from "../types.ts";

/** A request with everything resolved. */
export interface ResolvedRequest {
  readonly name: string;
  readonly namespace: string;
  /** Empty when the Workspace has no UID (only `/byo` accepts that). */
  readonly uid: string;
  /** `ns/name`, for messages. */
  readonly key: string;
  readonly instanceType: string;
  /** The user's `matchLabels` without Kaito's reserved keys. */
  readonly matchLabels: Readonly<Record<string, string>>;
  /** `kaito.sh/workspace` and `kaito.sh/workspacenamespace`. */
  readonly workspaceLabels: Readonly<Record<string, string>>;
  readonly targetNodeCount: number;
  readonly storageRequest: string;
  /** `ubuntu` or `azurelinux`, from the `kaito.sh/node-image-family` annotation, when set. */
  readonly nodeImageFamily: string | undefined;
}

/** The labels Kaito puts on everything it provisions for a Workspace. */
export function workspaceLabels(ref: { readonly name: string; readonly namespace: string }): Record<string, string> {
  return { [KaitoLabel.Workspace]: ref.name, [KaitoLabel.WorkspaceNamespace]: ref.namespace };
}

function invalid(key: string, what: string): NodeProvisionerError {
  return new NodeProvisionerError("INVALID_REQUEST", `Workspace ${key}: ${what}`);
}

/** Checks and resolves a request; `needUid`/`needInstanceType` for the auto-provisioning modes. */
export function resolveRequest(
  request: NodeRequest,
  need: { readonly uid: boolean; readonly instanceType: boolean },
): ResolvedRequest {
  const ws = request.workspace;
  const name = ws.metadata.name ?? "";
  const namespace = ws.metadata.namespace ?? "";
  const key = `${namespace || "<no namespace>"}/${name || "<no name>"}`;
  if (name === "") throw invalid(key, "metadata.name is empty; pass the Workspace as read from the API server");
  if (namespace === "") {
    throw invalid(key, "metadata.namespace is empty; pass the Workspace as read from the API server");
  }
  const uid = ws.metadata.uid ?? "";
  if (need.uid && uid === "") {
    throw invalid(
      key,
      "metadata.uid is empty; node names derive from it, so pass the Workspace as read from the API server",
    );
  }
  const target = request.targetNodeCount;
  if (!Number.isInteger(target) || target < 1) {
    throw invalid(key, `targetNodeCount must be a whole number ≥ 1, got ${String(target)}`);
  }
  const instanceType = (ws.resource.instanceType ?? "").trim();
  if (need.instanceType && instanceType === "") {
    throw invalid(
      key,
      "resource.instanceType is empty; set a GPU SKU (e.g. Standard_NC24ads_A100_v4) or use the byo provisioner",
    );
  }
  const selector = sanitizeLabelSelector(ws.resource.labelSelector ?? {});
  if (!selector.ok) {
    throw invalid(key, `resource.labelSelector.${selector.path}: ${selector.reason}`);
  }
  const writtenFamily = ws.metadata.annotations?.[WorkspaceAnnotation.NodeImageFamily];
  // Kaito trims and lower-cases the value (`AzureLinux` is `azurelinux`), as admission does.
  const family = writtenFamily?.trim().toLowerCase();
  if (family !== undefined && family !== NodeImageFamilyValue.Ubuntu && family !== NodeImageFamilyValue.AzureLinux) {
    throw invalid(
      key,
      `annotation ${WorkspaceAnnotation.NodeImageFamily}="${writtenFamily}" is not one of ubuntu, azurelinux; fix or remove it`,
    );
  }
  return {
    name,
    namespace,
    uid,
    key,
    instanceType,
    matchLabels: selector.matchLabels,
    workspaceLabels: workspaceLabels({ name, namespace }),
    targetNodeCount: target,
    storageRequest: request.storageRequest ?? defaultStorage(ws, key),
    nodeImageFamily: family,
  };
}

/** Kaito's disk: the inference preset's weights + 80Gi, else 1024Gi (templates, tuning). */
function defaultStorage(ws: WorkspaceForNodes, key: string): string {
  const presetName = ws.inference?.preset?.name;
  if (presetName === undefined || presetName === "") return DEFAULT_DISK_STORAGE;
  if (getPreset(presetName) === undefined) {
    throw invalid(
      key,
      `inference.preset.name "${presetName}" is not in this catalog; pass storageRequest or use a listed preset`,
    );
  }
  return diskStorageRequirement(presetName);
}

/** Checks a {@link WorkspaceRef}. */
export function resolveRef(ref: WorkspaceRef): { name: string; namespace: string; key: string } {
  const key = `${ref.namespace || "<no namespace>"}/${ref.name || "<no name>"}`;
  if (ref.name === "" || ref.namespace === "") throw invalid(key, "name and namespace are required to release nodes");
  return { name: ref.name, namespace: ref.namespace, key };
}
