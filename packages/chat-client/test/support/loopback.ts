/**
 * A scriptable node:http server on 127.0.0.1 for contract and fault tests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

export type Handler = (req: SeenRequest, res: ServerResponse, n: number) => unknown;

export interface Loopback {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Replaces the handler (requests are numbered from 1 per handler). */
  handle(h: Handler): void;
  close(): Promise<void>;
}

export async function startLoopback(initial?: Handler): Promise<Loopback> {
  let handler: Handler = initial ?? ((_req, res) => res.writeHead(404).end());
  let count = 0;
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const seen: SeenRequest = {
        method: req.method ?? "",
        path: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(parts).toString("utf8"),
      };
      requests.push(seen);
      count++;
      Promise.resolve(handler(seen, res, count)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      handler = h;
      count = 0;
      requests.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes a JSON reply. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** A chat completion body. */
export function completion(content: string, model = "m"): Record<string, unknown> {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

/** One SSE `data:` event carrying a chat chunk with `content`. */
export function chunkEvent(content: string, finish: string | null = null): string {
  const c = {
    id: "c",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  };
  return `data: ${JSON.stringify(c)}\n\n`;
}
