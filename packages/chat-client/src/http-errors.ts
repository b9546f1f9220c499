/**
 * Pure helpers turning server replies and fetch failures into `ChatClientError`s, with secrets scrubbed.
 */
import { ChatClientError, type ChatClientErrorCode, type ServerErrorBody } from "./errors.ts";

const MAX_SNIPPET = 300;

/** Replaces every occurrence of each secret (≥ 4 characters) in `text` with `[REDACTED]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 4 && out.includes(s)) out = out.split(s).join("[REDACTED]");
  }
  return out;
}

function redactDeep(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redactSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, secrets);
    return out;
  }
  return value;
}

function detailMessage(detail: unknown): string {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    // FastAPI validation errors: [{ loc: ["body", "prompt"], msg: "field required", type: "..." }]
    return detail
      .map((d) => {
        if (typeof d === "object" && d !== null) {
          const rec = d as Record<string, unknown>;
          const loc = Array.isArray(rec.loc) ? rec.loc.join(".") : "";
          const msg = typeof rec.msg === "string" ? rec.msg : JSON.stringify(d);
          return loc === "" ? msg : `${loc}: ${msg}`;
        }
        return String(d);
      })
      .join("; ");
  }
  return JSON.stringify(detail);
}

/**
 * Normalises an error body: OpenAI `{error:{message,type,code,param}}` (also `{error:"text"}` and vLLM's flat
 * `{object:"error",message,type,code}`), or FastAPI `{detail}`. Returns `undefined` for anything else.
 */
export function parseServerErrorBody(text: string, secrets: readonly string[] = []): ServerErrorBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  return normalizeErrorJson(redactDeep(json, secrets));
}

/** Like {@link parseServerErrorBody} for an already-parsed value (e.g. an error event inside a stream). */
export function normalizeErrorJson(json: unknown): ServerErrorBody | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const body = json as Record<string, unknown>;
  const pick = (o: Record<string, unknown>, message: string): ServerErrorBody => {
    const out: { -readonly [K in keyof ServerErrorBody]: ServerErrorBody[K] } = { message };
    if (typeof o.type === "string") out.type = o.type;
    if (typeof o.code === "string" || typeof o.code === "number") out.code = o.code;
    if (typeof o.param === "string") out.param = o.param;
    return out;
  };
  const err = body.error;
  if (typeof err === "object" && err !== null && !Array.isArray(err)) {
    const e = err as Record<string, unknown>;
    return pick(e, typeof e.message === "string" ? e.message : JSON.stringify(e));
  }
  if (typeof err === "string") return pick(body, err);
  if ("detail" in body) return { message: detailMessage(body.detail), detail: body.detail };
  if (body.object === "error" && typeof body.message === "string") return pick(body, body.message);
  return undefined;
}

/** The error code for an HTTP status. */
export function codeForStatus(status: number): ChatClientErrorCode {
  if (status === 429) return "RATE_LIMITED";
  if (status >= 500) return "SERVER_ERROR";
  return "HTTP_ERROR";
}

function hintForStatus(status: number): string {
  if (status === 401 || status === 403) return "check apiKey, or the bearer token passed in headers";
  if (status === 404) {
    return "check baseURL (the server root, e.g. http://<workspace>.<namespace>.svc.cluster.local:80) and the model name (client.models.list())";
  }
  if (status === 400 || status === 422) return "the server rejected the request body; see the server message";
  if (status === 429)
    return "the server is rate limiting (Kaito's rate guard answers 429 when its queue is full); retry later or lower the request rate";
  if (status >= 500) return "the inference server failed; check the Workspace pod logs";
  return "see the server message";
}

/** Builds the error for a non-2xx response from its status, status text and body text. */
export function httpError(args: {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly bodyText: string;
  readonly retryAfterMs: number | undefined;
  readonly attempts: number;
  readonly secrets: readonly string[];
}): ChatClientError {
  const serverError = parseServerErrorBody(args.bodyText, args.secrets);
  const said =
    serverError?.message ?? (args.bodyText.trim() === "" ? "" : redactSecrets(snippet(args.bodyText), args.secrets));
  const statusLine = `${args.status}${args.statusText === "" ? "" : ` ${args.statusText}`}`;
  const tries = args.attempts > 1 ? ` after ${args.attempts} attempts` : "";
  const message = `${args.method} ${args.url} answered ${statusLine}${tries}${said === "" ? "" : `: ${said}`} — ${hintForStatus(args.status)}`;
  return new ChatClientError(codeForStatus(args.status), message, {
    status: args.status,
    url: args.url,
    attempts: args.attempts,
    ...(serverError === undefined ? {} : { serverError }),
    ...(args.retryAfterMs === undefined ? {} : { retryAfterMs: args.retryAfterMs }),
  });
}

/** The first characters of a body, on one line, for messages. */
export function snippet(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > MAX_SNIPPET ? `${one.slice(0, MAX_SNIPPET)}…` : one;
}

/** A short description of a thrown value (fetch failures put the useful part in `cause`). */
export function describeCause(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    const inner = cause instanceof Error ? cause.message : typeof cause === "string" ? cause : "";
    const code = typeof cause === "object" && cause !== null ? (cause as { code?: unknown }).code : undefined;
    const codeText = typeof code === "string" && !inner.includes(code) ? ` (${code})` : "";
    return inner === "" || inner === e.message ? `${e.message}${codeText}` : `${e.message}: ${inner}${codeText}`;
  }
  return String(e);
}
