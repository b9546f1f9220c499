/**
 * The Workspace reconcile pass (compat §2.2, §2.5–§2.7): a thin I/O shell around the builders, the provisioner and
 * the pure decisions of this folder. Each pass reads the Workspace and its objects from the informer caches,
 * writes only what is missing or out of date, writes the status once at the end and only when it changed, and
 * returns "done", "requeue after" or throws (→ back-off). Bad input becomes a condition, a Warning event and a
 * back-off retry — never a crash or a hot loop.
 */
import type { V1ConfigMap, V1ControllerRevision } from "@kubernetes/client-node";
import type { NodeProvisioner, NodeRequest } from "@kaito-ts/node-provisioner";
import {
  type ConditionUpdate,
  NodeLabel,
  sanitizeLabelSelector,
  WORKSPACE_FINALIZER,
  type WorkspaceTuningProgress,
} from "@kaito-ts/workspace-types";
import {
  type BuildContext,
  type BuildOptions,
  type BuildOptionsInput,
  type BuildWorkspace,
  buildInferenceServices,
  buildInferenceStatefulSet,
  buildTuningJob,
  type ByoGpu,
  computeTargetNodeCount,
  inferenceMaxModelLen,
  LOCAL_NVME_STORAGE_CLASS,
  planRevision,
  resolveBuildOptions,
  resolveTuningConfig,
  toBuildWorkspace,
} from "../builders/index.ts";
import { isReconcilerError, ReconcilerError } from "../errors.ts";
import { type Clock, systemClock } from "../runtime/clock.ts";
import type { ReconcileContext, ReconcileRequest, ReconcileResult } from "../runtime/controller.ts";
import type { EventSink } from "../runtime/events.ts";
import type { Informer } from "../runtime/informer.ts";
import { type RuntimeLogger, silentLogger } from "../runtime/logger.ts";
import { type KubeObject, keyOf, Resources, type ResourceType } from "../runtime/resources.ts";
import type { KubeClient } from "../runtime/rest-client.ts";
import {
  badInput,
  badInputConditions,
  deletingCondition,
  inferenceConditions,
  pending,
  resourceConditions,
  tuningConditions,
  tuningProgressCondition,
} from "./conditions.ts";
import { classifyPods, type NodeLike, type PodLike } from "./pod-failures.ts";
import { computeStatus, statusChanged, statusPatch, type WorkspaceStatusFields } from "./status.ts";
import {
  parseTrainerLog,
  TUNING_PROGRESS_CONDITION,
  type TuningProgress,
  tuningProgressStatus,
} from "./tuning-progress.ts";
import { decideJob, jobFacts, type JobFacts, revisionOf, statefulSetUpdate } from "./workload.ts";

/** Index of ControllerRevisions and Pods by `namespace/workspace`. */
export const WORKSPACE_INDEX = "workspace";

/** The caches a pass reads. Their informers must carry the {@link WORKSPACE_INDEX} index where noted. */
export interface WorkspaceCaches {
  readonly workspaces: Informer;
  /** ControllerRevisions; index {@link WORKSPACE_INDEX} = `<ns>/<label workspace.kaito.io/name>`. */
  readonly revisions: Informer;
  readonly services: Informer;
  readonly statefulSets: Informer;
  readonly jobs: Informer;
  /** Pods of Workspaces; index {@link WORKSPACE_INDEX} = `<ns>/<label kaito.sh/workspace>`. */
  readonly pods: Informer;
  /** Nodes (pressure conditions, BYO GPU labels). */
  readonly nodes?: Informer;
  /**
   * StorageClasses (whether `kaito-local-nvme-disk` exists). Without it, each StatefulSet build asks the API server
   * with a GET.
   */
  readonly storageClasses?: Informer;
}

