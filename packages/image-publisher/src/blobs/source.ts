import { createReadStream, statSync } from "node:fs";
import { Readable } from "node:stream";
import { parseDigest } from "../digest.ts";
import { OciRegistryError } from "../errors.ts";
import { fileRangeReader, type MaybeRangeReadable, OPEN_RANGE_READER } from "./range-reader.ts";

/**
 * Content to push as a blob: its size, its digest when known, and a way to read it from any offset (so that an
 * interrupted upload can resume from the server's `Range` without holding the blob in memory).
 */
export interface BlobSource {
  /** Size in bytes. */
  readonly size: number;
  /** Digest, when known; otherwise computed while uploading. */
  readonly digest?: string | undefined;
  /** A name for progress and messages (file name, `config`). */
  readonly label?: string | undefined;
  /** A fresh stream of the bytes `[start, end)` (end defaults to `size`). */
  open(start: number, end?: number): Readable;
}

/** Where a {@link fileBlob} source keeps its file's path (so that its digest can be computed on the worker thread). */
export const SOURCE_FILE_PATH: unique symbol = Symbol.for("@kaito-ts/image-publisher.sourceFilePath");

/** A source that may name the file it reads. */
export interface MaybeFileBacked {
  /** The file's path, for {@link fileBlob} sources. */
  readonly [SOURCE_FILE_PATH]?: string | undefined;
}

/**
 * A blob read from a file on disk, never loaded whole: uploads read it in 4 MiB chunks into two reused buffers;
 * `open()` streams it (64 KiB reads).
 */
export function fileBlob(path: string, options: { digest?: string; label?: string } = {}): BlobSource {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error("not a regular file");
    size = st.size;
  } catch (e) {
    throw new OciRegistryError("INVALID_INPUT", `${path}: cannot read the file (${(e as Error).message})`, {
      cause: e,
    });
  }
  const digest = options.digest === undefined ? undefined : parseDigest(options.digest, `${path} digest`);
  const source: BlobSource & MaybeRangeReadable & MaybeFileBacked = {
    size,
    digest,
    label: options.label ?? path,
    open(start, end = size) {
      if (end <= start) return Readable.from([]);
      return createReadStream(path, { start, end: end - 1, highWaterMark: 64 * 1024 });
    },
    [OPEN_RANGE_READER]: () => fileRangeReader(path),
    [SOURCE_FILE_PATH]: path,
  };
  return source;
}

/** A blob held in memory (configs, small files); `digest` is optional. */
export function bytesBlob(bytes: Uint8Array | string, options: { digest?: string; label?: string } = {}): BlobSource {
  const buf = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes);
  return {
    size: buf.byteLength,
    digest: options.digest,
    label: options.label,
    open(start, end = buf.byteLength) {
      return Readable.from([buf.subarray(start, end)]);
    },
  };
}
