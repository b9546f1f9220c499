import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import net from "node:net";
import { join } from "node:path";
import tls from "node:tls";
import { promisify } from "node:util";

/** A request as a raw loopback server saw it. */
export interface RawRequest {
  /** The request line, e.g. `GET /x HTTP/1.1`. */
  readonly line: string;
  /** Headers, lowercase names. */
  readonly headers: Record<string, string>;
}

/** Answers one request by writing to the socket (and ending or destroying it). */
export type RawHandler = (socket: net.Socket, req: RawRequest, index: number) => unknown;

/** A loopback TCP (or TLS) server that answers HTTP requests with hand-written bytes. */
export interface RawServer {
  /** `http://127.0.0.1:port` (or https://localhost:port for TLS). */
  readonly origin: string;
  /** The port. */
  readonly port: number;
  /** Requests seen so far. */
  readonly requests: RawRequest[];
  /** Stops the server and drops its connections. */
  readonly close: () => Promise<void>;
}

/** Starts a raw server; each connection's request head is parsed, then `handler` answers. */
export async function rawServer(handler: RawHandler, tlsOptions?: tls.TlsOptions): Promise<RawServer> {
  const requests: RawRequest[] = [];
  const sockets = new Set<net.Socket>();
  const onConnection = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let head = "";
    const onData = (d: Buffer) => {
      head += d.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      const [line = "", ...rest] = head.slice(0, end).split("\r\n");
      const headers: Record<string, string> = {};
      for (const l of rest) {
        const i = l.indexOf(":");
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      const req = { line, headers };
      requests.push(req);
      void Promise.resolve(handler(socket, req, requests.length - 1)).catch(() => socket.destroy());
    };
    socket.on("data", onData);
  };
  const server = tlsOptions !== undefined ? tls.createServer(tlsOptions, onConnection) : net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    origin: tlsOptions !== undefined ? `https://localhost:${port}` : `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A self-signed certificate for `localhost` and 127.0.0.1, made with openssl in `dir`. */
export async function selfSignedCert(dir: string): Promise<{ key: string; cert: string }> {
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  await promisify(execFile)("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ]);
  return { key: await readFile(key, "utf8"), cert: await readFile(cert, "utf8") };
}

/** Writes `parts` one by one, each in its own TCP segment (no-delay, a pause between). */
export async function writeSlowly(socket: net.Socket, parts: readonly (string | Buffer)[], pauseMs = 1): Promise<void> {
  socket.setNoDelay(true);
  for (const p of parts) {
    if (socket.destroyed) return;
    socket.write(p);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** Encodes `body` as chunked transfer coding with the given chunk sizes (cycled), with an extension and a trailer. */
export function chunked(body: Buffer, sizes: readonly number[]): Buffer {
  const parts: Buffer[] = [];
  let off = 0;
  for (let i = 0; off < body.byteLength; i++) {
    const n = Math.min(sizes[i % sizes.length] as number, body.byteLength - off);
    parts.push(Buffer.from(`${n.toString(16)}${i % 3 === 0 ? ';ext="v"' : ""}\r\n`), body.subarray(off, off + n));
    parts.push(Buffer.from("\r\n"));
    off += n;
  }
  parts.push(Buffer.from("0\r\nx-checksum: abc\r\nx-other: 1\r\n\r\n"));
  return Buffer.concat(parts);
}
