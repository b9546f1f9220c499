import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { repositoryScope } from "../auth/challenge.ts";
import { OciRegistryError, redactUrl } from "../errors.ts";
import type { ProgressListener } from "../progress/events.ts";
import type { BodySink } from "../transport/fast-get.ts";
import { readBytes } from "../transport/http.ts";
import { retryDelay } from "../transport/retry.ts";
import { type RegistrySession, sleep } from "../transport/session.ts";
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

/** Writes all of `chunk` at the file's current position. */
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

async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  let off = 0;
  while (off < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off, null);
    off += bytesWritten;
  }
}

/**
 * Streams a blob to `path`, verifying its digest (and size when given) while writing; the file appears only once
 * verified (written to a temporary name, then renamed). Redirects to storage are followed without carrying
 * `Authorization` to another host. A connection lost mid-body is retried from the start.
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
  let written = 0;
  let hash = createHash(algo);
  let attempt = 0;
  const emit = (phase: "start" | "progress" | "done") =>
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
  /** Counts and hashes a piece of the body; throws `SIZE_INVALID` past the expected size. */
  const account = (chunk: Buffer, h: ReturnType<typeof createHash>, url: URL) => {
    h.update(chunk);
    written += chunk.byteLength;
    if (options.size !== undefined && written > options.size) {
      throw new OciRegistryError(
        "SIZE_INVALID",
        `blob ${digest} from ${redactUrl(url)} is larger than the ${options.size} bytes its descriptor says`,
      );
    }
    emit("progress");
  };
  const downloadFast = async () => {
    const fh = await open(tmp, "w");
    try {
      await session.send({
        ...request,
        bodySink: (head): BodySink => {
          written = 0;
          hash = createHash(algo);
          const h = hash;
          return {
            write: (chunk) => {
              account(chunk, h, head.url);
              return writeAll(fh, chunk);
            },
          };
        },
      });
    } finally {
      await fh.close();
    }
  };
  const downloadNodeHttp = async () => {
    const res = await session.send(request);
    written = 0;
    hash = createHash(algo);
    const h = hash;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        try {
          account(chunk, h, res.url);
        } catch (e) {
          cb(e as Error);
          return;
        }
        cb(null, chunk);
      },
    });
    await pipeline(res.body, counter, createWriteStream(tmp), {
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
  };
  const fast = options.fast ?? session.fastBlobDownloads;
  try {
    for (;;) {
      try {
        if (fast) await downloadFast();
        else await downloadNodeHttp();
        break;
      } catch (e) {
        if (options.signal?.aborted)
          throw new OciRegistryError("ABORTED", `pull of ${digest} was cancelled`, { cause: e });
        if (e instanceof OciRegistryError) throw e;
        if (attempt >= session.retry.retries) {
          throw new OciRegistryError("UNREACHABLE", `download of ${digest} broke off: ${(e as Error).message}`, {
            cause: e,
          });
        }
        await sleep(retryDelay(attempt++, session.retry), options.signal);
      }
    }
    const got = hash.digest("hex");
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
    await rename(tmp, path);
    emit("done");
    return { digest, size: written };
  } catch (e) {
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
