/**
 * Which Services a pod change concerns, as the endpoints controller's `getPodServiceMemberships` decides: the
 * Services of the pod's namespace whose selector matches the pod's labels, now or before the change (a pod whose
 * labels stop matching leaves those Endpoints). The Services' selectors are indexed by one of their `key=value` pairs,
 * so finding them costs the pod's labels and the candidate Services, not every Service of the namespace.
 */
import type { KubeObject, StoreEventType } from "../../store/api.ts";
import { asStringRecord, keyOf, specOf } from "../shared/objects.ts";

const pairKey = (namespace: string, k: string, v: string) => `${namespace}\u0000${k}\u0000${v}`;

interface IndexedService {
  readonly selector: ReadonlyArray<readonly [string, string]>;
  readonly pair: string;
}

/** The Service selectors of the cache, and the labels each pod had when last seen. */
export class ServiceMembership {
  readonly #byPair = new Map<string, Set<string>>();
  readonly #services = new Map<string, IndexedService>();
  readonly #podLabels = new Map<string, Record<string, string>>();
  /** Services looked at by {@link servicesForPod} so far (for tests that bound the work per pod event). */
  visited = 0;

  /** Takes a Service event. A Service without a selector selects no pod. */
  serviceChanged(type: StoreEventType, service: KubeObject): void {
    const key = keyOf(service);
    const old = this.#services.get(key);
    if (old !== undefined) {
      const set = this.#byPair.get(old.pair);
      set?.delete(key);
      if (set?.size === 0) this.#byPair.delete(old.pair);
      this.#services.delete(key);
    }
    if (type === "DELETED") return;
    const selector = Object.entries(asStringRecord(specOf(service).selector));
    const first = selector[0];
    if (first === undefined) return;
    const pair = pairKey(service.metadata.namespace ?? "", first[0], first[1]);
    this.#services.set(key, { selector, pair });
    let set = this.#byPair.get(pair);
    if (set === undefined) {
      set = new Set();
      this.#byPair.set(pair, set);
    }
    set.add(key);
  }

  /** Takes a pod event; returns the keys (`ns/name`) of the Services selecting the pod now or before it. */
  servicesForPod(type: StoreEventType, pod: KubeObject): string[] {
    const podKey = keyOf(pod);
    const before = this.#podLabels.get(podKey);
    const now = pod.metadata.labels ?? {};
    if (type === "DELETED") this.#podLabels.delete(podKey);
    else this.#podLabels.set(podKey, now);
    const namespace = pod.metadata.namespace ?? "";
    const out = new Set<string>();
    for (const labels of before === undefined || before === now ? [now] : [before, now]) {
      for (const [k, v] of Object.entries(labels)) {
        for (const key of this.#byPair.get(pairKey(namespace, k, v)) ?? []) {
          this.visited++;
          const svc = this.#services.get(key);
          if (svc?.selector.every(([sk, sv]) => labels[sk] === sv)) out.add(key);
        }
      }
    }
    return [...out];
  }
}
