/**
 * Enforces the import direction of the monorepo (docs/conventions.md, "Import direction"):
 *
 * - a package's `src/` imports only the packages its row in {@link RULES} allows (a lower package never imports a
 *   higher one);
 * - `@kaito-ts/cluster-sim` and `@kaito-ts/envtest` (the {@link DEV_ONLY} packages) are never imported by library
 *   `src/`: only by tests, benchmarks, scripts and the operator's playground (`packages/operator/src/playground/`);
 * - no file imports another package's internals: a bare import must name one of the package's declared `exports`
 *   entries, and a relative import must not leave its own package;
 * - `test/`, `bench/` and `scripts/` files follow the same direction as `src/` (a lower package's tests do not import
 *   a higher package; cross-package scenarios belong to the higher package), plus the dev-only packages;
 * - every package folder has a row in {@link RULES} (a new package fails until its place in the direction is written).
 *
 * Imports are found with the TypeScript scanner (static, `export … from`, dynamic `import("…")` with a literal and
 * `import("…")` types), so comments and strings that merely look like imports do not count.
 *
 * `node scripts/check-imports.ts [root]` exits non-zero and prints `file:line imports X (reason)` per offending import.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** The scope of our packages; a bare import under it is an internal package. */
export const SCOPE = "@kaito-ts/";

/**
 * For each package (folder name under `packages/`): the internal packages its `src/` may import. Keep it in step
 * with the diagram in docs/conventions.md and /work/shared/design.md.
 */
export const RULES: Readonly<Record<string, readonly string[]>> = {
  "workspace-types": [],
  "preset-catalog": ["workspace-types"],
  "node-provisioner": ["preset-catalog", "workspace-types"],
  "reconciler-core": ["node-provisioner", "preset-catalog", "workspace-types"],
  "workspace-client": ["preset-catalog", "workspace-types"],
  "image-publisher": [],
  "chat-client": [],
  "cluster-sim": [],
  envtest: [],
  operator: [
    "workspace-types",
    "preset-catalog",
    "node-provisioner",
    "reconciler-core",
    "workspace-client",
    "image-publisher",
    "chat-client",
    "cluster-sim",
    "envtest",
  ],
};

/** Packages that run a cluster for tests and demos: never imported by library code. */
export const DEV_ONLY: readonly string[] = ["cluster-sim", "envtest"];

/** Source folders (relative to the repository root) that may import the {@link DEV_ONLY} packages from `src/`. */
export const DEV_ONLY_SRC_ALLOWED: readonly string[] = ["packages/operator/src/playground/"];

/** The folders of a package that are scanned, and whether each is library code. */
const FOLDERS: readonly { readonly name: string; readonly library: boolean }[] = [
  { name: "src", library: true },
  { name: "test", library: false },
  { name: "bench", library: false },
  { name: "scripts", library: false },
];

const SOURCE = /\.(?:[cm]?ts|tsx)$/;

/** One offending import. */
export interface Violation {
  /** Path relative to the repository root, with `/` separators. */
  readonly file: string;
  /** 1-based line of the import specifier. */
  readonly line: number;
  /** The import specifier as written. */
  readonly specifier: string;
  /** Why it is not allowed, and what to do. */
  readonly reason: string;
}

