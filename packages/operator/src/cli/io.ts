import { readFile } from "node:fs/promises";

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

/** An error the user caused by how the command was called (exit code 2). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Reads an input file, turning a file-system failure into a one-line {@link UsageError}. */
export async function readInputOrExplain(io: CliIO, path: string): Promise<string> {
  try {
    return await io.readInput(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new UsageError(`${path}: no such file (give a path to a Workspace YAML or JSON file, or - for stdin)`);
    if (code === "EISDIR") throw new UsageError(`${path}: is a directory, not a file`);
    if (code === "EACCES") throw new UsageError(`${path}: permission denied`);
    throw new UsageError(`${path}: cannot be read (${(error as Error).message})`);
  }
}
