/**
 * The Kubernetes client adapter: a small REST client over a {@link ClusterConnection} (client-node's `KubeConfig`,
 * with its authentication, TLS and proxy handling, or the pod's ServiceAccount) and undici, working on plain JSON objects. It maps every failed answer to
 * a {@link ReconcilerError} in one place, sends the right patch content types, and consults a {@link WriteGuard}
 * before every write — the fencing of leader election: a replica that is not the leader cannot write.
 */
import { type Dispatcher, request } from "undici";
import { codeForHttpStatus, isReconcilerError, ReconcilerError } from "../errors.ts";
import { type ClusterAccess, type ClusterConnection, toClusterAccess } from "./cluster-access.ts";
import { groupResourceOf, type KubeObject, type ResourceType } from "./resources.ts";

/** Decides whether this process may write to the API now. */
export interface WriteGuard {
  /** True when writes are allowed. */
  canWrite(): boolean;
  /** Why writes are refused (for the `NOT_LEADER` error message). */
  refusal?(): string;
}

/** Patch flavours and their content types. */
export type PatchType = "merge" | "json" | "apply" | "strategic";

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
  strategic: "application/strategic-merge-patch+json",
};

/** Options of a list call. */
export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
}

/** A list answer. */
export interface ListResult {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
  /** The continue token of a paginated list, when more pages follow. */
  readonly continue?: string;
}

/** Options of a watch call. */
export interface WatchOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
  /** The server ends the stream after this many seconds. */
  readonly timeoutSeconds?: number;
  /** Abort the stream. */
  readonly signal?: AbortSignal;
}

/** One watch event. `ERROR` events carry a `Status` object. */
export interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: KubeObject;
}

/** Options of writes. */
export interface WriteOptions {
  /** `fieldManager` query parameter (default: the client's). */
  readonly fieldManager?: string;
  /** Write to a subresource (`status`). */
  readonly subresource?: string;
}

/** Options of a patch. */
export interface PatchOptions extends WriteOptions {
  /** `force=true` (server-side apply only). */
  readonly force?: boolean;
}

