/**
 * The manager: the composition root of the runtime, like controller-runtime's `Manager`. It owns the shared
 * informers (started on every replica, so a standby has a warm cache), the controllers (started only on the
 * leader, after their caches synced), leader election, the guarded client the controllers write with, the event
 * recorder, and graceful shutdown.
 */
import { ReconcilerError } from "../errors.ts";
import { type ClusterAccess, type ClusterConnection, toClusterAccess } from "./cluster-access.ts";
import { type Clock, systemClock } from "./clock.ts";
import { Controller, type ControllerOptions } from "./controller.ts";
import { EventRecorder } from "./events.ts";
import { type IndexFunc, Informer, type InformerOptions } from "./informer.ts";
import { LeaderElector } from "./leader-election.ts";
import { type RuntimeLogger, silentLogger } from "./logger.ts";
import type { RuntimeMetrics } from "./metrics.ts";
import type { KubeObject, ResourceType } from "./resources.ts";
import { type KubeClient, KubeRestClient, type KubeRestClientOptions } from "./rest-client.ts";

/** Leader election settings of a {@link Manager}. */
export interface ManagerLeaderElection {
  /** Namespace of the Lease (the operator's namespace). */
  readonly namespace: string;
  /** Lease name. */
  readonly name: string;
  readonly identity?: string;
  /** Default 15,000. */
  readonly leaseDurationMs?: number;
  /** Default 10,000. */
  readonly renewDeadlineMs?: number;
  /** Default 2,000. */
  readonly retryPeriodMs?: number;
  /** Default true. */
  readonly releaseOnCancel?: boolean;
}

/** Options of {@link Manager}. */
export interface ManagerOptions {
  /**
   * The API server: a client-node `KubeConfig`, or a {@link ClusterAccess} such as {@link inClusterAccess} (in a pod:
   * client-node is then never loaded).
   */
  readonly kubeConfig: ClusterConnection;
  /** Default `fieldManager` of writes (default `kaito-ts`). */
  readonly fieldManager?: string;
  /** Leader election; off when absent. */
  readonly leaderElection?: ManagerLeaderElection;
  /** How long {@link Manager.stop} waits for reconciles in flight (default 30,000 ms). */
  readonly gracefulShutdownTimeoutMs?: number;
  /** How long controllers wait for their caches before failing (default 120,000 ms). */
  readonly cacheSyncTimeoutMs?: number;
  /** Defaults for every informer (relist/resync periods, watch timeout, back-off). */
  readonly informerDefaults?: Partial<
    Pick<InformerOptions, "relistPeriodMs" | "resyncPeriodMs" | "watchTimeoutSeconds" | "backoff" | "pageSize">
  >;
  /** `source.component` of Events (default `kaito-ts`). */
  readonly eventComponent?: string;
  /** Extra options of the REST clients (timeouts, request counters). */
  readonly client?: Omit<KubeRestClientOptions, "writeGuard" | "fieldManager">;
  readonly metrics?: RuntimeMetrics;
  readonly logger?: RuntimeLogger;
  readonly clock?: Clock;
}

/** Options of {@link Manager.informer}. */
export interface ManagerInformerOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly indexers?: Readonly<Record<string, IndexFunc>>;
  /**
   * Transform objects before they are cached, to keep only what the controllers read (controller-runtime's
   * `cache.Options.ByObject[].Transform`). It receives the object as decoded (do not keep references to parts you
   * drop) and must keep `metadata.name`, `namespace` and `resourceVersion`. Applies when this call creates the shared
   * informer; a later call for the same resource and selectors gets the existing informer with its transform.
   * Default: `stripManagedFields` (drop `metadata.managedFields`).
   */
  readonly transform?: (obj: KubeObject) => KubeObject;
}

/**
 * The manager.
 * @example
 * const mgr = new Manager({ kubeConfig: kc, leaderElection: { namespace: "kaito", name: "kaito-ts" } });
 * const workspaces = mgr.informer(Resources.Workspace);
 * mgr.controller({ name: "workspace", maxConcurrentReconciles: 5, reconcile: async (req) => undefined })
 *   .watchFor(workspaces);
 * await mgr.start();
 * process.on("SIGTERM", () => void mgr.stop());
 */
export class Manager {
  /** The client controllers write with; guarded by leader election when it is on. */
  readonly client: KubeClient;
  /** An unguarded client for reads and for Lease writes. */
  readonly readClient: KubeClient;
  readonly events: EventRecorder;
  readonly elector: LeaderElector | undefined;
  /** Settles when the manager has stopped: resolves after {@link Manager.stop}, rejects `NOT_LEADER` on leadership loss. */
  readonly done: Promise<void>;
  readonly #opts: ManagerOptions;
  readonly #clock: Clock;
  readonly #log: RuntimeLogger;
  readonly #informers = new Map<string, Informer>();
  readonly #controllers: Controller[] = [];
  #resolveDone!: () => void;
  #rejectDone!: (e: Error) => void;
  #started = false;
  #stopping: Promise<void> | undefined;
  #controllersStarted = false;

