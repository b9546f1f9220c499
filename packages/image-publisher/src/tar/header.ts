/** ustar header encoding and decoding (POSIX.1-1988 ustar with PAX `x` records for long names). Pure functions. */

/** Entry types this package writes and reads. */
export type TarEntryType =
  | "file"
  | "directory"
  | "symlink"
  | "hardlink"
  | "pax"
  | "pax-global"
  | "gnu-longname"
  | "gnu-longlink"
  | "other";

/** A decoded header. */
export interface TarHeader {
  /** Path of the entry (name joined with prefix). */
  readonly path: string;
  /** Entry type. */
  readonly type: TarEntryType;
  /** Size of the content that follows. */
  readonly size: number;
  /** Permission bits. */
  readonly mode: number;
  /** Modification time, seconds. */
  readonly mtime: number;
  /** Link target of symlinks and hardlinks. */
  readonly linkname: string;
}

/** Block size of tar. */
export const BLOCK = 512;

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  buf.write(value, offset, length, "utf8");
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  const s = Math.floor(value)
    .toString(8)
    .padStart(length - 1, "0");
  if (s.length > length - 1) throw new RangeError(`value ${value} does not fit a ${length}-byte tar field`);
  buf.write(`${s}\0`, offset, length, "ascii");
}

function splitPath(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: "" };
  for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== "") return { name, prefix };
  }
  return undefined;
}

/** Whether a path and size fit a plain ustar header (otherwise a PAX record is needed). */
export function fitsUstar(path: string, linkname: string, size: number): boolean {
  return splitPath(path) !== undefined && Buffer.byteLength(linkname) <= 100 && size < 8 ** 11;
}

/** Encodes one header block. `type` flag: `0` file, `5` dir, `2` symlink, `1` hardlink, `x` PAX. */
export function encodeHeader(h: {
  path: string;
  typeflag: string;
  size: number;
  mode: number;
  mtime: number;
  linkname?: string;
}): Buffer {
  const buf = Buffer.alloc(BLOCK);
  const split = splitPath(h.path) ?? { name: h.path.slice(0, 100), prefix: "" };
  writeString(buf, 0, 100, split.name);
  writeOctal(buf, 100, 8, h.mode & 0o7777);
  writeOctal(buf, 108, 8, 0);
  writeOctal(buf, 116, 8, 0);
  writeOctal(buf, 124, 12, h.size);
  writeOctal(buf, 136, 12, h.mtime);
  buf.fill(" ", 148, 156);
  buf.write(h.typeflag, 156, 1, "ascii");
  writeString(buf, 157, 100, (h.linkname ?? "").slice(0, 100));
  buf.write("ustar\0", 257, 6, "ascii");
  buf.write("00", 263, 2, "ascii");
  writeString(buf, 345, 155, split.prefix);
  let sum = 0;
  for (const b of buf) sum += b;
  buf.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return buf;
}

/** Encodes PAX records (`<len> key=value\n`). */
export function encodePax(records: Readonly<Record<string, string>>): Buffer {
  let out = "";
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(body) + 1;
    while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
    out += `${len}${body}`;
  }
  return Buffer.from(out, "utf8");
}

/** Decodes PAX records. */
export function decodePax(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(buf.toString("ascii", i, sp));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = buf.toString("utf8", sp + 1, i + len - 1);
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

function readString(buf: Buffer, offset: number, length: number): string {
  const end = buf.indexOf(0, offset);
  return buf.toString("utf8", offset, end >= 0 && end < offset + length ? end : offset + length);
}

function readNumber(buf: Buffer, offset: number, length: number): number {
  const first = buf[offset] ?? 0;
  if (first & 0x80) {
    // base-256 (GNU) for large values
    let v = 0;
    for (let i = 1; i < length; i++) v = v * 256 + (buf[offset + i] ?? 0);
    return v;
  }
  const s = buf
    .toString("ascii", offset, offset + length)
    .replace(/[\0 ]+$/, "")
    .trim();
  return s === "" ? 0 : Number.parseInt(s, 8);
}

/** True for an all-zero block (end of archive). */
export function isZeroBlock(buf: Buffer): boolean {
  for (const b of buf) if (b !== 0) return false;
  return true;
}

/** Decodes a header block; `undefined` when its checksum is wrong. */
export function decodeHeader(buf: Buffer): TarHeader | undefined {
  const stored = readNumber(buf, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (buf[i] ?? 0);
  if (stored !== sum) return undefined;
  const name = readString(buf, 0, 100);
  const magic = buf.toString("ascii", 257, 262);
  const prefix = magic === "ustar" ? readString(buf, 345, 155) : "";
  const flag = String.fromCharCode(buf[156] ?? 0);
  const typeMap: Record<string, TarEntryType> = {
    "0": "file",
    "\0": "file",
    "7": "file",
    "5": "directory",
    "2": "symlink",
    "1": "hardlink",
    x: "pax",
    g: "pax-global",
    L: "gnu-longname",
    K: "gnu-longlink",
  };
  return {
    path: prefix !== "" ? `${prefix}/${name}` : name,
    type: typeMap[flag] ?? "other",
    size: readNumber(buf, 124, 12),
    mode: readNumber(buf, 100, 8),
    mtime: readNumber(buf, 136, 12),
    linkname: readString(buf, 157, 100),
  };
}
