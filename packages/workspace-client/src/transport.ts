/**
 * HTTP to the API server with the kubeconfig's credentials and TLS (client-node's `applySecurityAuthentication`:
 * tokens, client certificates, exec plugins, the CA) over undici, mapping every failure to a
 * {@link WorkspaceClientError} in one place. Also a `fetch` with the same credentials, for the service proxy.
 *
 * @packageDocumentation
 */
import { HttpMethod, type KubeConfig, RequestContext } from "@kubernetes/client-node";
import { type Dispatcher, fetch as undiciFetch, request } from "undici";
import { WorkspaceClientError, type WorkspaceClientErrorCode } from "./errors.ts";
import { requireCluster } from "./kubeconfig.ts";

/** A Kubernetes `Status` object as the API server returns it for a failure. */
export interface KubeStatus {
  readonly kind?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: { readonly name?: string; readonly group?: string; readonly kind?: string };
}

/** What a request is about, for the messages of the errors it may raise. */
export interface RequestSubject {
  /** `get`, `apply`, `list`, `watch`, `delete`, `logs`, … */
  readonly verb: string;
  /** `Workspace default/phi`, `Events in default`, … */
  readonly what: string;
}

/** Options of one request. */
export interface SendOptions {
  readonly method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal | undefined;
  /** Time to the response headers and for the whole body (ms). Default 30 000. */
  readonly timeoutMs?: number;
}

/** `?a=1&b=2` from the defined entries. */
export function queryString(q: Readonly<Record<string, string | number | boolean | undefined>> = {}): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

/** Parses a `Status` out of an answer body, when it is one. */
export function parseStatus(text: string): KubeStatus | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as KubeStatus) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The error for a non-2xx answer. A 404 whose `Status` names no object (`details.name`) means the resource type is
 * not served: for Workspaces, the CRD is not installed.
 */
export function errorForStatus(
  status: number,
  text: string,
  subject: RequestSubject,
  server: string,
): WorkspaceClientError {
  const st = parseStatus(text);
  const serverMessage = st?.message ?? (text.length > 200 ? `${text.slice(0, 200)}…` : text.trim());
  const where = `${subject.verb} ${subject.what}`;
  const make = (code: WorkspaceClientErrorCode, message: string) =>
    new WorkspaceClientError(code, message, { status, server });
  switch (status) {
    case 401:
      return make(
        "UNAUTHORIZED",
        `${where}: ${server} refused the kubeconfig's credentials (401 Unauthorized); log in again or refresh the kubeconfig`,
      );
    case 403:
      return make(
        "FORBIDDEN",
        `${where}: forbidden by the cluster's RBAC: ${serverMessage} (ask an admin for a Role granting it, or use another context)`,
      );
    case 404: {
      if (st?.details?.name === undefined || st.details.name === "") {
        return make(
          "CRD_NOT_INSTALLED",
          `${where}: ${server} does not serve workspaces.kaito.sh: the Workspace CRD is not installed (install Kaito, or kaito crds | kubectl apply -f -)`,
        );
      }
      return make("NOT_FOUND", `${where}: ${serverMessage}`);
    }
    case 409:
      return make("CONFLICT", `${where}: ${serverMessage}`);
    case 400:
    case 422:
      if (subject.verb === "apply") {
        return make("INVALID_WORKSPACE", `${where}: the API server rejected it: ${serverMessage}`);
      }
      return make("API_ERROR", `${where}: HTTP ${status} from ${server}: ${serverMessage}`);
    default:
      return make(
        "API_ERROR",
        `${where}: HTTP ${status}${st?.reason !== undefined ? ` ${st.reason}` : ""} from ${server}: ${serverMessage}`,
      );
  }
}

function abortError(subject: RequestSubject, cause: unknown): WorkspaceClientError {
  return new WorkspaceClientError("ABORTED", `${subject.verb} ${subject.what}: aborted by the caller`, { cause });
}

/** Why a connection failed, in a few words (the cause's code, without addresses twice). */
function connectionFailure(e: unknown): string {
  const err = e as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  const code = err.cause?.code ?? err.code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_CONNECT_TIMEOUT") return "timed out";
  if (code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code))
    return `TLS failure (${code}): the kubeconfig's certificate authority does not match the server`;
  return code ?? err.cause?.message ?? err.message ?? String(e);
}

/** HTTP to one API server with one kubeconfig's credentials. */
export class KubeTransport {
  /** The API server URL (no trailing slash). */
  readonly server: string;
  readonly #kc: KubeConfig;
  #auth: Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> | undefined;
  #authUntil = 0;

  constructor(kc: KubeConfig) {
    this.server = requireCluster(kc);
    this.#kc = kc;
  }

