/**
 * An event recorder: core/v1 Events on an object, as `kubectl describe` shows them, aggregated like client-go's
 * recorder: the same object + type + reason + message again → the existing Event's `count` is incremented and its
 * `lastTimestamp` moved (one PATCH) instead of a new Event. Writes are asynchronous, serialized per Event, go through
 * the client's write guard (a replica that is not the leader records nothing), and never throw at the caller.
 */
import { isReconcilerError } from "../errors.ts";
import { type Clock, systemClock } from "./clock.ts";
import { type RuntimeLogger, silentLogger } from "./logger.ts";
import { type KubeObject, Resources } from "./resources.ts";
import type { KubeClient } from "./rest-client.ts";

/** Event type. */
export type EventType = "Normal" | "Warning";

/** Records Events about objects. */
export interface EventSink {
  /** Record an event; returns at once (the write happens in the background). */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  readonly client: KubeClient;
  /** `source.component` / `reportingComponent`, e.g. `kaito-ts-workspace-controller`. */
  readonly component: string;
  /** `source.host` / `reportingInstance` (default the `HOSTNAME` env). */
  readonly host?: string;
  /** Aggregation entries kept (default 4096, least recently used dropped). */
  readonly cacheSize?: number;
  readonly clock?: Clock;
  readonly logger?: RuntimeLogger;
}

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

function kubeTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Messages longer than the API's 1 KiB note limit are cut. */
const MAX_MESSAGE = 1024;

/**
 * The recorder.
 * @example
 * const recorder = new EventRecorder({ client, component: "kaito-ts-workspace-controller" });
 * recorder.event(workspace, "Normal", "NodeClaimCreated", "created NodeClaim ws1a2b3c4d5");
 * await recorder.flush();
 */
export class EventRecorder implements EventSink {
  readonly #client: KubeClient;
  readonly #component: string;
  readonly #host: string;
  readonly #cacheSize: number;
  readonly #clock: Clock;
  readonly #log: RuntimeLogger;
  readonly #cache = new Map<string, Aggregate>();
  readonly #chains = new Map<string, Promise<void>>();
  #seq = 0;

  constructor(opts: EventRecorderOptions) {
    this.#client = opts.client;
    this.#component = opts.component;
    this.#host = opts.host ?? process.env.HOSTNAME ?? "";
    this.#cacheSize = opts.cacheSize ?? 4096;
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.logger ?? silentLogger;
  }

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const msg = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
    const uid = obj.metadata.uid ?? `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
    const key = `${uid}\u0000${type}\u0000${reason}\u0000${msg}`;
    const prev = this.#chains.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.#write(key, obj, type, reason, msg)).catch(() => {});
    this.#chains.set(key, next);
    void next.then(() => {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
  }

  /** Wait until every recorded event has been written (or dropped). */
  async flush(): Promise<void> {
    while (this.#chains.size > 0) await Promise.all([...this.#chains.values()]);
  }

  async #write(key: string, obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const now = this.#clock.now();
    const agg = this.#cache.get(key);
    try {
      if (agg !== undefined) {
        this.#cache.delete(key);
        this.#cache.set(key, agg); // LRU: most recent last
        const patched = await this.#client
          .patch(Resources.Event, agg.namespace, agg.name, "merge", {
            count: agg.count + 1,
            lastTimestamp: kubeTime(now),
          })
          .then(
            () => true,
            (e: unknown) => {
              if (isReconcilerError(e) && e.code === "NOT_FOUND") return false;
              throw e;
            },
          );
        if (patched) {
          agg.count++;
          return;
        }
        this.#cache.delete(key);
      }
      const created = await this.#create(obj, type, reason, message, now);
      this.#cache.set(key, created);
      while (this.#cache.size > this.#cacheSize) {
        const oldest = this.#cache.keys().next().value as string;
        this.#cache.delete(oldest);
      }
    } catch (e) {
      if (isReconcilerError(e) && e.code === "NOT_LEADER") return;
      this.#log.warn({ err: e, reason, object: obj.metadata.name }, "could not record event");
    }
  }

  async #create(obj: KubeObject, type: EventType, reason: string, message: string, now: number): Promise<Aggregate> {
    const namespace =
      obj.metadata.namespace !== undefined && obj.metadata.namespace !== "" ? obj.metadata.namespace : "default";
    // client-go names events `<object>.<unix nanoseconds in hex>`; a sequence keeps names unique within a millisecond.
    const nanos = BigInt(now) * 1_000_000n + BigInt(this.#seq++ % 1_000_000);
    const name = `${obj.metadata.name ?? "object"}.${nanos.toString(16)}`;
    const ts = kubeTime(now);
    const body: KubeObject = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        ...(obj.apiVersion !== undefined ? { apiVersion: obj.apiVersion } : {}),
        ...(obj.kind !== undefined ? { kind: obj.kind } : {}),
        name: obj.metadata.name,
        ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}),
        ...(obj.metadata.uid !== undefined ? { uid: obj.metadata.uid } : {}),
        ...(obj.metadata.resourceVersion !== undefined ? { resourceVersion: obj.metadata.resourceVersion } : {}),
      },
      reason,
      message,
      type,
      source: { component: this.#component, ...(this.#host !== "" ? { host: this.#host } : {}) },
      reportingComponent: this.#component,
      reportingInstance: this.#host,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
    };
    await this.#client.create(Resources.Event, body);
    return { name, namespace, count: 1, firstTimestamp: ts };
  }
}