/** Formats a violation as `file:line imports X (reason)`. */
export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line} imports ${v.specifier} (${v.reason})`;
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(full);
  }
}

/** The `exports` keys of a package that resolve to something (a `null` target blocks the subpath). */
function exportedSubpaths(pkgJson: { exports?: unknown }): { exact: Set<string>; patterns: RegExp[] } {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  const exp = pkgJson.exports;
  if (typeof exp === "string" || Array.isArray(exp)) exact.add(".");
  else if (exp !== null && typeof exp === "object") {
    const keys = Object.keys(exp);
    if (!keys.some((k) => k.startsWith("."))) exact.add(".");
    for (const key of keys) {
      if (!key.startsWith(".") || (exp as Record<string, unknown>)[key] === null) continue;
      if (key.includes("*")) {
        const [before = "", after = ""] = key.split("*");
        const esc = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
        patterns.push(new RegExp(`^${esc(before)}.+${esc(after)}$`));
      } else exact.add(key);
    }
  }
  return { exact, patterns };
}

function blockedSubpath(pkgJson: { exports?: unknown }, subpath: string): boolean {
  const exp = pkgJson.exports;
  if (exp === null || typeof exp !== "object" || Array.isArray(exp)) return false;
  for (const [key, target] of Object.entries(exp as Record<string, unknown>)) {
    if (target !== null) continue;
    if (key === subpath) return true;
    if (key.includes("*")) {
      const [before = "", after = ""] = key.split("*");
      if (subpath.startsWith(before) && subpath.endsWith(after) && subpath.length > before.length + after.length)
        return true;
    }
  }
  return false;
}

interface PackageInfo {
  readonly dir: string;
  readonly name: string;
  readonly json: { name?: string; exports?: unknown };
}

/**
 * Checks every package under `<root>/packages` and returns the offending imports (empty when the tree is clean),
 * sorted by file and line.
 */
export function checkImports(root: string): Violation[] {
  const packagesDir = join(root, "packages");
  const violations: Violation[] = [];
  const packages = new Map<string, PackageInfo>();
  for (const dir of readdirSync(packagesDir).sort()) {
    const pkgPath = join(packagesDir, dir, "package.json");
    if (!existsSync(pkgPath)) continue;
    const json = JSON.parse(readFileSync(pkgPath, "utf8")) as PackageInfo["json"];
    packages.set(dir, { dir, name: json.name ?? `${SCOPE}${dir}`, json });
  }
  const byName = new Map([...packages.values()].map((p) => [p.name, p]));

  for (const pkg of packages.values()) {
    const rel = (file: string) => relative(root, file).split(sep).join("/");
    const allowed = RULES[pkg.dir];
    if (allowed === undefined) {
      violations.push({
        file: `packages/${pkg.dir}/package.json`,
        line: 1,
        specifier: "(any package)",
        reason: `package "${pkg.dir}" has no row in RULES of scripts/check-imports.ts: add one naming the packages it may import`,
      });
      continue;
    }
    for (const folder of FOLDERS) {
      const base = join(packagesDir, pkg.dir, folder.name);
      if (!existsSync(base) || !statSync(base).isDirectory()) continue;
      const files: string[] = [];
      walk(base, files);
      for (const file of files) {
        const text = readFileSync(file, "utf8");
        const info = ts.preProcessFile(text, true, true);
        const newlines: number[] = [];
        for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) newlines.push(i);
        const fileRel = rel(file);
        for (const ref of info.importedFiles) {
          const specifier = ref.fileName;
          const line = 1 + newlines.filter((n) => n < ref.pos).length;
          const report = (reason: string) => violations.push({ file: fileRel, line, specifier, reason });
          if (specifier.startsWith(".")) {
            const target = resolve(dirname(file), specifier);
            const own = join(packagesDir, pkg.dir) + sep;
            if (!target.startsWith(own)) {
              const other = relative(packagesDir, target).split(sep)[0];
              report(
                other !== undefined && !other.startsWith("..") && packages.has(other)
                  ? `relative path into another package's internals; import "${SCOPE}${other}" by a declared export`
                  : "relative path leaves the package; import a package by name instead",
              );
            }
            continue;
          }
          if (!specifier.startsWith(SCOPE)) continue;
          const [, short = "", ...rest] = specifier.split("/");
          const target = byName.get(`${SCOPE}${short}`);
          if (target === undefined) {
            report(`no package ${SCOPE}${short} in packages/`);
            continue;
          }
          const subpath = rest.length === 0 ? "." : `./${rest.join("/")}`;
          const { exact, patterns } = exportedSubpaths(target.json);
          if (blockedSubpath(target.json, subpath) || (!exact.has(subpath) && !patterns.some((p) => p.test(subpath))))
            report(
              `"${subpath}" is not a declared export of ${target.name}; import one of: ${[...exact].map((s) => (s === "." ? target.name : `${target.name}/${s.slice(2)}`)).join(", ")}`,
            );
          if (target.dir === pkg.dir) continue;
          if (DEV_ONLY.includes(target.dir)) {
            if (folder.library && !DEV_ONLY_SRC_ALLOWED.some((p) => fileRel.startsWith(p)))
              report(
                `${target.name} runs clusters for tests and demos and is never imported by library src; only test/, bench/, scripts/ and ${DEV_ONLY_SRC_ALLOWED.join(", ")} may`,
              );
            continue;
          }
          if (!allowed.includes(target.dir))
            report(
              `${pkg.name} may import ${allowed.length === 0 ? "no package of ours" : allowed.map((a) => `${SCOPE}${a}`).join(", ")}; ${target.name} is not below it in the import direction`,
            );
        }
      }
    }
  }
  return violations.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}

if (import.meta.main) {
  const root = resolve(process.argv[2] ?? join(import.meta.dirname, ".."));
  const violations = checkImports(root);
  if (violations.length > 0) {
    for (const v of violations) console.error(formatViolation(v));
    console.error(
      `${violations.length} import(s) break the package direction (docs/conventions.md, "Import direction")`,
    );
    process.exitCode = 1;
  } else console.log("imports: package direction and public entries respected");
}
