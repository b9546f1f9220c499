/**
 * A controller: a work queue of keys fed by informers (the primary type, owned types mapped to their controller
 * owner, arbitrary mappers), drained by up to `maxConcurrentReconciles` workers, with controller-runtime's result
 * handling: an error → rate-limited retry; `requeueAfterMs` → forget the back-off and re-add after the delay;
 * `requeue` → rate-limited re-add; success → forget.
 */
import { isReconcilerError } from "../errors.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Informer } from "./informer.ts";
import { childLogger, type RuntimeLogger, silentLogger } from "./logger.ts";
import { emitMetric, type ReconcileResultLabel, type RuntimeMetrics } from "./metrics.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { type KubeObject, objectKey, splitKey } from "./resources.ts";
import { WorkQueue } from "./work-queue.ts";

/** What a reconcile is asked to do: bring the object of this key to its desired state. */
export interface ReconcileRequest {
  /** `namespace/name` or `name`. */
  readonly key: string;
  readonly namespace: string | undefined;
  readonly name: string;
}

/** What a reconcile returns. */
export interface ReconcileResult {
  /** Reconcile this key again after this many ms (the back-off is reset). */
  readonly requeueAfterMs?: number;
  /** Reconcile again through the rate limiter. */
  readonly requeue?: boolean;
}

/** Per-call context of a reconcile. */
export interface ReconcileContext {
  /** Aborted when the controller's shutdown deadline passes. */
  readonly signal: AbortSignal;
  /** A logger with `controller`, `key`, `reconcileID` fields. */
  readonly logger: RuntimeLogger;
  /** An id unique to this reconcile pass. */
  readonly reconcileId: string;
}

/** The reconcile function. Throwing means "retry with back-off". */
export type ReconcileFunc = (req: ReconcileRequest, ctx: ReconcileContext) => Promise<ReconcileResult | undefined>;

/** The event kinds a predicate sees. */
export type WatchEventKind = "add" | "update" | "delete";

/** Filters events before they enqueue anything; return false to ignore. */
export type EventPredicate = (kind: WatchEventKind, obj: KubeObject, old: KubeObject | undefined) => boolean;

/** Maps an object to the keys to reconcile. */
export type KeyMapper = (obj: KubeObject) => readonly string[];

/** Options of {@link Controller}. */
export interface ControllerOptions {
  /** Name in logs and metrics (`controller` / `name` labels). */
  readonly name: string;
  readonly reconcile: ReconcileFunc;
  /** Workers (default 1; Kaito's workspace controller uses 5). */
  readonly maxConcurrentReconciles?: number;
  readonly rateLimiter?: RateLimiter<string>;
  readonly clock?: Clock;
  readonly metrics?: RuntimeMetrics;
  readonly logger?: RuntimeLogger;
}

/** The owner kind an owned object is mapped to. */
export interface OwnerKind {
  /** API group of the owner (`kaito.sh`); matched against the group of the reference's `apiVersion`. */
  readonly group: string;
  readonly kind: string;
}

let reconcileCounter = 0;

/**
 * The `result` field of the debug line logged after each pass: `done` (no requeue), `requeue-after` (with
 * `requeueAfterMs`), `requeue` (rate-limited), `error` (back-off; the error itself is logged at warn, or debug for
 * conflicts and `NOT_LEADER`).
 */
type PassResult = "done" | "requeue-after" | "requeue" | "error";

const PASS_RESULT: Readonly<Record<ReconcileResultLabel, PassResult>> = {
  success: "done",
  requeue_after: "requeue-after",
  requeue: "requeue",
  error: "error",
};

/** Maps an object to its controller owner of `owner` kind, in the object's namespace. */
export function ownerMapper(owner: OwnerKind): KeyMapper {
  return (obj) => {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      if (ref.controller !== true || ref.kind !== owner.kind) continue;
      const slash = ref.apiVersion.indexOf("/");
      const group = slash < 0 ? "" : ref.apiVersion.slice(0, slash);
      if (group !== owner.group) continue;
      const ns = obj.metadata.namespace;
      return [ns === undefined || ns === "" ? ref.name : `${ns}/${ref.name}`];
    }
    return [];
  };
}

/** Maps an object to `namespace/name` read from two labels (e.g. NodeClaims → their Workspace). */
export function labelMapper(namespaceLabel: string, nameLabel: string): KeyMapper {
  return (obj) => {
    const ns = obj.metadata.labels?.[namespaceLabel];
    const name = obj.metadata.labels?.[nameLabel];
    return ns === undefined || name === undefined || ns === "" || name === "" ? [] : [`${ns}/${name}`];
  };
}

