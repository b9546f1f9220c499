/**
 * A GET for blob bodies over its own socket, bypassing node:http's receive path: the socket reads with `onread` into
 * the free end of the batch being filled (no Buffer per chunk, no copy), in reads of up to 256 KiB (node:http reads
 * 64 KiB and copies each chunk into a fresh Buffer). Each read lands in one of a few reused batches (by default of the
 * read's size), handed to a sink (hash + disk write) as soon as it is full, synchronously from the read callback, so
 * that a sink that works synchronously finds the bytes still in this core's cache; a sink may also keep a batch (up to
 * `batchCount` at once) and the socket pauses only while every batch is taken. Memory stays bounded by the batches.
 */
import type { IncomingHttpHeaders } from "node:http";
import net from "node:net";
import { Readable } from "node:stream";
import tls from "node:tls";
import { OciRegistryError, redactUrl } from "../errors.ts";
import { Http1ResponseParser, HttpParseError, type ParsedHead } from "./http1-response.ts";

/** The head of an answer as the fast path saw it. */
export interface FastResponseHead {
  /** Status code. */
  readonly status: number;
  /** Headers (lowercase names). */
  readonly headers: IncomingHttpHeaders;
  /** URL that answered (after redirects). */
  readonly url: URL;
}

/**
 * Where the body goes: `write` gets the batches in body order, called synchronously as each fills; a batch's memory is
 * reused once its promise resolves. `write` may be called again before the previous promise resolved (up to
 * `batchCount` batches are outstanding; receiving pauses then).
 */
export interface BodySink {
  /** Takes the next batch of body bytes (hash it, write it); resolve when `chunk` may be reused. */
  readonly write: (chunk: Buffer) => Promise<void>;
}

/** One fast GET. */
export interface FastGetRequest {
  /** Absolute http: or https: URL. */
  readonly url: URL;
  /** Request headers (lowercase names); `host` and `connection` are set here. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Cancels the request (→ `ABORTED`). */
  readonly signal?: AbortSignal | undefined;
  /** Follow 3xx redirects; `Authorization` is dropped when the host or scheme changes. */
  readonly followRedirects?: boolean;
  /**
   * Called with the head of the final answer: the sink for its body, or `undefined` to keep the body in memory
   * (at most 64 KiB; for error answers).
   */
  readonly onHead: (head: FastResponseHead) => BodySink | undefined;
  /** Fail when the connection is silent this long, in ms (default 120000). */
  readonly idleTimeoutMs?: number;
  /** Trusted CA certificates for https (default: Node's). */
  readonly ca?: string | Buffer | readonly (string | Buffer)[] | undefined;
  /** Largest socket read, straight into a batch (default 256 KiB; a smaller body reads at most its length). */
  readonly readBufferBytes?: number;
  /**
   * Batch size handed to the sink (default and minimum: the read size, so that each read is handed over as it lands;
   * a smaller body gets batches of its length). Small enough that a sink hashing and writing it synchronously finds it
   * in the core's cache (a 1 GiB pull cost half the CPU of the 8 MiB batches that a digest worker and libuv's pool took
   * in turns; see the bench README), large enough that per-batch costs (a promise, a `write` system call) stay
   * negligible.
   */
  readonly batchBytes?: number;
  /** Number of batches (default 3, at least 2): how far receiving may run ahead of the sink. */
  readonly batchCount?: number;
  /** Largest response head (default 64 KiB). */
  readonly maxHeaderBytes?: number;
}

/** The answer: `streamed` when the body went to the sink (then `body` is empty), else `body` holds it. */
export interface FastGetResponse extends FastResponseHead {
  /** True when the body was delivered to the sink. */
  readonly streamed: boolean;
  /** The (in-memory, possibly truncated) body when not streamed. */
  readonly body: Readable;
}

/**
 * The body of a fast GET broke off (premature close, bad chunk framing, idle timeout) after the head arrived: a
 * transient failure; the download should start over. `cause` is the underlying error.
 */
export class BodyReadError extends Error {
  /** `ERR_BODY_READ`. */
  readonly code = "ERR_BODY_READ";
  /** Wraps `cause`. */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "BodyReadError";
  }
}

const MEMORY_LIMIT = 64 * 1024;

function requestHead(url: URL, headers: Readonly<Record<string, string>>): string {
  let out = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (name === "host" || name === "connection" || name === "content-length" || name === "transfer-encoding") continue;
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name) || /[\r\n\0]/.test(v)) {
      throw new OciRegistryError("INVALID_INPUT", `invalid request header ${JSON.stringify(name)}`);
    }
    out += `${name}: ${v}\r\n`;
  }
  return `${out}connection: close\r\n\r\n`;
}

