/**
 * Pure decisions of the Karpenter provisioner (compat §3.1): how many NodeClaims to create, the `NodeClaimReady`
 * verdict (with the provider's own failure text), and the GPU-plugin checks on each claim's node.
 */
import { ConditionReason, KaitoLabel } from "@kaito-ts/workspace-types";
import {
  GPU_RESOURCE,
  gpuCapacity,
  hasAcceleratorLabel,
  hasInstanceType,
  isNodeReady,
  type KubeNode,
  nameList,
} from "../internal/nodes.ts";
import type { ConditionVerdict } from "../types.ts";
import type { KubeNodeClaim } from "./nodeclaim.ts";

/** Whether the object is being deleted. */
export function isDeleting(o: { metadata: { deletionTimestamp?: string | null | undefined } }): boolean {
  return o.metadata.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;
}

/** The status of a NodeClaim condition. */
export function claimCondition(
  claim: KubeNodeClaim,
  type: string,
): { status: string; reason?: string | undefined; message?: string | undefined } | undefined {
  return claim.status?.conditions?.find((c) => c.type === type);
}

/**
 * Nodes Kaito counts as already there (compat §3.1, its `preferredNodes` path): among the nodes selected by the
 * selector and the Workspace's labels, the Ready ones of the requested instance type without a
 * `karpenter.sh/nodepool` label (so not made from a NodeClaim).
 */
export function existingUnmanagedNodes(nodes: readonly KubeNode[], instanceType: string): KubeNode[] {
  return nodes.filter(
    (n) =>
      isNodeReady(n) &&
      hasInstanceType(n, instanceType) &&
      n.metadata.labels?.[KaitoLabel.KarpenterNodePool] === undefined,
  );
}

/** How many NodeClaims to create: `needed − active claims`, never negative (extras are never deleted). */
export function claimsToCreate(needed: number, activeClaims: number): number {
  return Math.max(0, needed - activeClaims);
}

const PROVIDER_CONDITIONS = ["Launched", "Registered", "Initialized"] as const;

/**
 * `NodeClaimReady`: True (`NodeClaimsReady`) when at least `needed` claims are Ready and not deleting; else the
 * provider's own reason and message from the first claim whose Launched → Registered → Initialized condition is
 * False (a quota error reads as the cloud wrote it); while the claims are merely in progress, `NodeClaimNotReady` with
 * a message that stays the same from step to step.
 */
export function nodeClaimVerdict(claims: readonly KubeNodeClaim[], needed: number): ConditionVerdict {
  const active = claims.filter((c) => !isDeleting(c));
  const ready = active.filter((c) => claimCondition(c, "Ready")?.status === "True");
  if (needed === 0) {
    return {
      ready: true,
      reason: ConditionReason.NodeClaimsReady,
      message: "no NodeClaims needed: the Workspace's existing nodes cover targetNodeCount",
    };
  }
  if (ready.length >= needed) {
    return {
      ready: true,
      reason: ConditionReason.NodeClaimsReady,
      message: `${ready.length} of ${needed} NodeClaims ready: ${nameList(ready.map((c) => c.metadata.name ?? "?"))}`,
    };
  }
  if (active.length === 0) {
    return {
      ready: false,
      reason: ConditionReason.NodeClaimNotReady,
      message: `0 of ${needed} NodeClaims exist yet; they are created by the provisioner`,
    };
  }
  let waitingFor: string | undefined;
  for (const claim of active) {
    for (const type of PROVIDER_CONDITIONS) {
      const c = claimCondition(claim, type);
      if (c?.status === "True") continue;
      const name = claim.metadata.name ?? "?";
      const reason = c?.reason ?? "";
      if (reason !== "" && reason !== ConditionReason.AwaitingReconciliation && c?.status === "False") {
        return { ready: false, reason, message: `NodeClaim ${name} ${type}=False: ${c?.message || reason}` };
      }
      waitingFor ??= name;
      break;
    }
  }
  // In progress: one stable reason and message while the claim walks Launched → Registered → Initialized → Ready, so
  // the Workspace status is not rewritten at every step (each rewrite is an API write; Kaito's message is stable too).
  const summary = `${ready.length} of ${needed} NodeClaims ready`;
  const next = waitingFor ?? active.find((c) => claimCondition(c, "Ready")?.status !== "True")?.metadata.name;
  return {
    ready: false,
    reason: ConditionReason.NodeClaimNotReady,
    message:
      next === undefined
        ? `${summary}; waiting for Karpenter`
        : `${summary}; waiting for NodeClaim ${next} to become Ready`,
  };
}

/**
 * `NodesReady` while the NodeClaims are not Ready. Kaito checks the nodes only once enough claims are Ready (compat
 * §3.1 readiness: step 1, then step 2), so the verdict does not follow a node that registers before its claim turns
 * Ready: one stable message until then (each change of it would be a Workspace status write), and no worker nodes.
 */
export function nodesAwaitingClaims(): ConditionVerdict {
  return {
    ready: false,
    reason: ConditionReason.NodeNotReady,
    message: "the nodes are checked once the Workspace's NodeClaims are Ready",
  };
}

/** What {@link gpuPluginProblems} reads of a NodeClaim (an AKS agent pool fits it too). */
export interface ClaimLike {
  readonly metadata: { readonly name?: string | undefined; readonly deletionTimestamp?: string | null | undefined };
  readonly status?: { readonly nodeName?: string | undefined } | undefined;
}

/** One problem found by {@link gpuPluginProblems}. */
export interface PluginProblem {
  readonly claim: string;
  readonly node: string | undefined;
  readonly problem: string;
  /** The node lacks `accelerator=nvidia` (and otherwise passes): Kaito writes the label. */
  readonly needsAcceleratorLabel: boolean;
}

/**
 * Kaito's third readiness step for a known SKU: every claim has `status.nodeName`, its node is Ready with the
 * instance type, `accelerator=nvidia` and non-zero `nvidia.com/gpu` capacity.
 */
export function gpuPluginProblems(
  claims: readonly ClaimLike[],
  nodesByName: ReadonlyMap<string, KubeNode>,
  instanceType: string,
): PluginProblem[] {
  const out: PluginProblem[] = [];
  for (const claim of claims) {
    if (isDeleting(claim)) continue;
    const name = claim.metadata.name ?? "?";
    const nodeName = claim.status?.nodeName;
    if (nodeName === undefined || nodeName === "") {
      out.push({ claim: name, node: undefined, problem: "has no node yet", needsAcceleratorLabel: false });
      continue;
    }
    const node = nodesByName.get(nodeName);
    if (node === undefined) {
      out.push({ claim: name, node: nodeName, problem: "node not found", needsAcceleratorLabel: false });
    } else if (!isNodeReady(node)) {
      out.push({ claim: name, node: nodeName, problem: "node is not Ready", needsAcceleratorLabel: false });
    } else if (!hasInstanceType(node, instanceType)) {
      out.push({ claim: name, node: nodeName, problem: `node is not ${instanceType}`, needsAcceleratorLabel: false });
    } else if (gpuCapacity(node) === 0) {
      out.push({
        claim: name,
        node: nodeName,
        problem: `node has no ${GPU_RESOURCE} capacity yet (is the NVIDIA device plugin running there?)`,
        needsAcceleratorLabel: !hasAcceleratorLabel(node),
      });
    } else if (!hasAcceleratorLabel(node)) {
      out.push({ claim: name, node: nodeName, problem: "node lacks accelerator=nvidia", needsAcceleratorLabel: true });
    }
  }
  return out;
}
