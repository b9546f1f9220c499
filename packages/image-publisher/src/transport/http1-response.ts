/**
 * A minimal, strict HTTP/1.1 response parser for the blob download path: the status line and headers (repeated ones
 * kept), then the body framed by `Content-Length`, `Transfer-Encoding: chunked` (extensions and trailers skipped) or
 * the end of the connection. No I/O: bytes go in with {@link Http1ResponseParser.feed}, body bytes come out as
 * slices of the input (never copied here).
 */
import type { IncomingHttpHeaders } from "node:http";

/** The status and headers of a response. */
export interface ParsedHead {
  /** Status code. */
  readonly status: number;
  /** Headers, lowercase names; repeated ones joined with `, ` (`set-cookie` kept as a list). */
  readonly headers: IncomingHttpHeaders;
}

/** What the parser calls. */
export interface Http1Handlers {
  /** The head of the final (non-1xx) response; its body follows. */
  readonly onHead: (head: ParsedHead) => void;
  /** Body bytes `buf[start, end)`; the slice is only valid during the call. */
  readonly onBody: (buf: Buffer, start: number, end: number) => void;
  /** The body is complete. */
  readonly onEnd: () => void;
}

/** A response that breaks HTTP/1.1; `inHead` tells whether the status line or headers (rather than the body) were bad. */
export class HttpParseError extends Error {
  /** True when the head was malformed (or too large); false for body framing. */
  readonly inHead: boolean;
  /** Creates the error. */
  constructor(message: string, inHead: boolean) {
    super(message);
    this.name = "HttpParseError";
    this.inHead = inHead;
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?$/;
const MAX_LINE = 8192;

/** Framing states. */
type State = "head" | "length" | "chunk-size" | "chunk-data" | "chunk-crlf" | "trailers" | "close" | "done";

/** Parses one HTTP/1.1 response (skipping 1xx interim answers). */
export class Http1ResponseParser {
  private readonly handlers: Http1Handlers;
  private readonly maxHeaderBytes: number;
  private readonly headBuf: Buffer;
  private headLen = 0;
  private state: State = "head";
  private remaining = 0;
  private line = "";

  /** A parser reporting to `handlers`; a head over `maxHeaderBytes` is an error. */
  constructor(handlers: Http1Handlers, maxHeaderBytes = 64 * 1024) {
    this.handlers = handlers;
    this.maxHeaderBytes = maxHeaderBytes;
    this.headBuf = Buffer.allocUnsafe(maxHeaderBytes);
  }

  /** True once the head has been parsed. */
  get headDone(): boolean {
    return this.state !== "head";
  }

  /** True once the whole body has been delivered. */
  get done(): boolean {
    return this.state === "done";
  }

  /** Feeds `buf[start, end)`; throws {@link HttpParseError} on malformed input. Bytes after the end are ignored. */
  feed(buf: Buffer, start = 0, end = buf.byteLength): void {
    let i = start;
    while (i < end && this.state !== "done") {
      switch (this.state) {
        case "head":
          i = this.feedHead(buf, i, end);
          break;
        case "length": {
          const n = Math.min(this.remaining, end - i);
          this.handlers.onBody(buf, i, i + n);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.finishBody();
          break;
        }
        case "close":
          this.handlers.onBody(buf, i, end);
          i = end;
          break;
        case "chunk-data": {
          const n = Math.min(this.remaining, end - i);
          this.handlers.onBody(buf, i, i + n);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = "chunk-crlf";
            this.line = "";
          }
          break;
        }
        case "chunk-crlf":
        case "chunk-size":
        case "trailers":
          i = this.feedLine(buf, i, end);
          break;
      }
    }
  }

  /** The connection ended: completes a close-delimited body, else throws (premature close). */
  finish(): void {
    if (this.state === "done") return;
    if (this.state === "close") {
      this.finishBody();
      return;
    }
    throw new HttpParseError(
      this.state === "head"
        ? "the connection closed before the response headers were complete"
        : this.state === "length"
          ? `the connection closed ${this.remaining} bytes before the end of the body`
          : "the connection closed in the middle of a chunked body",
      this.state === "head",
    );
  }

  private finishBody(): void {
    this.state = "done";
    this.handlers.onEnd();
  }

  private feedHead(buf: Buffer, start: number, end: number): number {
    // Copy byte ranges into the head buffer, looking for CRLF CRLF across reads.
    let i = start;
    while (i < end) {
      if (this.headLen >= this.maxHeaderBytes) {
        throw new HttpParseError(
          `the response headers are larger than ${this.maxHeaderBytes} bytes (or never end); this is not a registry answer`,
          true,
        );
      }
      const b = buf[i] as number;
      this.headBuf[this.headLen++] = b;
      i++;
      if (
        b === 10 &&
        this.headLen >= 4 &&
        this.headBuf[this.headLen - 2] === 13 &&
        this.headBuf[this.headLen - 3] === 10 &&
        this.headBuf[this.headLen - 4] === 13
      ) {
        const text = this.headBuf.toString("latin1", 0, this.headLen - 4);
        this.headLen = 0;
        this.onHeadText(text);
        return i;
      }
    }
    return i;
  }

  private onHeadText(text: string): void {
    const lines = text.split("\r\n");
    const m = STATUS_LINE.exec(lines[0] ?? "");
    if (m === null) {
      throw new HttpParseError(`bad status line ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`, true);
    }
    const status = Number(m[1]);
    const headers: Record<string, string | string[]> = {};
    for (const l of lines.slice(1)) {
      const colon = l.indexOf(":");
      const name = colon > 0 ? l.slice(0, colon) : "";
      if (!TOKEN.test(name)) throw new HttpParseError(`bad header line ${JSON.stringify(l.slice(0, 80))}`, true);
      const key = name.toLowerCase();
      const value = l.slice(colon + 1).trim();
      if (/[\r\n\0]/.test(value)) throw new HttpParseError(`bad value of header ${name}`, true);
      const prev = headers[key];
      if (key === "set-cookie") headers[key] = [...(Array.isArray(prev) ? prev : []), value];
      else headers[key] = prev === undefined ? value : `${String(prev)}, ${value}`;
    }
    if (status < 200) {
      if (status === 101) throw new HttpParseError("unexpected 101 Switching Protocols", true);
      return; // an interim answer (100 Continue, 103 Early Hints): the real head follows
    }
    this.handlers.onHead({ status, headers: headers as IncomingHttpHeaders });
    this.startBody(status, headers);
  }

  private startBody(status: number, headers: Record<string, string | string[]>): void {
    const te = headers["transfer-encoding"];
    const cl = headers["content-length"];
    if (status === 204 || status === 304) {
      this.finishBody();
      return;
    }
    if (te !== undefined) {
      if (cl !== undefined) throw new HttpParseError("both Transfer-Encoding and Content-Length are set", true);
      const codings = String(te)
        .split(",")
        .map((s) => s.trim().toLowerCase());
      if (codings.length !== 1 || codings[0] !== "chunked") {
        throw new HttpParseError(`unsupported Transfer-Encoding ${JSON.stringify(String(te))}`, true);
      }
      this.state = "chunk-size";
      this.line = "";
      return;
    }
    if (cl !== undefined) {
      const values = new Set(
        String(cl)
          .split(",")
          .map((s) => s.trim()),
      );
      const [v] = [...values];
      if (values.size !== 1 || v === undefined || !/^\d{1,15}$/.test(v)) {
        throw new HttpParseError(`bad Content-Length ${JSON.stringify(String(cl))}`, true);
      }
      this.remaining = Number(v);
      if (this.remaining === 0) this.finishBody();
      else this.state = "length";
      return;
    }
    this.state = "close";
  }

  /** Reads a CRLF-terminated line (chunk size, the CRLF after chunk data, trailers). */
  private feedLine(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end) {
      const b = buf[i++] as number;
      if (b !== 10) {
        this.line += String.fromCharCode(b);
        if (this.line.length > MAX_LINE) throw new HttpParseError("a chunk-size or trailer line is too long", false);
        continue;
      }
      if (!this.line.endsWith("\r")) throw new HttpParseError("a line in the chunked body does not end in CRLF", false);
      const text = this.line.slice(0, -1);
      this.line = "";
      this.onLine(text);
      return i;
    }
    return i;
  }

  private onLine(text: string): void {
    if (this.state === "chunk-crlf") {
      if (text !== "") throw new HttpParseError("chunk data is not followed by CRLF", false);
      this.state = "chunk-size";
      return;
    }
    if (this.state === "trailers") {
      if (text === "") this.finishBody();
      else if (!TOKEN.test(text.slice(0, Math.max(0, text.indexOf(":"))))) {
        throw new HttpParseError(`bad trailer line ${JSON.stringify(text.slice(0, 80))}`, false);
      }
      return;
    }
    // chunk-size [ ; extensions ]
    const m = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(text);
    if (m === null) throw new HttpParseError(`bad chunk size line ${JSON.stringify(text.slice(0, 40))}`, false);
    const size = Number.parseInt(m[1] as string, 16);
    if (size === 0) this.state = "trailers";
    else {
      this.remaining = size;
      this.state = "chunk-data";
    }
  }
}
