import type { Agent as HttpAgent, IncomingHttpHeaders } from "node:http";
import type { Agent as HttpsAgent } from "node:https";

// Taken with getBuiltinModule rather than an ESM import: importing node:http as a module evaluates every export,
// including the lazy WebSocket/MessageEvent ones, which loads Node's bundled undici (~50-90 ms of start-up that a
// CLI invocation such as `kaito-publish pull` would pay for nothing).
const http = process.getBuiltinModule("node:http");
const https = process.getBuiltinModule("node:https");
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isOciRegistryError, OciRegistryError, redactUrl } from "../errors.ts";
import { BodyWriteError, type BodyWriter, isBodyWriter } from "./body-writer.ts";

/**
 * A request body: bytes, a factory of a fresh stream, or a {@link BodyWriter} that writes itself in large reused
 * buffers (factories and writers are called again on each retry).
 */
export type RequestBody = Uint8Array | (() => Readable) | BodyWriter;

/** One HTTP request. */
export interface HttpRequest {
  /** HTTP method. */
  readonly method: string;
  /** Absolute URL. */
  readonly url: URL;
  /** Request headers (lowercase names). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Body, if any; streams need a `content-length` header. */
  readonly body?: RequestBody;
  /** Cancels the request. */
  readonly signal?: AbortSignal | undefined;
  /** Follow 3xx redirects for GET/HEAD (default false); `Authorization` is dropped when the host changes. */
  readonly followRedirects?: boolean;
}

/** An HTTP answer; its `body` must be consumed or destroyed. */
export interface HttpResponse {
  /** Status code. */
  readonly status: number;
  /** Response headers (lowercase names). */
  readonly headers: IncomingHttpHeaders;
  /** URL that answered (after redirects). */
  readonly url: URL;
  /** Body stream (a node:http message, or the in-memory body of a fast GET). */
  readonly body: Readable;
}

/** Keep-alive agents, one pair per client. */
export interface Agents {
  /** For http: URLs. */
  readonly http: HttpAgent;
  /** For https: URLs. */
  readonly https: HttpsAgent;
}

/** Creates keep-alive agents. */
export function createAgents(): Agents {
  return {
    http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
  };
}

/** Returns a single header value. */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads a body as text, at most `limit` bytes (the rest is discarded); throws `INVALID_RESPONSE` beyond `limit` when `strict`. */
export async function readText(res: HttpResponse, limit = 64 * 1024, strict = false): Promise<string> {
  return (await readBytes(res, limit, strict)).toString("utf8");
}

/** Reads a body into memory, at most `limit` bytes (the rest is discarded); throws `INVALID_RESPONSE` beyond `limit` when `strict`. */
export async function readBytes(res: HttpResponse, limit = 64 * 1024, strict = false): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) {
      res.body.destroy();
      if (strict) {
        throw new OciRegistryError("INVALID_RESPONSE", `${redactUrl(res.url)}: answer larger than ${limit} bytes`, {
          status: res.status,
          url: redactUrl(res.url),
        });
      }
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads and discards a body so that the connection can be reused. */
export async function drain(res: HttpResponse): Promise<void> {
  try {
    for await (const _ of res.body) {
      // discard
    }
  } catch {
    // a broken body does not matter here
  }
}

function isAbort(e: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (e instanceof Error && e.name === "AbortError");
}

function networkError(e: unknown, req: HttpRequest): OciRegistryError {
  if (isAbort(e, req.signal)) {
    return new OciRegistryError("ABORTED", `${req.method} ${redactUrl(req.url)} was cancelled`, { cause: e });
  }
  const code = (e as { code?: string }).code;
  const text = e instanceof Error ? e.message : String(e);
  if (code?.startsWith("HPE_")) {
    return new OciRegistryError(
      "INVALID_RESPONSE",
      `${req.method} ${redactUrl(req.url)}: the server did not answer with valid HTTP (${code}); is this address a registry?`,
      { url: redactUrl(req.url), cause: e },
    );
  }
  return new OciRegistryError(
    "UNREACHABLE",
    `${req.method} ${redactUrl(req.url)} failed: ${code ?? text}. Check that the registry address is right and reachable (use --plain-http for an http:// registry)`,
    { url: redactUrl(req.url), cause: e },
  );
}

function sendOnce(req: HttpRequest, agents: Agents): Promise<HttpResponse> {
  // Open the body stream before the request, so that a source that cannot be read fails without a dangling socket.
  const source = typeof req.body === "function" ? req.body() : undefined;
  return new Promise<HttpResponse>((resolve, reject) => {
    const isHttps = req.url.protocol === "https:";
    const mod = isHttps ? https : http;
    const headers: Record<string, string> = { ...req.headers };
    if (req.body instanceof Uint8Array) headers["content-length"] = String(req.body.byteLength);
    else if (req.body === undefined && ["PUT", "POST", "PATCH"].includes(req.method)) headers["content-length"] = "0";
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      reject(networkError(e, req));
    };
    const r = mod.request(
      req.url,
      {
        method: req.method,
        headers,
        agent: isHttps ? agents.https : agents.http,
        ...(req.signal !== undefined ? { signal: req.signal } : {}),
      },
      (res) => {
        if (settled) {
          res.resume();
          return;
        }
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url: req.url, body: res });
      },
    );
    const failSource = (e: unknown) => {
      if (settled) return;
      settled = true;
      if (isOciRegistryError(e)) {
        reject(e);
        return;
      }
      const msg = e instanceof Error ? e.message : String(e);
      reject(new OciRegistryError("INVALID_INPUT", `cannot read the content to upload: ${msg}`, { cause: e }));
    };
    r.on("error", fail);
    if (req.body === undefined) r.end();
    else if (req.body instanceof Uint8Array) r.end(req.body);
    else if (isBodyWriter(req.body)) {
      req.body.writeTo(r).then(
        () => r.end(),
        (e: unknown) => {
          r.destroy();
          if (e instanceof BodyWriteError) fail(e.cause);
          else failSource(e);
        },
      );
    } else if (source !== undefined) {
      let sourceError: unknown;
      source.once("error", (e) => {
        sourceError = e;
      });
      pipeline(source, r).catch((e: unknown) => {
        source.destroy();
        r.destroy();
        if (sourceError !== undefined) failSource(sourceError);
        else fail(e);
      });
    }
  });
}

/**
 * Sends one HTTP request with node:http(s) (streaming bodies with back-pressure, keep-alive), following redirects
 * for GET/HEAD when asked, without carrying `Authorization` to another host. Network failures become
 * `UNREACHABLE` (or `ABORTED`) errors carrying the node error as `cause`.
 */
export async function sendHttp(req: HttpRequest, agents: Agents): Promise<HttpResponse> {
  let current = req;
  for (let hop = 0; ; hop++) {
    const res = await sendOnce(current, agents);
    const location = header(res, "location");
    const redirect = [301, 302, 303, 307, 308].includes(res.status) && location !== undefined;
    if (!redirect || current.followRedirects !== true || !["GET", "HEAD"].includes(current.method)) return res;
    await drain(res);
    if (hop >= 10) {
      throw new OciRegistryError("INVALID_RESPONSE", `${redactUrl(req.url)}: more than 10 redirects`, {
        url: redactUrl(req.url),
      });
    }
    const next = new URL(location, current.url);
    const headers: Record<string, string> = { ...current.headers };
    if (next.host !== current.url.host || next.protocol !== current.url.protocol) delete headers.authorization;
    current = { ...current, url: next, headers };
  }
}
