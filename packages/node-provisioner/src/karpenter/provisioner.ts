/**
 * The Karpenter provisioner: one `karpenter.sh/v1` NodeClaim per node (compat §3.1), through the port.
 */
import { getSku } from "@kaito-ts/preset-catalog";
import { KaitoEventReason, KaitoLabel } from "@kaito-ts/workspace-types";
import { describeError, NodeProvisionerError } from "../errors.ts";
import { nextNodeNames } from "../internal/names.ts";
import { ACCELERATOR_NVIDIA, type KubeNode, NODE, nameList, nodeRef } from "../internal/nodes.ts";
import { deleteObject, getObject, listObjects, patchObject } from "../internal/port-calls.ts";
import { type ResolvedRequest, resolveRef, resolveRequest, workspaceLabels } from "../internal/request.ts";
import { nodesVerdict, READINESS_REQUEUE_MS, readinessReport, selectorText } from "../internal/verdicts.ts";
import {
  httpStatusOf,
  type KubernetesObjectPort,
  type NodeProvisioner,
  type NodeRequest,
  type ProvisionerEvent,
  type ProvisionResult,
  type ReadinessReport,
  type ReleaseResult,
  type WorkspaceRef,
} from "../types.ts";
import {
  claimsToCreate,
  existingUnmanagedNodes,
  gpuPluginProblems,
  isDeleting,
  nodeClaimVerdict,
  nodesAwaitingClaims,
} from "./decide.ts";
import {
  buildNodeClaim,
  type KarpenterCloud,
  type KubeNodeClaim,
  NODECLAIM,
  type NodeClassRef,
  nodeClaimRef,
} from "./nodeclaim.ts";

/** Options of {@link createKarpenterProvisioner}. */
export interface KarpenterProvisionerOptions {
  /** The Kubernetes client the provisioner works through. */
  readonly port: KubernetesObjectPort;
  /** Decides `nodeClassRef` and the cloud requirement (§3.1). Default `azure`. */
  readonly cloud?: KarpenterCloud | undefined;
  /** Overrides the cloud's default node class. */
  readonly nodeClassRef?: NodeClassRef | undefined;
  /** `kaito.sh/node-image-family` when the Workspace has none. Default `ubuntu`. */
  readonly defaultNodeImageFamily?: string | undefined;
}

const CLOUDS: readonly KarpenterCloud[] = ["azure", "aws", "arc"];

/** A {@link NodeProvisioner} that creates Karpenter NodeClaims, as Kaito in gpu-provisioner mode. */
export class KarpenterNodeProvisioner implements NodeProvisioner {
  /** Always `karpenter`. */
  readonly mode = "karpenter" as const;
  readonly #port: KubernetesObjectPort;
  readonly #cloud: KarpenterCloud;
  readonly #nodeClassRef: NodeClassRef | undefined;
  readonly #defaultFamily: string | undefined;

  /** @param options - see {@link KarpenterProvisionerOptions}. */
  constructor(options: KarpenterProvisionerOptions) {
    const cloud = options.cloud ?? "azure";
    if (!CLOUDS.includes(cloud)) {
      throw new NodeProvisionerError(
        "INVALID_OPTIONS",
        `karpenter provisioner option cloud="${String(cloud)}" is not one of ${CLOUDS.join(", ")}`,
      );
    }
    if (typeof options.port?.list !== "function") {
      throw new NodeProvisionerError(
        "INVALID_OPTIONS",
        "karpenter provisioner option port must be a KubernetesObjectPort",
      );
    }
    this.#port = options.port;
    this.#cloud = cloud;
    this.#nodeClassRef = options.nodeClassRef;
    this.#defaultFamily = options.defaultNodeImageFamily;
  }

  async #claims(ref: { name: string; namespace: string }): Promise<KubeNodeClaim[]> {
    return listObjects<KubeNodeClaim>(this.#port, { ...NODECLAIM, labelSelector: workspaceLabels(ref) });
  }