/** A controller; {@link Controller.start} runs its workers, {@link Controller.stop} drains them. */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  readonly #reconcile: ReconcileFunc;
  readonly #concurrency: number;
  readonly #clock: Clock;
  readonly #metrics: RuntimeMetrics | undefined;
  readonly #log: RuntimeLogger;
  readonly #informers: Informer[] = [];
  #workers: Promise<void>[] = [];
  #active = 0;
  #started = false;
  readonly #abort = new AbortController();

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.#reconcile = opts.reconcile;
    this.#concurrency = Math.max(1, opts.maxConcurrentReconciles ?? 1);
    this.#clock = opts.clock ?? systemClock;
    this.#metrics = opts.metrics;
    this.#log = childLogger(opts.logger ?? silentLogger, { controller: opts.name });
    this.queue = new WorkQueue<string>({
      name: opts.name,
      clock: this.#clock,
      ...(opts.rateLimiter !== undefined ? { rateLimiter: opts.rateLimiter } : {}),
      ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}),
    });
  }

  /** Reconciles in progress now. */
  get activeReconciles(): number {
    return this.#active;
  }

  /** The informers this controller reads from (the manager waits for them to sync before starting workers). */
  get informers(): readonly Informer[] {
    return this.#informers;
  }

  /** Enqueue the object's own key on every event (the primary type). */
  watchFor(informer: Informer, predicate?: EventPredicate): this {
    return this.watchMapped(informer, (o) => [objectKey(o)], predicate);
  }

  /** Enqueue the controller owner (of kind `owner`) of every object of `informer`. */
  watchOwned(informer: Informer, owner: OwnerKind, predicate?: EventPredicate): this {
    return this.watchMapped(informer, ownerMapper(owner), predicate);
  }

  /** Enqueue whatever keys `mapper` returns for each event's object. */
  watchMapped(informer: Informer, mapper: KeyMapper, predicate?: EventPredicate): this {
    if (!this.#informers.includes(informer)) this.#informers.push(informer);
    const enqueue = (kind: WatchEventKind, obj: KubeObject, old?: KubeObject) => {
      if (predicate !== undefined && !predicate(kind, obj, old)) return;
      for (const k of mapper(obj)) this.queue.add(k);
      // An update that moved the object to another owner must wake the old one too.
      if (old !== undefined && old !== obj) for (const k of mapper(old)) this.queue.add(k);
    };
    informer.addHandler({
      onAdd: (o) => enqueue("add", o),
      onUpdate: (old, o) => enqueue("update", o, old),
      onDelete: (o) => enqueue("delete", o),
    });
    return this;
  }

  /** Start the workers (idempotent). Informers are started by their owner (the manager). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    emitMetric(this.#metrics?.maxConcurrentReconciles, this.name, this.#concurrency);
    for (let i = 0; i < this.#concurrency; i++) this.#workers.push(this.#worker());
  }

  /**
   * Stop taking work, then wait for reconciles in flight up to `deadlineMs` (default 30 s); past the deadline their
   * `signal` is aborted. Resolves `true` when every reconcile finished in time.
   */
  async stop(deadlineMs = 30_000): Promise<boolean> {
    this.queue.shutDown();
    const all = Promise.all(this.#workers).then(() => true);
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = this.#clock.setTimer(deadlineMs, () => resolve(false));
    });
    const inTime = await Promise.race([all, timeout]);
    timer?.cancel();
    if (!inTime) {
      this.#abort.abort();
      this.#log.warn({ inFlight: this.#active }, "shutdown deadline passed with reconciles in flight");
    }
    return inTime;
  }

  async #worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.#active++;
      emitMetric(this.#metrics?.activeWorkers, this.name, this.#active);
      try {
        await this.#process(key);
      } finally {
        this.#active--;
        emitMetric(this.#metrics?.activeWorkers, this.name, this.#active);
        this.queue.done(key);
      }
    }
  }

  async #process(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const reconcileId = `${Date.now().toString(36)}-${(++reconcileCounter).toString(36)}`;
    const logger = childLogger(this.#log, { key, reconcileID: reconcileId });
    const started = this.#clock.now();
    let label: ReconcileResultLabel;
    let requeueAfterMs: number | undefined;
    try {
      const res = await this.#reconcile({ key, namespace, name }, { signal: this.#abort.signal, logger, reconcileId });
      if (res?.requeueAfterMs !== undefined && res.requeueAfterMs > 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, res.requeueAfterMs);
        label = "requeue_after";
        requeueAfterMs = res.requeueAfterMs;
      } else if (res?.requeue === true) {
        this.queue.addRateLimited(key);
        label = "requeue";
      } else {
        this.queue.forget(key);
        label = "success";
      }
    } catch (e) {
      label = "error";
      const retryAfter = isReconcilerError(e) ? e.retryAfterSeconds : undefined;
      if (retryAfter !== undefined && retryAfter > 0) {
        // The server said when to come back (429/503 Retry-After).
        this.queue.addAfter(key, retryAfter * 1000);
      } else {
        this.queue.addRateLimited(key);
      }
      const level = isReconcilerError(e) && (e.code === "CONFLICT" || e.code === "NOT_LEADER") ? "debug" : "warn";
      logger[level]({ err: e, retries: this.queue.numRequeues(key) }, "reconcile failed; retrying with back-off");
    }
    const durationMs = this.#clock.now() - started;
    // One line per finished pass at debug level (`--log-level=debug`): the logger carries controller, key and
    // reconcileID; no object content, so nothing secret.
    logger.debug(
      {
        result: PASS_RESULT[label],
        durationMs,
        ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
      },
      "reconcile finished",
    );
    emitMetric(this.#metrics?.reconcileDone, this.name, label, durationMs / 1000);
  }
}
