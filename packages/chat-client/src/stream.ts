/**
 * Reading an SSE response body as typed JSON chunks, as bytes arrive.
 */
import { ChatClientError } from "./errors.ts";
import { normalizeErrorJson, redactSecrets, snippet } from "./http-errors.ts";
import { SseParser } from "./sse.ts";
import { cutError, type StreamExchange } from "./transport.ts";

/**
 * An async iterable of typed chunks from a streamed response. Iterate it once; `break` early or call `abort()` to
 * stop reading (the connection is released).
 */
export class ChatStream<T> implements AsyncIterable<T> {
  /** The HTTP response (status and headers; its body is being read by this stream). */
  readonly response: Response;
  readonly #exchange: StreamExchange;
  readonly #secrets: readonly string[];
  #used = false;

  /** @internal Created by the client. */
  constructor(exchange: StreamExchange, secrets: readonly string[]) {
    this.response = exchange.response;
    this.#exchange = exchange;
    this.#secrets = secrets;
  }

  /** Stops the stream: an ongoing iteration rejects with code `ABORTED`. */
  abort(): void {
    this.#exchange.attempt.abort("aborted");
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#used) {
      throw new ChatClientError("INVALID_REQUEST", "Invalid request: a ChatStream can be iterated only once", {
        field: "stream",
      });
    }
    this.#used = true;
    return readJsonStream<T>(this.#exchange, this.#secrets);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads `data:` events as JSON objects with a `choices` array until `[DONE]`. Throws `SERVER_ERROR` for an error
 * event, `INVALID_RESPONSE` for a non-JSON event, `STREAM_INTERRUPTED` when the body ends or breaks before the
 * stream finished, `TIMEOUT` on idle, `ABORTED` on cancellation.
 */
async function* readJsonStream<T>(ex: StreamExchange, secrets: readonly string[]): AsyncGenerator<T, void, undefined> {
  const { attempt, url } = ex;
  const body = ex.response.body;
  if (body === null) {
    attempt.dispose();
    throw new ChatClientError(
      "INVALID_RESPONSE",
      `POST ${url} answered ${ex.response.status} without a body; expected an event stream`,
      {
        url,
        status: ex.response.status,
      },
    );
  }
  const type = ex.response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    // The server ignored `stream: true` (or answered an error with 200): report what it said.
    let text: string;
    attempt.startIdleTimer(ex.idleTimeoutMs);
    attempt.beginWait();
    try {
      text = await ex.response.text();
    } catch (e) {
      if (attempt.reason !== undefined)
        throw cutError(attempt, url, "POST", ex.idleTimeoutMs, "reading a JSON reply", e);
      throw new ChatClientError("CONNECTION_ERROR", `POST ${url}: the connection broke while reading the reply`, {
        url,
        status: ex.response.status,
        cause: e,
      });
    } finally {
      attempt.dispose();
    }
    let serverError: ReturnType<typeof normalizeErrorJson>;
    try {
      serverError = normalizeErrorJson(JSON.parse(text));
    } catch {
      serverError = undefined;
    }
    const said = redactSecrets(serverError?.message ?? snippet(text), secrets);
    throw new ChatClientError(
      serverError === undefined ? "INVALID_RESPONSE" : "SERVER_ERROR",
      `POST ${url} answered ${ex.response.status} with JSON instead of an event stream: ${said}`,
      {
        url,
        status: ex.response.status,
        ...(serverError === undefined ? {} : { serverError: { ...serverError, message: said } }),
      },
    );
  }
  const reader = body.getReader();
  let finished = false;
  attempt.onAbort(() => {
    reader.cancel().catch(() => {});
  });
  attempt.startIdleTimer(ex.idleTimeoutMs);
  const parser = new SseParser();
  let done = false;
  let sawFinish = false;
  let chunks = 0;
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      attempt.beginWait();
      try {
        r = await reader.read();
      } catch (e) {
        if (done) break;
        if (attempt.reason !== undefined)
          throw cutError(attempt, url, "POST", ex.idleTimeoutMs, `streaming, after ${chunks} chunks`, e);
        throw new ChatClientError(
          "STREAM_INTERRUPTED",
          `POST ${url}: the stream broke off after ${chunks} chunks (${e instanceof Error ? e.message : String(e)}); the request is not retried because output was already delivered`,
          { url, status: ex.response.status, cause: e },
        );
      }
      attempt.endWait();
      if (attempt.reason !== undefined) {
        if (done) break;
        throw cutError(attempt, url, "POST", ex.idleTimeoutMs, `streaming, after ${chunks} chunks`);
      }
      if (r.done) {
        finished = true;
        parser.end();
        if (done) return;
        if (parser.hasPartialEvent || !sawFinish) {
          throw new ChatClientError(
            "STREAM_INTERRUPTED",
            `POST ${url}: the stream ended after ${chunks} chunks without [DONE]${parser.hasPartialEvent ? ", in the middle of an event" : ""}; the request is not retried because output was already delivered`,
            { url, status: ex.response.status },
          );
        }
        return;
      }
      if (done) continue; // draining after [DONE]
      parser.feed(r.value);
      // Events are parsed one at a time, so the first one is handed out before the rest of a large read is parsed.
      for (let ev = parser.next(); ev !== undefined; ev = parser.next()) {
        const data = ev.data;
        if (data === "[DONE]") {
          done = true;
          break;
        }
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch (e) {
          throw new ChatClientError(
            "INVALID_RESPONSE",
            `POST ${url}: stream event ${chunks + 1} is not JSON: ${redactSecrets(snippet(data), secrets)}`,
            { url, status: ex.response.status, cause: e },
          );
        }
        if (!isObject(json) || ev.event === "error" || !Array.isArray(json.choices)) {
          const serverError = normalizeErrorJson(json);
          if (serverError !== undefined || ev.event === "error") {
            const message = redactSecrets(serverError?.message ?? snippet(data), secrets);
            throw new ChatClientError(
              "SERVER_ERROR",
              `POST ${url}: the server sent an error inside the stream: ${message}`,
              {
                url,
                status: ex.response.status,
                ...(serverError === undefined ? {} : { serverError: { ...serverError, message } }),
              },
            );
          }
          throw new ChatClientError(
            "INVALID_RESPONSE",
            `POST ${url}: stream event ${chunks + 1} has no "choices" array: ${redactSecrets(snippet(data), secrets)}`,
            { url, status: ex.response.status },
          );
        }
        const choices = json.choices as ReadonlyArray<{ finish_reason?: unknown }>;
        for (const c of choices) if (c.finish_reason != null) sawFinish = true;
        chunks++;
        yield json as T;
      }
    }
  } finally {
    attempt.dispose();
    if (!finished) reader.cancel().catch(() => {});
  }
}
