/**
 * A fault proxy in front of a real kube-apiserver, for the integration tests that need faults cluster-sim injects
 * natively: error answers (with `Retry-After`), latency, dropped watch streams, and compaction (a watch from a
 * resourceVersion older than the compaction point gets the in-stream `410 Expired` the real server sends). Clients
 * talk plain HTTP to the proxy; the proxy talks TLS with the admin credentials of `target` to the API server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";

type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

interface Rule {
  readonly id: number;
  readonly verb?: Verb | undefined;
  readonly resource?: string | undefined;
  readonly status?: number | undefined;
  readonly latencyMs?: number | undefined;
  remaining: number;
}

interface Classified {
  readonly verb: Verb | "other";
  /** Plural, e.g. `configmaps`. */
  readonly resource: string;
  /** `plural.group` (or the plural for the core group). */
  readonly groupResource: string;
  readonly subresource: string | undefined;
  /** The collection path (for the compaction list). */
  readonly collectionPath: string;
}

function classify(method: string, url: URL): Classified {
  const parts = url.pathname.split("/").filter((p) => p !== "");
  let group = "";
  let rest: string[];
  if (parts[0] === "api") rest = parts.slice(2);
  else if (parts[0] === "apis") {
    group = parts[1] ?? "";
    rest = parts.slice(3);
  } else
    return { verb: "other", resource: "", groupResource: "", subresource: undefined, collectionPath: url.pathname };
  const base = parts[0] === "api" ? `/api/${parts[1] ?? ""}` : `/apis/${parts[1] ?? ""}/${parts[2] ?? ""}`;
  let prefix = base;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    prefix = `${base}/namespaces/${rest[1]}`;
    rest = rest.slice(2);
  }
  const resource = rest[0] ?? "";
  const name = rest[1];
  const sub = rest[2];
  const watch = url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1";
  let verb: Classified["verb"];
  switch (method) {
    case "GET":
      verb = watch ? "watch" : name === undefined ? "list" : "get";
      break;
    case "POST":
      verb = "create";
      break;
    case "PUT":
      verb = "update";
      break;
    case "PATCH":
      verb = "patch";
      break;
    case "DELETE":
      verb = name === undefined ? "deletecollection" : "delete";
      break;
    default:
      verb = "other";
  }
  return {
    verb,
    resource,
    groupResource: group === "" ? resource : `${resource}.${group}`,
    subresource: sub,
    collectionPath: `${prefix}/${resource}`,
  };
}

const REASONS: Record<number, string> = {
  400: "BadRequest",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  410: "Expired",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
};

/** A running fault proxy. */
export interface FaultProxy {
  /** A kubeconfig whose clients go through the proxy. */
  readonly kubeConfig: KubeConfig;
  fail(rule: { verb: Verb; resource: string; status: number; times?: number }): () => void;
  delay(rule: { verb: Verb; resource: string; ms: number; times?: number }): () => void;
  dropWatches(resource: string): void;
  compact(resource: string): void;
  clear(): void;
  /** Requests of one client (`User-Agent` product) by verb and `plural.group[/subresource]`. */
  count(verb: string, resource: string, client: string): number;
  stop(): Promise<void>;
}

