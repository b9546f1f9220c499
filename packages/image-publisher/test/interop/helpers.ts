/**
 * Helpers for the interoperability tests against the real `oras` CLI (built from `tools/oras/go.mod` by
 * `pnpm test-deps`, found through `@kaito-ts/envtest`): running `oras` and `kaito-publish` as child processes, and
 * reading a folder tree byte for byte.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { orasPath } from "@kaito-ts/envtest";
import { type ImageManifest, isImageIndex, type OciRegistryClient } from "../../src/index.ts";

/** The `oras` binary; importing this module fails with `BINARIES_MISSING` (and the fix) when it is not built. */
export const ORAS = orasPath();

/** The `kaito-publish` CLI's entry point, run from source. */
export const KAITO_PUBLISH = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");

/** What a child process did. */
export interface Ran {
  /** Exit code (null when killed by a signal). */
  readonly code: number | null;
  /** Its standard output. */
  readonly stdout: string;
  /** Its standard output as bytes (for binary output such as `oras blob fetch --output -`). */
  readonly stdoutBytes: Buffer;
  /** Its standard error. */
  readonly stderr: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Working folder. */
  readonly cwd?: string;
  /** Environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the child's standard input, which is then closed. */
  readonly input?: string;
}

/** Runs `command args…` and collects its output; never rejects for a non-zero exit. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      out.push(d);
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, stdout: stdoutBytes.toString("utf8"), stdoutBytes, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/**
 * Runs the real `oras` CLI. `DOCKER_CONFIG` points at `dockerConfigDir` (a test's own folder) so that nothing is
 * read from or written to `~/.docker`; `--no-tty` keeps its output plain.
 */
export function oras(
  args: readonly string[],
  options: { readonly cwd?: string; readonly dockerConfigDir: string; readonly input?: string },
): Promise<Ran> {
  return run(ORAS, args, {
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
    env: { ...process.env, DOCKER_CONFIG: options.dockerConfigDir },
  });
}

/** Runs `kaito-publish` from source with this Node (24) and the `@kaito-ts/source` condition. */
export function kaitoPublish(args: readonly string[], options: { readonly dockerConfigDir: string }): Promise<Ran> {
  return run(process.execPath, ["--conditions=@kaito-ts/source", KAITO_PUBLISH, ...args], {
    env: { ...process.env, DOCKER_CONFIG: options.dockerConfigDir },
  });
}

/** The image manifest of `ref` (an image index fails: these tests push single manifests). */
export async function fetchImageManifest(
  client: OciRegistryClient,
  ref: string,
): Promise<{ readonly digest: string; readonly bytes: Buffer; readonly manifest: ImageManifest }> {
  const fetched = await client.getManifest(ref);
  if (isImageIndex(fetched.manifest)) throw new Error(`${ref} is an image index; expected an image manifest`);
  return { digest: fetched.digest, bytes: fetched.bytes, manifest: fetched.manifest };
}

/** Every regular file under `dir`, by `/`-separated relative path, with its bytes. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.set(relative(dir, path).split(sep).join("/"), await readFile(path));
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Every folder under `dir` (relative, `/`-separated), so empty folders count too. */
export async function readFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
}

/** The paths that differ between two trees (missing on one side, or other bytes); empty when they are equal. */
export function treeDifferences(a: ReadonlyMap<string, Buffer>, b: ReadonlyMap<string, Buffer>): string[] {
  const diffs: string[] = [];
  for (const [p, bytes] of a) {
    const other = b.get(p);
    if (other === undefined) diffs.push(`${p}: missing on the right`);
    else if (Buffer.compare(bytes, other) !== 0) diffs.push(`${p}: bytes differ (${bytes.length} vs ${other.length})`);
  }
  for (const p of b.keys()) if (!a.has(p)) diffs.push(`${p}: missing on the left`);
  return diffs;
}

/** A long relative path (over ustar's 100-byte name field) for the folder fixtures. */
export const LONG_NAME = `${"deeply-nested-".repeat(5)}folder/${"a-long-file-name-".repeat(5)}end.txt`;

/**
 * Writes the artifact fixture: two files (`notes.txt`, `weights.bin`) and a folder `eval/` with JSON, an empty
 * file, a non-ASCII name, a nested binary file, an empty folder and a path too long for a plain ustar header.
 */
export async function writeArtifactFixture(
  dir: string,
): Promise<{ readonly files: readonly string[]; readonly folder: string }> {
  await mkdir(join(dir, "eval", "nested", "deep"), { recursive: true });
  await mkdir(join(dir, "eval", "empty-folder"), { recursive: true });
  await writeFile(join(dir, "notes.txt"), "evaluation notes\nline two\n");
  await writeFile(join(dir, "weights.bin"), randomBytes(300 * 1024 + 17));
  await writeFile(join(dir, "eval", "report.json"), JSON.stringify({ accuracy: 0.91, samples: 1000 }));
  await writeFile(join(dir, "eval", "empty.txt"), "");
  await writeFile(join(dir, "eval", "résumé-ü.txt"), "non-ASCII name\n");
  await writeFile(join(dir, "eval", "nested", "deep", "data.bin"), randomBytes(70 * 1024 + 3));
  await mkdir(join(dir, "eval", ...LONG_NAME.split("/").slice(0, -1)), { recursive: true });
  await writeFile(join(dir, "eval", ...LONG_NAME.split("/")), "a path longer than 100 bytes\n");
  return { files: ["notes.txt", "weights.bin"], folder: "eval" };
}