  constructor(opts: ManagerOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.logger ?? silentLogger;
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolveDone = resolve;
      this.#rejectDone = reject;
    });
    // Callers that never await `done` must not see an unhandled rejection.
    this.done.catch(() => {});
    const base = {
      ...(opts.client ?? {}),
      ...(opts.fieldManager !== undefined ? { fieldManager: opts.fieldManager } : {}),
    };
    // One access for both clients: they share its connection pool.
    const access = toClusterAccess(opts.kubeConfig);
    this.readClient = new KubeRestClient(access, base);
    const le = opts.leaderElection;
    if (le !== undefined) {
      this.elector = new LeaderElector({
        client: this.readClient,
        namespace: le.namespace,
        name: le.name,
        clock: this.#clock,
        logger: this.#log,
        ...(le.identity !== undefined ? { identity: le.identity } : {}),
        ...(le.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
        ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
        ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
        ...(le.releaseOnCancel !== undefined ? { releaseOnCancel: le.releaseOnCancel } : {}),
        ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}),
        onStartedLeading: () => void this.#startControllers(),
        onStoppedLeading: () => void this.#lostLeadership(),
      });
      this.client = new KubeRestClient(access, { ...base, writeGuard: this.elector });
    } else {
      this.elector = undefined;
      this.client = this.readClient;
    }
    this.events = new EventRecorder({
      client: this.client,
      component: opts.eventComponent ?? "kaito-ts",
      clock: this.#clock,
      logger: this.#log,
    });
  }

  /** The shared informer of a resource type (+ namespace and selectors); created on first use. */
  informer(resource: ResourceType, opts: ManagerInformerOptions = {}): Informer {
    const id = [
      resource.group,
      resource.version,
      resource.resource,
      opts.namespace,
      opts.labelSelector,
      opts.fieldSelector,
    ].join("|");
    let inf = this.#informers.get(id);
    if (inf === undefined) {
      inf = new Informer({
        ...(this.#opts.informerDefaults ?? {}),
        client: this.readClient,
        resource,
        clock: this.#clock,
        logger: this.#log,
        ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
        ...(opts.labelSelector !== undefined ? { labelSelector: opts.labelSelector } : {}),
        ...(opts.fieldSelector !== undefined ? { fieldSelector: opts.fieldSelector } : {}),
        ...(opts.transform !== undefined ? { transform: opts.transform } : {}),
      });
      this.#informers.set(id, inf);
      if (this.#started) inf.start();
    }
    for (const [name, fn] of Object.entries(opts.indexers ?? {})) inf.addIndexer(name, fn);
    return inf;
  }

  /** Add a controller; it starts when the manager leads (at once without leader election). */
  controller(opts: Omit<ControllerOptions, "clock" | "metrics" | "logger">): Controller {
    const c = new Controller({
      ...opts,
      clock: this.#clock,
      logger: this.#log,
      ...(this.#opts.metrics !== undefined ? { metrics: this.#opts.metrics } : {}),
    });
    this.#controllers.push(c);
    if (this.#controllersStarted) void this.#startController(c);
    return c;
  }

  /** True when this replica may write (always without leader election). */
  isLeader(): boolean {
    return this.elector === undefined ? true : this.elector.isLeader();
  }

  /** True when every informer has synced (a readiness check). */
  cachesSynced(): boolean {
    for (const inf of this.#informers.values()) if (!inf.hasSynced()) return false;
    return true;
  }

  /** Start informers, then leader election (or the controllers directly). Resolves once started. */
  async start(): Promise<void> {
    if (this.#started) return;
    if (this.#stopping !== undefined)
      throw new ReconcilerError("SHUT_DOWN", "the manager was stopped: create a new one");
    this.#started = true;
    for (const inf of this.#informers.values()) inf.start();
    if (this.elector !== undefined) this.elector.start();
    else await this.#startControllers();
  }

  async #startControllers(): Promise<void> {
    if (this.#controllersStarted || this.#stopping !== undefined) return;
    this.#controllersStarted = true;
    await Promise.all(this.#controllers.map((c) => this.#startController(c)));
  }

  async #startController(c: Controller): Promise<void> {
    const timeout = this.#opts.cacheSyncTimeoutMs ?? 120_000;
    try {
      await Promise.all(c.informers.map((i) => i.waitForSync(timeout)));
    } catch (e) {
      this.#log.error({ err: e, controller: c.name }, "caches did not sync; stopping");
      void this.#shutdown(e as Error);
      return;
    }
    if (this.#stopping === undefined) c.start();
  }

  async #lostLeadership(): Promise<void> {
    await this.#shutdown(
      new ReconcilerError(
        "NOT_LEADER",
        "leadership lost: the Lease was not renewed in time; restart the process to rejoin",
      ),
    );
  }

  /** Graceful shutdown: stop taking work, wait for reconciles in flight (up to the deadline), release the Lease. */
  stop(): Promise<void> {
    return this.#shutdown(undefined);
  }

  #shutdown(error: Error | undefined): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    this.#stopping = (async () => {
      const deadline = this.#opts.gracefulShutdownTimeoutMs ?? 30_000;
      await Promise.all(this.#controllers.map((c) => c.stop(deadline)));
      await this.events.flush();
      await this.elector?.stop();
      await Promise.all([...this.#informers.values()].map((i) => i.stop()));
      if (error === undefined) this.#resolveDone();
      else this.#rejectDone(error);
    })();
    return this.#stopping;
  }

  /** The clock the manager runs on. */
  get clock(): Clock {
    return this.#clock;
  }

  /** The logger the manager and its controllers write to (silent unless one was given). */
  get logger(): RuntimeLogger {
    return this.#log;
  }
}
