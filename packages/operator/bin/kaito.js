#!/usr/bin/env node
// The `kaito` (and `kubectl-kaito`) command. Installed from npm, it runs the built CLI in dist/. In a checkout of the
// kaito-ts repository (where this file is not under node_modules/) it runs the TypeScript sources directly, resolving
// the workspace packages through their `@kaito-ts/source` export condition, so `npx kaito …` needs no build step.
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(import.meta.url);
if (here.split(/[\\/]/).includes("node_modules")) {
  await import("../dist/cli/main.js");
} else {
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      nextResolve(specifier, { ...context, conditions: [...context.conditions, "@kaito-ts/source"] }),
  });
  await import("../src/cli/main.ts");
}
