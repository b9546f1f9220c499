import { execFileSync } from "node:child_process";
import { createPrivateKey, randomUUID, sign, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { join } from "node:path";

/** One request the token server saw. */
export interface TokenRequestLog {
  readonly method: "GET" | "POST";
  readonly scopes: readonly string[];
  readonly account?: string;
  readonly grantType?: string;
}

/** A running token server (distribution token auth, ES256 JWTs with an x5c chain). */
export interface TokenServer {
  /** `http://127.0.0.1:<port>/token`. */
  readonly realm: string;
  /** The `service` (registry audience). */
  readonly service: string;
  /** The issuer. */
  readonly issuer: string;
  /** PEM certificate the registry trusts (`rootcertbundle`). */
  readonly certFile: string;
  /** Requests seen. */
  readonly log: TokenRequestLog[];
  /** Stops the server. */
  stop(): Promise<void>;
}

/** Users (password) and refresh tokens the server accepts, and users limited to pull. */
export interface TokenServerOptions {
  readonly users: Readonly<Record<string, string>>;
  readonly refreshTokens: Readonly<Record<string, string>>;
  readonly pullOnlyUsers?: readonly string[];
  readonly expiresIn?: number;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Starts a token server on a free loopback port; key and certificate are made with openssl in `dir`. */
export async function startTokenServer(dir: string, options: TokenServerOptions): Promise<TokenServer> {
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=kaito-test-signer",
    ],
    { stdio: "ignore" },
  );
  const key = createPrivateKey(readFileSync(keyFile));
  const certDer = new X509Certificate(readFileSync(certFile)).raw.toString("base64");
  const service = "test-registry";
  const issuer = "test-issuer";
  const log: TokenRequestLog[] = [];

  const issue = (subject: string, scopes: readonly string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.flatMap((s) => {
      const m = /^repository:([^:]+):(.+)$/.exec(s);
      if (m === null) return [];
      let actions = (m[2] ?? "").split(",");
      if (options.pullOnlyUsers?.includes(subject)) actions = actions.filter((a) => a === "pull");
      return [{ type: "repository", name: m[1], actions }];
    });
    const header = { alg: "ES256", typ: "JWT", x5c: [certDer] };
    const claims = {
      iss: issuer,
      sub: subject,
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const data = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign("sha256", Buffer.from(data), { key, dsaEncoding: "ieee-p1363" });
    return `${data}.${b64url(sig)}`;
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== "/token") return reply(404, { error: "not found" });
    if (req.method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      const grant = form.get("grant_type") ?? "";
      const scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
      log.push({ method: "POST", scopes, grantType: grant });
      let subject: string | undefined;
      if (grant === "refresh_token") subject = options.refreshTokens[form.get("refresh_token") ?? ""];
      else if (grant === "password") {
        const u = form.get("username") ?? "";
        if (options.users[u] !== undefined && options.users[u] === form.get("password")) subject = u;
      }
      if (subject === undefined) return reply(401, { error: "invalid_grant" });
      return reply(200, {
        access_token: issue(subject, scopes),
        expires_in: options.expiresIn ?? 300,
        scope: scopes.join(" "),
      });
    }
    const scopes = url.searchParams.getAll("scope");
    const auth = req.headers.authorization;
    let subject = "";
    let account: string | undefined;
    if (auth?.startsWith("Basic ")) {
      const [u, ...p] = Buffer.from(auth.slice(6), "base64").toString("utf8").split(":");
      account = u;
      if (u === undefined || options.users[u] === undefined || options.users[u] !== p.join(":")) {
        log.push({ method: "GET", scopes, ...(account !== undefined ? { account } : {}) });
        return reply(401, { errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] });
      }
      subject = u;
    }
    log.push({ method: "GET", scopes, ...(account !== undefined ? { account } : {}) });
    return reply(200, {
      token: issue(subject, subject === "" ? [] : scopes),
      expires_in: options.expiresIn ?? 300,
      issued_at: new Date().toISOString(),
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    log,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
