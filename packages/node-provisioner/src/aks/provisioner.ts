/**
 * The AKS provisioner: gpu-provisioner's behaviour (compat §3.2) done directly through `@azure/arm-containerservice`:
 * one agent pool per node, long-running operations started in one pass and resumed in later ones (the serialized
 * SDK poller in an {@link AksOperationStore}), pools deleted on release, and leaked pools collected.
 */
import {
  ContainerServiceClient,
  type ContainerServiceClientOptionalParams,
  restorePoller,
} from "@azure/arm-containerservice";
import type { TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import { getSku } from "@kaito-ts/preset-catalog";
import { ConditionReason, KaitoLabel } from "@kaito-ts/workspace-types";
import { NodeProvisionerError } from "../errors.ts";
import { nextNodeNames } from "../internal/names.ts";
import { ACCELERATOR_NVIDIA, type KubeNode, NODE, nameList, nodeRef } from "../internal/nodes.ts";
import { deleteObject, getObject, listObjects, patchObject } from "../internal/port-calls.ts";
import { type ResolvedRequest, resolveRef, resolveRequest } from "../internal/request.ts";
import { nodesVerdict, READINESS_REQUEUE_MS, readinessReport, selectorText } from "../internal/verdicts.ts";
import { gpuPluginProblems } from "../karpenter/decide.ts";
import type {
  ConditionVerdict,
  KubernetesObjectPort,
  NodeProvisioner,
  NodeRequest,
  ProvisionerEvent,
  ProvisionResult,
  ReadinessReport,
  ReleaseResult,
  WorkspaceRef,
} from "../types.ts";
import { buildAgentPool, CREATION_TIMESTAMP_LABEL, parseCreationTimestampLabel } from "./agent-pool.ts";
import { type ArmFailure, armFailure, isOperationInProgress } from "./arm-errors.ts";
import { type AksOperationStore, memoryOperationStore } from "./operation-store.ts";

/** Options of {@link createAksProvisioner}. */
export interface AksProvisionerOptions {
  /** The Kubernetes client (nodes, Workspaces for garbage collection, the accelerator label). */
  readonly port: KubernetesObjectPort;
  /** The cluster's subscription (`ARM_SUBSCRIPTION_ID`). */
  readonly subscriptionId: string;
  /** The cluster's resource group (`ARM_RESOURCE_GROUP`). */
  readonly resourceGroup: string;
  /** The managed cluster's name (`AZURE_CLUSTER_NAME`). */
  readonly clusterName: string;
  /** Default: `DefaultAzureCredential` (workload identity in the cluster: `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`). */
  readonly credential?: TokenCredential | undefined;
  /** Passed to `ContainerServiceClient` (`endpoint`, `agent`, …). Retries default to 0: a pass never sleeps. */
  readonly clientOptions?: ContainerServiceClientOptionalParams | undefined;
  /** Where operation state lives between passes. Default in memory; see `configMapOperationStore` for restarts. */
  readonly operations?: AksOperationStore | undefined;
  /** Workspace apiVersion read by garbage collection. Default `kaito.sh/v1beta1`. */
  readonly workspaceApiVersion?: string | undefined;
  /** Pools younger than this are never collected (gpu-provisioner: 30 s). */
  readonly gcMinAgeMs?: number | undefined;
  /** Wait after a provider failure before the next try. Default 30 s. */
  readonly failureRequeueMs?: number | undefined;
  /** Clock, for tests. */
  readonly now?: (() => Date) | undefined;
}

/** What {@link AksNodeProvisioner.collectGarbage} did. */
export interface GarbageCollectionResult {
  /** Pools whose deletion was started (their Workspace is gone). */
  readonly deleting: readonly string[];
  /** Node objects deleted for those pools. */
  readonly deletedNodes: readonly string[];
  /** Workspace pools left alone: their Workspace exists, they are too young, or already deleting. */
  readonly kept: readonly string[];
}

/** Everything a pass needs to know about one pool. */
interface PoolView {
  readonly name: string;
  readonly state: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The part of a restored SDK poller a pass uses. */
interface ResumedPoller {
  poll(): Promise<unknown>;
  readonly operationState: { readonly status: string; readonly error?: Error | undefined } | undefined;
  serialize(): Promise<string>;
}

type Advance =
  | { readonly status: "none" | "running" | "succeeded" }
  | { readonly status: "failed"; readonly code: string; readonly message: string }
  | { readonly status: "retry"; readonly retryAfterMs: number | undefined };

const OPERATION_FAILED = /^The long-running operation has failed\.\s*([A-Za-z0-9_.]+)\.\s*([\s\S]*)$/;

/** The ARM code and message out of core-lro's "The long-running operation has failed. <code>. <message>". */
function operationError(error: unknown): { code: string; message: string } {
  const text = error instanceof Error ? error.message : String(error);
  const m = OPERATION_FAILED.exec(text);
  const f = armFailure(error);
  return m === null
    ? { code: f.code, message: f.message }
    : { code: m[1] ?? "Failed", message: armFailure(new Error(m[2] ?? "")).message };
}

function requireText(value: string, option: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new NodeProvisionerError(
      "INVALID_OPTIONS",
      `aks provisioner option ${option} is empty; set it (see the README)`,
    );
  }
  return value;
}

/** A {@link NodeProvisioner} that creates one AKS agent pool per node, like gpu-provisioner. */
export class AksNodeProvisioner implements NodeProvisioner {
  /** Always `aks`. */
  readonly mode = "aks" as const;
  readonly #port: KubernetesObjectPort;
  readonly #client: ContainerServiceClient;
  readonly #rg: string;
  readonly #cluster: string;
  readonly #store: AksOperationStore;
  readonly #workspaceApiVersion: string;
  readonly #gcMinAgeMs: number;
  readonly #failureRequeueMs: number;
  readonly #now: () => Date;

  /** @param options - see {@link AksProvisionerOptions}. */
  constructor(options: AksProvisionerOptions) {
    if (typeof options.port?.list !== "function") {
      throw new NodeProvisionerError("INVALID_OPTIONS", "aks provisioner option port must be a KubernetesObjectPort");
    }
    const subscriptionId = requireText(options.subscriptionId, "subscriptionId (ARM_SUBSCRIPTION_ID)");
    this.#rg = requireText(options.resourceGroup, "resourceGroup (ARM_RESOURCE_GROUP)");
    this.#cluster = requireText(options.clusterName, "clusterName (AZURE_CLUSTER_NAME)");
    this.#port = options.port;
    const credential = options.credential ?? new DefaultAzureCredential();
    this.#client = new ContainerServiceClient(credential, subscriptionId, {
      retryOptions: { maxRetries: 0 },
      ...options.clientOptions,
    });
    this.#store = options.operations ?? memoryOperationStore();
    this.#workspaceApiVersion = options.workspaceApiVersion ?? "kaito.sh/v1beta1";
    this.#gcMinAgeMs = options.gcMinAgeMs ?? 30_000;
    this.#failureRequeueMs = options.failureRequeueMs ?? 30_000;
    this.#now = options.now ?? (() => new Date());
  }

  #fail(what: string, f: ArmFailure): NodeProvisionerError {
    if (f.auth) {
      return new NodeProvisionerError(
        "AZURE_AUTH_FAILED",
        `${what}: no usable Azure token (${f.code}: ${f.message}); configure workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, federated token) with rights on the cluster's agent pools`,
        { status: f.status, cause: { code: f.code, status: f.status } },
      );
    }
    return new NodeProvisionerError(
      "AZURE_REQUEST_FAILED",
      `${what} failed: ${f.status === undefined ? "" : `HTTP ${f.status} `}${f.code}: ${f.message}`,
      { status: f.status, retryAfterMs: f.retryAfterMs, cause: { code: f.code, status: f.status } },
    );
  }

  async #listPools(): Promise<PoolView[]> {
    const out: PoolView[] = [];
    // The SDK's paging error drops ARM's message ("Pagination failed with unexpected statusCode 401"): keep the body.
    let refused: { status: number; body: string | undefined; retryAfter: string | undefined } | undefined;
    const onResponse = (raw: {
      status: number;
      bodyAsText?: string | null;
      headers: { get(n: string): string | undefined };
    }) => {
      if (raw.status >= 400) {
        refused = { status: raw.status, body: raw.bodyAsText ?? undefined, retryAfter: raw.headers.get("retry-after") };
      }
    };
    try {
      for await (const p of this.#client.agentPools.list(this.#rg, this.#cluster, { onResponse })) {
        out.push({ name: p.name ?? "", state: p.provisioningState ?? "", labels: p.nodeLabels ?? {} });
      }
    } catch (error) {
      const f = armFailure(error);
      const answer = refused;
      const detail =
        answer === undefined
          ? f
          : armFailure({
              name: (error as { name?: unknown }).name,
              message: f.message,
              statusCode: answer.status,
              response: {
                bodyAsText: answer.body,
                headers: { get: (n: string) => (n === "retry-after" ? answer.retryAfter : undefined) },
              },
            });
      throw this.#fail(`listing agent pools of managed cluster ${this.#rg}/${this.#cluster}`, detail);
    }
    return out;
  }

  #poolsOf(pools: readonly PoolView[], ref: { name: string; namespace: string }): PoolView[] {
    return pools.filter(
      (p) =>
        p.labels[KaitoLabel.Workspace] === ref.name &&
        p.labels[KaitoLabel.WorkspaceNamespace] === ref.namespace &&
        p.labels[KaitoLabel.KarpenterNodePool] !== undefined,
    );
  }

  #failureKey(ref: { name: string; namespace: string }): string {
    return `failure.${ref.namespace}.${ref.name}`;
  }

  /** Resumes the stored operation of `pool`, if any, with one poll. */
  async #advance(pool: string): Promise<Advance> {
    const rec = await this.#store.get(pool);
    if (rec === undefined || rec.kind === "failure") return { status: "none" };
    const ops = this.#client.agentPools;
    let poller: ResumedPoller;
    try {
      poller =
        rec.kind === "create"
          ? restorePoller(this.#client, rec.state, ops.createOrUpdate)
          : restorePoller(this.#client, rec.state, ops.delete);
    } catch {
      await this.#store.delete(pool);
      return { status: "none" };
    }
    try {
      await poller.poll();
    } catch (error) {
      const status = poller.operationState?.status;
      if (status !== "failed" && status !== "canceled") {
        const f = armFailure(error);
        if (f.auth) throw this.#fail(`polling the operation on agent pool ${pool}`, f);
        return { status: "retry", retryAfterMs: f.retryAfterMs };
      }
    }
    const state = poller.operationState;
    switch (state?.status) {
      case "succeeded":
        await this.#store.delete(pool);
        return { status: "succeeded" };
      case "failed":
      case "canceled": {
        await this.#store.delete(pool);
        const { code, message } = operationError(state.error ?? new Error("operation canceled"));
        return { status: "failed", code, message };
      }
      default:
        await this.#store.set(pool, { ...rec, state: await poller.serialize() });
        return { status: "running" };
    }
  }

  /** Advances every stored operation of `pools`; records failures for the Workspace; returns events. */
  async #advanceAll(
    pools: readonly PoolView[],
    ref: { name: string; namespace: string },
  ): Promise<{ events: ProvisionerEvent[]; retryAfterMs: number | undefined; done: Set<string> }> {
    const events: ProvisionerEvent[] = [];
    const done = new Set<string>();
    let retryAfterMs: number | undefined;
    for (const pool of pools) {
      const r = await this.#advance(pool.name);
      if (r.status === "succeeded") {
        done.add(pool.name);
        if (pool.state !== "Deleting") {
          await this.#store.delete(this.#failureKey(ref));
          events.push({ type: "Normal", reason: "AgentPoolCreated", message: `agent pool ${pool.name} is ready` });
        }
      } else if (r.status === "failed") {
        done.add(pool.name);
        const at = this.#now().toISOString();
        await this.#store.set(this.#failureKey(ref), {
          kind: "failure",
          code: r.code,
          message: r.message,
          pool: pool.name,
          at,
        });
        events.push({
          type: "Warning",
          reason: "AgentPoolCreationFailed",
          message: `agent pool ${pool.name} failed: ${r.code}: ${r.message}`,
        });
      } else if (r.status === "retry") {
        retryAfterMs = Math.max(retryAfterMs ?? 0, r.retryAfterMs ?? READINESS_REQUEUE_MS);
      }
    }
    return { events, retryAfterMs, done };
  }

  /** Starts the deletion of `pool`; `gone` when ARM says it does not exist. */
  async #beginDelete(pool: string): Promise<"started" | "gone" | "busy"> {
    try {
      const poller = this.#client.agentPools.delete(this.#rg, this.#cluster, pool);
      await poller.submitted();
      if (poller.operationState?.status === "succeeded") return "gone";
      await this.#store.set(pool, {
        kind: "delete",
        state: await poller.serialize(),
        startedAt: this.#now().toISOString(),
      });
      return "started";
    } catch (error) {
      const f = armFailure(error);
      if (f.status === 404) return "gone";
      if (isOperationInProgress(f)) return "busy";
      throw this.#fail(`deleting agent pool ${pool}`, f);
    }
  }

  /** Starts the agent pools that are missing (one per node; never deletes extras) and resumes running operations. */
  async provision(request: NodeRequest): Promise<ProvisionResult> {
    const req = resolveRequest(request, { uid: true, instanceType: true });
    const mine = this.#poolsOf(await this.#listPools(), req);
    const { events, retryAfterMs } = await this.#advanceAll(mine, req);
    const created: string[] = [];
    const failed: { name: string; message: string }[] = [];
    let requeue = retryAfterMs;
    // A failed pool is replaced, as Karpenter replaces a NodeClaim whose launch failed.
    for (const pool of mine) {
      if (pool.state !== "Failed" || (await this.#store.get(pool.name)) !== undefined) continue;
      if ((await this.#beginDelete(pool.name)) === "started") {
        events.push({
          type: "Normal",
          reason: "AgentPoolDeleting",
          message: `deleting failed agent pool ${pool.name}`,
        });
      }
    }
    const active = mine.filter((p) => p.state !== "Deleting" && p.state !== "Failed");
    const existing = active.map((p) => p.name);
    const taken = new Set(mine.map((p) => p.name));
    // After a provider failure (a quota error), wait before the next try instead of churning pools.
    const failure = await this.#store.get(this.#failureKey(req));
    const since =
      failure?.kind === "failure" ? this.#now().getTime() - Date.parse(failure.at) : Number.POSITIVE_INFINITY;
    if (since < this.#failureRequeueMs) {
      const wait = this.#failureRequeueMs - since;
      return { created: [], existing, failed: [], events, requeueAfterMs: Math.max(wait, retryAfterMs ?? 0) };
    }
    const names = nextNodeNames(req.uid, taken, Math.max(0, req.targetNodeCount - active.length));
    for (const name of names) {
      const outcome = await this.#beginCreate(req, name);
      if (outcome.kind === "started") {
        created.push(name);
        events.push({
          type: "Normal",
          reason: "AgentPoolCreating",
          message: `creating agent pool ${name} (${req.instanceType}, 1 node) in ${this.#rg}/${this.#cluster}`,
        });
      } else if (outcome.kind === "exists") {
        existing.push(name);
      } else {
        failed.push({ name, message: outcome.message });
        if (outcome.event)
          events.push({ type: "Warning", reason: "AgentPoolCreationFailed", message: outcome.message });
        requeue = Math.max(requeue ?? 0, outcome.retryAfterMs ?? this.#failureRequeueMs);
      }
    }
    if (requeue === undefined && (created.length > 0 || mine.some((p) => p.state !== "Succeeded"))) {
      requeue = READINESS_REQUEUE_MS;
    }
    return { created, existing, failed, events, ...(requeue === undefined ? {} : { requeueAfterMs: requeue }) };
  }

  async #beginCreate(
    req: ResolvedRequest,
    name: string,
  ): Promise<
    | { kind: "started" }
    | { kind: "exists" }
    | { kind: "failed"; message: string; event: boolean; retryAfterMs: number | undefined }
  > {
    try {
      const poller = this.#client.agentPools.createOrUpdate(
        this.#rg,
        this.#cluster,
        name,
        buildAgentPool(req, this.#now()),
      );
      await poller.submitted();
      await this.#store.set(name, {
        kind: "create",
        state: await poller.serialize(),
        startedAt: this.#now().toISOString(),
      });
      // ARM accepted a new try: an earlier refusal no longer describes the Workspace.
      await this.#store.delete(this.#failureKey(req));
      return { kind: "started" };
    } catch (error) {
      if (error instanceof NodeProvisionerError) throw error;
      const f = armFailure(error);
      if (isOperationInProgress(f)) return { kind: "exists" };
      if (f.auth) throw this.#fail(`creating agent pool ${name}`, f);
      const message = `agent pool ${name}: ${f.code}: ${f.message}`;
      if (f.status === 429) return { kind: "failed", message, event: false, retryAfterMs: f.retryAfterMs };
      await this.#store.set(this.#failureKey(req), {
        kind: "failure",
        code: f.code,
        message: f.message,
        pool: name,
        at: this.#now().toISOString(),
      });
      return { kind: "failed", message, event: true, retryAfterMs: undefined };
    }
  }

  /** `NodeClaimReady` from the pools (with ARM's own failure text) and `NodesReady` from their nodes. */
  async readiness(request: NodeRequest): Promise<ReadinessReport> {
    const req = resolveRequest(request, { uid: true, instanceType: true });
    const selector = { ...req.matchLabels, ...req.workspaceLabels };
    const mine = this.#poolsOf(await this.#listPools(), req);
    const advanced = await this.#advanceAll(mine, req);
    // Nodes are read after the operations moved on: a pool that just succeeded has registered its node.
    const nodes = await listObjects<KubeNode>(this.#port, { ...NODE, labelSelector: selector });
    // Pools whose operation ended in this pass: read their state again.
    const fresh = advanced.done.size === 0 ? mine : this.#poolsOf(await this.#listPools(), req);
    const succeeded = fresh.filter((p) => p.state === "Succeeded");
    const failure = await this.#store.get(this.#failureKey(req));
    let poolsVerdict: ConditionVerdict;
    if (succeeded.length >= req.targetNodeCount) {
      poolsVerdict = {
        ready: true,
        reason: ConditionReason.NodeClaimsReady,
        message: `${succeeded.length} of ${req.targetNodeCount} agent pools Succeeded: ${nameList(succeeded.map((p) => p.name))}`,
      };
    } else if (failure?.kind === "failure") {
      poolsVerdict = { ready: false, reason: failure.code, message: `agent pool ${failure.pool}: ${failure.message}` };
    } else {
      const pending = fresh.filter((p) => p.state !== "Succeeded").map((p) => `${p.name} ${p.state}`);
      poolsVerdict = {
        ready: false,
        reason: ConditionReason.NodeClaimNotReady,
        message: `${succeeded.length} of ${req.targetNodeCount} agent pools Succeeded${pending.length > 0 ? `; ${nameList(pending)}` : "; none created yet"}`,
      };
    }
    const { verdict, readyNodes } = nodesVerdict(nodes, req.targetNodeCount, {
      instanceType: req.instanceType,
      selectorText: selectorText(selector),
    });
    const workerNodes = readyNodes.map((n) => n.metadata.name ?? "");
    const events = advanced.events;
    if (!poolsVerdict.ready || !verdict.ready || getSku(req.instanceType, "azure") === undefined) {
      return readinessReport({ nodeClaims: poolsVerdict, nodes: verdict, workerNodes, events });
    }
    const byName = new Map(nodes.map((n) => [n.metadata.name ?? "", n] as const));
    const claims = succeeded.map((p) => {
      const node = nodes.find(
        (n) =>
          n.metadata.labels?.["kubernetes.azure.com/agentpool"] === p.name || n.metadata.labels?.agentpool === p.name,
      );
      return { metadata: { name: p.name }, status: { nodeName: node?.metadata.name } };
    });
    const problems = gpuPluginProblems(claims, byName, req.instanceType);
    for (const p of problems) {
      if (!p.needsAcceleratorLabel || p.node === undefined) continue;
      await patchObject(this.#port, nodeRef(p.node), {
        metadata: { labels: { [KaitoLabel.Accelerator]: ACCELERATOR_NVIDIA } },
      });
      events.push({ type: "Normal", reason: "NodeLabeled", message: `labelled node ${p.node} accelerator=nvidia` });
    }
    const open = problems.filter((p) => p.problem !== "node lacks accelerator=nvidia");
    const first = open[0];
    if (first === undefined) return readinessReport({ nodeClaims: poolsVerdict, nodes: verdict, workerNodes, events });
    return readinessReport({
      nodeClaims: poolsVerdict,
      nodes: {
        ready: false,
        reason: ConditionReason.NodePluginsNotReady,
        message: `agent pool ${first.claim}${first.node ? ` (node ${first.node})` : ""}: ${first.problem.replace("has no node yet", "has no node registered yet")}`,
      },
      workerNodes,
      events,
    });
  }

  /** Deletes the Workspace's agent pools; `done` once ARM lists none. */
  async release(workspace: WorkspaceRef): Promise<ReleaseResult> {
    const ref = resolveRef(workspace);
    const mine = this.#poolsOf(await this.#listPools(), ref);
    const { events, done: ended } = await this.#advanceAll(mine, ref);
    const deleting: string[] = [];
    const gone = new Set<string>();
    for (const pool of mine) {
      if (pool.state === "Deleting" && !ended.has(pool.name)) continue;
      const rec = await this.#store.get(pool.name);
      if (rec?.kind === "delete") continue;
      const r = await this.#beginDelete(pool.name);
      if (r === "gone") gone.add(pool.name);
      if (r === "started") {
        deleting.push(pool.name);
        events.push({ type: "Normal", reason: "AgentPoolDeleting", message: `deleting agent pool ${pool.name}` });
      }
    }
    const remaining = mine.map((p) => p.name).filter((n) => !gone.has(n));
    if (remaining.length === 0) {
      await this.#store.delete(this.#failureKey(ref));
      return { done: true, deleting, remaining, events };
    }
    return { done: false, deleting, remaining, events, requeueAfterMs: READINESS_REQUEUE_MS };
  }

  /**
   * gpu-provisioner's garbage collection: deletes agent pools labelled for a Workspace that no longer exists (older
   * than `gcMinAgeMs` by `kaito.sh/creation-timestamp`), and their Node objects. Run it periodically (every 2 min).
   */
  async collectGarbage(): Promise<GarbageCollectionResult> {
    const pools = await this.#listPools();
    const deleting: string[] = [];
    const deletedNodes: string[] = [];
    const kept: string[] = [];
    const now = this.#now().getTime();
    for (const pool of pools) {
      const ws = pool.labels[KaitoLabel.Workspace];
      const ns = pool.labels[KaitoLabel.WorkspaceNamespace];
      if (ws === undefined || ns === undefined || pool.labels[KaitoLabel.KarpenterNodePool] === undefined) continue;
      const created = parseCreationTimestampLabel(pool.labels[CREATION_TIMESTAMP_LABEL]);
      const young = created === undefined || now - created.getTime() < this.#gcMinAgeMs;
      if (pool.state === "Deleting" || young) {
        kept.push(pool.name);
        continue;
      }
      const workspace = await getObject(this.#port, {
        apiVersion: this.#workspaceApiVersion,
        kind: "Workspace",
        namespace: ns,
        name: ws,
      });
      if (workspace !== undefined) {
        kept.push(pool.name);
        continue;
      }
      const r = await this.#beginDelete(pool.name);
      if (r === "busy") {
        kept.push(pool.name);
        continue;
      }
      deleting.push(pool.name);
      for (const label of ["kubernetes.azure.com/agentpool", "agentpool"]) {
        const nodes = await listObjects<KubeNode>(this.#port, { ...NODE, labelSelector: { [label]: pool.name } });
        for (const n of nodes) {
          const name = n.metadata.name ?? "";
          if (!deletedNodes.includes(name) && (await deleteObject(this.#port, nodeRef(name)))) deletedNodes.push(name);
        }
      }
    }
    return { deleting, deletedNodes, kept };
  }
}

/** An {@link AksNodeProvisioner}. */
export function createAksProvisioner(options: AksProvisionerOptions): AksNodeProvisioner {
  return new AksNodeProvisioner(options);
}

/**
 * The cluster coordinates from gpu-provisioner's environment variables (`ARM_SUBSCRIPTION_ID`,
 * `ARM_RESOURCE_GROUP`, `AZURE_CLUSTER_NAME`), with an `INVALID_OPTIONS` error naming the missing one.
 */
export function aksClusterFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Pick<AksProvisionerOptions, "subscriptionId" | "resourceGroup" | "clusterName"> {
  const read = (name: string) => {
    const v = env[name];
    if (v === undefined || v.trim() === "") {
      throw new NodeProvisionerError(
        "INVALID_OPTIONS",
        `environment variable ${name} is not set; the aks provisioner needs it`,
      );
    }
    return v;
  };
  return {
    subscriptionId: read("ARM_SUBSCRIPTION_ID"),
    resourceGroup: read("ARM_RESOURCE_GROUP"),
    clusterName: read("AZURE_CLUSTER_NAME"),
  };
}
