/** The service proxy: `/api/v1/namespaces/<ns>/services/<[scheme:]name[:port]>/proxy/<path>` forwarded to an endpoint. */
import { type IncomingMessage, request as httpRequest, type ServerResponse } from "node:http";
import { ClusterSimError, pathNotFound } from "../errors/index.ts";
import type { ResourceTarget } from "./routing.ts";

/** Where a service port is served: a host and port reachable from this process. */
export interface ServiceEndpoint {
  host: string;
  port: number;
}

/**
 * Resolves `(namespace, service, port)` to an endpoint. `port` is the port segment of the proxy URL (a number or a
 * port name as a string; `""` when the URL names none). Undefined means "no endpoints available".
 */
export type ServiceResolver = (namespace: string, service: string, port: string) => ServiceEndpoint | undefined;

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "authorization",
]);

/** Where pods' ports and logs come from (the simulation's kubelet). */
export interface PodSource {
  /** The endpoint of a pod's port (a number or a port name as a string), for the pod proxy; undefined: unreachable. */
  resolvePod(namespace: string, pod: string, port: string): ServiceEndpoint | undefined;
  /** A container's log text (of its previous run with `previous`), for `pods/log`; undefined: no logs. */
  logs(namespace: string, pod: string, container: string | undefined, previous: boolean): string | undefined;
}

/** Splits `[scheme:]name[:port]`. */
export function parseServiceRef(ref: string): { scheme: string; name: string; port: string } {
  const parts = ref.split(":");
  if (parts.length === 3) return { scheme: parts[0] ?? "", name: parts[1] ?? "", port: parts[2] ?? "" };
  if (parts.length === 2) return { scheme: "", name: parts[0] ?? "", port: parts[1] ?? "" };
  return { scheme: "", name: ref, port: "" };
}

/** Forwards a service proxy request to the resolved endpoint and streams the answer back. */
export function proxyToService(
  req: IncomingMessage,
  res: ServerResponse,
  resolver: ServiceResolver | undefined,
  t: ResourceTarget,
): Promise<void> {
  const { name, port } = parseServiceRef(t.name ?? "");
  const namespace = t.namespace ?? "default";
  if (name === "") throw pathNotFound();
  const endpoint = resolver?.(namespace, name, port);
  if (!endpoint) throw new ClusterSimError("ServiceUnavailable", `no endpoints available for service "${name}"`);
  return forward(req, res, endpoint, t.proxyPath ?? "/");
}

/** Forwards a pod proxy request (`pods/<name[:port]>/proxy/<path>`). */
export function proxyToPod(
  req: IncomingMessage,
  res: ServerResponse,
  source: PodSource | undefined,
  t: ResourceTarget,
): Promise<void> {
  const { name, port } = parseServiceRef(t.name ?? "");
  if (name === "") throw pathNotFound();
  const endpoint = source?.resolvePod(t.namespace ?? "default", name, port);
  if (!endpoint)
    throw new ClusterSimError(
      "ServiceUnavailable",
      `error trying to reach pod "${name}": no process serves port ${port || "(default)"}`,
    );
  return forward(req, res, endpoint, t.proxyPath ?? "/");
}

function forward(req: IncomingMessage, res: ServerResponse, endpoint: ServiceEndpoint, path: string): Promise<void> {
  const query = (req.url ?? "").includes("?") ? (req.url ?? "").slice((req.url ?? "").indexOf("?")) : "";
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
  headers.host = `${endpoint.host}:${endpoint.port}`;
  return new Promise((resolve) => {
    const upstream = httpRequest(
      { host: endpoint.host, port: endpoint.port, method: req.method, path: `${path}${query}`, headers },
      (up) => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
        up.on("end", () => resolve());
        up.on("error", () => {
          res.destroy();
          resolve();
        });
      },
    );
    upstream.on("error", (e) => {
      if (!res.headersSent) {
        const err = new ClusterSimError(
          "ServiceUnavailable",
          `error trying to reach service: dial tcp ${endpoint.host}:${endpoint.port}: ${e.message}`,
        );
        res.writeHead(503, { "Content-Type": "application/json" });
        res.end(JSON.stringify(err.status));
      } else res.destroy();
      resolve();
    });
    req.pipe(upstream);
  });
}