function unreachable(url: URL, e: unknown): OciRegistryError {
  const code = (e as { code?: string }).code;
  const text = e instanceof Error ? e.message : String(e);
  return new OciRegistryError(
    "UNREACHABLE",
    `GET ${redactUrl(url)} failed: ${code ?? text}. Check that the registry address is right and reachable (use --plain-http for an http:// registry)`,
    { url: redactUrl(url), cause: e },
  );
}

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** One request/answer on a fresh connection. */
function exchange(req: FastGetRequest, url: URL, headers: Readonly<Record<string, string>>): Promise<FastGetResponse> {
  return new Promise<FastGetResponse>((resolve, reject) => {
    const signal = req.signal;
    if (signal?.aborted) {
      reject(new OciRegistryError("ABORTED", `GET ${redactUrl(url)} was cancelled`));
      return;
    }
    // Sized for the body once its head arrived (see onHead).
    let readSize = req.readBufferBytes ?? 256 * 1024;
    let batchSize = Math.max(req.batchBytes ?? 0, readSize);
    // Before the head, and for a body kept in memory, the socket reads into this small spare buffer; a body going to
    // a sink is read straight into the free end of the batch being filled, so that its bytes are not copied (see
    // nextReadBuffer).
    const readBuf = Buffer.allocUnsafeSlow(Math.min(readSize, 64 * 1024));
    let settled = false;
    let head: ParsedHead | undefined;
    let sink: BodySink | undefined;
    const memory: Buffer[] = [];
    let memoryLen = 0;
    const batchCount = Math.max(2, req.batchCount ?? 3);
    // Reused batches: the one being filled (`fill`; -1 while all are with the sink), and free ones.
    const batches: Buffer[] = [];
    const free: number[] = [];
    let fill = -1;
    let fillLen = 0;
    /** Batches handed to the sink whose promise has not resolved, oldest first. */
    const handed: number[] = [];
    /**
     * While the socket is paused for want of a free batch: the batch it resumes into, the oldest one handed (sinks
     * usually finish in order), so that the read after the pause lands in place instead of in the spare buffer.
     */
    let resumeInto = -1;
    let ended = false;

    const cleanup = () => {
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
    };
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(e);
    };
    const succeed = (streamed: boolean) => {
      if (settled || head === undefined) return;
      settled = true;
      cleanup();
      const body = Readable.from(memoryLen > 0 ? [Buffer.concat(memory)] : []);
      resolve({ status: head.status, headers: head.headers, url, streamed, body });
    };
    /** A failure of the connection: before the head it is a connection error, after it a broken body. */
    const connectionFailed = (e: unknown) => {
      if (head === undefined) fail(unreachable(url, e));
      else fail(new BodyReadError(`GET ${redactUrl(url)}: the body broke off (${(e as Error).message})`, e));
    };
    const maybeDone = () => {
      if (ended && handed.length === 0 && fillLen === 0) succeed(sink !== undefined);
    };
    /** Hands the batch being filled to the sink and takes a free one (or none: `fill` becomes -1). */
    const handOver = () => {
      const index = fill;
      const chunk = (batches[index] as Buffer).subarray(0, fillLen);
      fill = free.pop() ?? -1;
      fillLen = 0;
      handed.push(index);
      const s = sink as BodySink;
      new Promise<void>((res) => res(s.write(chunk))).then(() => {
        handed.splice(handed.indexOf(index), 1);
        if (index !== resumeInto) free.push(index);
        if (settled) return;
        if (index === resumeInto) {
          resumeInto = -1;
          fill = index;
          socket.resume();
        }
        maybeDone();
      }, fail);
    };
    /** Called after each read: keeps room for one more read in the batch being filled, or pauses. */
    const afterRead = (): boolean => {
      if (sink === undefined || fillLen === 0) return true;
      if (ended) {
        handOver();
        return true;
      }
      if (batchSize - fillLen >= readSize) return true;
      handOver();
      if (fill !== -1) return true;
      resumeInto = handed[0] as number;
      return false; // pause the socket until the sink gives that batch back
    };

    const parser = new Http1ResponseParser(
      {
        onHead: (h) => {
          head = h;
          const status = h.status;
          const redirect = [301, 302, 303, 307, 308].includes(status) && h.headers.location !== undefined;
          if (redirect && req.followRedirects === true) {
            ended = true;
            return;
          }
          if (status >= 200 && status < 300) sink = req.onHead({ status, headers: h.headers, url });
          if (sink !== undefined) {
            const length = Number(h.headers["content-length"]);
            if (Number.isSafeInteger(length) && length < batchSize) {
              // a small body: reads and batches of its size (at least 64 KiB reads, room for two in a batch)
              readSize = Math.min(readSize, Math.max(64 * 1024, length));
              batchSize = 2 * readSize;
            }
            for (let i = 0; i < batchCount; i++) {
              batches.push(Buffer.allocUnsafeSlow(batchSize));
              free.push(batchCount - 1 - i);
            }
            fill = free.pop() as number;
          }
        },
        onBody: (buf, start, end) => {
          if (ended) return;
          if (sink === undefined) {
            const n = Math.min(end - start, MEMORY_LIMIT - memoryLen);
            if (n > 0) {
              memory.push(Buffer.from(buf.subarray(start, start + n)));
              memoryLen += n;
            }
            if (memoryLen >= MEMORY_LIMIT) ended = true; // enough to report an error; drop the rest
            return;
          }
          const target = batches[fill] as Buffer;
          // Bytes read straight into place need no copy; others (after the head, after chunk framing, or read into
          // the spare buffer) are moved to the end of the batch (Buffer#copy handles the overlap).
          if (buf.buffer !== target.buffer || buf.byteOffset + start !== target.byteOffset + fillLen) {
            buf.copy(target, fillLen, start, end);
          }
          fillLen += end - start;
        },
        onEnd: () => {
          ended = true;
        },
      },
      req.maxHeaderBytes,
    );

    const onRead = (nread: number, buf: Buffer): boolean => {
      if (settled || ended) return false;
      try {
        parser.feed(buf, 0, nread);
      } catch (e) {
        // Bytes after what we keep (a redirect's body, the rest of a long error body) do not matter.
        if (!ended) {
          parseFailed(e);
          return false;
        }
      }
      const goOn = afterRead();
      if (ended) {
        socket.destroy();
        maybeDone();
        return false;
      }
      return goOn;
    };
    const parseFailed = (e: unknown) => {
      if (e instanceof HttpParseError && !e.inHead && head !== undefined) {
        fail(new BodyReadError(`GET ${redactUrl(url)}: ${e.message}`, e));
      } else if (e instanceof HttpParseError) {
        fail(
          new OciRegistryError(
            "INVALID_RESPONSE",
            `GET ${redactUrl(url)}: the server did not answer with valid HTTP (${e.message}); is this address a registry?`,
            { url: redactUrl(url), cause: e },
          ),
        );
      } else fail(e);
    };
    const onEof = () => {
      if (settled || ended) return;
      try {
        parser.finish();
      } catch (e) {
        if (e instanceof HttpParseError && !parser.headDone) {
          connectionFailed(withCode("socket hang up", "ECONNRESET"));
        } else parseFailed(e);
        return;
      }
      afterRead();
      maybeDone();
    };
    const onAbort = () => fail(new OciRegistryError("ABORTED", `GET ${redactUrl(url)} was cancelled`));

    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const isHttps = url.protocol === "https:";
    const port = Number(url.port || (isHttps ? 443 : 80));
    /**
     * Node asks for the next read's buffer right after each callback (even one that pauses): the free end of the batch
     * being filled, which afterRead keeps at least `readSize` long — or, while paused, the start of the batch that
     * reading resumes into (nothing is read into it before the sink gives it back and the socket resumes).
     */
    const nextReadBuffer = (): Buffer => {
      if (sink === undefined || settled || ended) return readBuf;
      if (fill === -1) return (batches[resumeInto] as Buffer).subarray(0, readSize);
      return (batches[fill] as Buffer).subarray(fillLen, fillLen + readSize);
    };
    const onread = { buffer: nextReadBuffer, callback: onRead };
    // tls.connect takes `onread` like net.connect (Node ≥ 13), though @types/node does not declare it.
    const tlsOptions: tls.ConnectionOptions & { onread: net.OnReadOpts } = {
      host,
      port,
      onread,
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      ...(req.ca !== undefined ? { ca: req.ca as string | Buffer | (string | Buffer)[] } : {}),
    };
    const socket = isHttps ? tls.connect(tlsOptions) : net.connect({ host, port, onread });
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.setTimeout(req.idleTimeoutMs ?? 120_000, () =>
      connectionFailed(withCode(`no data for ${req.idleTimeoutMs ?? 120_000} ms`, "ETIMEDOUT")),
    );
    socket.on("error", connectionFailed);
    socket.on("end", onEof);
    socket.on("close", onEof);
    let head0: string;
    try {
      head0 = requestHead(url, headers);
    } catch (e) {
      fail(e);
      return;
    }
    socket.write(head0);
  });
}

