import { createReadStream } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join, posix } from "node:path";
import type { Readable } from "node:stream";
import { OciRegistryError } from "../errors.ts";
import { BLOCK, encodeHeader, encodePax, fitsUstar } from "./header.ts";

/** One entry to write. */
export interface TarWriteEntry {
  /** Path inside the archive, `/`-separated, relative. Directories may end with `/`. */
  readonly path: string;
  /** Entry type. */
  readonly type: "file" | "directory";
  /** Content size (files). */
  readonly size?: number;
  /** Permission bits (default 0o644 for files, 0o755 for directories). */
  readonly mode?: number;
  /** Modification time in seconds (default 0, for reproducible archives). */
  readonly mtime?: number;
  /** Content stream factory (files). */
  readonly open?: () => Readable;
}

/**
 * A streaming ustar writer: yields header blocks, file contents (streamed, never loaded whole), padding, and the
 * two end blocks. Long paths get a PAX `x` record.
 */
export async function* writeTar(
  entries: AsyncIterable<TarWriteEntry> | Iterable<TarWriteEntry>,
): AsyncGenerator<Buffer> {
  for await (const e of entries) {
    const isDir = e.type === "directory";
    const path = isDir && !e.path.endsWith("/") ? `${e.path}/` : e.path;
    const size = isDir ? 0 : (e.size ?? 0);
    const mode = e.mode ?? (isDir ? 0o755 : 0o644);
    const mtime = e.mtime ?? 0;
    if (!fitsUstar(path, "", size)) {
      const pax = encodePax({ path, ...(size >= 8 ** 11 ? { size: String(size) } : {}) });
      yield encodeHeader({ path: "PaxHeader", typeflag: "x", size: pax.length, mode: 0o644, mtime });
      yield pax;
      const pad = (BLOCK - (pax.length % BLOCK)) % BLOCK;
      if (pad > 0) yield Buffer.alloc(pad);
    }
    yield encodeHeader({ path, typeflag: isDir ? "5" : "0", size: size >= 8 ** 11 ? 0 : size, mode, mtime });
    if (!isDir && size > 0) {
      if (e.open === undefined) throw new OciRegistryError("INVALID_INPUT", `tar entry ${path} has no content`);
      let written = 0;
      for await (const chunk of e.open() as AsyncIterable<Buffer>) {
        written += chunk.byteLength;
        if (written > size) break;
        yield chunk;
      }
      if (written !== size) {
        throw new OciRegistryError(
          "INVALID_INPUT",
          `${path}: the file changed while archiving (expected ${size} bytes, read ${written})`,
        );
      }
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (pad > 0) yield Buffer.alloc(pad);
    }
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** A tar entry for a file on disk. */
export async function fileEntry(archivePath: string, diskPath: string, mtime = 0): Promise<TarWriteEntry> {
  const st = await lstat(diskPath);
  return {
    path: archivePath,
    type: "file",
    size: st.size,
    mode: st.mode & 0o777,
    mtime,
    open: () => createReadStream(diskPath, { highWaterMark: 64 * 1024 }),
  };
}

/**
 * Lists a folder as tar entries under `prefix` (sorted, folders before their content). Symbolic links and other
 * special files are refused with `INVALID_INPUT`: they would not survive a registry round trip safely.
 */
export async function directoryEntries(dir: string, prefix: string, mtime = 0): Promise<TarWriteEntry[]> {
  const out: TarWriteEntry[] = [{ path: prefix, type: "directory", mtime }];
  const walk = async (abs: string, rel: string) => {
    const names = (await readdir(abs)).sort();
    for (const name of names) {
      const childAbs = join(abs, name);
      const childRel = posix.join(rel, name);
      const st = await lstat(childAbs);
      if (st.isDirectory()) {
        out.push({ path: childRel, type: "directory", mode: st.mode & 0o777, mtime });
        await walk(childAbs, childRel);
      } else if (st.isFile()) {
        out.push(await fileEntry(childRel, childAbs, mtime));
      } else {
        throw new OciRegistryError(
          "INVALID_INPUT",
          `${childAbs}: only regular files and folders can be pushed (symbolic links and special files are refused)`,
        );
      }
    }
  };
  await walk(dir, prefix);
  return out;
}