/** Options of {@link WorkspaceReconciler}. */
export interface WorkspaceReconcilerOptions {
  /** The guarded client writes go through. */
  readonly client: KubeClient;
  readonly caches: WorkspaceCaches;
  readonly provisioner: NodeProvisioner;
  readonly events: EventSink;
  /** Builder options (Kaito chart defaults when absent). */
  readonly buildOptions?: BuildOptions | BuildOptionsInput;
  /** Requeue while nodes are not ready, when the provisioner gives no delay (Kaito: 2 s). */
  readonly nodeRequeueMs?: number;
  /**
   * NodeClaim watch events start passes of their Workspace (as `setupWorkspaceController` wires it). Then a
   * provisioner that waits for NodeClaims to become Ready gets no timed requeue, as Kaito; otherwise (default) the
   * pass requeues after `nodeRequeueMs`.
   */
  readonly nodeClaimsWatched?: boolean;
  /** Tuning progress from the trainer log: read at most once per `minIntervalMs` per Workspace; `false` turns it off. */
  readonly tuningProgress?: false | { readonly minIntervalMs?: number; readonly tailLines?: number };
  /**
   * Where container logs come from (default: the API's `pods/log`, i.e. the kubelet). Pass another reader when logs
   * are shipped elsewhere, or when the nodes' kubelets do not serve logs (a simulated node agent).
   */
  readonly logs?: LogReader;
  readonly clock?: Clock;
  readonly logger?: RuntimeLogger;
}

/** Reads the last `tailLines` lines of a container's log. */
export type LogReader = (namespace: string, pod: string, container: string, tailLines: number) => Promise<string>;

interface PassState {
  readonly updates: ConditionUpdate[];
  readonly remove: string[];
  targetNodeCount: number | undefined;
  workerNodes: readonly string[] | undefined;
  job: JobFacts | undefined;
  result: ReconcileResult | undefined;
  /** `status.tuningProgress` of this pass: `null` removes it, absent leaves it. */
  tuningProgress?: WorkspaceTuningProgress | null;
}

function isAlreadyExists(e: unknown): boolean {
  return isReconcilerError(e) && e.code === "ALREADY_EXISTS";
}

function asStatus(obj: KubeObject): WorkspaceStatusFields | undefined {
  return obj.status as WorkspaceStatusFields | undefined;
}

/** GPU details of BYO nodes from their NVIDIA GPU-feature-discovery labels (the first node that has them). */
export function byoGpuFromNodes(nodes: readonly KubeObject[]): ByoGpu | undefined {
  for (const n of nodes) {
    const l = n.metadata.labels ?? {};
    const count = Number(l[NodeLabel.GpuCount]);
    const memMiB = Number(l[NodeLabel.GpuMemory]);
    if (!(count > 0) || !(memMiB > 0)) continue;
    const product = l[NodeLabel.GpuProduct];
    return {
      gpuCount: count,
      totalGpuMemoryGiB: (count * memMiB) / 1024,
      ...(product !== undefined ? { product } : {}),
    };
  }
  return undefined;
}

/**
 * The Workspace reconciler; pass {@link WorkspaceReconciler.reconcile} to a controller (see `setupWorkspaceController`).
 */
export class WorkspaceReconciler {
  readonly #client: KubeClient;
  readonly #caches: WorkspaceCaches;
  readonly #provisioner: NodeProvisioner;
  readonly #events: EventSink;
  readonly #options: BuildOptions;
  readonly #nodeRequeueMs: number;
  readonly #nodeClaimsWatched: boolean;
  readonly #progress: { minIntervalMs: number; tailLines: number } | undefined;
  readonly #clock: Clock;
  readonly #log: RuntimeLogger;
  readonly #progressCache = new Map<string, { at: number; progress: TuningProgress | undefined; final: boolean }>();
  readonly #logs: LogReader;
  /** The resourceVersion of our last write of each Workspace, until the cache has caught up with it. */
  readonly #written = new Map<string, { uid: string | undefined; rv: bigint; at: number }>();

  constructor(opts: WorkspaceReconcilerOptions) {
    this.#client = opts.client;
    this.#caches = opts.caches;
    this.#provisioner = opts.provisioner;
    this.#events = opts.events;
    this.#options = resolveBuildOptions(opts.buildOptions as BuildOptionsInput | undefined);
    this.#nodeRequeueMs = opts.nodeRequeueMs ?? 2000;
    this.#nodeClaimsWatched = opts.nodeClaimsWatched ?? false;
    this.#progress =
      opts.tuningProgress === false
        ? undefined
        : {
            minIntervalMs: opts.tuningProgress?.minIntervalMs ?? 30_000,
            tailLines: opts.tuningProgress?.tailLines ?? 200,
          };
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.logger ?? silentLogger;
    this.#logs = opts.logs ?? ((ns, pod, container, tailLines) => this.#client.logs(ns, pod, { container, tailLines }));
  }

