/**
 * Checks of a built image's file tree (the final stage's folder): what a real image would get wrong at run time
 * on a read-only root filesystem, or carry without need.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, dirname } from "node:path";

/** One file system entry of the image: its image path and lstat. */
interface Entry {
  readonly path: string;
  readonly hostPath: string;
  readonly stat: ReturnType<typeof lstatSync> & object;
}

function* walk(root: string, dir = root): Generator<Entry> {
  for (const name of readdirSync(dir)) {
    const hostPath = join(dir, name);
    const stat = lstatSync(hostPath);
    yield { path: `/${relative(root, hostPath).split("\\").join("/")}`, hostPath, stat };
    if (stat.isDirectory()) yield* walk(root, hostPath);
  }
}

/** Number of files and their bytes (symlinks count as entries, not as their targets). */
export function folderSize(root: string): { readonly files: number; readonly bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of walk(root)) {
    if (e.stat.isDirectory()) continue;
    files++;
    bytes += Number(e.stat.size);
  }
  return { files, bytes };
}

/**
 * Image paths that user `uid:gid` could write (by owner, group or other bits), outside the folders in `mounted`
 * (mounted at run time, e.g. `/tmp`) — on a read-only root filesystem those writes fail, so the list must be empty.
 * Root writes everything: call it for non-root users only.
 */
export function writableBy(root: string, uid: number, gid: number, mounted: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of walk(root)) {
    if (e.stat.isSymbolicLink()) continue;
    if (mounted.some((m) => e.path === m || e.path.startsWith(`${m}/`))) continue;
    const mode = Number(e.stat.mode);
    const writable =
      (Number(e.stat.uid) === uid && (mode & 0o200) !== 0) ||
      (Number(e.stat.gid) === gid && (mode & 0o020) !== 0) ||
      (mode & 0o002) !== 0;
    if (writable) out.push(e.path);
  }
  return out;
}

/** Symlinks that dangle or point outside the image's folder (they would dangle in a real image). */
export function badSymlinks(root: string): string[] {
  const out: string[] = [];
  const rootReal = resolve(root);
  for (const e of walk(root)) {
    if (!e.stat.isSymbolicLink()) continue;
    const target = readlinkSync(e.hostPath);
    const resolved = isAbsolute(target) ? target : resolve(dirname(e.hostPath), target);
    if (!resolved.startsWith(`${rootReal}/`) && resolved !== rootReal) {
      out.push(`${e.path} -> ${target} (outside the image)`);
      continue;
    }
    try {
      statSync(e.hostPath);
    } catch {
      out.push(`${e.path} -> ${target} (dangling)`);
    }
  }
  return out;
}

/** Package names found in every `node_modules` of the image (including pnpm's `.pnpm/<name>@<version>` store). */
export function installedPackages(root: string): Set<string> {
  const names = new Set<string>();
  for (const e of walk(root)) {
    if (!e.stat.isDirectory() && !e.stat.isSymbolicLink()) continue;
    const parts = e.path.split("/");
    const parent = parts.at(-2);
    const name = parts.at(-1) as string;
    if (parent === ".pnpm" && parts.at(-3) === "node_modules") {
      const m = /^(@[^+]+\+[^@]+|[^@]+)@/.exec(name);
      if (m) names.add((m[1] as string).replace("+", "/"));
    } else if (parent === "node_modules" && !name.startsWith(".") && !name.startsWith("@")) names.add(name);
    else if (parts.at(-3) === "node_modules" && parent?.startsWith("@")) names.add(`${parent}/${name}`);
  }
  return names;
}

/** Names that installed packages (their `package.json` under a `node_modules`) list as dependencies or optional ones. */
export function dependedOn(root: string): Set<string> {
  const names = new Set<string>();
  for (const e of walk(root)) {
    if (!e.path.endsWith("/package.json") || !e.stat.isFile()) continue;
    const parts = e.path.split("/");
    const inNodeModules =
      parts.at(-3) === "node_modules" || (parts.at(-4) === "node_modules" && parts.at(-3)?.startsWith("@"));
    if (!inNodeModules) continue;
    try {
      const pkg = JSON.parse(readFileSync(e.hostPath, "utf8")) as {
        dependencies?: Record<string, string>;
        optionalDependencies?: Record<string, string>;
      };
      for (const n of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})])
        names.add(n);
    } catch {
      // not a package manifest we can read: it declares nothing
    }
  }
  return names;
}

/**
 * The devDependencies (from the workspace's `manifests`) found in the image, unless a runtime dependency needs them:
 * listed in `dependencies` of a workspace package, or of a package installed in the image (`@types/node` comes with
 * `@kubernetes/client-node`).
 */
export function devDependenciesIn(
  root: string,
  manifests: readonly {
    readonly dependencies?: Record<string, string>;
    readonly devDependencies?: Record<string, string>;
  }[],
): string[] {
  const runtime = new Set([...manifests.flatMap((m) => Object.keys(m.dependencies ?? {})), ...dependedOn(root)]);
  const dev = new Set(manifests.flatMap((m) => Object.keys(m.devDependencies ?? {})).filter((n) => !runtime.has(n)));
  const installed = installedPackages(root);
  return [...dev].filter((n) => installed.has(n)).sort();
}
