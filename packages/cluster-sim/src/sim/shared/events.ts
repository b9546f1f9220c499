/** Records core/v1 Events through the API, aggregating repeats like the real event recorder (count, lastTimestamp). */
import type { KubeObject } from "../../store/api.ts";
import type { SimApi } from "../api/types.ts";
import { errorReason, timestamp } from "./objects.ts";
import { R } from "./resources.ts";

/** `Normal` or `Warning`. */
export type EventType = "Normal" | "Warning";

/** Writes Events about objects; never throws (events are best effort, as in Kubernetes). */
export class EventRecorder {
  readonly #api: SimApi;
  readonly #now: () => Date;
  readonly #host: string;
  /** Dedup key → the Event's name and count. */
  readonly #seen = new Map<string, { name: string; count: number }>();
  readonly #pending = new Set<Promise<void>>();
  #seq = 0;

  constructor(api: SimApi, now: () => Date, host = "kaito-sim") {
    this.#api = api;
    this.#now = now;
    this.#host = host;
  }

  /**
   * Records `reason`/`message` about `object` as `source.component` (e.g. `kubelet`, `default-scheduler`). Returns at
   * once; the write happens in the background ({@link flush} waits for it).
   */
  record(object: KubeObject, type: EventType, reason: string, message: string, source: EventSource): void {
    const write = this.#write(object, type, reason, message, source).catch(() => {
      // Events are best effort, as in Kubernetes.
    });
    this.#pending.add(write);
    void write.finally(() => this.#pending.delete(write));
  }

  /** Waits for the events being written. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  async #write(object: KubeObject, type: EventType, reason: string, message: string, source: EventSource) {
    const { component, host, fieldPath } = source;
    const namespace = object.metadata.namespace ?? "default";
    const name = object.metadata.name ?? "";
    const now = timestamp(this.#now());
    const dedupKey = `${object.metadata.uid ?? name}|${fieldPath ?? ""}|${type}|${reason}|${message}|${component}`;
    const seen = this.#seen.get(dedupKey);
    if (seen !== undefined) {
      seen.count++;
      try {
        await this.#api.patch(R.events, namespace, seen.name, "merge", { count: seen.count, lastTimestamp: now });
        return;
      } catch (error) {
        if (errorReason(error) !== "NotFound") throw error;
        // The Event expired or was deleted: a new one below.
      }
    }
    const eventName = `${name}.${(Date.now() * 1000 + (this.#seq++ % 1000)).toString(16)}`;
    const src: Record<string, string> = { component };
    if (host !== undefined) src.host = host;
    this.#seen.set(dedupKey, { name: eventName, count: 1 });
    if (this.#seen.size > 5000) this.#seen.delete(this.#seen.keys().next().value as string);
    await this.#api.create(R.events, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: eventName, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
        ...(fieldPath === undefined ? {} : { fieldPath }),
      },
      reason,
      message,
      type,
      source: src,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      reportingComponent: component,
      reportingInstance: host ?? this.#host,
    });
  }
}

/** Who reports an event, and about which part of the object. */
export interface EventSource {
  component: string;
  host?: string | undefined;
  fieldPath?: string | undefined;
}
