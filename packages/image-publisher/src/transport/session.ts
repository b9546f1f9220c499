import { type AuthChallenge, parseWwwAuthenticate } from "../auth/challenge.ts";
import {
  basicAuthorization,
  type CredentialProvider,
  describeCredentials,
  type RegistryCredentials,
} from "../auth/credentials.ts";
import { fetchBearerToken, TokenCache } from "../auth/token.ts";
import { type OciErrorCode, OciRegistryError, redactUrl } from "../errors.ts";
import { isLoopbackRegistry, registryApiHost } from "../reference/reference.ts";
import { errorFromResponse } from "./errors.ts";
import { type BodySink, type FastResponseHead, fastGet } from "./fast-get.ts";
import {
  type Agents,
  createAgents,
  drain,
  type HttpResponse,
  header,
  type RequestBody,
  readText,
  sendHttp,
} from "./http.ts";
import {
  isRetryableNetworkCode,
  isRetryableStatus,
  parseRetryAfter,
  type ResolvedRetryOptions,
  type RetryOptions,
  resolveRetryOptions,
  retryDelay,
} from "./retry.ts";

/** Options of a {@link RegistrySession}. */
export interface SessionOptions {
  /** Where credentials come from; anonymous when absent. */
  readonly credentials?: CredentialProvider | undefined;
  /** Use http:// instead of https://: `true` for all registries, or a predicate on the registry host. */
  readonly plainHttp?: boolean | ((registry: string) => boolean) | undefined;
  /** Retry policy for 429/5xx and connection failures. */
  readonly retry?: RetryOptions | undefined;
  /** User-Agent header. */
  readonly userAgent?: string | undefined;
  /**
   * Download blobs to files with the fast HTTP/1.1 reader (own socket, large reused read buffers; default true).
   * `false` forces the plain `node:http` path.
   */
  readonly fastBlobDownloads?: boolean | undefined;
}

/** One request to a registry. */
export interface RegistryRequest {
  /** Registry host[:port] as in the reference. */
  readonly registry: string;
  /** HTTP method. */
  readonly method: string;
  /** A path (`/v2/...`) or an absolute URL (an upload `Location`). */
  readonly path: string | URL;
  /** Headers (lowercase names). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Body; a factory is called again for each attempt. */
  readonly body?: RequestBody;
  /** Token scopes this request needs, e.g. `repository:org/app:pull,push`. */
  readonly scopes: readonly string[];
  /** Statuses returned to the caller; any other becomes an error. */
  readonly expect: readonly number[];
  /** Retry 429/5xx and connection failures (default true). Off for requests whose retry needs a protocol step. */
  readonly retry?: boolean;
  /** Follow redirects (GET/HEAD). */
  readonly followRedirects?: boolean;
  /** Error code for an unexpected 404 without a registry error body. */
  readonly notFoundCode?: OciErrorCode;
  /** Cancels the request and its retries. */
  readonly signal?: AbortSignal | undefined;
  /**
   * For a GET: send it with the fast body reader and stream the body of an expected 2xx answer to the sink this
   * returns (called once per delivered body); the returned response's body is then empty. A body that breaks off
   * rejects with a `BodyReadError` (not retried here: the caller restarts its download).
   */
  readonly bodySink?: ((head: FastResponseHead) => BodySink) | undefined;
}

type AuthMode =
  | { readonly kind: "none" }
  | { readonly kind: "basic" }
  | { readonly kind: "bearer"; readonly realm: string; readonly service: string | undefined };

/** Sleeps `ms`, or rejects with `ABORTED` when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new OciRegistryError("ABORTED", "cancelled while waiting to retry"));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new OciRegistryError("ABORTED", "cancelled while waiting to retry"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The transport shared by everything that talks to registries: base URLs (https, or http for `plainHttp`),
 * authentication (anonymous, Basic, Bearer tokens from the `WWW-Authenticate` challenge, cached per scope until
 * expiry), retries with backoff honouring `Retry-After`, redirects, and mapping of failures to
 * {@link OciRegistryError}.
 */
