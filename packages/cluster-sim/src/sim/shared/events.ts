/** Records core/v1 Events through the store, aggregating repeats like the real event recorder (count, lastTimestamp). */
import type { ClusterStore, KubeObject } from "../../store/api.ts";
import { num, timestamp } from "./objects.ts";
import { R } from "./resources.ts";

/** `Normal` or `Warning`. */
export type EventType = "Normal" | "Warning";

/** Writes Events about objects; never throws (events are best effort, as in Kubernetes). */
export class EventRecorder {
  readonly #store: ClusterStore;
  readonly #now: () => Date;
  readonly #host: string;
  readonly #seen = new Map<string, string>();
  #seq = 0;

  constructor(store: ClusterStore, now: () => Date, host = "kaito-sim") {
    this.#store = store;
    this.#now = now;
    this.#host = host;
  }

  /** Records `reason`/`message` about `object` as `source.component` (e.g. `kubelet`, `default-scheduler`). */
  record(object: KubeObject, type: EventType, reason: string, message: string, source: EventSource): void {
    const { component, host, fieldPath } = source;
    const namespace = object.metadata.namespace ?? "default";
    const name = object.metadata.name ?? "";
    const now = timestamp(this.#now());
    const dedupKey = `${object.metadata.uid ?? name}|${fieldPath ?? ""}|${type}|${reason}|${message}|${component}`;
    try {
      const existingName = this.#seen.get(dedupKey);
      if (existingName !== undefined) {
        const existing = this.#store.get(R.events, namespace, existingName);
        if (existing !== undefined) {
          this.#store.patch(R.events, namespace, existingName, "merge", {
            count: (num(existing.count) ?? 1) + 1,
            lastTimestamp: now,
          });
          return;
        }
      }
      const eventName = `${name}.${(Date.now() * 1000 + (this.#seq++ % 1000)).toString(16)}`;
      const src: Record<string, string> = { component };
      if (host !== undefined) src.host = host;
      this.#store.create(R.events, {
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
      this.#seen.set(dedupKey, eventName);
      if (this.#seen.size > 5000) this.#seen.delete(this.#seen.keys().next().value as string);
    } catch {
      // Events are best effort.
    }
  }
}

/** Who reports an event, and about which part of the object. */
export interface EventSource {
  component: string;
  host?: string | undefined;
  fieldPath?: string | undefined;
}
