import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { Digest } from "../digest.ts";
import { type TarWriteEntry, writeTar } from "./writer.ts";

/** A gzipped tar written to disk, with both digests. */
export interface PackedTarGz {
  /** Path of the `.tar.gz` file. */
  readonly path: string;
  /** sha256 of the uncompressed tar (the image config's `diff_id`, ORAS's `io.deis.oras.content.digest`). */
  readonly diffId: Digest;
  /** sha256 of the gzipped file (the layer digest). */
  readonly digest: Digest;
  /** Size of the gzipped file. */
  readonly size: number;
}

function hashing(onDone: (hex: string, size: number) => void): Transform {
  const h = createHash("sha256");
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      h.update(chunk);
      size += chunk.byteLength;
      cb(null, chunk);
    },
    flush(cb) {
      onDone(h.digest("hex"), size);
      cb();
    },
  });
}

/**
 * Writes entries as a tar, gzipped, to `outPath`, computing the tar's digest and the gzip's digest in the same
 * pass (streaming; contents are never held whole). The gzip header has no timestamp, so equal inputs give equal
 * digests.
 */
export async function packTarGz(
  entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>,
  outPath: string,
): Promise<PackedTarGz> {
  let diffId = "";
  let digest = "";
  let size = 0;
  await pipeline(
    Readable.from(writeTar(entries)),
    hashing((hex) => {
      diffId = hex;
    }),
    createGzip({ level: 6 }),
    hashing((hex, n) => {
      digest = hex;
      size = n;
    }),
    createWriteStream(outPath),
  );
  return { path: outPath, diffId: `sha256:${diffId}`, digest: `sha256:${digest}`, size };
}