  /** The Workspace's nodes: selected by `labelSelector ∪ {kaito.sh/workspace, kaito.sh/workspacenamespace}`. */
  async #nodes(req: ResolvedRequest): Promise<KubeNode[]> {
    return listObjects<KubeNode>(this.#port, {
      ...NODE,
      labelSelector: { ...req.matchLabels, ...req.workspaceLabels },
    });
  }

  /** `targetNodeCount` minus the Workspace's ready nodes that were not made from a NodeClaim. */
  #needed(req: ResolvedRequest, nodes: readonly KubeNode[]): number {
    return Math.max(0, req.targetNodeCount - existingUnmanagedNodes(nodes, req.instanceType).length);
  }

  /** Creates the NodeClaims that are missing (never deletes extras). */
  async provision(request: NodeRequest): Promise<ProvisionResult> {
    const req = resolveRequest(request, { uid: true, instanceType: true });
    const [claims, nodes] = await Promise.all([this.#claims(req), this.#nodes(req)]);
    const needed = this.#needed(req, nodes);
    const active = claims.filter((c) => !isDeleting(c));
    const taken = new Set(claims.map((c) => c.metadata.name ?? ""));
    const names = nextNodeNames(req.uid, taken, claimsToCreate(needed, active.length));
    const created: string[] = [];
    const existing = active.map((c) => c.metadata.name ?? "");
    const failed: { name: string; message: string }[] = [];
    const events: ProvisionerEvent[] = [];
    for (const name of names) {
      const claim = buildNodeClaim(req, name, {
        cloud: this.#cloud,
        nodeClassRef: this.#nodeClassRef,
        defaultNodeImageFamily: this.#defaultFamily,
      });
      try {
        await this.#port.create(claim);
        created.push(name);
        events.push({
          type: "Normal",
          reason: KaitoEventReason.NodeClaimCreated,
          message: `NodeClaim ${name} created for ${req.instanceType} (${created.length + active.length} of ${needed})`,
        });
      } catch (error) {
        if (httpStatusOf(error) === 409) {
          // Created by an earlier pass the cache has not shown yet, or by another Workspace (a name collision).
          const found = await getObject<KubeNodeClaim>(this.#port, nodeClaimRef(name));
          const owner = found?.metadata.labels ?? {};
          if (
            found === undefined ||
            (owner[KaitoLabel.Workspace] === req.name && owner[KaitoLabel.WorkspaceNamespace] === req.namespace)
          ) {
            existing.push(name);
            continue;
          }
          const message = `NodeClaim ${name} already exists for Workspace ${owner[KaitoLabel.WorkspaceNamespace]}/${owner[KaitoLabel.Workspace]}; delete it or recreate this Workspace (new UID)`;
          failed.push({ name, message });
          events.push({ type: "Warning", reason: KaitoEventReason.NodeClaimCreationFailed, message });
          continue;
        }
        const message = `creating NodeClaim ${name} failed: ${describeError(error)}`;
        failed.push({ name, message });
        events.push({ type: "Warning", reason: KaitoEventReason.NodeClaimCreationFailed, message });
      }
    }
    return {
      created,
      existing,
      failed,
      events,
      ...(failed.length > 0 ? { requeueAfterMs: READINESS_REQUEUE_MS } : {}),
    };
  }

  /** `NodeClaimReady` and `NodesReady` as Kaito's `EnsureNodesReady`; writes `accelerator=nvidia` when missing. */
  async readiness(request: NodeRequest): Promise<ReadinessReport> {
    const req = resolveRequest(request, { uid: true, instanceType: true });
    const selector = { ...req.matchLabels, ...req.workspaceLabels };
    const [claims, nodes] = await Promise.all([this.#claims(req), this.#nodes(req)]);
    const needed = this.#needed(req, nodes);
    const nodeClaims = nodeClaimVerdict(claims, needed);
    // Kaito: NodeClaims not Ready → wait for their events (no timed requeue).
    if (!nodeClaims.ready)
      return readinessReport({ nodeClaims, nodes: nodesAwaitingClaims(), workerNodes: [], waitForEvents: true });
    const { verdict, readyNodes } = nodesVerdict(nodes, req.targetNodeCount, {
      instanceType: req.instanceType,
      selectorText: selectorText(selector),
    });
    const workerNodes = readyNodes.map((n) => n.metadata.name ?? "");
    if (!nodeClaims.ready || !verdict.ready) {
      return readinessReport({ nodeClaims, nodes: verdict, workerNodes });
    }
    if (getSku(req.instanceType, this.#cloud) === undefined) {
      // Unknown SKUs skip the GPU plugin check, as in Kaito.
      return readinessReport({ nodeClaims, nodes: verdict, workerNodes });
    }
    const byName = new Map<string, KubeNode>();
    for (const n of nodes) byName.set(n.metadata.name ?? "", n);
    const problems = gpuPluginProblems(claims, byName, req.instanceType);
    const events: ProvisionerEvent[] = [];
    for (const p of problems) {
      if (!p.needsAcceleratorLabel || p.node === undefined) continue;
      await patchObject(this.#port, nodeRef(p.node), {
        metadata: { labels: { [KaitoLabel.Accelerator]: ACCELERATOR_NVIDIA } },
      });
      events.push({ type: "Normal", reason: "NodeLabeled", message: `labelled node ${p.node} accelerator=nvidia` });
    }
    const open = problems.filter((p) => !(p.needsAcceleratorLabel && p.problem === "node lacks accelerator=nvidia"));
    if (open.length === 0) return readinessReport({ nodeClaims, nodes: verdict, workerNodes, events });
    const first = open[0];
    const pluginVerdict = {
      ready: false,
      reason: "NodePluginsNotReady",
      message: `NodeClaim ${first?.claim}${first?.node ? ` (node ${first.node})` : ""}: ${first?.problem}${open.length > 1 ? ` (+${open.length - 1} more: ${nameList(open.slice(1).map((p) => p.claim))})` : ""}`,
    };
    return readinessReport({ nodeClaims, nodes: pluginVerdict, workerNodes, events });
  }

  /** Deletes the Workspace's NodeClaims; `done` once none is left. */
  async release(workspace: WorkspaceRef): Promise<ReleaseResult> {
    const ref = resolveRef(workspace);
    const claims = await this.#claims(ref);
    const deleting: string[] = [];
    const events: ProvisionerEvent[] = [];
    for (const claim of claims) {
      const name = claim.metadata.name ?? "";
      if (isDeleting(claim)) continue;
      if (await deleteObject(this.#port, nodeClaimRef(name))) {
        deleting.push(name);
        events.push({ type: "Normal", reason: "NodeClaimDeleted", message: `NodeClaim ${name} deleted` });
      }
    }
    const remaining = claims.map((c) => c.metadata.name ?? "");
    return remaining.length === 0
      ? { done: true, deleting, remaining, events }
      : { done: false, deleting, remaining, events, requeueAfterMs: READINESS_REQUEUE_MS };
  }
}

/** A {@link KarpenterNodeProvisioner}. */
export function createKarpenterProvisioner(options: KarpenterProvisionerOptions): KarpenterNodeProvisioner {
  return new KarpenterNodeProvisioner(options);
}
