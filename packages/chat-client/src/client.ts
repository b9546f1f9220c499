/**
 * `createChatClient`: the typed client over the transport.
 */
import { ChatClientError, invalidRequest } from "./errors.ts";
import { redactSecrets, snippet } from "./http-errors.ts";
import { parsePrometheusText } from "./prometheus.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.ts";
import { ChatStream } from "./stream.ts";
import {
  type Call,
  checkRequestOptions,
  type Exchange,
  exchange,
  type FetchLike,
  type RequestOptions,
  type RetryInfo,
  type TransportConfig,
} from "./transport.ts";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ClassicChatParams,
  ClassicChatResult,
  Completion,
  CompletionCreateParams,
  CompletionCreateParamsNonStreaming,
  CompletionCreateParamsStreaming,
  HealthResult,
  MetricsResult,
  ModelList,
  TransformersMetrics,
} from "./types.ts";
import { normalizeBaseUrl } from "./urls.ts";
import { validateChatParams, validateClassicParams, validateCompletionParams } from "./validate.ts";

/** Options of {@link createChatClient}. */
export interface ChatClientOptions {
  /**
   * The inference server root, e.g. `workspaceServiceUrl({ name, namespace })` or `serviceProxyUrl(…)`. A trailing
   * `/v1` is accepted and removed (the client adds `/v1/…` itself, and `/health`, `/metrics`, `/chat` at the root).
   */
  readonly baseURL: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never shown in errors. */
  readonly apiKey?: string;
  /** Headers sent with every request (e.g. a kubeconfig bearer token for the API-server proxy). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The `fetch` to use; default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
  /** Time to response headers per attempt (non-streaming: to the end of the body), default 600000 ms. */
  readonly timeoutMs?: number;
  /** Longest silence between stream chunks, default: `timeoutMs`. */
  readonly idleTimeoutMs?: number;
  /** Retries for connection errors, 429 and 5xx, default 2. Streams are never retried once they started. */
  readonly maxRetries?: number;
  /** Backoff tuning: `baseDelayMs` (500), `maxDelayMs` (8000), `maxRetryAfterMs` cap on `Retry-After` (60000). */
  readonly retry?: Partial<Omit<RetryPolicy, "maxRetries">>;
  /** Called before each retry (for logging); must not throw. */
  readonly onRetry?: (info: RetryInfo) => void;
  /** Model (or LoRA adapter) name used when a request has no `model`. */
  readonly model?: string;
}

/** `client.chat.completions`. */
export interface ChatCompletions {
  /** `POST /v1/chat/completions` streaming: resolves once headers arrived, to an async iterable of chunks. */
  create(
    params: ChatCompletionCreateParamsStreaming,
    options?: RequestOptions,
  ): Promise<ChatStream<ChatCompletionChunk>>;
  /** `POST /v1/chat/completions`: resolves to the completion. */
  create(params: ChatCompletionCreateParamsNonStreaming, options?: RequestOptions): Promise<ChatCompletion>;
  /** `POST /v1/chat/completions` with `stream` decided at run time. */
  create(
    params: ChatCompletionCreateParams,
    options?: RequestOptions,
  ): Promise<ChatCompletion | ChatStream<ChatCompletionChunk>>;
}

/** `client.completions`. */
export interface Completions {
  /** `POST /v1/completions` streaming. */
  create(params: CompletionCreateParamsStreaming, options?: RequestOptions): Promise<ChatStream<Completion>>;
  /** `POST /v1/completions`. */
  create(params: CompletionCreateParamsNonStreaming, options?: RequestOptions): Promise<Completion>;
  /** `POST /v1/completions` with `stream` decided at run time. */
  create(params: CompletionCreateParams, options?: RequestOptions): Promise<Completion | ChatStream<Completion>>;
}

