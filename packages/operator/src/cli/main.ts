#!/usr/bin/env node
/** The `kaito` command. */
import { processIO } from "./io.ts";
import { runCli } from "./program.ts";

runCli(process.argv.slice(2), processIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`kaito: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 70;
  },
);
