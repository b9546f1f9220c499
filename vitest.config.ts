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
    // Each test file in its own worker: integration files start real components and must not share state.
    isolate: true,
  },
});