/** A client for one inference endpoint. Create it with {@link createChatClient}. */
export interface ChatClient {
  /** The normalised server root. */
  readonly baseURL: string;
  /** OpenAI-compatible chat completions. */
  readonly chat: { readonly completions: ChatCompletions };
  /** OpenAI-compatible text completions. */
  readonly completions: Completions;
  /** `GET /v1/models`: the served model and, on vLLM, one entry per LoRA adapter (with `parent` set). */
  readonly models: { list(options?: RequestOptions): Promise<ModelList> };
  /** `GET /health`; non-2xx answers are returned (`healthy: false`), not thrown. No retries unless asked. */
  health(options?: RequestOptions): Promise<HealthResult>;
  /** `GET /metrics`: Prometheus text (vLLM) parsed into samples, or the transformers runtime's JSON. */
  metrics(options?: RequestOptions): Promise<MetricsResult>;
  /** Kaito's classic `POST /chat` (transformers runtime ≤ v0.8), with the defaults of {@link CLASSIC_CHAT_DEFAULTS}. */
  classicChat(params: ClassicChatParams, options?: RequestOptions): Promise<ClassicChatResult>;
}

/** The body defaults of Kaito's classic `/chat` (its server-side defaults), sent explicitly by `classicChat`. */
export const CLASSIC_CHAT_DEFAULTS = {
  return_full_text: true,
  clean_up_tokenization_spaces: false,
  generate_kwargs: {
    max_length: 200,
    min_length: 0,
    do_sample: true,
    early_stopping: false,
    num_beams: 1,
    temperature: 1.0,
    top_k: 10,
    top_p: 1,
    typical_p: 1,
    repetition_penalty: 1,
  },
} as const;

const SENSITIVE_HEADERS = new Set(["authorization", "proxy-authorization", "x-api-key", "api-key", "cookie"]);
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkHeaders(field: string, headers: unknown): Record<string, string> {
  if (headers === undefined) return {};
  if (!isObject(headers)) throw invalidRequest(field, "must be an object of header name → string value");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!HEADER_NAME.test(k)) throw invalidRequest(`${field}.${k}`, "is not a valid header name");
    if (typeof v !== "string" || /[\r\n\0]/.test(v)) {
      throw invalidRequest(`${field}.${k}`, "must be a string without line breaks");
    }
    out[k.toLowerCase()] = v;
  }
  return out;
}

function positive(field: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || Number.isNaN(v) || v <= 0) {
    throw invalidRequest(field, `must be a positive number of milliseconds, got ${String(v)}`);
  }
  return v;
}

function nonNegative(field: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
    throw invalidRequest(field, `must be a number ≥ 0, got ${String(v)}`);
  return v;
}

function parseJsonBody(ex: Exchange, method: string, secrets: readonly string[]): unknown {
  try {
    return JSON.parse(ex.text);
  } catch (e) {
    const empty = ex.text.trim() === "";
    const truncated =
      !empty && /end of (JSON|data)|Unterminated|Unexpected end/i.test(e instanceof Error ? e.message : "");
    const what = empty ? "an empty body" : truncated ? "truncated JSON" : "a body that is not JSON";
    const type = ex.response.headers.get("content-type") ?? "no content-type";
    throw new ChatClientError(
      "INVALID_RESPONSE",
      `${method} ${ex.url} answered ${ex.response.status} with ${what} (${type})${empty ? "" : `: ${redactSecrets(snippet(ex.text), secrets)}`} — is baseURL the inference server?`,
      { url: ex.url, status: ex.response.status, cause: e },
    );
  }
}

function expectShape(ok: boolean, ex: Exchange, method: string, expected: string, secrets: readonly string[]): void {
  if (ok) return;
  throw new ChatClientError(
    "INVALID_RESPONSE",
    `${method} ${ex.url} answered ${ex.response.status} with JSON that is not ${expected}: ${redactSecrets(snippet(ex.text), secrets)}`,
    { url: ex.url, status: ex.response.status },
  );
}

/**
 * Creates a client for an inference endpoint served by a Kaito Workspace (vLLM, the transformers runtime, or any
 * OpenAI-compatible server). Throws `INVALID_REQUEST` for a bad `baseURL` or options.
 */
