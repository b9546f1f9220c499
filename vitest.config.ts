import { defineConfig } from "vitest/config";

// One root config: every package's test/ folder, run against src through the "@kaito-ts/source" condition.
export default defineConfig({
  resolve: { conditions: ["@kaito-ts/source"] },
  ssr: { resolve: { conditions: ["@kaito-ts/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/**/*.test.ts", "scripts/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Three files at a time (vitest's default is cores - 1: one file at a time on a 2-core machine). Most integration
    // files wait on real processes (kube-apiserver, etcd, docker-registry, llama.cpp), so a third worker overlaps
    // that waiting. VITEST_MAX_WORKERS=<n> overrides it.
    maxWorkers: 3,
    // Each test file in its own worker: integration files start real components and must not share state.
    isolate: true,
  },
});
