import type { Writable } from "node:stream";

/**
 * A request body that writes itself to the request (instead of being piped from a stream), so that it can reuse its
 * buffers: each write is awaited until the socket has taken the bytes. `writeTo` is called again for each attempt
 * and must not call `end()`.
 */
export interface BodyWriter {
  /** Writes the whole body to `out`; rejects on a read or write failure. */
  readonly writeTo: (out: Writable) => Promise<void>;
}

/** A failure to write to the request (the connection, not the content); `cause` is the node error. */
export class BodyWriteError extends Error {
  /** Wraps the write failure `cause`. */
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "BodyWriteError";
  }
}

/** True when `body` is a {@link BodyWriter}. */
export function isBodyWriter(body: unknown): body is BodyWriter {
  return typeof body === "object" && body !== null && typeof (body as BodyWriter).writeTo === "function";
}

/**
 * Writes `chunk` to `out` and resolves once it has been handed to the socket (the write callback), so that the
 * caller may reuse the buffer; rejects with a {@link BodyWriteError} when the write fails or `out` closes first.
 */
export function writeAndWait(out: Writable, chunk: Uint8Array): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (out.destroyed) {
      reject(new BodyWriteError(new Error("the connection closed while sending the body")));
      return;
    }
    const onClose = () => {
      reject(new BodyWriteError(new Error("the connection closed while sending the body")));
    };
    out.once("close", onClose);
    out.write(chunk, (e) => {
      out.removeListener("close", onClose);
      if (e) reject(new BodyWriteError(e));
      else resolve();
    });
  });
}
