/**
 * The kubelet's HTTPS endpoint, as far as the API server uses it for `kubectl logs`: `GET
 * /containerLogs/{namespace}/{pod}/{container}` (`previous`, `tailLines`, `limitBytes`) and `/healthz`, on
 * 127.0.0.1 with a self-signed certificate. A real kube-apiserver started without `--kubelet-certificate-authority`
 * does not verify it; nodes registered with `kubeletEndpoint` on point their Hostname address and kubelet port here.
 */
import { createServer, type Server } from "node:https";
import { generateTlsMaterial } from "../../server/tls.ts";

/** Reads a container's log (the previous instance's with `previous`); undefined when the pod or container is unknown. */
export type LogReader = (namespace: string, pod: string, container: string, previous: boolean) => string | undefined;

/** The last `tailLines` lines and at most the last `limitBytes` bytes of a log, as the kubelet cuts it. */
export function cutLog(text: string, tailLines: number | undefined, limitBytes: number | undefined): string {
  let out = text;
  if (tailLines !== undefined && tailLines >= 0) {
    const lines = out.split("\n");
    const trailing = lines.at(-1) === "" ? lines.pop() : undefined;
    out =
      lines.slice(Math.max(0, lines.length - tailLines)).join("\n") + (trailing === "" && tailLines > 0 ? "\n" : "");
  }
  if (limitBytes !== undefined && limitBytes >= 0) {
    const bytes = Buffer.from(out);
    if (bytes.length > limitBytes) out = bytes.subarray(0, limitBytes).toString("utf8");
  }
  return out;
}

function intParam(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  return v === null || !/^\d+$/.test(v) ? undefined : Number(v);
}

/** One HTTPS server for every simulated node's kubelet endpoint. */
export class KubeletServer {
  readonly #read: LogReader;
  #server: Server | undefined;

  constructor(read: LogReader) {
    this.#read = read;
  }

  /** Listens on a free port of 127.0.0.1; resolves with the port. */
  async start(): Promise<number> {
    const tls = await generateTlsMaterial();
    const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const url = new URL(req.url ?? "/", "https://127.0.0.1");
      const parts = url.pathname
        .split("/")
        .filter((p) => p !== "")
        .map(decodeURIComponent);
      if (req.method === "GET" && url.pathname === "/healthz") {
        res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
        return;
      }
      if (req.method !== "GET" || parts[0] !== "containerLogs" || parts.length !== 4) {
        res
          .writeHead(404, { "Content-Type": "text/plain" })
          .end(`${req.method} ${url.pathname}: not served by the simulated kubelet`);
        return;
      }
      const [, namespace = "", pod = "", container = ""] = parts;
      const previous = url.searchParams.get("previous") === "true";
      const text = this.#read(namespace, pod, container, previous);
      if (text === undefined) {
        const what = previous ? `previous terminated container "${container}"` : `container "${container}"`;
        // As the kubelet answers: the API server turns it into a BadRequest Status with this message.
        res.writeHead(400, { "Content-Type": "text/plain" }).end(`${what} in pod "${pod}" not found`);
        return;
      }
      res
        .writeHead(200, { "Content-Type": "text/plain" })
        .end(cutLog(text, intParam(url, "tailLines"), intParam(url, "limitBytes")));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    const address = server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  }

  /** Closes the server and its connections. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
