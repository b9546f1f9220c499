#!/usr/bin/env node
// The `kaito-publish` command. Installed from npm, it runs the built CLI in dist/. In a checkout of the kaito-ts
// repository (where this file is not under node_modules/) it runs the TypeScript sources directly (Node >= 22.18
// strips their types), so `npx kaito-publish …` works there without a build step.
import { fileURLToPath } from "node:url";

const inCheckout = !fileURLToPath(import.meta.url)
  .split(/[\\/]/)
  .includes("node_modules");
await import(inCheckout ? "../src/cli/main.ts" : "../dist/cli/main.js");
