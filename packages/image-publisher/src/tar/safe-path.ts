import { isAbsolute, posix, relative, resolve, sep } from "node:path";
import { OciRegistryError } from "../errors.ts";

function unsafe(why: string): OciRegistryError {
  return new OciRegistryError("UNSAFE_ARCHIVE", `refusing to unpack: ${why}`);
}

/**
 * Checks an archive entry path and returns it normalised (`/`-separated, no `.` parts, no trailing slash), or
 * throws `UNSAFE_ARCHIVE` for absolute paths, drive letters, backslashes, NUL, or any `..` part.
 */
export function safeEntryPath(path: string): string {
  if (path.includes("\0")) throw unsafe(`entry "${path}" contains a NUL byte`);
  if (path.startsWith("/") || isAbsolute(path) || /^[a-zA-Z]:/.test(path)) {
    throw unsafe(`entry "${path}" has an absolute path`);
  }
  if (path.includes("\\")) throw unsafe(`entry "${path}" contains a backslash`);
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw unsafe(`entry "${path}" contains ".."`);
  return parts.join("/");
}

/** True when `child` (absolute) is `root` or inside it. */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** Checks a symlink target: it must resolve (lexically) inside `root`; absolute targets are refused. */
export function checkSymlinkTarget(root: string, entryPath: string, target: string): void {
  if (target === "" || isAbsolute(target) || target.startsWith("/")) {
    throw unsafe(`symlink "${entryPath}" points at the absolute path "${target}"`);
  }
  const resolved = resolve(root, posix.dirname(entryPath), target);
  if (!isInside(root, resolved)) throw unsafe(`symlink "${entryPath}" -> "${target}" escapes the target folder`);
}

/** Checks a hardlink target (an archive path): it must be a safe path inside `root`. */
export function checkHardlinkTarget(root: string, entryPath: string, target: string): string {
  let safe: string;
  try {
    safe = safeEntryPath(target);
  } catch {
    throw unsafe(`hardlink "${entryPath}" -> "${target}" escapes the target folder`);
  }
  if (safe === "") throw unsafe(`hardlink "${entryPath}" has an empty target`);
  const resolved = resolve(root, safe);
  if (!isInside(root, resolved)) throw unsafe(`hardlink "${entryPath}" -> "${target}" escapes the target folder`);
  return safe;
}
