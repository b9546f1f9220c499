/**
 * The I/O edge: one HTTP exchange over the platform `fetch`, with per-attempt timeout, caller cancellation and
 * retries (connection errors, 429, 5xx) with backoff. Streams are handed over once headers arrive and are never
 * retried after that.
 */
import { type Deadline, DeadlineWatch } from "./deadlines.ts";
import { ChatClientError } from "./errors.ts";
import { describeCause, httpError, redactSecrets } from "./http-errors.ts";
import { isRetryableStatus, parseRetryAfter, type RetryPolicy, retryDelayMs } from "./retry.ts";

/** The subset of `fetch` the client needs; inject your own (proxies, tracing, tests). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Information passed to `onRetry` before the client waits and retries. */
export interface RetryInfo {
  /** The attempt that failed (1-based). */
  readonly attempt: number;
  /** How long the client waits before the next attempt, in milliseconds. */
  readonly delayMs: number;
  /** Why the attempt failed. */
  readonly error: ChatClientError;
}

/** Per-call options accepted by every client method. */
export interface RequestOptions {
  /** Cancels the request, including a stream being read. */
  readonly signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` (time to response headers; for non-streaming calls the whole body too). */
  readonly timeoutMs?: number;
  /** Overrides the client's `idleTimeoutMs` (longest silence between stream chunks). */
  readonly idleTimeoutMs?: number;
  /** Overrides the client's `maxRetries`. */
  readonly maxRetries?: number;
  /** Extra headers for this call. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Resolved client configuration used by the transport. */
export interface TransportConfig {
  readonly root: string;
  readonly fetch: FetchLike;
  readonly headers: Readonly<Record<string, string>>;
  readonly secrets: readonly string[];
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly onRetry: ((info: RetryInfo) => void) | undefined;
}

/** One call to make. */
export interface Call {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: unknown;
  readonly accept: string;
  readonly options: RequestOptions | undefined;
  /** Retries when the caller gives none (e.g. 0 for health probes). */
  readonly defaultMaxRetries?: number;
  /** Hand back non-2xx responses instead of failing (health probes). */
  readonly anyStatus?: boolean;
}

const MAX_TIMER_MS = 2_147_483_647;

/** The headers timeouts of all attempts share one timer (a per-attempt timer is a large part of the overhead). */
const headerDeadlines = new DeadlineWatch();

/** The cancellation state of one attempt: links the caller's signal, the timeout and the fetch. */
export class Attempt implements Deadline {
  readonly controller = new AbortController();
  /** Why the attempt was cut, once it was. */
  reason: "timeout" | "aborted" | undefined = undefined;
  /** When the headers timeout cuts the attempt (on the watch's clock); Infinity when there is none. */
  deadline = Number.POSITIVE_INFINITY;
  /** Set by the deadline watch. */
  watchSlot = -1;
  private watched = false;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private idleMs = 0;
  private lastActivity = 0;
  private waiting = false;
  private hooks: Array<() => void> | undefined = undefined;
  private readonly onUserAbort: (() => void) | undefined;
  private readonly userSignal: AbortSignal | undefined;

  constructor(userSignal: AbortSignal | undefined, timeoutMs: number) {
    this.userSignal = userSignal;
    if (userSignal !== undefined) {
      this.onUserAbort = () => this.abort("aborted");
      userSignal.addEventListener("abort", this.onUserAbort, { once: true });
    }
    if (timeoutMs < MAX_TIMER_MS) {
      this.deadline = headerDeadlines.now() + timeoutMs;
      this.watched = true;
      headerDeadlines.add(this);
    }
  }

  /** Called by the deadline watch when the headers timeout passed. */
  expire(): void {
    this.watched = false;
    this.abort("timeout");
  }

  /** The signal passed to `fetch`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Cuts the attempt (idempotent). */
  abort(reason: "timeout" | "aborted"): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.clearTimer();
    this.controller.abort(reason === "aborted" ? this.userSignal?.reason : new Error("timeout"));
    if (this.hooks !== undefined) for (const h of this.hooks) h();
  }

  /** Runs `hook` when the attempt is cut (e.g. cancel a body reader a custom fetch does not cancel). */
  onAbort(hook: () => void): void {
    if (this.hooks === undefined) this.hooks = [hook];
    else this.hooks.push(hook);
  }

  /** Stops the headers timer. */
  clearTimer(): void {
    if (this.watched) {
      this.watched = false;
      headerDeadlines.delete(this);
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Switches to the idle timer of a stream: cut when no data came for `idleMs`. */
  startIdleTimer(idleMs: number): void {
    this.clearTimer();
    if (idleMs >= MAX_TIMER_MS) return;
    this.idleMs = idleMs;
    this.lastActivity = Date.now();
    this.armIdle(idleMs);
  }

  /** Marks the start of a wait for stream data. */
  beginWait(): void {
    this.lastActivity = Date.now();
    this.waiting = true;
  }

  /** Marks the end of a wait for stream data (time spent by the consumer does not count as idle). */
  endWait(): void {
    this.waiting = false;
  }

  private armIdle(ms: number): void {
    this.timer = setTimeout(() => {
      const quiet = Date.now() - this.lastActivity;
      if (!this.waiting) this.armIdle(this.idleMs);
      else if (quiet >= this.idleMs) this.abort("timeout");
      else this.armIdle(this.idleMs - quiet);
    }, ms);
  }

  /** Releases timers and listeners. */
  dispose(): void {
    this.clearTimer();
    if (this.onUserAbort !== undefined) this.userSignal?.removeEventListener("abort", this.onUserAbort);
  }
}

/** What a successful exchange hands back. */
export interface Exchange {
  readonly response: Response;
  /** The body text (non-streaming calls). */
  readonly text: string;
  readonly url: string;
  readonly attempts: number;
}

/** What a successful streaming exchange hands back: the body is still to be read, under `attempt`. */
export interface StreamExchange {
  readonly response: Response;
  readonly attempt: Attempt;
  readonly url: string;
  readonly idleTimeoutMs: number;
}

function checkDuration(field: string, v: number | undefined): void {
  if (v !== undefined && (typeof v !== "number" || Number.isNaN(v) || v <= 0)) {
    throw new ChatClientError(
      "INVALID_REQUEST",
      `Invalid request: ${field} must be a positive number of milliseconds, got ${String(v)}`,
      {
        field,
      },
    );
  }
}

function checkRetries(v: number | undefined): void {
  if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < 0)) {
    throw new ChatClientError(
      "INVALID_REQUEST",
      `Invalid request: maxRetries must be an integer ≥ 0, got ${String(v)}`,
      {
        field: "maxRetries",
      },
    );
  }
}

/** Validates per-call options. */
export function checkRequestOptions(o: RequestOptions | undefined): void {
  if (o === undefined) return;
  checkDuration("timeoutMs", o.timeoutMs);
  checkDuration("idleTimeoutMs", o.idleTimeoutMs);
  checkRetries(o.maxRetries);
}

/** The error for an attempt cut by the caller or by a timer. */
export function cutError(
  attempt: Attempt,
  url: string,
  method: string,
  timeoutMs: number,
  phase: string,
  cause?: unknown,
): ChatClientError {
  if (attempt.reason === "aborted") {
    return new ChatClientError("ABORTED", `${method} ${url} was aborted by the caller (${phase})`, {
      url,
      cause: cause ?? attempt.controller.signal.reason,
    });
  }
  return new ChatClientError(
    "TIMEOUT",
    `${method} ${url} timed out after ${timeoutMs} ms (${phase}); raise timeoutMs/idleTimeoutMs or check the server load`,
    { url, ...(cause === undefined ? {} : { cause }) },
  );
}

function abortedBeforeStart(url: string, method: string, signal: AbortSignal): ChatClientError {
  return new ChatClientError("ABORTED", `${method} ${url} was aborted by the caller before it was sent`, {
    url,
    cause: signal.reason,
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Request headers without per-call additions, per client: [without a body, with a JSON body], by accept type. */
const headerCache = new WeakMap<
  TransportConfig,
  [Map<string, Record<string, string>>, Map<string, Record<string, string>>]
>();

/**
 * The request headers without per-call additions, built once per client, accept type and body presence. (Keyed by
 * the accept string itself, a constant at every call site, so a lookup builds no key string.)
 */
function sharedHeaders(cfg: TransportConfig, accept: string, hasBody: boolean): Record<string, string> {
  let maps = headerCache.get(cfg);
  if (maps === undefined) {
    maps = [new Map(), new Map()];
    headerCache.set(cfg, maps);
  }
  const byAccept = hasBody ? maps[1] : maps[0];
  let h = byAccept.get(accept);
  if (h === undefined) {
    h = { ...cfg.headers, accept };
    if (hasBody) h["content-type"] = "application/json";
    Object.freeze(h);
    byAccept.set(accept, h);
  }
  return h;
}

function callHeaders(cfg: TransportConfig, call: Call): Record<string, string> {
  const extra = call.options?.headers;
  const shared = sharedHeaders(cfg, call.accept, call.body !== undefined);
  if (extra === undefined) return shared;
  const headers = { ...shared };
  for (const [k, v] of Object.entries(extra)) headers[k.toLowerCase()] = v;
  return headers;
}

/**
 * Performs the call. Non-streaming: resolves with the body text, or with what `finish` makes of it. Streaming
 * (`stream: true`): resolves once a 2xx response's headers arrived, leaving the body to the caller.
 */
export async function exchange(cfg: TransportConfig, call: Call, stream: true): Promise<StreamExchange>;
export async function exchange(cfg: TransportConfig, call: Call, stream: false): Promise<Exchange>;
export async function exchange<T>(
  cfg: TransportConfig,
  call: Call,
  stream: false,
  finish: (ex: Exchange) => T,
): Promise<T>;
export async function exchange<T>(
  cfg: TransportConfig,
  call: Call,
  stream: boolean,
  finish?: (ex: Exchange) => T,
): Promise<Exchange | StreamExchange | T> {
  const o = call.options;
  if (o !== undefined) checkRequestOptions(o);
  const url = cfg.root + call.path;
  const method = call.method;
  const signal = o?.signal;
  const p = {
    timeoutMs: o?.timeoutMs ?? cfg.timeoutMs,
    idleTimeoutMs: o?.idleTimeoutMs ?? cfg.idleTimeoutMs,
    maxRetries: o?.maxRetries ?? call.defaultMaxRetries ?? cfg.retry.maxRetries,
  };
  // One init object for every attempt, with a fixed shape; only the signal changes per attempt.
  const headers = callHeaders(cfg, call);
  const init: RequestInit =
    call.body === undefined
      ? { method, headers, signal: null }
      : { method, headers, body: JSON.stringify(call.body), signal: null };
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted === true) throw abortedBeforeStart(url, method, signal);
    const cut = new Attempt(signal, p.timeoutMs);
    init.signal = cut.signal;
    let failure: ChatClientError;
    let retryAfterMs: number | undefined;
    try {
      const response = await cfg.fetch(url, init);
      if (response.ok || call.anyStatus === true) {
        if (stream) {
          cut.clearTimer();
          return { response, attempt: cut, url, idleTimeoutMs: p.idleTimeoutMs };
        }
        let text: string;
        try {
          text = await response.text();
        } catch (e) {
          if (cut.reason !== undefined) throw cutError(cut, url, method, p.timeoutMs, "reading the response body", e);
          throw new ChatClientError(
            "CONNECTION_ERROR",
            `${method} ${url}: the connection broke while reading the response body${attempt > 1 ? ` (attempt ${attempt})` : ""}: ${redactSecrets(describeCause(e), cfg.secrets)}`,
            {
              url,
              attempts: attempt,
              status: response.status,
              cause: e,
            },
          );
        }
        cut.dispose();
        const ex: Exchange = { response, text, url, attempts: attempt };
        // `finish` runs here rather than after an `await` in the caller: one async layer less per request.
        return finish === undefined ? ex : finish(ex);
      }
      let bodyText = "";
      try {
        bodyText = await response.text();
      } catch {
        // the status says enough
      }
      if (cut.reason !== undefined) throw cutError(cut, url, method, p.timeoutMs, "reading the error body");
      retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), response.headers.get("retry-after-ms"));
      failure = httpError({
        method,
        url,
        status: response.status,
        statusText: response.statusText,
        bodyText,
        retryAfterMs,
        attempts: attempt,
        secrets: cfg.secrets,
      });
      if (!isRetryableStatus(response.status)) throw failure;
    } catch (e) {
      cut.dispose();
      if (e instanceof ChatClientError) {
        if (e.code !== "CONNECTION_ERROR") throw e;
        failure = e;
      } else if (cut.reason !== undefined) {
        throw cutError(cut, url, method, p.timeoutMs, "waiting for response headers", e);
      } else {
        failure = new ChatClientError(
          "CONNECTION_ERROR",
          `${method} ${url} failed to connect${attempt > 1 ? ` (attempt ${attempt})` : ""}: ${redactSecrets(describeCause(e), cfg.secrets)} — is the Workspace ready and the URL reachable from here?`,
          { url, attempts: attempt, cause: e },
        );
      }
    }
    cut.dispose();
    if (attempt > p.maxRetries) throw failure;
    const delayMs = retryDelayMs(cfg.retry, attempt - 1, retryAfterMs);
    cfg.onRetry?.({ attempt, delayMs, error: failure });
    try {
      await sleep(delayMs, signal);
    } catch (e) {
      throw new ChatClientError("ABORTED", `${method} ${url} was aborted by the caller while waiting to retry`, {
        url,
        cause: e,
      });
    }
  }
}