  /** The builder options in use. */
  get buildOptions(): BuildOptions {
    return this.#options;
  }

  /** One pass for one Workspace key. */
  reconcile = async (req: ReconcileRequest, ctx?: ReconcileContext): Promise<ReconcileResult | undefined> => {
    const log = ctx?.logger ?? this.#log;
    const ws = this.#caches.workspaces.get(req.key);
    if (ws === undefined) {
      this.#progressCache.delete(req.key);
      return undefined;
    }
    // The cache has not seen our own last write yet: acting on the older copy would repeat writes (or 409).
    if (this.#cacheBehind(req.key, ws)) return { requeueAfterMs: 50 };
    if (ws.metadata.deletionTimestamp !== undefined) return this.#deletion(ws);
    const state: PassState = {
      updates: [],
      remove: [],
      targetNodeCount: asStatus(ws)?.targetNodeCount,
      workerNodes: undefined,
      job: undefined,
      result: undefined,
    };
    let failure: unknown;
    let transient: string | undefined;
    try {
      await this.#pass(ws, state);
    } catch (e) {
      failure = e;
      const bad = badInput(e);
      if (bad !== undefined) {
        state.updates.push(...badInputConditions(bad));
        this.#events.event(ws, "Warning", bad.reason, bad.message);
        log.info({ workspace: ws.metadata.name, namespace: ws.metadata.namespace, reason: bad.reason }, bad.message);
      } else {
        transient = e instanceof Error ? e.message : String(e);
      }
    }
    // The deferred status update of Kaito's controller: always, even when the pass failed — unless writes are not
    // ours (NOT_LEADER), or the pass read a stale object (CONFLICT: the retry comes at once and sees the new one).
    if (!(isReconcilerError(failure) && (failure.code === "NOT_LEADER" || failure.code === "CONFLICT"))) {
      await this.#writeStatus(ws, state, transient);
    }
    if (failure !== undefined) throw failure;
    return state.result;
  };

  #noteWrite(obj: KubeObject): void {
    const rv = obj.metadata.resourceVersion;
    if (rv === undefined || !/^\d+$/.test(rv)) return;
    this.#written.set(keyOf(obj.metadata.namespace, obj.metadata.name ?? ""), {
      uid: obj.metadata.uid,
      rv: BigInt(rv),
      at: this.#clock.now(),
    });
  }

  #cacheBehind(key: string, ws: KubeObject): boolean {
    const w = this.#written.get(key);
    if (w === undefined) return false;
    const cur = ws.metadata.resourceVersion;
    // Give up after 10 s (a watch that is down): the pass then acts on what it has, as without the guard.
    if (
      w.uid !== ws.metadata.uid ||
      cur === undefined ||
      !/^\d+$/.test(cur) ||
      BigInt(cur) >= w.rv ||
      this.#clock.now() - w.at > 10_000
    ) {
      this.#written.delete(key);
      return false;
    }
    return true;
  }

  async #writeStatus(ws: KubeObject, state: PassState, error: string | undefined): Promise<void> {
    const next = computeStatus({
      workspace: ws as never,
      conditions: state.updates,
      remove: state.remove,
      targetNodeCount: state.targetNodeCount,
      workerNodes: state.workerNodes,
      tuningProgress: state.tuningProgress,
      job: state.job,
      error,
      now: new Date(this.#clock.now()),
    });
    if (!statusChanged(asStatus(ws), next)) return;
    const written = await this.#client.patch(
      Resources.Workspace,
      ws.metadata.namespace,
      ws.metadata.name ?? "",
      "merge",
      statusPatch(asStatus(ws), next),
      { subresource: "status" },
    );
    this.#noteWrite(written);
  }

  async #createIgnoringExisting(rt: ResourceType, obj: KubeObject): Promise<boolean> {
    try {
      await this.#client.create(rt, obj);
      return true;
    } catch (e) {
      if (isAlreadyExists(e)) return false;
      throw e;
    }
  }

  async #pass(raw: KubeObject, state: PassState): Promise<void> {
    const ws = toBuildWorkspace(raw as never);
    const ns = ws.metadata.namespace;
    const name = ws.metadata.name;
    const key = keyOf(ns, name);

    // §2.2 step 3: the revision of the current spec; old revisions beyond the history are deleted.
    const revisions = this.#caches.revisions.byIndex(WORKSPACE_INDEX, key) as unknown as V1ControllerRevision[];
    const plan = planRevision(ws, revisions);
    if (plan.create !== undefined)
      await this.#createIgnoringExisting(Resources.ControllerRevision, plan.create as unknown as KubeObject);
    for (const old of plan.delete) await this.#client.delete(Resources.ControllerRevision, ns, old);

    // Step 2 + the annotations of step 3 in one guarded write: the finalizer and workspace.kaito.io/hash|revision.
    const finalizers = raw.metadata.finalizers ?? [];
    const annotations = raw.metadata.annotations ?? {};
    const needFinalizer = !finalizers.includes(WORKSPACE_FINALIZER);
    const needAnnotations = Object.entries(plan.annotations).some(([k, v]) => annotations[k] !== v);
    if (needFinalizer || needAnnotations) {
      const patched = await this.#client.patch(Resources.Workspace, ns, name, "merge", {
        metadata: {
          resourceVersion: raw.metadata.resourceVersion,
          ...(needFinalizer ? { finalizers: [...finalizers, WORKSPACE_FINALIZER] } : {}),
          ...(needAnnotations ? { annotations: plan.annotations } : {}),
        },
      });
      this.#noteWrite(patched);
    }
    const revision = String(plan.revision);

    // Step 4: targetNodeCount, computed once.
    const byo = this.#options.nodeProvisioner === "byo";
    const byoGpu = byo ? this.#byoGpu(ws) : undefined;
    if (state.targetNodeCount === undefined || state.targetNodeCount <= 0) {
      let maxModelLen: number | undefined;
      if (ws.inference?.config !== undefined && ws.inference.config !== "") {
        const cm = await this.#client.get(Resources.ConfigMap, ns, ws.inference.config);
        maxModelLen = inferenceMaxModelLen(ws, cm as unknown as V1ConfigMap | undefined);
      }
      state.targetNodeCount = computeTargetNodeCount(ws, this.#options, {
        ...(maxModelLen !== undefined ? { maxModelLen } : {}),
        ...(byoGpu !== undefined ? { gpu: byoGpu } : {}),
      });
    }

    // Step 7: nodes.
    const request: NodeRequest = { workspace: ws, targetNodeCount: state.targetNodeCount };
    const provisioned = await this.#provisioner.provision(request);
    for (const ev of provisioned.events) this.#events.event(raw, ev.type, ev.reason, ev.message);
    const readiness = await this.#provisioner.readiness(request);
    for (const ev of readiness.events) this.#events.event(raw, ev.type, ev.reason, ev.message);
    state.updates.push(...resourceConditions(readiness));
    state.workerNodes = readiness.workerNodes;
    if (!readiness.ready) {
      state.updates.push(pending(`waiting for GPU nodes: ${readiness.message}`));
      // NodeClaims still coming: their watch events bring the next pass (as Kaito), unless nothing watches them.
      const onEvents =
        readiness.waitForEvents === true && this.#nodeClaimsWatched && provisioned.requeueAfterMs === undefined;
      const after = readiness.requeueAfterMs ?? provisioned.requeueAfterMs ?? this.#nodeRequeueMs;
      if (!onEvents) state.result = { requeueAfterMs: after };
      return;
    }

    // Step 9: the workload.
    const buildCtx: BuildContext = {
      revision,
      targetNodeCount: state.targetNodeCount,
      ...(byoGpu !== undefined ? { byoGpu } : {}),
    };
    if (ws.tuning !== undefined) await this.#tuning(raw, ws, buildCtx, state);
    else await this.#inference(ws, buildCtx, state);
  }

  #byoGpu(ws: BuildWorkspace): ByoGpu | undefined {
    const nodes = this.#caches.nodes;
    if (nodes === undefined) return undefined;
    const r = sanitizeLabelSelector(ws.resource.labelSelector);
    const sel = r.ok ? r.matchLabels : {};
    const matching = nodes.list().filter((n) => Object.entries(sel).every(([k, v]) => n.metadata.labels?.[k] === v));
    return byoGpuFromNodes(matching);
  }

  async #fullBuildContext(ws: BuildWorkspace, base: BuildContext): Promise<BuildContext> {
    const ns = ws.metadata.namespace;
    const sc =
      this.#caches.storageClasses !== undefined
        ? this.#caches.storageClasses.getByName(undefined, LOCAL_NVME_STORAGE_CLASS)
        : await this.#client.get(Resources.StorageClass, undefined, LOCAL_NVME_STORAGE_CLASS);
    let inferenceConfigMap: V1ConfigMap | undefined;
    if (ws.inference?.config !== undefined && ws.inference.config !== "") {
      inferenceConfigMap = (await this.#client.get(Resources.ConfigMap, ns, ws.inference.config)) as unknown as
        | V1ConfigMap
        | undefined;
    }
    return {
      ...base,
      nvmeStorageClass: sc !== undefined,
      ...(inferenceConfigMap !== undefined ? { inferenceConfigMap } : {}),
    };
  }

  async #inference(ws: BuildWorkspace, base: BuildContext, state: PassState): Promise<void> {
    const ns = ws.metadata.namespace;
    const name = ws.metadata.name;
    const raw = this.#caches.workspaces.get(keyOf(ns, name)) as KubeObject;
    // §2.3: Services, created once, never updated.
    const services = buildInferenceServices(ws, this.#options);
    for (const svc of [services.service, services.headless]) {
      const svcName = svc.metadata?.name ?? "";
      if (this.#caches.services.getByName(ns, svcName) === undefined) {
        await this.#createIgnoringExisting(Resources.Service, svc as unknown as KubeObject);
      }
    }
    // §2.4–§2.5: the StatefulSet.
    const revision = String(base.revision);
    let sts = this.#caches.statefulSets.getByName(ns, name);
    if (sts === undefined) {
      const desired = buildInferenceStatefulSet(ws, await this.#fullBuildContext(ws, base), this.#options);
      if (await this.#createIgnoringExisting(Resources.StatefulSet, desired as unknown as KubeObject)) {
        this.#events.event(raw, "Normal", "StatefulSetCreated", `created StatefulSet ${name} (revision ${revision})`);
      }
      state.updates.push(
        ...inferenceConditions({
          replicas: base.targetNodeCount,
          readyReplicas: 0,
          rolledOut: true,
          failure: undefined,
        }),
      );
      return;
    }
    if (revisionOf(sts) !== revision) {
      const desired = buildInferenceStatefulSet(ws, await this.#fullBuildContext(ws, base), this.#options);
      const update = statefulSetUpdate(
        sts,
        desired as unknown as KubeObject,
        revision,
        name,
        ws.inference?.template !== undefined,
      );
      if (update !== undefined) {
        sts = await this.#client.replace(Resources.StatefulSet, update);
        this.#events.event(raw, "Normal", "StatefulSetUpdated", `rolling StatefulSet ${name} to revision ${revision}`);
      }
    }
    const spec = (sts.spec ?? {}) as { replicas?: number };
    const st = (sts.status ?? {}) as {
      readyReplicas?: number;
      updatedReplicas?: number;
      observedGeneration?: number;
      currentRevision?: string;
      updateRevision?: string;
    };
    const replicas = spec.replicas ?? base.targetNodeCount;
    const rolledOut =
      (st.observedGeneration === undefined ||
        sts.metadata.generation === undefined ||
        st.observedGeneration >= sts.metadata.generation) &&
      (st.updateRevision === undefined ||
        st.currentRevision === undefined ||
        st.updateRevision === st.currentRevision ||
        (st.updatedReplicas ?? 0) >= replicas);
    const pods = this.#caches.pods.byIndex(WORKSPACE_INDEX, keyOf(ns, name)) as unknown as PodLike[];
    const failure = classifyPods(pods, this.#nodeMap(pods), { now: this.#clock.now() });
    state.updates.push(...inferenceConditions({ replicas, readyReplicas: st.readyReplicas ?? 0, rolledOut, failure }));
  }

  /** The cached nodes of these pods, by name (not every node of the cluster: a pass stays O(pods)). */
  #nodeMap(pods: readonly PodLike[]): Map<string, NodeLike> {
    const m = new Map<string, NodeLike>();
    for (const p of pods) {
      const name = p.spec?.nodeName;
      if (name === undefined || name === "" || m.has(name)) continue;
      const n = this.#caches.nodes?.getByName(undefined, name);
      if (n !== undefined) m.set(name, n as unknown as NodeLike);
    }
    return m;
  }

  async #tuning(raw: KubeObject, ws: BuildWorkspace, base: BuildContext, state: PassState): Promise<void> {
    const ns = ws.metadata.namespace;
    const name = ws.metadata.name;
    const revision = String(base.revision);
    const job = this.#caches.jobs.getByName(ns, name);
    const action = decideJob(job, revision);
    const pods = this.#caches.pods.byIndex(WORKSPACE_INDEX, keyOf(ns, name)) as unknown as PodLike[];
    if (action === "create") {
      const pushSecret = ws.tuning?.output?.imagePushSecret;
      if (ws.tuning?.output?.image !== undefined && pushSecret !== undefined && pushSecret !== "") {
        if ((await this.#client.get(Resources.Secret, ns, pushSecret)) === undefined) {
          throw new ReconcilerError(
            "SECRET_NOT_FOUND",
            `Workspace ${ns}/${name}: tuning.output.imagePushSecret names Secret ${ns}/${pushSecret}, which does not exist; ` +
              `create it (kubectl create secret docker-registry ${pushSecret} -n ${ns} --docker-server=… --docker-username=… --docker-password=…)`,
          );
        }
      }
      let userConfig: V1ConfigMap | undefined;
      if (ws.tuning?.config !== undefined && ws.tuning.config !== "") {
        userConfig = (await this.#client.get(Resources.ConfigMap, ns, ws.tuning.config)) as unknown as
          | V1ConfigMap
          | undefined;
      }
      const cfg = resolveTuningConfig(ws, userConfig);
      const desired = buildTuningJob(
        ws,
        { ...base, ...(userConfig !== undefined ? { tuningConfigMap: userConfig } : {}) },
        cfg,
        this.#options,
      );
      if (cfg.create !== undefined)
        await this.#createIgnoringExisting(Resources.ConfigMap, cfg.create as unknown as KubeObject);
      if (await this.#createIgnoringExisting(Resources.Job, desired as unknown as KubeObject)) {
        this.#events.event(raw, "Normal", "JobCreated", `created tuning Job ${name} (revision ${revision})`);
      }
      this.#progressCache.delete(keyOf(ns, name));
      state.updates.push(...tuningConditions(undefined, undefined));
      state.remove.push(TUNING_PROGRESS_CONDITION);
      state.tuningProgress = null;
      return;
    }
    if (action === "recreate" && job !== undefined) {
      await this.#client.delete(Resources.Job, ns, name, {
        propagationPolicy: "Foreground",
        preconditions: { uid: job.metadata.uid ?? "" },
      });
      this.#events.event(
        raw,
        "Normal",
        "JobRecreating",
        `the tuning spec changed (revision ${revision}): deleting Job ${name} to create it again`,
      );
      state.updates.push(pending(`replacing the tuning Job for revision ${revision}`));
      return;
    }
    if (action === "wait-for-deletion" || job === undefined) {
      state.updates.push(pending(`waiting for the old tuning Job ${name} to be deleted`));
      return;
    }
    const facts = jobFacts(job);
    state.job = facts;
    const failure = classifyPods(pods, this.#nodeMap(pods), { now: this.#clock.now() });
    state.updates.push(...tuningConditions(facts, failure));
    if (facts.started && this.#progress !== undefined) {
      const progress = await this.#readProgress(keyOf(ns, name), ns, name, pods, facts);
      state.updates.push(tuningProgressCondition(progress.progress));
      // the typed copy, in the same status write as the condition
      const typed = progress.progress !== undefined ? tuningProgressStatus(progress.progress, progress.at) : undefined;
      if (typed !== undefined) state.tuningProgress = typed;
      if (!facts.succeeded && !facts.failed) state.result = { requeueAfterMs: progress.nextReadInMs };
    }
  }

  /** The trainer's progress, read from its log at most once per interval. */
  async #readProgress(
    key: string,
    ns: string,
    container: string,
    pods: readonly PodLike[],
    facts: JobFacts,
  ): Promise<{ progress: TuningProgress | undefined; at: Date; nextReadInMs: number }> {
    const cfg = this.#progress as { minIntervalMs: number; tailLines: number };
    const now = this.#clock.now();
    const cached = this.#progressCache.get(key);
    const finished = facts.succeeded || facts.failed;
    // After the Job finished, the log is read once more (for the final summary), then never again.
    if (cached?.final === true)
      return { progress: cached.progress, at: new Date(cached.at), nextReadInMs: cfg.minIntervalMs };
    if (cached !== undefined && !finished && now - cached.at < cfg.minIntervalMs) {
      return {
        progress: cached.progress,
        at: new Date(cached.at),
        nextReadInMs: Math.max(1, cfg.minIntervalMs - (now - cached.at)),
      };
    }
    // The newest pod that has started (a retried Job has several).
    const candidates = pods
      .filter((p) => p.status?.phase === "Running" || p.status?.phase === "Succeeded" || p.status?.phase === "Failed")
      .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
    const pod = candidates[candidates.length - 1];
    let progress = cached?.progress;
    if (pod?.metadata.name !== undefined) {
      try {
        const text = await this.#logs(ns, pod.metadata.name, container, cfg.tailLines);
        const parsed = parseTrainerLog(text);
        // A tail may miss the older dict lines: keep values the new tail does not repeat.
        progress = {
          ...(cached?.progress ?? {}),
          ...Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)),
        } as TuningProgress;
      } catch (e) {
        // At most once per minIntervalMs per Workspace. A refused read (pods/log) is the likely cause: say so.
        this.#log.warn(
          { err: e, workspace: key, pod: pod.metadata.name, container },
          "could not read the trainer log (tuning progress stays unknown); check that the controller may get pods/log",
        );
      }
    }
    this.#progressCache.set(key, { at: now, progress, final: finished });
    return { progress, at: new Date(now), nextReadInMs: cfg.minIntervalMs };
  }

  /** §2.7: `WorkspaceDeleting`, release the nodes, then remove the finalizer. */
  async #deletion(ws: KubeObject): Promise<ReconcileResult | undefined> {
    const finalizers = ws.metadata.finalizers ?? [];
    if (!finalizers.includes(WORKSPACE_FINALIZER)) return undefined;
    const ns = ws.metadata.namespace ?? "default";
    const name = ws.metadata.name ?? "";
    this.#progressCache.delete(keyOf(ns, name));
    const state: PassState = {
      updates: [deletingCondition()],
      remove: [],
      targetNodeCount: undefined,
      workerNodes: undefined,
      job: undefined,
      result: undefined,
    };
    await this.#writeStatus(ws, state, undefined);
    const released = await this.#provisioner.release({
      name,
      namespace: ns,
      ...(ws.metadata.uid !== undefined ? { uid: ws.metadata.uid } : {}),
    });
    for (const ev of released.events) this.#events.event(ws, ev.type, ev.reason, ev.message);
    if (!released.done) return { requeueAfterMs: released.requeueAfterMs ?? this.#nodeRequeueMs };
    await this.#client.patch(Resources.Workspace, ns, name, "merge", {
      metadata: {
        resourceVersion: ws.metadata.resourceVersion,
        finalizers: finalizers.filter((f) => f !== WORKSPACE_FINALIZER),
      },
    });
    return undefined;
  }
}
