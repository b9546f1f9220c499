/**
 * Compile step: reads `presets/` (repository root), validates it and writes `src/generated/catalog.ts`.
 *
 *   node --conditions=@kaito-ts/source packages/preset-catalog/scripts/compile.ts [--check]
 *
 * `--check` writes nothing and exits 1 when the generated file is stale.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { isPresetCatalogError } from "../src/errors.ts";
import { compileCatalog, type DataFile, GENERATED_PATH } from "./compile-lib.ts";

/** The repository root (two levels above this package). */
export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");

/** Read every file under `presets/`, with repository-relative paths. */
export function readDataFiles(root: string = REPO_ROOT): DataFile[] {
  const out: DataFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push({ path: relative(root, full).split("\\").join("/"), text: readFileSync(full, "utf8") });
    }
  };
  walk(join(root, "presets"));
  return out;
}

function main(): number {
  const check = process.argv.includes("--check");
  try {
    const { source, catalog } = compileCatalog(readDataFiles());
    const target = join(REPO_ROOT, GENERATED_PATH);
    let current = "";
    try {
      current = readFileSync(target, "utf8");
    } catch {
      current = "";
    }
    if (check) {
      if (current !== source) {
        console.error(`${GENERATED_PATH} is stale: run this script without --check`);
        return 1;
      }
      console.log(`${GENERATED_PATH} is up to date`);
      return 0;
    }
    if (current !== source) writeFileSync(target, source);
    console.log(
      `${GENERATED_PATH}: ${catalog.presets.length} presets, ${catalog.skus.length} SKUs, ` +
        `${catalog.tuningTemplates.length} tuning templates${current === source ? " (unchanged)" : ""}`,
    );
    return 0;
  } catch (e) {
    if (isPresetCatalogError(e)) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) process.exitCode = main();
