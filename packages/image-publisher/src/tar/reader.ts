import { createWriteStream } from "node:fs";
import { link, lstat, mkdir, realpath, rm, symlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { OciRegistryError } from "../errors.ts";
import { BLOCK, decodeHeader, decodePax, isZeroBlock, type TarHeader } from "./header.ts";
import { checkHardlinkTarget, checkSymlinkTarget, isInside, safeEntryPath } from "./safe-path.ts";

/** A pull-based reader of exact byte counts over an async iterable of chunks. */
class ByteReader {
  private readonly it: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }
  private async fill(n: number): Promise<void> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = this.buf.length === 0 ? r.value : Buffer.concat([this.buf, r.value]);
    }
  }
  /** Reads exactly `n` bytes, or fewer at the end of input. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  /** Reads and discards everything left in the input. */
  async drainAll(): Promise<void> {
    this.buf = Buffer.alloc(0);
    while (!this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
    }
  }
  /** Yields the next `n` bytes as they arrive. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0) {
        if (this.done) return;
        const r = await this.it.next();
        if (r.done) {
          this.done = true;
          return;
        }
        this.buf = r.value;
      }
      const take = Math.min(left, this.buf.length);
      yield this.buf.subarray(0, take);
      this.buf = this.buf.subarray(take);
      left -= take;
    }
  }
}

/** An entry as read from an archive; `body` must be consumed before asking for the next entry. */
export interface TarReadEntry extends TarHeader {
  /** The content (files), streamed. */
  readonly body: AsyncIterable<Buffer>;
}

function corrupt(why: string): OciRegistryError {
  return new OciRegistryError("INVALID_INPUT", `corrupt tar archive: ${why}`);
}

/** Reads a tar stream entry by entry (PAX and GNU long names applied); contents are streamed. */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarReadEntry> {
  const r = new ByteReader(source);
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await r.read(BLOCK);
    if (block.length === 0) return;
    if (block.length < BLOCK) throw corrupt("truncated header");
    if (isZeroBlock(block)) {
      // End of archive: consume the rest (more zero blocks) so that a hash of the input covers all of it.
      await r.drainAll();
      return;
    }
    const h = decodeHeader(block);
    if (h === undefined) throw corrupt("bad header checksum");
    const padded = Math.ceil(h.size / BLOCK) * BLOCK;
    if (h.type === "pax" || h.type === "pax-global" || h.type === "gnu-longname" || h.type === "gnu-longlink") {
      if (h.size > 1024 * 1024) throw corrupt("extended header larger than 1 MiB");
      const data = (await r.read(padded)).subarray(0, h.size);
      if (h.type === "pax") pax = decodePax(data);
      else if (h.type === "gnu-longname") longName = data.toString("utf8").replace(/\0+$/, "");
      else if (h.type === "gnu-longlink") longLink = data.toString("utf8").replace(/\0+$/, "");
      continue;
    }
    const size = pax.size !== undefined ? Number(pax.size) : h.size;
    const entry: TarHeader = {
      ...h,
      path: pax.path ?? longName ?? h.path,
      linkname: pax.linkpath ?? longLink ?? h.linkname,
      size,
    };
    pax = {};
    longName = undefined;
    longLink = undefined;
    let consumed = 0;
    const body = (async function* () {
      for await (const c of r.stream(size - consumed)) {
        consumed += c.length;
        yield c;
      }
    })();
    yield { ...entry, body };
    // Skip what the consumer did not read, and the padding.
    for await (const c of r.stream(size - consumed)) consumed += c.length;
    if (consumed < size) throw corrupt(`entry ${entry.path} is truncated`);
    const pad = Math.ceil(size / BLOCK) * BLOCK - size;
    if (pad > 0) await r.read(pad);
  }
}

/** Options of {@link extractTar}. */
export interface ExtractOptions {
  /** Only entries under this archive folder are written, with the prefix removed (e.g. `data`). */
  readonly stripPrefix?: string;
}

/**
 * Unpacks a tar stream into `target` (created if missing). Refuses (`UNSAFE_ARCHIVE`) absolute paths, `..`,
 * symlinks and hardlinks that escape the target, and writing through a symlink that leaves it. Returns the list of
 * files written (relative paths).
 */
export async function extractTar(
  source: Readable | AsyncIterable<Buffer>,
  target: string,
  options: ExtractOptions = {},
): Promise<string[]> {
  await mkdir(target, { recursive: true });
  const root = await realpath(resolve(target));
  const written: string[] = [];
  const strip = options.stripPrefix === undefined ? undefined : safeEntryPath(options.stripPrefix);
  const ensureParent = async (abs: string) => {
    const parent = dirname(abs);
    await mkdir(parent, { recursive: true });
    const real = await realpath(parent);
    if (!isInside(root, real)) {
      throw new OciRegistryError(
        "UNSAFE_ARCHIVE",
        `refusing to unpack: ${abs} would be written outside ${root} through a link`,
      );
    }
  };
  for await (const e of readTar(source as AsyncIterable<Buffer>)) {
    let rel = safeEntryPath(e.path);
    if (strip !== undefined) {
      if (rel === strip) rel = "";
      else if (rel.startsWith(`${strip}/`)) rel = rel.slice(strip.length + 1);
      else continue;
    }
    if (rel === "") continue;
    const abs = join(root, rel);
    if (e.type === "directory") {
      await ensureParent(abs);
      await mkdir(abs, { recursive: true });
      continue;
    }
    if (e.type === "file") {
      await ensureParent(abs);
      const existing = await lstat(abs).catch(() => undefined);
      if (existing?.isSymbolicLink()) await rm(abs);
      await pipeline(Readable.from(e.body), createWriteStream(abs, { mode: (e.mode & 0o777) | 0o600 }));
      written.push(rel);
      continue;
    }
    if (e.type === "symlink") {
      checkSymlinkTarget(root, rel, e.linkname);
      await ensureParent(abs);
      await rm(abs, { force: true });
      await symlink(e.linkname, abs);
      continue;
    }
    if (e.type === "hardlink") {
      let linkRel = checkHardlinkTarget(root, rel, e.linkname);
      if (strip !== undefined && linkRel.startsWith(`${strip}/`)) linkRel = linkRel.slice(strip.length + 1);
      const from = join(root, linkRel);
      const real = await realpath(from).catch(() => undefined);
      if (real === undefined || !isInside(root, real)) {
        throw new OciRegistryError(
          "UNSAFE_ARCHIVE",
          `refusing to unpack: hardlink "${e.path}" -> "${e.linkname}" escapes the target folder`,
        );
      }
      await ensureParent(abs);
      await rm(abs, { force: true });
      await link(real, abs);
      written.push(rel);
    }
    // other types (devices, fifos) are skipped
  }
  return written;
}
