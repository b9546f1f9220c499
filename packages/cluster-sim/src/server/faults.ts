/** Fault injection for tests and benchmarks: error answers, added latency, dropped watches, forced compaction. */

/** The request verbs the API server distinguishes. */
export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection" | "proxy";

/** A fault rule; every given matcher must match. */
export interface FaultRule {
  /** Verb to match (any when absent). */
  verb?: Verb;
  /** Resource to match: plural (`pods`), `plural.group` (`workspaces.kaito.sh`) or with subresource (`deployments/scale`). */
  resource?: string;
  namespace?: string;
  name?: string;
  /** Answer with this HTTP status and a matching `Status` (409, 429, 500, 503, ...). */
  status?: number;
  /** `Retry-After` seconds for 429/503 answers (default 1). */
  retryAfterSeconds?: number;
  /** Custom message of the error Status. */
  message?: string;
  /** Delay before the request is handled (or answered with the error). */
  latencyMs?: number;
  /** For watches: end the stream after this many milliseconds. */
  dropWatchAfterMs?: number;
  /** With `dropWatchAfterMs`: destroy the socket instead of ending the stream cleanly (client-node informers stop on this). */
  dropAbruptly?: boolean;
  /** How many requests the rule applies to (unlimited when absent). */
  times?: number;
}

/** What a matching request sees. */
export interface FaultRequest {
  verb: Verb;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

interface ActiveRule extends FaultRule {
  id: number;
  remaining: number;
}

/** The handle returned by `startCluster(...).faults`. */
export interface FaultInjector {
  /** Adds a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void;
  /** Removes every rule. */
  clear(): void;
  /** Drops the retained watch history (of one resource, or all): watches from older resourceVersions get 410. */
  compact(resource?: string): void;
  /** Ends the open watch streams (of one resource, or all) now; `abrupt` destroys the sockets instead. */
  dropWatches(resource?: string, abrupt?: boolean): void;
}

/** True when `rule.resource` names the request's resource. */
export function resourceMatches(spec: string | undefined, group: string, resource: string, sub?: string): boolean {
  if (spec === undefined) return true;
  const [base, subSpec] = spec.split("/");
  if (subSpec !== undefined && subSpec !== sub) return false;
  if (subSpec === undefined && sub !== undefined && sub !== "status" && sub !== "scale") return false;
  return base === resource || base === (group === "" ? resource : `${resource}.${group}`);
}

/** The rule store behind {@link FaultInjector}. */
export class FaultRules {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  add(rule: FaultRule): () => void {
    const active: ActiveRule = { ...rule, id: this.nextId++, remaining: rule.times ?? Number.POSITIVE_INFINITY };
    this.rules.push(active);
    return () => {
      this.rules = this.rules.filter((r) => r.id !== active.id);
    };
  }

  clear(): void {
    this.rules = [];
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The first matching rule (consuming one of its `times`). */
  match(req: FaultRequest): FaultRule | undefined {
    for (const r of this.rules) {
      if (r.remaining <= 0) continue;
      if (r.verb !== undefined && r.verb !== req.verb) continue;
      if (!resourceMatches(r.resource, req.group, req.resource, req.subresource)) continue;
      if (r.namespace !== undefined && r.namespace !== req.namespace) continue;
      if (r.name !== undefined && r.name !== req.name) continue;
      r.remaining--;
      if (r.remaining <= 0) this.rules = this.rules.filter((x) => x.id !== r.id);
      return r;
    }
    return undefined;
  }
}
