import { defineConfig } from "tsup";

/**
 * The build every package shares: ESM with declarations for its public entries (`src/index.ts` and declared
 * subpaths), and bundled command-line entry points (`bins`) without declarations. Keys are output paths under `dist/`.
 */
export function packageBuild(entries: Record<string, string>, bins: Record<string, string> = {}) {
  return defineConfig({
    entry: { ...entries, ...bins },
    format: ["esm"],
    dts: { entry: entries },
    sourcemap: true,
    clean: true,
    target: "node22",
    outDir: "dist",
  });
}
