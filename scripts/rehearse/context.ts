/**
 * The build context: the files git knows of in the work tree (tracked, plus untracked ones that `.gitignore` does not
 * exclude — so no node_modules/ or dist/ built on the host), minus what `.dockerignore` excludes, copied into a
 * folder: what `docker build .` sends from a clean checkout. With a git ref, the files of that commit instead.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** One `.dockerignore` rule: a glob, and whether it is an exception (`!pattern`). */
export interface IgnoreRule {
  /** The pattern as written (cleaned of a leading `/` and trailing `/`). */
  readonly pattern: string;
  /** `!pattern`: re-includes what an earlier rule excluded. */
  readonly exception: boolean;
  /** The compiled pattern. */
  readonly regex: RegExp;
}

/** Docker's pattern syntax (Go's filepath.Match plus `**`) as a regular expression over `/`-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        // `**/` matches zero or more folders; a trailing `**` anything.
        if (glob[i + 2] === "/") {
          re += "(?:.*/)?";
          i += 2;
        } else {
          re += ".*";
          i += 1;
        }
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        const body = glob.slice(i + 1, end).replace(/^\^|^!/, "^");
        re += `[${body}]`;
        i = end;
      }
    } else if (c === "\\" && i + 1 < glob.length) re += `\\${glob[++i]}`;
    else re += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** Parses `.dockerignore` text: comments and blank lines skipped, paths cleaned as Docker cleans them. */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const exception = line.startsWith("!");
    if (exception) line = line.slice(1).trim();
    const pattern = line.replace(/^\/+/, "").replace(/\/+$/, "").replace(/^\.\//, "");
    if (pattern === "") continue;
    rules.push({ pattern, exception, regex: globToRegExp(pattern) });
  }
  return rules;
}

/**
 * True when `path` (relative, `/`-separated) is excluded: the last rule matching the path or one of its parent
 * folders decides, as in Docker (a pattern that matches a folder excludes everything under it).
 */
export function isIgnored(path: string, rules: readonly IgnoreRule[]): boolean {
  const parts = path.split("/");
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.exception;
  }
  return ignored;
}

/** The files of `repo`'s work tree that git tracks or would track (not ignored), as relative paths. */
export function trackedFiles(repo: string): string[] {
  const out = execFileSync("git", ["-C", repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .split("\0")
    .filter((p, i, all) => p !== "" && all.indexOf(p) === i)
    .filter((p) => {
      try {
        lstatSync(join(repo, p));
        return true;
      } catch {
        return false; // deleted in the work tree, not committed yet
      }
    });
}

/** What {@link copyContext} copied. */
export interface ContextSummary {
  /** Files copied. */
  readonly files: number;
  /** Tracked files left out by `.dockerignore`. */
  readonly ignored: number;
  /** The `.dockerignore` rules applied (empty without one). */
  readonly rules: readonly IgnoreRule[];
}

/** Copies `files` (relative to `repo`) into `target`, minus what `repo/.dockerignore` excludes. */
export function copyContext(repo: string, files: readonly string[], target: string): ContextSummary {
  const ignoreFile = join(repo, ".dockerignore");
  const rules = existsSync(ignoreFile) ? parseDockerignore(readFileSync(ignoreFile, "utf8")) : [];
  let copied = 0;
  let ignored = 0;
  for (const file of files) {
    if (isIgnored(file, rules)) {
      ignored++;
      continue;
    }
    mkdirSync(dirname(join(target, file)), { recursive: true });
    cpSync(join(repo, file), join(target, file), { verbatimSymlinks: true, preserveTimestamps: true });
    copied++;
  }
  return { files: copied, ignored, rules };
}

/** Extracts the files of commit `ref` (`git archive`) into `target`; returns their relative paths. */
export function checkoutRef(repo: string, ref: string, target: string): string[] {
  mkdirSync(target, { recursive: true });
  const tar = execFileSync("git", ["-C", repo, "archive", "--format=tar", ref], { maxBuffer: 1024 * 1024 * 1024 });
  execFileSync("tar", ["-x", "-C", target], { input: tar });
  const list = execFileSync("git", ["-C", repo, "ls-tree", "-r", "-z", "--name-only", ref], { encoding: "utf8" });
  return list.split("\0").filter((p) => p !== "");
}
