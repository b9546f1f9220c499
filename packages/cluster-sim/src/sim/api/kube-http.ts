/**
 * HTTP to a Kubernetes API server as a `@kubernetes/client-node` KubeConfig describes it (server URL, CA, client
 * certificate, bearer token or auth plugin — applied by the KubeConfig itself), over Node's own `http`/`https` with
 * keep-alive. Requests answer `{ status, body }`; watches stream one JSON event per line.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { ClusterSimError, type StatusDetails, type StatusReason } from "../../errors/index.ts";
import type { ResourceKey } from "../../store/api.ts";
import { asObj, num, str } from "../shared/objects.ts";

/** Resources without a namespace in their paths (the ones the simulation may meet). */
const CLUSTER_SCOPED = new Set([
  "nodes",
  "namespaces",
  "persistentvolumes",
  "nodeclaims",
  "nodepools",
  "customresourcedefinitions",
  "clusterroles",
  "clusterrolebindings",
  "storageclasses",
  "priorityclasses",
]);

/** The collection path of `resource` (in `namespace` when it is namespaced and one is given). */
export function collectionPath(resource: ResourceKey, namespace?: string): string {
  const base = resource.group === "" ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const ns =
    namespace !== undefined && namespace !== "" && !CLUSTER_SCOPED.has(resource.resource)
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : "";
  return `${base}${ns}/${resource.resource}`;
}

/** The path of one object (and of its subresource). */
export function objectPath(
  resource: ResourceKey,
  namespace: string | undefined,
  name: string,
  subresource?: string,
): string {
  const path = `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
  return subresource === undefined ? path : `${path}/${subresource}`;
}

const REASON_BY_CODE: Record<number, StatusReason> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  503: "ServiceUnavailable",
  504: "Timeout",
};
const KNOWN_REASONS = new Set<string>([...Object.values(REASON_BY_CODE), "AlreadyExists", "Expired", "InternalError"]);

/**
 * The error for a failed request: a ClusterSimError with the server's Status reason (or one derived from the HTTP
 * code) and HTTP code, naming the request.
 */
export function apiError(httpCode: number, body: unknown, what: string): ClusterSimError {
  const status = asObj(body);
  const given = str(status.reason);
  const reason: StatusReason =
    given !== undefined && KNOWN_REASONS.has(given)
      ? (given as StatusReason)
      : (REASON_BY_CODE[httpCode] ?? "InternalError");
  const message = str(status.message) ?? (typeof body === "string" && body !== "" ? body : `HTTP ${httpCode}`);
  return new ClusterSimError(reason, `${what}: ${message}`, {
    details: asObj(status.details) as StatusDetails,
    httpCode: num(status.code) ?? httpCode,
  });
}

/** One HTTP answer. */
export interface KubeResponse {
  status: number;
  /** Parsed JSON, or the text when it is not JSON. */
  body: unknown;
}

/** Options of a request. */
export interface KubeRequest {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

/** A connection to the API server of a KubeConfig's current context. */
export class KubeHttp {
  readonly server: string;
  readonly #kc: KubeConfig;
  readonly #agent: http.Agent;
  readonly #https: boolean;
  readonly #userAgent: string;

  /** `userAgent`: the User-Agent of every request (the server's request counters and audit logs show it). */
  constructor(kubeConfig: KubeConfig, userAgent = "kaito-sim/v0 (cluster-sim simulation)") {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) {
      throw new ClusterSimError(
        "BadRequest",
        `the kubeconfig has no current cluster (current context "${kubeConfig.getCurrentContext()}"): set current-context to a context whose cluster exists`,
      );
    }
    this.server = cluster.server.replace(/\/+$/, "");
    this.#kc = kubeConfig;
    this.#userAgent = userAgent;
    this.#https = this.server.startsWith("https:");
    this.#agent = this.#https
      ? new https.Agent({ keepAlive: true, maxSockets: 32 })
      : new http.Agent({ keepAlive: true, maxSockets: 32 });
  }

  #url(path: string, query: KubeRequest["query"]): URL {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async #options(method: string, keepAlive: boolean): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = { method, headers: {} };
    await this.#kc.applyToHTTPSOptions(opts);
    opts.headers = {
      ...(opts.headers as Record<string, string>),
      Accept: "application/json",
      "User-Agent": this.#userAgent,
    };
    opts.agent = keepAlive ? this.#agent : false;
    return opts;
  }

  #send(url: URL, opts: https.RequestOptions, payload: string | undefined): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = (this.#https ? https : http).request(url, opts, resolve);
      req.on("error", (error) => {
        reject(
          new ClusterSimError(
            "ServiceUnavailable",
            `cannot reach the API server at ${this.server} (${opts.method} ${url.pathname}): ${error.message}`,
            { cause: error },
          ),
        );
      });
      req.end(payload);
    });
  }

  /** Sends one request and reads the whole answer (any status). */
  async request(method: string, path: string, options: KubeRequest = {}): Promise<KubeResponse> {
    const url = this.#url(path, options.query);
    const opts = await this.#options(method, true);
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      opts.headers = {
        ...(opts.headers as Record<string, string>),
        "Content-Type": options.contentType ?? "application/json",
        "Content-Length": String(Buffer.byteLength(payload)),
      };
    }
    if (options.signal !== undefined) opts.signal = options.signal;
    const res = await this.#send(url, opts, payload);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = text;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.statusCode ?? 0, body };
  }

  /**
   * Opens a watch and calls `onEvent` per line until the server ends the stream (resolves), the connection fails
   * (rejects) or `signal` aborts (resolves). A non-200 answer rejects with its error.
   */
  async watch(
    path: string,
    query: KubeRequest["query"],
    onEvent: (event: { type: string; object: unknown }) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const url = this.#url(path, { ...query, watch: true });
    const opts = await this.#options("GET", false);
    opts.signal = signal;
    let res: http.IncomingMessage;
    try {
      res = await this.#send(url, opts, undefined);
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      let body: unknown = Buffer.concat(chunks).toString("utf8");
      try {
        body = JSON.parse(body as string);
      } catch {
        // keep the text
      }
      throw apiError(res.statusCode ?? 0, body, `watch ${url.pathname}`);
    }
    let rest = "";
    try {
      for await (const chunk of res) {
        rest += (chunk as Buffer).toString("utf8");
        let nl = rest.indexOf("\n");
        while (nl >= 0) {
          const line = rest.slice(0, nl).trim();
          rest = rest.slice(nl + 1);
          if (line !== "") {
            const event = JSON.parse(line) as { type: string; object: unknown };
            onEvent(event);
          }
          nl = rest.indexOf("\n");
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      throw new ClusterSimError(
        "ServiceUnavailable",
        `the watch ${url.pathname} on ${this.server} broke: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  /** Closes idle connections. */
  close(): void {
    this.#agent.destroy();
  }
}