export function createChatClient(options: ChatClientOptions): ChatClient {
  if (!isObject(options)) throw invalidRequest("options", "must be an object with at least baseURL");
  const root = normalizeBaseUrl(options.baseURL);
  const headers = checkHeaders("headers", options.headers);
  const secrets: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (SENSITIVE_HEADERS.has(k)) {
      secrets.push(v);
      const token = v.replace(/^\s*(Bearer|Basic)\s+/i, "");
      if (token !== v) secrets.push(token);
    }
  }
  if (options.apiKey !== undefined) {
    if (typeof options.apiKey !== "string" || options.apiKey === "" || /[\r\n\0]/.test(options.apiKey)) {
      throw invalidRequest("apiKey", "must be a non-empty string without line breaks");
    }
    headers.authorization = `Bearer ${options.apiKey}`;
    secrets.push(options.apiKey);
  }
  if (options.model !== undefined && (typeof options.model !== "string" || options.model.trim() === "")) {
    throw invalidRequest("model", "must be a non-empty string");
  }
  const timeoutMs = positive("timeoutMs", options.timeoutMs, 600_000);
  checkRequestOptions({ ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }) });
  const retry: RetryPolicy = {
    maxRetries: options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries,
    baseDelayMs: nonNegative("retry.baseDelayMs", options.retry?.baseDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs),
    maxDelayMs: nonNegative("retry.maxDelayMs", options.retry?.maxDelayMs, DEFAULT_RETRY_POLICY.maxDelayMs),
    maxRetryAfterMs: nonNegative(
      "retry.maxRetryAfterMs",
      options.retry?.maxRetryAfterMs,
      DEFAULT_RETRY_POLICY.maxRetryAfterMs,
    ),
  };
  const userFetch = options.fetch;
  if (userFetch !== undefined && typeof userFetch !== "function") throw invalidRequest("fetch", "must be a function");
  const cfg: TransportConfig = {
    root,
    fetch: userFetch ?? ((input, init) => globalThis.fetch(input, init)),
    headers,
    secrets,
    timeoutMs,
    idleTimeoutMs: positive("idleTimeoutMs", options.idleTimeoutMs, timeoutMs),
    retry,
    onRetry: options.onRetry,
  };
  const defaultModel = options.model;

  function withModel<P extends { readonly model?: string }>(params: P): P {
    return params.model === undefined && defaultModel !== undefined ? { ...params, model: defaultModel } : params;
  }

  /** The JSON body of a successful POST exchange, or `INVALID_RESPONSE`. */
  function parseJson(ex: Exchange): unknown {
    return parseJsonBody(ex, "POST", secrets);
  }

  function postJson(path: string, body: unknown, options: RequestOptions | undefined): Promise<unknown> {
    return exchange(cfg, { method: "POST", path, body, accept: "application/json", options }, false, parseJson);
  }

  async function postStream<T>(
    path: string,
    body: unknown,
    options: RequestOptions | undefined,
  ): Promise<ChatStream<T>> {
    const call: Call = { method: "POST", path, body, accept: "text/event-stream", options };
    const ex = await exchange(cfg, call, true);
    return new ChatStream<T>(ex, secrets);
  }

  /** A chat completion from a successful exchange, or `INVALID_RESPONSE`. */
  function finishChat(ex: Exchange): ChatCompletion {
    const json = parseJson(ex);
    if (!isObject(json) || !Array.isArray(json.choices)) {
      throw shapeError(json, "/v1/chat/completions", "a chat completion (an object with a choices array)");
    }
    return json as unknown as ChatCompletion;
  }

  function createChat(
    params: ChatCompletionCreateParams,
    options?: RequestOptions,
  ): Promise<ChatCompletion | ChatStream<ChatCompletionChunk>> {
    try {
      validateChatParams(params);
    } catch (e) {
      return Promise.reject(e);
    }
    const body = withModel(params);
    if (params.stream === true) return postStream<ChatCompletionChunk>("/v1/chat/completions", body, options);
    // The hot path is not an async function: the transport's own async body parses the result (`finishChat`), so a
    // request costs one async layer, as a hand-written fetch + JSON.parse does.
    return exchange(
      cfg,
      { method: "POST", path: "/v1/chat/completions", body, accept: "application/json", options },
      false,
      finishChat,
    );
  }

  async function createCompletion(
    params: CompletionCreateParams,
    options?: RequestOptions,
  ): Promise<Completion | ChatStream<Completion>> {
    validateCompletionParams(params);
    const body = withModel(params);
    if (params.stream === true) return postStream<Completion>("/v1/completions", body, options);
    const json = await postJson("/v1/completions", body, options);
    if (!isObject(json) || !Array.isArray(json.choices)) {
      throw shapeError(json, "/v1/completions", "a completion (an object with a choices array)");
    }
    return json as unknown as Completion;
  }

  function shapeError(json: unknown, path: string, expected: string): ChatClientError {
    const text = redactSecrets(snippet(JSON.stringify(json) ?? String(json)), secrets);
    return new ChatClientError(
      "INVALID_RESPONSE",
      `POST ${root}${path} answered with JSON that is not ${expected}: ${text}`,
      {
        url: root + path,
      },
    );
  }

  return {
    baseURL: root,
    chat: { completions: { create: createChat } as ChatCompletions },
    completions: { create: createCompletion } as Completions,
    models: {
      async list(options?: RequestOptions): Promise<ModelList> {
        const ex = await exchange(
          cfg,
          { method: "GET", path: "/v1/models", accept: "application/json", options },
          false,
        );
        const json = parseJsonBody(ex, "GET", secrets);
        expectShape(isObject(json) && Array.isArray(json.data), ex, "GET", "a model list ({ data: [...] })", secrets);
        return json as unknown as ModelList;
      },
    },
    async health(options?: RequestOptions): Promise<HealthResult> {
      const ex = await exchange(
        cfg,
        {
          method: "GET",
          path: "/health",
          accept: "application/json, text/plain",
          options,
          defaultMaxRetries: 0,
          anyStatus: true,
        },
        false,
      );
      let body: unknown;
      if (ex.text.trim() !== "") {
        try {
          body = JSON.parse(ex.text);
        } catch {
          body = ex.text;
        }
      }
      return { healthy: ex.response.ok, status: ex.response.status, body };
    },
    async metrics(options?: RequestOptions): Promise<MetricsResult> {
      const ex = await exchange(
        cfg,
        { method: "GET", path: "/metrics", accept: "text/plain;version=0.0.4, application/json;q=0.9", options },
        false,
      );
      const type = ex.response.headers.get("content-type") ?? "";
      if (type.includes("json") || ex.text.trimStart().startsWith("{")) {
        const json = parseJsonBody(ex, "GET", secrets);
        expectShape(isObject(json), ex, "GET", "a metrics object", secrets);
        return { format: "json", data: json as TransformersMetrics };
      }
      return { format: "prometheus", text: ex.text, samples: parsePrometheusText(ex.text) };
    },
    async classicChat(params: ClassicChatParams, options?: RequestOptions): Promise<ClassicChatResult> {
      validateClassicParams(params);
      const body = {
        ...CLASSIC_CHAT_DEFAULTS,
        ...params,
        generate_kwargs: { ...CLASSIC_CHAT_DEFAULTS.generate_kwargs, ...params.generate_kwargs },
      };
      const ex = await exchange(
        cfg,
        { method: "POST", path: "/chat", body, accept: "application/json", options },
        false,
      );
      const json = parseJsonBody(ex, "POST", secrets);
      expectShape(
        isObject(json) && typeof json.Result === "string",
        ex,
        "POST",
        'a classic result ({ "Result": "…" })',
        secrets,
      );
      return json as unknown as ClassicChatResult;
    },
  };
}
