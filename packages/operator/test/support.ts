import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CliIO } from "../src/cli/io.ts";
import { runCli } from "../src/cli/program.ts";

/** The repository root (tests read the examples from there). */
export const repoRoot = join(import.meta.dirname, "..", "..", "..");

/** Runs the CLI in-process with captured output; `stdin` is what `-` reads. */
export async function kaito(argv: string[], stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readInput: (path) => (path === "-" ? Promise.resolve(stdin) : readFile(join(repoRoot, path), "utf8")),
    isTTY: false,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
