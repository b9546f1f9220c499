/** Writing responses: JSON bodies, `Status` errors and `Warning:` headers. */
import type { ServerResponse } from "node:http";
import { type ClusterSimError, internalError, isClusterSimError } from "../errors/index.ts";

/** Formats one warning as the real server's `Warning` header value (`299 - "text"`). */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

/**
 * Adds `Warning:` headers to a response not yet sent, after those already set and without repeating one (the real
 * server's warning recorder drops an exact duplicate). Every later `writeHead` keeps them.
 */
export function addWarnings(res: ServerResponse, texts: readonly string[]): void {
  if (texts.length === 0 || res.headersSent) return;
  const current = res.getHeader("Warning");
  const existing = current === undefined ? [] : Array.isArray(current) ? current : [String(current)];
  const next = [...existing];
  for (const text of texts) {
    const value = warningHeader(text);
    if (text !== "" && !next.includes(value)) next.push(value);
  }
  if (next.length > existing.length) res.setHeader("Warning", next);
}

/** Sends a JSON body (an object or an already-serialized string). */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  options: { warnings?: string[]; contentType?: string; headers?: Record<string, string> } = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string> = {
    "Content-Type": options.contentType ?? "application/json",
    "Cache-Control": "no-cache, private",
    "Content-Length": String(Buffer.byteLength(text)),
    ...options.headers,
  };
  if (options.warnings) addWarnings(res, options.warnings);
  res.writeHead(code, headers);
  res.end(text);
}

/** Converts anything thrown into the error the client sees. */
export function toClusterSimError(e: unknown): ClusterSimError {
  if (isClusterSimError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return internalError(message, e);
}

/** Sends an error as a `Status` with the matching HTTP code (and `Retry-After` when set). */
export function sendError(res: ServerResponse, e: unknown): void {
  const err = toClusterSimError(e);
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers["Retry-After"] = String(err.retryAfterSeconds);
  sendJson(res, err.httpCode, err.status, { headers });
}
