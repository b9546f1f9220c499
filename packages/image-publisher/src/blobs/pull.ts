import { createHash } from "node:crypto";
import { writeSync } from "node:fs";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { repositoryScope } from "../auth/challenge.ts";
import { OciRegistryError, redactUrl } from "../errors.ts";
import type { ProgressListener } from "../progress/events.ts";
import type { BodySink } from "../transport/fast-get.ts";
import { readBytes } from "../transport/http.ts";
import { retryDelay } from "../transport/retry.ts";
import { type RegistrySession, sleep } from "../transport/session.ts";
import type { HashAlgorithm } from "./off-thread-hash.ts";
import type { BlobTarget } from "./push.ts";

/** Options of {@link pullBlobToFile}. */
export interface PullBlobOptions {
  /** Expected size; a different size fails with `SIZE_INVALID`. */
  readonly size?: number | undefined;
  /** A name for progress events. */
  readonly label?: string | undefined;
  /** Progress events. */
  readonly onProgress?: ProgressListener | undefined;
  /** Cancels the download. */
  readonly signal?: AbortSignal | undefined;
  /** Use the fast body reader (default: the session's `fastBlobDownloads`); `false` forces `node:http`. */
  readonly fast?: boolean | undefined;
}

/** The registry request that downloads a blob (redirects to storage followed; 404 means `BLOB_UNKNOWN`). */
function blobGetRequest(source: BlobTarget, digest: string, signal: AbortSignal | undefined) {
  return {
    registry: source.registry,
    method: "GET",
    path: `/v2/${source.repository}/blobs/${digest}`,
    scopes: [repositoryScope(source.repository, ["pull"])],
    expect: [200],
    followRedirects: true,
    notFoundCode: "BLOB_UNKNOWN",
    signal,
  } as const;
}

/** Where downloaded bytes go: hashed, and written to the file at their position. */
interface HashingFileWriter {
  /** Hashes `bytes` (next in order) and writes them at `position`; throws the file system's error. */
  take(bytes: Buffer, position: number): void;
  /** The hex digest of everything taken. */
  digestHex(): string;
}

/**
 * A writer for one download attempt, in one pass on the calling thread, as `oras pull` does: each piece is hashed and
 * written (`writeSync` into the page cache) right after it was received, while its bytes are still in this core's
 * cache. Handing the bytes to other threads (a digest worker and libuv's pool, as this package did before) let the
 * three stages overlap on an idle machine but cost twice the CPU on a busy one: every byte was read from memory
 * again on another core by each stage, and each thread hop paid a wake-up. Pieces are at most the fast reader's
 * batch (256 KiB), so the event loop is held for one such hash and write at a time.
 */
function hashingFileWriter(algo: HashAlgorithm, fd: number): HashingFileWriter {
  const h = createHash(algo);
  return {
    take: (bytes, position) => {
      h.update(bytes);
      writeAllAt(fd, bytes, position);
    },
    digestHex: () => h.digest("hex"),
  };
}

/** Writes all of `chunk` at `position` in the file. */
function writeAllAt(fd: number, chunk: Buffer, position: number): void {
  let off = 0;
  while (off < chunk.byteLength) {
    off += writeSync(fd, chunk, off, chunk.byteLength - off, position + off);
  }
}

/** The first byte position of a `Content-Range: bytes <first>-<last>/<total>` header, or `undefined`. */
function contentRangeStart(value: string | string[] | undefined): number | undefined {
  const m = typeof value === "string" ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim()) : null;
  return m === null ? undefined : Number(m[1]);
}

/**
 * Streams a blob to `path`, verifying its digest (and size when given) while writing; the file appears only once
 * verified (written to a temporary name, then renamed). Redirects to storage are followed without carrying
 * `Authorization` to another host. With the fast body reader, a download that breaks off mid-body resumes where it
 * stopped (a `Range` request; from the start when the server ignores it), and each resume that made progress gets
 * the full retry budget again; the `node:http` path starts over. Each piece is hashed and written as it arrives, in
 * one pass (see {@link hashingFileWriter}).
 */
