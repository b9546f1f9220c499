import { open } from "node:fs/promises";
import type { Readable } from "node:stream";

/** Reads a source by position into a caller's buffer (as `pread` does); close it when done. */
export interface RangeReader {
  /** Reads up to `length` bytes at `position` into `buffer` (from its start); returns how many were read (0 at EOF). */
  read(buffer: Buffer, length: number, position: number): Promise<number>;
  /** Releases the file handle. */
  close(): Promise<void>;
}

/** Internal: the key under which a blob source offers a {@link RangeReader} (files: read in large, reused buffers). */
export const OPEN_RANGE_READER: unique symbol = Symbol.for("@kaito-ts/image-publisher.openRangeReader");

/** A source that may offer a {@link RangeReader}. */
export interface MaybeRangeReadable {
  /** Opens a positional reader, when the source supports one. */
  readonly [OPEN_RANGE_READER]?: (() => Promise<RangeReader>) | undefined;
  /** A fresh stream of the bytes `[start, end)`. */
  open(start: number, end?: number): Readable;
}

/** A {@link RangeReader} over a file. */
export async function fileRangeReader(path: string): Promise<RangeReader> {
  const fh = await open(path, "r");
  return {
    async read(buffer, length, position) {
      return (await fh.read(buffer, 0, length, position)).bytesRead;
    },
    close: () => fh.close(),
  };
}

/** Size of each read (and network write) when streaming a file: 4 MiB, so that a GiB costs 256 reads, not 16 384. */
export const RANGE_CHUNK_SIZE = 4 * 1024 * 1024;

/** The two buffers {@link forEachChunk} alternates between. */
export type ChunkBuffers = readonly [Buffer, Buffer];

/**
 * Keeps one pair of chunk buffers for successive reads of the same source (the PATCHes of one upload), so that each
 * does not allocate its own. A pair is lent to one reader at a time: a reader that overlaps another (a retry while
 * the failed attempt still winds down) gets a fresh pair.
 */
export class ChunkBufferPool {
  private free: ChunkBuffers | undefined;
  private readonly size: number;

  /** A pool of buffers of `size` bytes. */
  constructor(size: number) {
    this.size = Math.max(1, size);
  }

  /** Runs `use` with a pair of buffers, returned to the pool once `use` settled. */
  async with<T>(use: (buffers: ChunkBuffers) => Promise<T>): Promise<T> {
    const buffers = this.free ?? ([Buffer.allocUnsafeSlow(this.size), Buffer.allocUnsafeSlow(this.size)] as const);
    this.free = undefined;
    try {
      return await use(buffers);
    } finally {
      this.free = buffers;
    }
  }
}

/**
 * Reads `[start, end)` of a source in large chunks, calling `onChunk(chunk, offset)` for each, in order. Two buffers
 * alternate: the next read runs while `onChunk` of the previous one is still pending (its promise), and a buffer is
 * reused only once its `onChunk` settled. Falls back to the source's stream when it has no range reader. Throws
 * a read error as is; a file that ends early throws. `buffers` (all of the same size) replace the two allocated here.
 */
export async function forEachChunk(
  source: MaybeRangeReadable,
  start: number,
  end: number,
  onChunk: (chunk: Buffer, offset: number) => Promise<void> | void,
  options: { readonly chunkSize?: number; readonly buffers?: ChunkBuffers } = {},
): Promise<void> {
  const openReader = source[OPEN_RANGE_READER];
  if (openReader === undefined) {
    let offset = start;
    for await (const chunk of source.open(start, end) as AsyncIterable<Buffer>) {
      await onChunk(chunk, offset);
      offset += chunk.byteLength;
    }
    return;
  }
  if (end <= start) return;
  const reader = await openReader();
  try {
    const size = options.buffers?.[0].byteLength ?? Math.min(options.chunkSize ?? RANGE_CHUNK_SIZE, end - start);
    const buffers = options.buffers ?? ([Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)] as const);
    let pending: Promise<void> = Promise.resolve();
    let offset = start;
    for (let i = 0; offset < end; i++) {
      const buffer = buffers[i & 1] as Buffer;
      const n = await reader.read(buffer, Math.min(size, end - offset), offset);
      if (n === 0) throw new Error(`the content ended at byte ${offset}, before the expected ${end}`);
      const chunk = buffer.subarray(0, n);
      const at = offset;
      offset += n;
      // The buffer just read was last used two rounds ago, and that round's onChunk was awaited below.
      await pending;
      pending = Promise.resolve(onChunk(chunk, at));
      // Handled by the `await pending` above or below; this keeps a failure during the next read from being unhandled.
      pending.catch(() => {});
    }
    await pending;
  } finally {
    await reader.close();
  }
}
