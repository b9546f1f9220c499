import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";

/** What the proxy does with a matching request. */
export type FaultAction =
  /** Read this many body bytes, then reset the client connection; the registry never sees the request. */
  | { readonly kind: "reset-before-forward"; readonly afterBytes: number }
  /** Forward the request, but cut both connections after this many body bytes (the registry sees a partial body). */
  | { readonly kind: "reset-mid-forward"; readonly afterBytes: number }
  /** Forward, but cut the connection after this many bytes of the registry's response body. */
  | { readonly kind: "cut-response"; readonly afterBytes: number }
  /** Answer with this status, headers and body instead of the registry. */
  | {
      readonly kind: "respond";
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: string;
    };

/** A rule: requests matching `match` get `action`, `times` times. */
export interface FaultRule {
  readonly match: (req: IncomingMessage) => boolean;
  readonly action: FaultAction;
  times: number;
}

/** A loopback HTTP proxy in front of a real registry that injects faults. */
export interface FaultProxy {
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  /** Rules, checked in order. */
  readonly rules: FaultRule[];
  /** Requests seen (`METHOD path`, path without query). */
  readonly seen: string[];
  /** The headers of each request in `seen`, in the same order. */
  readonly seenHeaders: IncomingHttpHeaders[];
  /** Stops the proxy. */
  stop(): Promise<void>;
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: string,
  cutAfter?: number,
  cutResponseAfter?: number,
): void {
  const [hostname, port] = upstream.split(":");
  const up = request({ hostname, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    if (cutResponseAfter === undefined) {
      r.pipe(res);
      return;
    }
    let sent = 0;
    r.on("data", (c: Buffer) => {
      if (sent >= cutResponseAfter) return;
      const take = Math.min(c.length, cutResponseAfter - sent);
      sent += take;
      res.write(c.subarray(0, take));
      if (sent >= cutResponseAfter) {
        r.destroy();
        setTimeout(() => res.socket?.destroy(), 20);
      }
    });
  });
  up.on("error", () => res.destroy());
  if (cutAfter === undefined) {
    req.pipe(up);
    return;
  }
  let seen = 0;
  req.on("data", (c: Buffer) => {
    if (seen >= cutAfter) return;
    const take = Math.min(c.length, cutAfter - seen);
    seen += take;
    up.write(c.subarray(0, take));
    if (seen >= cutAfter) {
      // Give the registry a moment to write the partial data, then cut both sides.
      setTimeout(() => {
        up.destroy();
        req.socket.destroy();
      }, 50);
    }
  });
}

/** Starts a fault-injecting proxy in front of `upstream` (`host:port`). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const rules: FaultRule[] = [];
  const seen: string[] = [];
  const seenHeaders: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${(req.url ?? "").replace(/\?.*$/, "")}`);
    seenHeaders.push(req.headers);
    const rule = rules.find((r) => r.times > 0 && r.match(req));
    if (rule === undefined) return forward(req, res, upstream);
    rule.times--;
    const a = rule.action;
    if (a.kind === "respond") {
      req.resume();
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body ?? "");
      return;
    }
    if (a.kind === "reset-mid-forward") return forward(req, res, upstream, a.afterBytes);
    if (a.kind === "cut-response") return forward(req, res, upstream, undefined, a.afterBytes);
    let n = 0;
    req.on("data", (c: Buffer) => {
      n += c.length;
      if (n >= a.afterBytes) req.socket.resetAndDestroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    rules,
    seen,
    seenHeaders,
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
