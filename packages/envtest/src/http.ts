/** A tiny GET over HTTP(S) with client certificates, for readiness probes. */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** TLS material for a probe. */
export interface ProbeTls {
  /** CA bundle to verify the server with. */
  readonly ca?: string;
  /** Client certificate (PEM). */
  readonly cert?: string;
  /** Client key (PEM). */
  readonly key?: string;
}

/** GETs `url`; resolves with the status and body, or rejects on a connection error or after `timeoutMs`. */
export function get(url: string, tls: ProbeTls = {}, timeoutMs = 2_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const options = { method: "GET", agent: false as const, timeout: timeoutMs, ...tls };
    const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(u, options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}
