/**
 * The bring-your-own provisioner (compat §3.3): no NodeClaims; the nodes chosen by the Workspace's label selector
 * are used as they are. Readiness = enough Ready selected nodes with `nvidia.com/gpu` capacity; release touches
 * nothing.
 */
import { NodeProvisionerError } from "../errors.ts";
import { type KubeNode, NODE } from "../internal/nodes.ts";
import { listObjects } from "../internal/port-calls.ts";
import { resolveRef, resolveRequest } from "../internal/request.ts";
import { nodesVerdict, readinessReport, selectorText } from "../internal/verdicts.ts";
import type {
  KubernetesObjectPort,
  NodeProvisioner,
  NodeRequest,
  ProvisionResult,
  ReadinessReport,
  ReleaseResult,
  WorkspaceRef,
} from "../types.ts";
import { type ByoGpuConfigResult, gpuConfigFromNodes } from "./gpu-labels.ts";

/** Options of {@link createByoProvisioner}. */
export interface ByoProvisionerOptions {
  /** The Kubernetes client the provisioner reads nodes through. */
  readonly port: KubernetesObjectPort;
}

/** A {@link NodeProvisioner} over existing nodes. */
export class ByoNodeProvisioner implements NodeProvisioner {
  /** Always `byo`. */
  readonly mode = "byo" as const;
  readonly #port: KubernetesObjectPort;

  /** @param options - see {@link ByoProvisionerOptions}. */
  constructor(options: ByoProvisionerOptions) {
    if (typeof options.port?.list !== "function") {
      throw new NodeProvisionerError("INVALID_OPTIONS", "byo provisioner option port must be a KubernetesObjectPort");
    }
    this.#port = options.port;
  }

  async #selected(request: NodeRequest) {
    const req = resolveRequest(request, { uid: false, instanceType: false });
    const nodes = await listObjects<KubeNode>(this.#port, { ...NODE, labelSelector: req.matchLabels });
    return { req, nodes };
  }

  /** Creates nothing; reports the selected nodes as existing. */
  async provision(request: NodeRequest): Promise<ProvisionResult> {
    const { nodes } = await this.#selected(request);
    return { created: [], existing: nodes.map((n) => n.metadata.name ?? ""), failed: [], events: [] };
  }

  /** `NodesReady` only (no `NodeClaimReady`): Ready selected nodes with GPU capacity ≥ `targetNodeCount`. */
  async readiness(request: NodeRequest): Promise<ReadinessReport> {
    const { req, nodes } = await this.#selected(request);
    const { verdict, readyNodes } = nodesVerdict(nodes, req.targetNodeCount, {
      requireGpu: true,
      selectorText: selectorText(req.matchLabels),
    });
    return readinessReport({ nodes: verdict, workerNodes: readyNodes.map((n) => n.metadata.name ?? "") });
  }

  /** Nothing to release: the nodes are the user's. Always done. */
  async release(workspace: WorkspaceRef): Promise<ReleaseResult> {
    resolveRef(workspace);
    return { done: true, deleting: [], remaining: [], events: [] };
  }

  /**
   * The GPU configuration of the selected nodes from their `nvidia.com/gpu.*` labels, for the node estimator and
   * the fit check (`{ gpuCount, totalGpuMemoryGiB }` is a `NodeGpuCapacity`).
   */
  async gpuConfig(request: Pick<NodeRequest, "workspace">): Promise<ByoGpuConfigResult> {
    const { nodes } = await this.#selected({ ...request, targetNodeCount: 1 });
    return gpuConfigFromNodes(nodes);
  }
}

/** A {@link ByoNodeProvisioner}. */
export function createByoProvisioner(options: ByoProvisionerOptions): ByoNodeProvisioner {
  return new ByoNodeProvisioner(options);
}
