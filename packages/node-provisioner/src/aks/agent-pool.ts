/**
 * The agent pool gpu-provisioner creates for one node (compat §3.2), as a pure function: name = node name, `count: 1`,
 * VMSS, Linux, OS SKU from `kaito.sh/node-image-family`, disk from the storage request, labels and taints.
 */
import type { AgentPool } from "@azure/arm-containerservice";
import { KaitoLabel, NodeClaimDefaults, NodeImageFamilyValue } from "@kaito-ts/workspace-types";
import { NodeProvisionerError } from "../errors.ts";
import type { ResolvedRequest } from "../internal/request.ts";

/** Label gpu-provisioner adds: `gpu` when the VM size contains `Standard_N`, else `cpu`. */
export const MACHINE_TYPE_LABEL = "kaito.sh/machine-type";
/** Label gpu-provisioner adds: the creation time, layout `2006-01-02T15-04-05Z` (a valid label value). */
export const CREATION_TIMESTAMP_LABEL = "kaito.sh/creation-timestamp";

const UNITS: Record<string, number> = {
  "": 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
};

/** A Kubernetes quantity (`87Gi`, `100G`, `1099511627776`) in bytes, or `undefined` when it does not parse. */
export function quantityBytes(quantity: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(quantity.trim());
  if (m === null) return undefined;
  return Number(m[1]) * (UNITS[m[2] ?? ""] ?? 1);
}

/** `osDiskSizeGB` = storage request / 2^30, truncated; an error when it is not positive (as gpu-provisioner). */
export function osDiskSizeGB(storage: string, key: string): number {
  const bytes = quantityBytes(storage);
  const gb = bytes === undefined ? 0 : Math.trunc(bytes / 2 ** 30);
  if (gb <= 0) {
    throw new NodeProvisionerError(
      "INVALID_REQUEST",
      `Workspace ${key}: storage request "${storage}" is not a disk size of at least 1Gi; pass storageRequest like "100Gi"`,
    );
  }
  return gb;
}

/** `2006-01-02T15-04-05Z`. */
export function creationTimestampLabel(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/:/g, "-");
}

/** Parses {@link creationTimestampLabel}; `undefined` when malformed. */
export function parseCreationTimestampLabel(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z$/.exec(value);
  if (m === null) return undefined;
  const d = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The agent pool body for one node of the request (its name is the pool name in the URL). */
export function buildAgentPool(req: ResolvedRequest, now: Date): AgentPool {
  const vmSize = req.instanceType;
  return {
    typePropertiesType: "VirtualMachineScaleSets",
    mode: "User",
    osType: "Linux",
    osSKU: req.nodeImageFamily === NodeImageFamilyValue.AzureLinux ? "AzureLinux" : "Ubuntu",
    count: 1,
    osDiskSizeGB: osDiskSizeGB(req.storageRequest, req.key),
    vmSize,
    nodeTaints: [`${NodeClaimDefaults.TaintKey}=${NodeClaimDefaults.TaintValue}:${NodeClaimDefaults.TaintEffect}`],
    nodeLabels: {
      [KaitoLabel.KarpenterNodePool]: NodeClaimDefaults.NodePool,
      ...req.workspaceLabels,
      ...req.matchLabels,
      [MACHINE_TYPE_LABEL]: vmSize.includes("Standard_N") ? "gpu" : "cpu",
      [CREATION_TIMESTAMP_LABEL]: creationTimestampLabel(now),
    },
  };
}