  /** Headers (Authorization) and the TLS dispatcher of the kubeconfig, refreshed every 30 s (exec/OIDC tokens). */
  authenticate(): Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
    const now = Date.now();
    if (this.#auth !== undefined && now < this.#authUntil) return this.#auth;
    const previous = this.#auth;
    this.#authUntil = now + 30_000;
    this.#auth = (async () => {
      const ctx = new RequestContext(`${this.server}/`, HttpMethod.GET);
      try {
        await this.#kc.applySecurityAuthentication(ctx);
      } catch (error) {
        this.#auth = undefined;
        throw new WorkspaceClientError(
          "NO_KUBECONFIG",
          `the kubeconfig's credentials for ${this.server} cannot be loaded (${(error as Error).message.split("\n")[0]}); fix the kubeconfig's user entry`,
          { cause: error, server: this.server },
        );
      }
      const kept = previous === undefined ? undefined : (await previous.catch(() => undefined))?.dispatcher;
      return {
        headers: { ...(ctx.getHeaders() as Record<string, string>) },
        dispatcher: kept ?? (ctx.getDispatcher() as Dispatcher | undefined),
      };
    })();
    return this.#auth;
  }

  /** Sends a request; resolves with the status and the body text of a 2xx answer, throws a mapped error otherwise. */
  async send(
    path: string,
    subject: RequestSubject,
    options: SendOptions = {},
  ): Promise<{ status: number; text: string }> {
    const res = await this.open(path, subject, options);
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      if (options.signal?.aborted) throw abortError(subject, e);
      throw new WorkspaceClientError(
        "UNREACHABLE",
        `${subject.verb} ${subject.what}: the answer of ${this.server} broke off (${connectionFailure(e)})`,
        { cause: e, server: this.server },
      );
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return { status: res.statusCode, text };
    throw errorForStatus(res.statusCode, text, subject, this.server);
  }

  /** Sends and parses the JSON answer. */
  async json<T>(path: string, subject: RequestSubject, options: SendOptions = {}): Promise<T> {
    const { text } = await this.send(path, subject, options);
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new WorkspaceClientError(
        "API_ERROR",
        `${subject.verb} ${subject.what}: ${this.server} answered with something that is not JSON (is it a Kubernetes API server?)`,
        { cause: e, server: this.server },
      );
    }
  }

  /**
   * Opens a request and returns the response with its body unread (for streams: watches, followed logs). A non-2xx
   * answer is read and thrown as a mapped error.
   */
  async open(path: string, subject: RequestSubject, options: SendOptions = {}): Promise<Dispatcher.ResponseData> {
    if (options.signal?.aborted) throw abortError(subject, options.signal.reason);
    const auth = await this.authenticate();
    const headers: Record<string, string> = { ...auth.headers, accept: "application/json" };
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers["content-type"] = options.contentType ?? "application/json";
    }
    const timeoutMs = options.timeoutMs ?? 30_000;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.server}${path}${queryString(options.query)}`, {
        method: options.method ?? "GET",
        headers,
        ...(payload !== undefined ? { body: payload } : {}),
        ...(auth.dispatcher !== undefined ? { dispatcher: auth.dispatcher } : {}),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (e) {
      if (options.signal?.aborted) throw abortError(subject, e);
      throw new WorkspaceClientError(
        "UNREACHABLE",
        `${subject.verb} ${subject.what}: the API server ${this.server} is unreachable (${connectionFailure(e)}); is the cluster running and the kubeconfig's server URL right?`,
        { cause: e, server: this.server },
      );
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    const text = await res.body.text().catch(() => "");
    throw errorForStatus(res.statusCode, text, subject, this.server);
  }

  /**
   * A `fetch` that sends the kubeconfig's credentials and trusts its CA: for URLs on this API server (the service
   * proxy). Requests to other origins go out without them.
   */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const sameServer = new URL(url).origin === new URL(this.server).origin;
    if (!sameServer) return globalThis.fetch(input, init);
    const auth = await this.authenticate();
    const headers = new Headers(init?.headers);
    if (input instanceof Request) for (const [k, v] of input.headers) if (!headers.has(k)) headers.set(k, v);
    for (const [k, v] of Object.entries(auth.headers)) if (!headers.has(k)) headers.set(k, v);
    const res = await undiciFetch(url, {
      ...(init as Record<string, unknown>),
      headers: Object.fromEntries(headers),
      ...(auth.dispatcher !== undefined ? { dispatcher: auth.dispatcher } : {}),
    } as Parameters<typeof undiciFetch>[1]);
    return res as unknown as Response;
  };
}
