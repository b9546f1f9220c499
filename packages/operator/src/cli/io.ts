import { readFile } from "node:fs/promises";
import { OperatorError } from "../errors.ts";

/** Where the CLI reads input and writes output; injected so the commands can be tested in-process. */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads a file, or standard input when `path` is `-`. */
  readonly readInput: (path: string) => Promise<string>;
  /** Whether stdout is a terminal. */
  readonly isTTY: boolean;
  /** Resolves when the user asks a long-running command to stop (SIGINT or SIGTERM for the real process). */
  readonly interrupted?: () => Promise<void>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The process's real standard streams and file system. */
export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readInput: (path) => (path === "-" ? readStdin() : readFile(path, "utf8")),
    isTTY: process.stdout.isTTY === true,
    interrupted: () =>
      new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      }),
  };
}

/** Reads an input file, turning a file-system failure into a one-line `INPUT_UNREADABLE` {@link OperatorError}. */
export async function readInputOrExplain(io: CliIO, path: string): Promise<string> {
  try {
    return await io.readInput(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const unreadable = (message: string) => new OperatorError("INPUT_UNREADABLE", message, { cause: error });
    if (code === "ENOENT")
      throw unreadable(`${path}: no such file (give a path to a Workspace YAML or JSON file, or - for stdin)`);
    if (code === "EISDIR") throw unreadable(`${path}: is a directory, not a file`);
    if (code === "EACCES") throw unreadable(`${path}: permission denied`);
    throw unreadable(`${path}: cannot be read (${(error as Error).message})`);
  }
}
