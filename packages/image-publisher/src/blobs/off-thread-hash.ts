/**
 * Digests computed on a worker thread, so that hashing a large blob (sha256: ~0.6 s per GiB) overlaps with receiving
 * it on the main thread and writing it through libuv's thread pool, instead of adding to them.
 *
 * One worker serves the whole process: it starts on first use (tens of milliseconds, once) and is unref'd whenever
 * no digest is in progress, so it never keeps a process alive. Bytes are handed over without copying: they must lie
 * in a `SharedArrayBuffer` (the fast download path reads the socket straight into such buffers); other bytes are
 * copied into a shared staging buffer first. Each shared buffer is sent to the worker once per digest (posting a
 * `SharedArrayBuffer` costs far more than posting a few numbers); later updates name it by its index.
 */
import { Worker } from "node:worker_threads";
import { OciRegistryError } from "../errors.ts";

/** Digest algorithms the worker computes. */
export type HashAlgorithm = "sha256" | "sha512";

/** A request to the worker; `id` names the digest in progress, `seq` the reply awaited. */
type Request =
  | { readonly op: "open"; readonly id: number; readonly seq: number; readonly algo: HashAlgorithm }
  | {
      readonly op: "share";
      readonly id: number;
      readonly seq: number;
      readonly index: number;
      readonly buffer: SharedArrayBuffer;
    }
  | {
      readonly op: "update";
      readonly id: number;
      readonly seq: number;
      readonly index: number;
      readonly offset: number;
      readonly length: number;
    }
  | { readonly op: "digest"; readonly id: number; readonly seq: number }
  | { readonly op: "drop"; readonly id: number; readonly seq: number }
  | {
      readonly op: "file";
      readonly id: number;
      readonly seq: number;
      readonly algo: HashAlgorithm;
      readonly path: string;
      readonly size: number;
    };

/** The worker's reply to the request `seq`: a hex digest, nothing, or an error. */
interface Reply {
  readonly seq: number;
  readonly hex?: string;
  readonly error?: { readonly message: string; readonly code?: string };
}

