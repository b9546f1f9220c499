/** Request counters by verb, resource and client (the product of the User-Agent). */
import type { Verb } from "./faults.ts";

/** One counted bucket. */
export interface RequestCount {
  verb: Verb | "discovery";
  /** Resource as `plural` (core) or `plural.group`, with `/subresource` when one was addressed; `""` for discovery. */
  resource: string;
  /** First product token of the User-Agent (`kubectl`, `kubernetes-client-javascript`, `undici`, ...). */
  client: string;
  count: number;
}

/** A filter for {@link RequestCounters.get}. */
export interface CountFilter {
  verb?: RequestCount["verb"];
  resource?: string;
  client?: string;
}

/** The handle returned by `startCluster(...).counters`. */
export interface RequestCounters {
  /** The sum of the buckets matching the filter (all when empty). */
  get(filter?: CountFilter): number;
  /** Every bucket. */
  snapshot(): RequestCount[];
  /** Zeroes all counters. */
  reset(): void;
}

/** The client name of a User-Agent: `kubectl/v1.32.4 (linux/amd64)` → `kubectl`. */
export function clientOf(userAgent: string | undefined): string {
  if (!userAgent) return "unknown";
  const token = userAgent.split(/[\s/]/)[0] ?? "unknown";
  return token === "" ? "unknown" : token;
}

/** The counter implementation. */
export class Counters implements RequestCounters {
  private buckets = new Map<string, RequestCount>();

  record(verb: RequestCount["verb"], resource: string, client: string): void {
    const key = `${verb}\u0000${resource}\u0000${client}`;
    const b = this.buckets.get(key);
    if (b) b.count++;
    else this.buckets.set(key, { verb, resource, client, count: 1 });
  }

  get(filter: CountFilter = {}): number {
    let n = 0;
    for (const b of this.buckets.values()) {
      if (filter.verb !== undefined && b.verb !== filter.verb) continue;
      if (filter.client !== undefined && b.client !== filter.client) continue;
      if (
        filter.resource !== undefined &&
        b.resource !== filter.resource &&
        b.resource.replace(/\.[^/]*/, "") !== filter.resource
      )
        continue;
      n += b.count;
    }
    return n;
  }

  snapshot(): RequestCount[] {
    return [...this.buckets.values()].map((b) => ({ ...b }));
  }

  reset(): void {
    this.buckets.clear();
  }
}