/**
 * Sends a GET on a fresh connection and streams a 2xx body to the sink that `onHead` returns, following redirects
 * when asked (without `Authorization` across hosts). Connection failures before the answer become `UNREACHABLE`
 * (with the node error as `cause`), a malformed head `INVALID_RESPONSE`, cancellation `ABORTED`; a body that breaks
 * off rejects with a {@link BodyReadError}; a sink failure rejects with the sink's error.
 */
export async function fastGet(req: FastGetRequest): Promise<FastGetResponse> {
  let url = req.url;
  let headers: Record<string, string> = { ...req.headers };
  for (let hop = 0; ; hop++) {
    const res = await exchange(req, url, headers);
    const location = res.headers.location;
    const redirect = [301, 302, 303, 307, 308].includes(res.status) && typeof location === "string";
    if (!redirect || req.followRedirects !== true) return res;
    if (hop >= 10) {
      throw new OciRegistryError("INVALID_RESPONSE", `${redactUrl(req.url)}: more than 10 redirects`, {
        url: redactUrl(req.url),
      });
    }
    const next = new URL(location, url);
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      throw new OciRegistryError("INVALID_RESPONSE", `${redactUrl(url)} redirects to an unsupported URL scheme`, {
        url: redactUrl(url),
      });
    }
    if (next.host !== url.host || next.protocol !== url.protocol) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    url = next;
  }
}