/** Start a fault proxy in front of the API server of `target`. */
export async function startFaultProxy(target: KubeConfig): Promise<FaultProxy> {
  const cluster = target.getCurrentCluster();
  if (cluster === null) throw new Error("fault proxy: the target kubeconfig has no current cluster");
  const upstream = new URL(cluster.server);
  const tls: RequestOptions = {};
  await target.applyToHTTPSOptions(tls as never);
  const rules: Rule[] = [];
  let nextId = 1;
  const watches = new Map<string, Set<ServerResponse>>();
  const compactions = new Map<string, Promise<bigint>>();
  const counts = new Map<string, number>();

  const matches = (r: Rule, c: Classified) =>
    (r.verb === undefined || r.verb === c.verb) &&
    (r.resource === undefined || r.resource === c.resource || r.resource === c.groupResource) &&
    r.remaining > 0;

  function addRule(rule: Omit<Rule, "id" | "remaining">, times: number | undefined): () => void {
    const r: Rule = { ...rule, id: nextId++, remaining: times ?? Number.POSITIVE_INFINITY };
    rules.push(r);
    return () => {
      const i = rules.indexOf(r);
      if (i >= 0) rules.splice(i, 1);
    };
  }

  /** The current resourceVersion of a collection, read through the real server. */
  function currentRv(path: string): Promise<bigint> {
    return new Promise((resolve) => {
      const req = httpsRequest(
        {
          ...tls,
          hostname: upstream.hostname,
          port: upstream.port,
          path: `${path}?limit=1`,
          method: "GET",
          headers: { accept: "application/json" },
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => {
            body += d;
          });
          res.on("end", () => {
            try {
              resolve(
                BigInt(
                  (JSON.parse(body) as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion ?? "0",
                ),
              );
            } catch {
              resolve(0n);
            }
          });
        },
      );
      req.on("error", () => resolve(0n));
      req.end();
    });
  }

  function status(res: ServerResponse, code: number, message: string): void {
    const body = JSON.stringify({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason: REASONS[code] ?? "InternalError",
      code,
    });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (code === 429 || code === 503) headers["retry-after"] = "1";
    res.writeHead(code, headers);
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://proxy");
    const c = classify(req.method ?? "GET", url);
    const agent = (req.headers["user-agent"] ?? "").split(/[\s/]/)[0] ?? "";
    const countKey = `${agent}|${c.verb}|${c.groupResource}${c.subresource !== undefined ? `/${c.subresource}` : ""}`;
    counts.set(countKey, (counts.get(countKey) ?? 0) + 1);
    for (const r of rules) {
      if (!matches(r, c)) continue;
      r.remaining--;
      if (r.latencyMs !== undefined) await new Promise((ok) => setTimeout(ok, r.latencyMs));
      if (r.status !== undefined) {
        req.resume();
        status(res, r.status, `injected fault ${r.status} for ${c.verb} ${c.groupResource}`);
        return;
      }
    }
    if (c.verb === "watch") {
      const compacted = compactions.get(c.resource);
      const rv = url.searchParams.get("resourceVersion");
      if (
        compacted !== undefined &&
        rv !== null &&
        rv !== "" &&
        rv !== "0" &&
        /^\d+$/.test(rv) &&
        BigInt(rv) < (await compacted)
      ) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          `${JSON.stringify({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `too old resource version: ${rv} (${await compacted})`, reason: "Expired", code: 410 } })}\n`,
        );
        return;
      }
    }
    const headers = { ...req.headers, host: upstream.host };
    delete headers.authorization;
    const up = httpsRequest(
      { ...tls, hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (c.verb === "watch") {
          let set = watches.get(c.resource);
          if (set === undefined) {
            set = new Set();
            watches.set(c.resource, set);
          }
          const s = set;
          s.add(res);
          res.on("close", () => {
            s.delete(res);
            upRes.destroy();
          });
        }
        upRes.pipe(res);
      },
    );
    up.on("error", (e) => {
      if (!res.headersSent) status(res, 503, `fault proxy: upstream error: ${e.message}`);
      else res.destroy();
    });
    req.pipe(up);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) status(res, 500, `fault proxy: ${String(e)}`);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "proxy", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "proxy", token: "unused" }],
    contexts: [{ name: "proxy", cluster: "proxy", user: "proxy", namespace: "default" }],
    currentContext: "proxy",
  });

  return {
    kubeConfig: kc,
    fail: (r) => addRule({ verb: r.verb, resource: r.resource, status: r.status }, r.times),
    delay: (r) => addRule({ verb: r.verb, resource: r.resource, latencyMs: r.ms }, r.times),
    dropWatches(resource) {
      for (const res of watches.get(resource) ?? []) res.end();
    },
    compact(resource) {
      const path = resource.includes(".") ? undefined : resource;
      // Core-group plurals only need `/api/v1/<plural>`; grouped ones are given as `plural.group/version`-less names
      // in these tests, so only core resources and leases are compacted here.
      const collection = path === "leases" ? "/apis/coordination.k8s.io/v1/leases" : `/api/v1/${path ?? resource}`;
      compactions.set(resource, currentRv(collection));
    },
    clear() {
      rules.splice(0);
      compactions.clear();
    },
    count: (verb, resource, client) => counts.get(`${client}|${verb}|${resource}`) ?? 0,
    async stop() {
      for (const set of watches.values()) for (const r of set) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