export async function pullBlobToFile(
  session: RegistrySession,
  source: BlobTarget,
  digest: string,
  path: string,
  options: PullBlobOptions = {},
): Promise<{ digest: string; size: number }> {
  const [algo, hex] = digest.split(":");
  if (algo !== "sha256" && algo !== "sha512") {
    throw new OciRegistryError("UNSUPPORTED", `digest algorithm "${algo}" of ${digest} is not supported`);
  }
  const tmp = `${path}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
  /** Bytes received, hashed and written. */
  let written = 0;
  let writer: HashingFileWriter | undefined;
  let fh: FileHandle;
  try {
    fh = await open(tmp, "w");
  } catch (e) {
    throw new OciRegistryError("INVALID_INPUT", `cannot create ${tmp}: ${(e as Error).message}`, { cause: e });
  }
  const restart = (): HashingFileWriter => {
    writer = hashingFileWriter(algo, fh.fd);
    written = 0;
    return writer;
  };
  const emit = (phase: "start" | "progress" | "resumed" | "done") =>
    options.onProgress?.({
      direction: "pull",
      phase,
      digest,
      ...(options.label !== undefined ? { label: options.label } : {}),
      bytesDone: written,
      ...(options.size !== undefined ? { bytesTotal: options.size } : {}),
    });
  emit("start");
  const request = blobGetRequest(source, digest, options.signal);
  /** Counts a piece of the body; throws `SIZE_INVALID` past the expected size. */
  const account = (chunk: Buffer, url: URL) => {
    written += chunk.byteLength;
    if (options.size !== undefined && written > options.size) {
      throw new OciRegistryError(
        "SIZE_INVALID",
        `blob ${digest} from ${redactUrl(url)} is larger than the ${options.size} bytes its descriptor says`,
      );
    }
    emit("progress");
  };
  /** Takes a piece of the body: counted, then hashed and written at its position; file errors name the file. */
  const take = (w: HashingFileWriter, chunk: Buffer, url: URL): void => {
    const position = written;
    account(chunk, url);
    try {
      w.take(chunk, position);
    } catch (e) {
      throw new OciRegistryError("INVALID_INPUT", `cannot write ${tmp}: ${(e as Error).message}`, { cause: e });
    }
  };
  const downloadFast = async () => {
    const resumeFrom = written;
    await session.send({
      ...request,
      ...(resumeFrom > 0 ? { headers: { range: `bytes=${resumeFrom}-` }, expect: [200, 206] } : {}),
      bodySink: (head): BodySink => {
        let w: HashingFileWriter;
        if (head.status === 206) {
          if (contentRangeStart(head.headers["content-range"]) !== resumeFrom) {
            throw new OciRegistryError(
              "INVALID_RESPONSE",
              `${redactUrl(head.url)} answered a request for the bytes from ${resumeFrom} with Content-Range ${JSON.stringify(head.headers["content-range"] ?? "")}`,
            );
          }
          w = writer as HashingFileWriter;
          emit("resumed");
        } else w = restart();
        // Called synchronously as each batch fills (see fast-get), so the bytes are hashed and written while cached.
        return { write: async (chunk) => take(w, chunk, head.url) };
      },
    });
  };
  const downloadNodeHttp = async () => {
    const res = await session.send(request);
    const w = restart();
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        try {
          take(w, chunk, res.url);
          cb();
        } catch (e) {
          cb(e as Error);
        }
      },
    });
    await pipeline(res.body, sink, {
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
  };
  const fast = options.fast ?? session.fastBlobDownloads;
  let attempt = 0;
  let progressAtFailure = 0;
  try {
    for (;;) {
      try {
        if (fast) await downloadFast();
        else await downloadNodeHttp();
        break;
      } catch (e) {
        if (options.signal?.aborted)
          throw new OciRegistryError("ABORTED", `pull of ${digest} was cancelled`, { cause: e });
        if (e instanceof OciRegistryError && e.status === 416 && written > 0) {
          restart(); // the server will not serve the rest from where we stopped: start over
        } else if (e instanceof OciRegistryError) throw e;
        if (!fast) written = 0; // the node:http path starts over (with a fresh writer)
        if (written > progressAtFailure) attempt = 0; // it made progress: a fresh retry budget
        progressAtFailure = written;
        if (attempt >= session.retry.retries) {
          throw new OciRegistryError("UNREACHABLE", `download of ${digest} broke off: ${(e as Error).message}`, {
            cause: e,
          });
        }
        await sleep(retryDelay(attempt++, session.retry), options.signal);
      }
    }
    await fh.truncate(written);
    const got = (writer as HashingFileWriter).digestHex();
    if (got !== hex) {
      throw new OciRegistryError(
        "DIGEST_MISMATCH",
        `blob ${digest} from ${source.registry}/${source.repository} has digest ${algo}:${got}; the registry or a proxy altered it`,
      );
    }
    if (options.size !== undefined && written !== options.size) {
      throw new OciRegistryError(
        "SIZE_INVALID",
        `blob ${digest} has ${written} bytes, its descriptor says ${options.size}`,
      );
    }
    await fh.close();
    await rename(tmp, path);
    emit("done");
    return { digest, size: written };
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Fetches a small blob (a config) into memory, at most `limit` bytes, verifying its digest. */
export async function fetchBlobBytes(
  session: RegistrySession,
  source: BlobTarget,
  digest: string,
  limit = 4 * 1024 * 1024,
  signal?: AbortSignal,
): Promise<Buffer> {
  const res = await session.send(blobGetRequest(source, digest, signal));
  const buf = await readBytes(res, limit, true);
  const [algo, hex] = digest.split(":");
  if (
    createHash(algo ?? "sha256")
      .update(buf)
      .digest("hex") !== hex
  ) {
    throw new OciRegistryError(
      "DIGEST_MISMATCH",
      `blob ${digest} from ${source.registry}/${source.repository} does not match its digest`,
    );
  }
  return buf;
}
