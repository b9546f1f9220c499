#!/usr/bin/env node
/**
 * `kaito-publish` entry point: push and pull Kaito adapter images and ORAS-style artifacts (the tuning pusher).
 * @module
 */
import { runCli } from "./run.ts";

const controller = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    process.stderr.write(`kaito-publish: ${sig}, stopping\n`);
    controller.abort();
  });
}
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
process.exitCode = code;
