import { createHash, type Hash } from "node:crypto";
import { OciRegistryError } from "./errors.ts";

/** A content digest such as `sha256:<64 hex>`. */
export type Digest = `${string}:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

/** True when `s` is a sha256 or sha512 digest in canonical form. */
export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

/** Returns `s` as a {@link Digest}, or throws `INVALID_INPUT` naming `where`. */
export function parseDigest(s: string, where = "digest"): Digest {
  if (!isDigest(s)) {
    throw new OciRegistryError(
      "INVALID_INPUT",
      `${where}: "${s.slice(0, 80)}" is not a digest; expected sha256:<64 lowercase hex characters>`,
    );
  }
  return s;
}

/** sha256 digest of some bytes. */
export function sha256Digest(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/**
 * A sha256 that is fed bytes by their offset in a blob and hashes each offset once, in order. A resumed upload that
 * re-sends bytes it already hashed (from the server's `Range`) therefore keeps a correct digest. With
 * `{ hash: false }` it only keeps the watermark (how many leading bytes were seen), for uploads whose digest is
 * computed elsewhere.
 */
export class OffsetHasher {
  private readonly hash: Hash | undefined;
  private next = 0;

  /** A hasher; `hash: false` keeps only the watermark. */
  constructor(options: { readonly hash?: boolean } = {}) {
    this.hash = options.hash === false ? undefined : createHash("sha256");
  }

  /** Number of leading bytes hashed so far. */
  get hashedBytes(): number {
    return this.next;
  }

  /** Feeds `chunk`, which starts at `offset` in the blob; bytes before the watermark are skipped. */
  update(chunk: Uint8Array, offset: number): void {
    const end = offset + chunk.byteLength;
    if (end <= this.next) return;
    if (offset > this.next) {
      throw new OciRegistryError("INVALID_INPUT", `internal: hashing gap at offset ${this.next} (chunk at ${offset})`);
    }
    this.hash?.update(offset === this.next ? chunk : chunk.subarray(this.next - offset));
    this.next = end;
  }

  /** The final digest; call once, after every byte was fed (not available with `hash: false`). */
  digest(): Digest {
    if (this.hash === undefined) throw new Error("OffsetHasher.digest: this hasher only keeps the watermark");
    return `sha256:${this.hash.digest("hex")}`;
  }
}