/**
 * The worker, as source run with `eval: true` (no file to locate next to the bundle). It takes its modules through
 * `process.getBuiltinModule`, so it runs whether Node reads it as a script or as a module (a parent started with
 * `--input-type=module` passes that on). It keeps one hash per digest in progress and answers every request in order.
 */
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule("node:worker_threads");
const { createHash } = process.getBuiltinModule("node:crypto");
const fs = process.getBuiltinModule("node:fs");
// per digest in progress: its hash and the shared buffers it was given
const digests = new Map();
function hashFile(algo, path, size) {
  const h = createHash(algo);
  const buf = Buffer.allocUnsafeSlow(4 << 20);
  const fd = fs.openSync(path, "r");
  try {
    let pos = 0;
    while (pos < size) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
      if (n === 0) throw Object.assign(new Error("the file is shorter than " + size + " bytes"), { code: "ESHORT" });
      h.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest("hex");
}
parentPort.on("message", (m) => {
  try {
    switch (m.op) {
      case "open": digests.set(m.id, { hash: createHash(m.algo), buffers: [] }); parentPort.postMessage({ seq: m.seq }); break;
      case "share": digests.get(m.id).buffers[m.index] = m.buffer; parentPort.postMessage({ seq: m.seq }); break;
      case "update": { const d = digests.get(m.id); d.hash.update(new Uint8Array(d.buffers[m.index], m.offset, m.length)); parentPort.postMessage({ seq: m.seq }); break; }
      case "digest": { const d = digests.get(m.id); digests.delete(m.id); parentPort.postMessage({ seq: m.seq, hex: d.hash.digest("hex") }); break; }
      case "drop": digests.delete(m.id); parentPort.postMessage({ seq: m.seq }); break;
      case "file": parentPort.postMessage({ seq: m.seq, hex: hashFile(m.algo, m.path, m.size) }); break;
      default: parentPort.postMessage({ seq: m.seq, error: { message: "unknown operation " + m.op } });
    }
  } catch (e) {
    parentPort.postMessage({ seq: m.seq, error: { message: String(e && e.message || e), code: e && e.code } });
  }
});
`;

/** The process-wide worker and the replies it owes. */
class HashWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private seq = 0;
  private nextId = 0;
  private failed: Error | undefined;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, name: "kaito-ts image-publisher digests" });
    this.worker.unref();
    this.worker.on("message", (r: Reply) => {
      const w = this.waiting.get(r.seq);
      if (w === undefined) return;
      this.waiting.delete(r.seq);
      if (this.waiting.size === 0) this.worker.unref();
      w.resolve(r);
    });
    const down = (e: Error) => {
      this.failed = e;
      if (sharedWorker === this) sharedWorker = undefined;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    this.worker.on("error", down);
    this.worker.on("exit", (code) => down(new Error(`the digest worker exited (code ${code})`)));
  }

  /** A fresh id for a digest in progress. */
  newId(): number {
    return ++this.nextId;
  }

  /** Sends a request (its `seq` filled in) and waits for the reply; rejects with the worker's error. */
  call(req: DistributiveOmit<Request, "seq">): Promise<Reply> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const seq = ++this.seq;
    return new Promise<Reply>((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(seq, { resolve, reject });
      this.worker.postMessage({ ...req, seq } as Request);
    });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

let sharedWorker: HashWorker | undefined;

/** The process-wide worker, started on first use (and again after a crash). */
function worker(): HashWorker {
  sharedWorker ??= new HashWorker();
  return sharedWorker;
}

/**
 * Starts the worker now if it is not running, so that its start-up (tens of milliseconds) overlaps with other work,
 * e.g. a download's connection and request, instead of delaying the first digest update.
 */
export function prewarmHashWorker(): void {
  worker();
}

/** A reply's hex digest, or its error as an {@link OciRegistryError} naming `what`. */
function replyHex(r: Reply, what: string): string {
  if (r.error !== undefined) {
    throw new OciRegistryError("INVALID_INPUT", `${what}: ${r.error.message}`, { cause: r.error });
  }
  return r.hex ?? "";
}

/**
 * An incremental digest computed on the worker thread. Updates are queued in order; each resolves once the worker
 * has hashed the bytes, after which their memory may be reused.
 */
export class OffThreadHash {
  readonly algorithm: HashAlgorithm;
  private readonly w: HashWorker;
  private readonly id: number;
  private opened: Promise<unknown>;
  private ended = false;
  private staging: Uint8Array | undefined;
  /** The shared buffers already sent to the worker for this digest, by their index there. */
  private readonly shared = new Map<SharedArrayBuffer, number>();

  /** Starts a digest of `algorithm` (the worker starts if needed). */
  constructor(algorithm: HashAlgorithm) {
    this.algorithm = algorithm;
    this.w = worker();
    this.id = this.w.newId();
    this.opened = this.w.call({ op: "open", id: this.id, algo: algorithm });
    // An update or digest call reports a failure to open; avoid an unhandled rejection meanwhile.
    this.opened.catch(() => undefined);
  }

  /** Hashes `bytes` next; resolves when done (then `bytes` may be reused). */
  async update(bytes: Uint8Array): Promise<void> {
    if (this.ended) throw new Error("OffThreadHash.update after digest()");
    if (bytes.byteLength === 0) return;
    await this.opened;
    const buffer = bytes.buffer;
    if (buffer instanceof SharedArrayBuffer) {
      let index = this.shared.get(buffer);
      if (index === undefined) {
        index = this.shared.size;
        this.shared.set(buffer, index);
        // not awaited: the worker handles requests in order, so the update below finds the buffer
        this.w.call({ op: "share", id: this.id, index, buffer }).catch(() => undefined);
      }
      const r = await this.w.call({
        op: "update",
        id: this.id,
        index,
        offset: bytes.byteOffset,
        length: bytes.byteLength,
      });
      replyHex(r, "hashing");
      return;
    }
    // Ordinary memory cannot be shared: copy it through a staging buffer, a piece at a time.
    this.staging ??= new Uint8Array(new SharedArrayBuffer(1 << 20));
    for (let off = 0; off < bytes.byteLength; off += this.staging.byteLength) {
      const piece = bytes.subarray(off, off + this.staging.byteLength);
      this.staging.set(piece);
      await this.update(this.staging.subarray(0, piece.byteLength));
    }
  }

  /** The hex digest of everything updated; ends this digest (and lets the worker forget its buffers). */
  async digestHex(): Promise<string> {
    this.ended = true;
    this.shared.clear();
    await this.opened;
    return replyHex(await this.w.call({ op: "digest", id: this.id }), "hashing");
  }

  /** Abandons the digest (frees its state in the worker). */
  drop(): void {
    if (this.ended) return;
    this.ended = true;
    this.shared.clear();
    this.w.call({ op: "drop", id: this.id }).catch(() => undefined);
  }
}

/**
 * The hex digest of the first `size` bytes of the file at `path`, read and hashed on the worker thread (4 MiB reads).
 * Fails with `INVALID_INPUT` when the file cannot be read or is shorter than `size`.
 */
export async function hashFileOffThread(
  path: string,
  size: number,
  algorithm: HashAlgorithm = "sha256",
): Promise<string> {
  const w = worker();
  return replyHex(await w.call({ op: "file", id: w.newId(), algo: algorithm, path, size }), `${path}`);
}
