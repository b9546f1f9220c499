import { OciRegistryError, redactUrl } from "../errors.ts";
import { type Agents, readText, sendHttp } from "../transport/http.ts";
import { basicAuthorization, describeCredentials, type RegistryCredentials } from "./credentials.ts";

/** A bearer token and when it stops being valid. */
export interface BearerToken {
  /** The token. Never logged. */
  readonly token: string;
  /** Epoch ms after which the token must not be used. */
  readonly expiresAt: number;
}

/** A cache of scoped bearer tokens, keyed by realm, service, scopes and identity; entries expire. */
export class TokenCache {
  private readonly entries = new Map<string, BearerToken>();

  /** The key for a token request. */
  static key(realm: string, service: string | undefined, scopes: readonly string[], identity: string): string {
    return `${realm}|${service ?? ""}|${[...scopes].sort().join(" ")}|${identity}`;
  }

  /** The cached token for `key` if it is still valid at `now`. */
  get(key: string, now: number = Date.now()): BearerToken | undefined {
    const t = this.entries.get(key);
    if (t === undefined) return undefined;
    if (t.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return t;
  }

  /** Stores a token. */
  set(key: string, token: BearerToken): void {
    this.entries.set(key, token);
  }

  /**
   * A valid token of the same realm, service and identity whose scopes cover `scopes` (e.g. a `pull,push` token
   * serves a `pull` request), so that one push does not fetch a token per action set.
   */
  findCovering(
    realm: string,
    service: string | undefined,
    scopes: readonly string[],
    identity: string,
    now: number = Date.now(),
  ): BearerToken | undefined {
    const prefix = `${realm}|${service ?? ""}|`;
    for (const [key, token] of this.entries) {
      if (!key.startsWith(prefix) || !key.endsWith(`|${identity}`) || token.expiresAt <= now) continue;
      const granted = key.slice(prefix.length, key.length - identity.length - 1).split(" ");
      if (scopes.every((s) => granted.some((g) => scopeCovers(g, s)))) return token;
    }
    return undefined;
  }

  /** Forgets a token (after the registry rejected it). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Number of cached tokens (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }
}

/** True when scope `granted` (`repository:name:a,b`) includes every action of `wanted` for the same resource. */
export function scopeCovers(granted: string, wanted: string): boolean {
  if (granted === wanted) return true;
  const g = granted.lastIndexOf(":");
  const w = wanted.lastIndexOf(":");
  if (g < 0 || w < 0 || granted.slice(0, g) !== wanted.slice(0, w)) return false;
  const actions = new Set(granted.slice(g + 1).split(","));
  return (
    actions.has("*") ||
    wanted
      .slice(w + 1)
      .split(",")
      .every((a) => actions.has(a))
  );
}

/** What a token request needs. */
export interface TokenRequest {
  /** The challenge's `realm` URL. */
  readonly realm: string;
  /** The challenge's `service`. */
  readonly service?: string | undefined;
  /** The scopes to ask for. */
  readonly scopes: readonly string[];
  /** Credentials, or `undefined` for an anonymous token. */
  readonly credentials?: RegistryCredentials | undefined;
  /** Cancels the request. */
  readonly signal?: AbortSignal | undefined;
  /** OAuth2 client id sent with POST requests. */
  readonly clientId?: string;
}

/** Parses a token server answer `{token|access_token, expires_in?, issued_at?}` into a {@link BearerToken}. */
export function parseTokenResponse(body: string, realm: string, now: number = Date.now()): BearerToken {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    data = undefined;
  }
  const obj = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  const token =
    typeof obj.token === "string" && obj.token !== ""
      ? obj.token
      : typeof obj.access_token === "string"
        ? obj.access_token
        : undefined;
  if (token === undefined || token === "") {
    throw new OciRegistryError(
      "INVALID_RESPONSE",
      `token server ${redactUrl(realm)} answered without a "token" or "access_token" field`,
      { url: redactUrl(realm) },
    );
  }
  const expiresIn = typeof obj.expires_in === "number" && obj.expires_in > 0 ? obj.expires_in : 60;
  const issued = typeof obj.issued_at === "string" ? Date.parse(obj.issued_at) : Number.NaN;
  const start = Number.isNaN(issued) ? now : Math.min(issued, now);
  // Renew a little early so that a token never expires in flight.
  return { token, expiresAt: start + expiresIn * 1000 - Math.min(10_000, (expiresIn * 1000) / 10) };
}

/**
 * Gets a bearer token from a token server (distribution token auth). With an `identityToken`, POSTs the OAuth2
 * form `grant_type=refresh_token`; otherwise GETs `realm?service=…&scope=…` with Basic credentials when there are
 * some. A rejection becomes `UNAUTHORIZED` naming the user, never the password or token.
 */
export async function fetchBearerToken(req: TokenRequest, agents: Agents): Promise<BearerToken> {
  let url: URL;
  try {
    url = new URL(req.realm);
  } catch (e) {
    throw new OciRegistryError("INVALID_RESPONSE", `the registry's token realm "${req.realm}" is not a URL`, {
      cause: e,
    });
  }
  const c = req.credentials;
  const headers: Record<string, string> = { accept: "application/json" };
  let method = "GET";
  let body: Uint8Array | undefined;
  if (c?.identityToken !== undefined) {
    method = "POST";
    const form = new URLSearchParams();
    form.set("grant_type", "refresh_token");
    form.set("refresh_token", c.identityToken);
    if (req.service !== undefined) form.set("service", req.service);
    if (req.scopes.length > 0) form.set("scope", req.scopes.join(" "));
    form.set("client_id", req.clientId ?? "kaito-publish");
    body = Buffer.from(form.toString(), "utf8");
    headers["content-type"] = "application/x-www-form-urlencoded";
  } else {
    if (req.service !== undefined) url.searchParams.set("service", req.service);
    for (const s of req.scopes) url.searchParams.append("scope", s);
    if (c?.username !== undefined && c.password !== undefined) {
      url.searchParams.set("account", c.username);
      headers.authorization = basicAuthorization(c.username, c.password);
    }
  }
  const res = await sendHttp(
    { method, url, headers, ...(body !== undefined ? { body } : {}), signal: req.signal, followRedirects: true },
    agents,
  );
  const text = await readText(res, 1024 * 1024, true);
  if (res.status === 401 || res.status === 403) {
    throw new OciRegistryError(
      "UNAUTHORIZED",
      `token server ${redactUrl(url)} rejected ${describeCredentials(c)} (${res.status}); check the user name and password or identity token`,
      { status: res.status, url: redactUrl(url) },
    );
  }
  if (res.status < 200 || res.status > 299) {
    throw new OciRegistryError(
      res.status >= 500 ? "UNAVAILABLE" : "INVALID_RESPONSE",
      `token server ${redactUrl(url)} returned ${res.status}`,
      { status: res.status, url: redactUrl(url) },
    );
  }
  return parseTokenResponse(text, req.realm);
}
