import { type FileHandle, open } from "node:fs/promises";

/** Size of each file write when pulling: 4 MiB, so that a GiB costs 256 writes, not 65 536 of 16 KiB. */
export const FILE_SINK_BUFFER_SIZE = 4 * 1024 * 1024;

/**
 * Writes a sequence of chunks to a new file through two reused buffers: chunks are copied into one buffer, which is
 * written out in one call when full while the other fills. At most one write is in flight; {@link append} returns a
 * promise only when the caller must wait for it (both buffers busy), `undefined` otherwise.
 */
export class FileSink {
  private readonly fh: FileHandle;
  private buffer: Buffer;
  private spare: Buffer;
  private filled = 0;
  private position = 0;
  private inFlight: Promise<void> = Promise.resolve();

  private constructor(fh: FileHandle, bufferSize: number) {
    this.fh = fh;
    this.buffer = Buffer.allocUnsafeSlow(bufferSize);
    this.spare = Buffer.allocUnsafeSlow(bufferSize);
  }

  /** Creates (or truncates) `path` for writing. */
  static async create(path: string, bufferSize = FILE_SINK_BUFFER_SIZE): Promise<FileSink> {
    return new FileSink(await open(path, "w"), Math.max(1, bufferSize));
  }

  /** Number of bytes appended so far. */
  get bytesAppended(): number {
    return this.position + this.filled;
  }

  /** Appends `chunk` (copied; the caller may reuse it); returns a promise to await before the next append, if any. */
  append(chunk: Uint8Array): Promise<void> | undefined {
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (this.filled === this.buffer.byteLength) return this.flushThenAppend(chunk.subarray(offset));
      const n = Math.min(chunk.byteLength - offset, this.buffer.byteLength - this.filled);
      this.buffer.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
    }
    return undefined;
  }

  /** Writes what is left and closes the file; rejects when a write failed. */
  async finish(): Promise<void> {
    try {
      if (this.filled > 0) await this.flush();
      await this.inFlight;
    } finally {
      await this.fh.close();
    }
  }

  /** Closes the file after a failure, ignoring write errors (the caller removes the file). */
  async abandon(): Promise<void> {
    await this.inFlight.catch(() => {});
    await this.fh.close().catch(() => {});
  }

  private async flushThenAppend(rest: Uint8Array): Promise<void> {
    await this.flush();
    await this.append(rest);
  }

  /** Starts writing the full buffer (after the previous write finished, so that the spare buffer is free). */
  private async flush(): Promise<void> {
    await this.inFlight;
    const data = this.buffer.subarray(0, this.filled);
    const at = this.position;
    this.position += this.filled;
    this.filled = 0;
    [this.buffer, this.spare] = [this.spare, this.buffer];
    this.inFlight = this.writeAll(data, at);
    // Awaited by the next flush, finish or abandon; this keeps a failure in between from being unhandled.
    this.inFlight.catch(() => {});
  }

  private async writeAll(data: Buffer, at: number): Promise<void> {
    let done = 0;
    while (done < data.byteLength) {
      const { bytesWritten } = await this.fh.write(data, done, data.byteLength - done, at + done);
      done += bytesWritten;
    }
  }
}