export class RegistrySession {
  /** Keep-alive agents. */
  readonly agents: Agents = createAgents();
  /** Cached bearer tokens. */
  readonly tokens: TokenCache = new TokenCache();
  /** The resolved retry policy. */
  readonly retry: ResolvedRetryOptions;
  private readonly modes = new Map<string, AuthMode>();
  private readonly options: SessionOptions;

  /** Creates a session. */
  constructor(options: SessionOptions = {}) {
    this.options = options;
    this.retry = resolveRetryOptions(options.retry);
  }

  /** True when blob downloads use the fast body reader (the {@link SessionOptions.fastBlobDownloads} option). */
  get fastBlobDownloads(): boolean {
    return this.options.fastBlobDownloads !== false;
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** The base URL (`https://host/`) of a registry. */
  baseUrl(registry: string): URL {
    const p = this.options.plainHttp;
    const plain = typeof p === "function" ? p(registry) : p === true;
    return new URL(`${plain ? "http" : "https"}://${registryApiHost(registry)}/`);
  }

  /** The credentials for a registry. */
  credentialsFor(registry: string): RegistryCredentials | undefined {
    return this.options.credentials?.(registry);
  }

  private identity(c: RegistryCredentials | undefined): string {
    return c === undefined ? "" : (c.username ?? (c.identityToken !== undefined ? "<identity>" : "<token>"));
  }

  private async authorization(req: RegistryRequest, scopes: readonly string[]): Promise<string | undefined> {
    const mode = this.modes.get(req.registry) ?? { kind: "none" };
    const creds = this.credentialsFor(req.registry);
    if (creds?.registryToken !== undefined) return `Bearer ${creds.registryToken}`;
    if (mode.kind === "basic") {
      if (creds?.username === undefined || creds.password === undefined) return undefined;
      return basicAuthorization(creds.username, creds.password);
    }
    if (mode.kind === "bearer") {
      const key = TokenCache.key(mode.realm, mode.service, scopes, this.identity(creds));
      let token =
        this.tokens.get(key) ?? this.tokens.findCovering(mode.realm, mode.service, scopes, this.identity(creds));
      if (token === undefined) {
        this.checkRealm(mode.realm, req.registry);
        token = await fetchBearerToken(
          { realm: mode.realm, service: mode.service, scopes, credentials: creds, signal: req.signal },
          this.agents,
        );
        this.tokens.set(key, token);
      }
      return `Bearer ${token.token}`;
    }
    return undefined;
  }

  private checkRealm(realm: string, registry: string): void {
    const u = new URL(realm);
    if (u.protocol === "https:") return;
    if (this.baseUrl(registry).protocol === "http:" || isLoopbackRegistry(u.host)) return;
    throw new OciRegistryError(
      "UNAUTHORIZED",
      `the registry ${registry} sends its token realm over plain http (${redactUrl(u)}); refusing to send credentials there`,
    );
  }

  /** Handles a 401: updates the auth mode from the challenge; returns the scopes to use, or throws. */
  private onUnauthorized(
    req: RegistryRequest,
    res: HttpResponse,
    sentAuth: string | undefined,
    scopes: readonly string[],
  ): readonly string[] {
    const url = res.url;
    const creds = this.credentialsFor(req.registry);
    const challenges = parseWwwAuthenticate(header(res, "www-authenticate") ?? "");
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const basic = challenges.find((c) => c.scheme === "basic");
    const who = describeCredentials(creds);
    const unauthorized = (why: string) =>
      new OciRegistryError("UNAUTHORIZED", `${req.method} ${redactUrl(url)} returned 401: ${why}`, {
        status: 401,
        url: redactUrl(url),
      });
    if (bearer !== undefined && bearer.params.realm !== undefined) {
      const merged = mergeScopes(scopes, bearer);
      const mode = this.modes.get(req.registry);
      const sameMode = mode?.kind === "bearer" && mode.realm === bearer.params.realm;
      if (sameMode && sentAuth?.startsWith("Bearer ") && merged.length === scopes.length) {
        const key = TokenCache.key(bearer.params.realm, bearer.params.service, scopes, this.identity(creds));
        this.tokens.delete(key);
        if (bearer.params.error === "insufficient_scope") {
          throw new OciRegistryError(
            "DENIED",
            `${req.method} ${redactUrl(url)}: ${who} may not ${scopes.join(" ")} (insufficient_scope); grant the access or use other credentials`,
            { status: 401, url: redactUrl(url) },
          );
        }
        throw unauthorized(`the registry rejected the token issued for ${who}; check the credentials`);
      }
      this.modes.set(req.registry, { kind: "bearer", realm: bearer.params.realm, service: bearer.params.service });
      return merged;
    }
    if (basic !== undefined) {
      if (creds?.username === undefined || creds.password === undefined) {
        throw unauthorized(
          `the registry ${req.registry} requires a user name and password; give them in a docker config.json (--docker-config) or in code`,
        );
      }
      if (sentAuth?.startsWith("Basic ")) {
        throw unauthorized(`wrong user name or password for ${who} at ${req.registry}`);
      }
      this.modes.set(req.registry, { kind: "basic" });
      return scopes;
    }
    throw unauthorized(
      challenges.length === 0
        ? "no WWW-Authenticate challenge in the answer"
        : `unsupported auth scheme ${challenges.map((c) => c.scheme).join(", ")}`,
    );
  }

  /**
   * Sends a request: authenticates, retries transient failures, follows redirects, and returns the answer when
   * its status is in `expect`; anything else throws an {@link OciRegistryError}.
   */
  async send(req: RegistryRequest): Promise<HttpResponse> {
    const url = typeof req.path === "string" ? new URL(req.path, this.baseUrl(req.registry)) : req.path;
    const retryable = req.retry !== false;
    let scopes = req.scopes;
    let attempt = 0;
    let authRounds = 0;
    for (;;) {
      if (req.signal?.aborted) throw new OciRegistryError("ABORTED", `${req.method} ${redactUrl(url)} was cancelled`);
      // Credentials go only to the registry itself, never to another host named by a Location.
      const sameHost = url.host === this.baseUrl(req.registry).host;
      const auth = sameHost ? await this.authorization(req, scopes) : undefined;
      const headers: Record<string, string> = {
        "user-agent": this.options.userAgent ?? "kaito-publish",
        ...req.headers,
      };
      if (auth !== undefined) headers.authorization = auth;
      let res: HttpResponse;
      try {
        const sink = req.bodySink;
        res =
          sink !== undefined && req.method === "GET"
            ? await fastGet({
                url,
                headers,
                signal: req.signal,
                followRedirects: req.followRedirects ?? false,
                onHead: (head) => (req.expect.includes(head.status) ? sink(head) : undefined),
              })
            : await sendHttp(
                {
                  method: req.method,
                  url,
                  headers,
                  ...(req.body !== undefined ? { body: req.body } : {}),
                  signal: req.signal,
                  followRedirects: req.followRedirects ?? false,
                },
                this.agents,
              );
      } catch (e) {
        const code = (e as { cause?: { code?: string } }).cause?.code;
        if (retryable && attempt < this.retry.retries && (e as OciRegistryError).code === "UNREACHABLE") {
          if (isRetryableNetworkCode(code) || code === undefined) {
            await sleep(retryDelay(attempt++, this.retry), req.signal);
            continue;
          }
        }
        throw e;
      }
      if (res.status === 401 && authRounds < 3) {
        authRounds++;
        await drain(res);
        scopes = this.onUnauthorized(req, res, auth, scopes);
        continue;
      }
      if (req.expect.includes(res.status)) return res;
      if (retryable && isRetryableStatus(res.status) && attempt < this.retry.retries) {
        const after = parseRetryAfter(header(res, "retry-after"));
        await drain(res);
        await sleep(retryDelay(attempt++, this.retry, after), req.signal);
        continue;
      }
      const text = req.method === "HEAD" ? "" : await readText(res).catch(() => "");
      if (req.method === "HEAD") await drain(res);
      throw errorFromResponse(req.method, url, res.status, text, req.notFoundCode);
    }
  }
}

function mergeScopes(scopes: readonly string[], challenge: AuthChallenge): readonly string[] {
  const extra = (challenge.params.scope ?? "").split(" ").filter((s) => s !== "");
  const out = [...scopes];
  for (const s of extra) if (!out.includes(s)) out.push(s);
  return out;
}