/** Options of a delete. */
export interface DeleteOptions {
  readonly propagationPolicy?: "Foreground" | "Background" | "Orphan";
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

/** Options of a pod log read. */
export interface LogOptions {
  readonly container?: string;
  readonly tailLines?: number;
  readonly sinceSeconds?: number;
  readonly limitBytes?: number;
}

/**
 * What the runtime and the reconciler need from the API. {@link KubeRestClient} implements it over HTTP; tests may
 * implement it in memory.
 */
export interface KubeClient {
  /** The object, or `undefined` when it does not exist. */
  get(rt: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  list(rt: ResourceType, opts?: ListOptions): Promise<ListResult>;
  create(rt: ResourceType, obj: KubeObject, opts?: WriteOptions): Promise<KubeObject>;
  /** PUT; a stale `metadata.resourceVersion` fails with `CONFLICT`. */
  replace(rt: ResourceType, obj: KubeObject, opts?: WriteOptions): Promise<KubeObject>;
  patch(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts?: PatchOptions,
  ): Promise<KubeObject>;
  /** Returns `false` when the object was already gone. */
  delete(rt: ResourceType, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<boolean>;
  /** Stream events to `onEvent` until the server ends the stream or `signal` aborts; resolves then. */
  watch(rt: ResourceType, opts: WatchOptions, onEvent: (e: WatchEvent) => void): Promise<void>;
  /** Container log text. */
  logs(namespace: string, pod: string, opts?: LogOptions): Promise<string>;
}

/** Options of {@link KubeRestClient}. */
export interface KubeRestClientOptions {
  /** Consulted before every create/replace/patch/delete; a refusal throws `NOT_LEADER` without a request. */
  readonly writeGuard?: WriteGuard;
  /** Default `fieldManager` of writes (default `kaito-ts`). */
  readonly fieldManager?: string;
  /** Timeout of non-watch requests in ms (default 30,000). */
  readonly requestTimeoutMs?: number;
  /** Seconds the authentication headers are reused before the kubeconfig is asked again (default 30). */
  readonly authCacheSeconds?: number;
  /** `User-Agent` of every request (default `kaito-ts-reconciler-core`), so API servers can count this client. */
  readonly userAgent?: string;
  /** Called after every request with its verb, resource and HTTP status (0 when no answer) — for counters. */
  readonly onRequest?: (verb: string, resource: string, status: number) => void;
}

interface KubeStatus {
  readonly kind?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
}

function queryString(q: Record<string, string | number | boolean | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

/** The URL path of a collection or an object. */
export function resourcePath(
  rt: ResourceType,
  namespace: string | undefined,
  name?: string,
  subresource?: string,
): string {
  const base = rt.group === "" ? `/api/${rt.version}` : `/apis/${rt.group}/${rt.version}`;
  const ns = rt.namespaced && namespace !== undefined && namespace !== "" ? `/namespaces/${namespace}` : "";
  let p = `${base}${ns}/${rt.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) p += `/${subresource}`;
  return p;
}

/** A `ReconcilerError` for a non-2xx answer. */
export function apiError(
  status: number,
  bodyText: string,
  path: string,
  verb: string,
  retryAfter: string | undefined,
): ReconcilerError {
  let st: KubeStatus | undefined;
  try {
    const parsed = JSON.parse(bodyText) as unknown;
    if (typeof parsed === "object" && parsed !== null) st = parsed as KubeStatus;
  } catch {
    st = undefined;
  }
  const reason = st?.reason;
  const retryAfterSeconds = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  const serverMessage = st?.message ?? (bodyText.length > 200 ? `${bodyText.slice(0, 200)}…` : bodyText);
  const code = codeForHttpStatus(status, reason);
  return new ReconcilerError(
    code,
    `${verb} ${path}: HTTP ${status}${reason !== undefined ? ` ${reason}` : ""}: ${serverMessage}`,
    {
      httpStatus: status,
      ...(reason !== undefined ? { reason } : {}),
      path,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    },
  );
}

/**
 * The REST client over a `KubeConfig` or a {@link ClusterAccess}.
 * @example
 * const kc = new k8s.KubeConfig(); kc.loadFromDefault();
 * const client = new KubeRestClient(kc, { fieldManager: "kaito-ts/workspace-controller" });
 * const ws = await client.get(Resources.Workspace, "default", "ws");
 */
export class KubeRestClient implements KubeClient {
  readonly #access: ClusterAccess;
  readonly #guard: WriteGuard | undefined;
  readonly #fieldManager: string;
  readonly #timeoutMs: number;
  readonly #authCacheMs: number;
  readonly #onRequest: KubeRestClientOptions["onRequest"];
  readonly #userAgent: string;
  #auth: { headers: Record<string, string>; dispatcher: Dispatcher | undefined; until: number } | undefined;

  /** @throws ReconcilerError `INVALID_ARGUMENT` when a `KubeConfig` has no current cluster. */
  constructor(connection: ClusterConnection, opts: KubeRestClientOptions = {}) {
    this.#access = toClusterAccess(connection);
    this.#guard = opts.writeGuard;
    this.#fieldManager = opts.fieldManager ?? "kaito-ts";
    this.#timeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.#authCacheMs = (opts.authCacheSeconds ?? 30) * 1000;
    this.#onRequest = opts.onRequest;
    this.#userAgent = opts.userAgent ?? "kaito-ts-reconciler-core";
  }

  async #authenticate(): Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
    const now = Date.now();
    if (this.#auth !== undefined && now < this.#auth.until) return this.#auth;
    const creds = await this.#access.credentials();
    this.#auth = {
      headers: { ...creds.headers, "user-agent": this.#userAgent },
      dispatcher: creds.dispatcher,
      until: now + this.#authCacheMs,
    };
    return this.#auth;
  }

  #checkWrite(verb: string, path: string): void {
    if (this.#guard !== undefined && !this.#guard.canWrite()) {
      const why = this.#guard.refusal?.() ?? "this replica is not the leader";
      throw new ReconcilerError("NOT_LEADER", `${verb} ${path} refused: ${why}`, { path });
    }
  }

  async #send(
    verb: string,
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    rt: ResourceType,
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; text: string }> {
    const auth = await this.#authenticate();
    const headers: Record<string, string> = { ...auth.headers, accept: "application/json" };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] = contentType ?? "application/json";
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.#access.server}${path}${queryString(query)}`, {
        method,
        headers,
        ...(payload !== undefined ? { body: payload } : {}),
        ...(auth.dispatcher !== undefined ? { dispatcher: auth.dispatcher } : {}),
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
    } catch (e) {
      this.#onRequest?.(verb, rt.resource, 0);
      throw new ReconcilerError("UNREACHABLE", `${verb} ${path}: no answer from ${this.#access.server}: ${String(e)}`, {
        path,
        cause: e,
      });
    }
    const text = await res.body.text();
    this.#onRequest?.(verb, rt.resource, res.statusCode);
    if (res.statusCode >= 200 && res.statusCode < 300) return { status: res.statusCode, text };
    const ra = res.headers["retry-after"];
    throw apiError(res.statusCode, text, path, verb, Array.isArray(ra) ? ra[0] : ra);
  }

  #parse(text: string, path: string): KubeObject {
    try {
      return JSON.parse(text) as KubeObject;
    } catch (e) {
      throw new ReconcilerError("UNEXPECTED_RESPONSE", `${path}: the answer is not JSON`, { path, cause: e });
    }
  }

  async get(rt: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const path = resourcePath(rt, namespace, name);
    try {
      const r = await this.#send("get", "GET", rt, path, {});
      return this.#parse(r.text, path);
    } catch (e) {
      if (isReconcilerError(e) && e.code === "NOT_FOUND") return undefined;
      throw e;
    }
  }

  async list(rt: ResourceType, opts: ListOptions = {}): Promise<ListResult> {
    const path = resourcePath(rt, opts.namespace);
    const r = await this.#send("list", "GET", rt, path, {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: opts.limit,
      continue: opts.continue,
      resourceVersion: opts.resourceVersion,
    });
    const parsed = this.#parse(r.text, path) as unknown as {
      items?: KubeObject[];
      metadata?: { resourceVersion?: string; continue?: string };
    };
    const apiVersion = rt.group === "" ? rt.version : `${rt.group}/${rt.version}`;
    const items = (parsed.items ?? []).map((o) => {
      // Items of a list carry no apiVersion/kind on the real server; fill them in so cached objects are complete.
      if (o.apiVersion === undefined) o.apiVersion = apiVersion;
      if (o.kind === undefined) o.kind = rt.kind;
      return o;
    });
    const cont = parsed.metadata?.continue;
    return {
      items,
      resourceVersion: parsed.metadata?.resourceVersion ?? "",
      ...(cont !== undefined && cont !== "" ? { continue: cont } : {}),
    };
  }

  async create(rt: ResourceType, obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const path = resourcePath(rt, obj.metadata.namespace, undefined, opts.subresource);
    this.#checkWrite("create", path);
    const r = await this.#send(
      "create",
      "POST",
      rt,
      path,
      { fieldManager: opts.fieldManager ?? this.#fieldManager },
      obj,
    );
    return this.#parse(r.text, path);
  }

  async replace(rt: ResourceType, obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const name = obj.metadata.name;
    if (name === undefined)
      throw new ReconcilerError("INVALID_ARGUMENT", `replace of a ${rt.kind} without metadata.name`);
    const path = resourcePath(rt, obj.metadata.namespace, name, opts.subresource);
    this.#checkWrite("update", path);
    const r = await this.#send(
      "update",
      "PUT",
      rt,
      path,
      { fieldManager: opts.fieldManager ?? this.#fieldManager },
      obj,
    );
    return this.#parse(r.text, path);
  }

  async patch(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts: PatchOptions = {},
  ): Promise<KubeObject> {
    const path = resourcePath(rt, namespace, name, opts.subresource);
    this.#checkWrite("patch", path);
    const r = await this.#send(
      "patch",
      "PATCH",
      rt,
      path,
      { fieldManager: opts.fieldManager ?? this.#fieldManager, force: type === "apply" ? opts.force : undefined },
      body,
      PATCH_CONTENT_TYPES[type],
    );
    return this.#parse(r.text, path);
  }

  async delete(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<boolean> {
    const path = resourcePath(rt, namespace, name);
    this.#checkWrite("delete", path);
    const body =
      opts.preconditions !== undefined || opts.propagationPolicy !== undefined || opts.gracePeriodSeconds !== undefined
        ? {
            apiVersion: "v1",
            kind: "DeleteOptions",
            ...(opts.propagationPolicy !== undefined ? { propagationPolicy: opts.propagationPolicy } : {}),
            ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
            ...(opts.preconditions !== undefined ? { preconditions: opts.preconditions } : {}),
          }
        : undefined;
    try {
      await this.#send("delete", "DELETE", rt, path, {}, body);
      return true;
    } catch (e) {
      if (isReconcilerError(e) && e.code === "NOT_FOUND") return false;
      throw e;
    }
  }

  async watch(rt: ResourceType, opts: WatchOptions, onEvent: (e: WatchEvent) => void): Promise<void> {
    const path = resourcePath(rt, opts.namespace);
    const auth = await this.#authenticate();
    const query = queryString({
      watch: "true",
      resourceVersion: opts.resourceVersion,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      allowWatchBookmarks: opts.allowWatchBookmarks === true ? "true" : undefined,
      timeoutSeconds: opts.timeoutSeconds,
    });
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.#access.server}${path}${query}`, {
        method: "GET",
        headers: { ...auth.headers, accept: "application/json" },
        ...(auth.dispatcher !== undefined ? { dispatcher: auth.dispatcher } : {}),
        ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
        headersTimeout: this.#timeoutMs,
        // The server ends the stream after timeoutSeconds; the caller's signal covers a silent dead connection.
        bodyTimeout: 0,
      });
    } catch (e) {
      this.#onRequest?.("watch", rt.resource, 0);
      if (opts.signal?.aborted === true) return;
      throw new ReconcilerError("UNREACHABLE", `watch ${path}: no answer from ${this.#access.server}: ${String(e)}`, {
        path,
        cause: e,
      });
    }
    this.#onRequest?.("watch", rt.resource, res.statusCode);
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      const ra = res.headers["retry-after"];
      throw apiError(res.statusCode, text, path, "watch", Array.isArray(ra) ? ra[0] : ra);
    }
    let buf = "";
    try {
      for await (const chunk of res.body) {
        buf += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
        let nl = buf.indexOf("\n");
        while (nl >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line !== "") {
            let ev: WatchEvent | undefined;
            try {
              ev = JSON.parse(line) as WatchEvent;
            } catch {
              ev = undefined;
            }
            if (ev !== undefined && typeof ev.type === "string" && typeof ev.object === "object") onEvent(ev);
          }
          nl = buf.indexOf("\n");
        }
      }
    } catch (e) {
      if (opts.signal?.aborted === true) return;
      throw new ReconcilerError("UNREACHABLE", `watch ${path}: the stream broke: ${String(e)}`, { path, cause: e });
    }
  }

  async logs(namespace: string, pod: string, opts: LogOptions = {}): Promise<string> {
    const rt: ResourceType = { group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true };
    const path = resourcePath(rt, namespace, pod, "log");
    const r = await this.#send("get", "GET", rt, path, {
      container: opts.container,
      tailLines: opts.tailLines,
      sinceSeconds: opts.sinceSeconds,
      limitBytes: opts.limitBytes,
    });
    return r.text;
  }
}

/** `resource.group` of a type, for messages. */
export function describeResource(rt: ResourceType, namespace: string | undefined, name: string): string {
  return `${groupResourceOf(rt)} ${namespace !== undefined && namespace !== "" ? `${namespace}/` : ""}${name}`;
}
