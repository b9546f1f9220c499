import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { chainCredentials, type CredentialProvider } from "../auth/credentials.ts";
import { dockerConfigCredentials, readDockerConfigFile } from "../auth/docker-config.ts";
import { OciRegistryClient } from "../client.ts";
import { isOciRegistryError, OciRegistryError } from "../errors.ts";
import { extractAdapterImage, pushAdapterImage } from "../layout/adapter.ts";
import { pullOrasArtifact, pushOrasArtifact } from "../layout/oras.ts";
import { progressPrinter } from "../progress/render.ts";
import { formatReference, parseReference } from "../reference/reference.ts";
import { sleep } from "../transport/session.ts";
import { type CliCommand, HELP, parseCli, UsageError } from "./args.ts";
import { EXIT, exitCodeFor } from "./exit-codes.ts";

/** Where the CLI writes, and its environment; injectable for tests. */
export interface CliIo {
  /** Standard output (the digest). */
  readonly stdout: { write(s: string): unknown };
  /** Standard error (progress, messages). */
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  /** Cancels the command (SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
}

async function version(): Promise<string> {
  for (const up of [["..", ".."], [".."]]) {
    try {
      const pkg = JSON.parse(await readFile(join(import.meta.dirname, ...up, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "@kaito-ts/image-publisher") return pkg.version ?? "unknown";
    } catch {
      // try the next location
    }
  }
  return "unknown";
}

function credentialsFrom(path: string | undefined): CredentialProvider {
  const config = readDockerConfigFile(path);
  return chainCredentials(dockerConfigCredentials(config, path ?? "docker config"));
}

async function waitForFile(file: string, intervalMs: number, timeoutMs: number | undefined, io: CliIo): Promise<void> {
  if (existsSync(file)) return;
  io.stderr.write(`waiting for ${file}\n`);
  const start = Date.now();
  while (!existsSync(file)) {
    if (timeoutMs !== undefined && Date.now() - start >= timeoutMs) {
      throw new OciRegistryError(
        "INVALID_INPUT",
        `${file} did not appear within ${Math.round(timeoutMs / 1000)} s (--wait-timeout); did the tuning job finish?`,
      );
    }
    await sleep(intervalMs, io.signal);
  }
  io.stderr.write(`found ${file}\n`);
}

async function execute(cmd: Exclude<CliCommand, { kind: "help" } | { kind: "version" }>, io: CliIo): Promise<void> {
  const ref = parseReference(cmd.reference);
  const signalOpt = io.signal !== undefined ? { signal: io.signal } : {};
  if (cmd.kind === "push" && cmd.waitFor !== undefined) {
    await waitForFile(cmd.waitFor, cmd.waitIntervalMs, cmd.waitTimeoutMs, io);
  }
  const client = new OciRegistryClient({
    credentials: credentialsFrom(cmd.dockerConfig),
    plainHttp: cmd.plainHttp,
    onProgress: progressPrinter(io.stderr),
  });
  try {
    if (cmd.kind === "push") {
      const result = cmd.adapter
        ? await pushAdapterImage(client, cmd.paths[0] as string, ref, {
            annotations: cmd.annotations,
            ...(cmd.modelName !== undefined ? { modelName: cmd.modelName } : {}),
            extraTags: cmd.tags,
            ...signalOpt,
          })
        : await pushOrasArtifact(client, cmd.paths, ref, {
            annotations: cmd.annotations,
            ...(cmd.artifactType !== undefined ? { artifactType: cmd.artifactType } : {}),
            extraTags: cmd.tags,
            ...signalOpt,
          });
      io.stderr.write(`pushed ${formatReference(ref)} (${[ref.tag, ...cmd.tags].filter(Boolean).join(", ")})\n`);
      io.stdout.write(`${result.digest}\n`);
      return;
    }
    if (cmd.adapter) {
      const r = await extractAdapterImage(client, ref, cmd.target, signalOpt);
      io.stderr.write(`extracted adapter ${r.files.join(", ")} into ${cmd.target}\n`);
      io.stdout.write(`${r.digest}\n`);
    } else {
      const r = await pullOrasArtifact(client, ref, cmd.target, signalOpt);
      io.stderr.write(`pulled ${r.files.length} file(s) into ${cmd.target}\n`);
      io.stdout.write(`${r.digest}\n`);
    }
  } finally {
    client.close();
  }
}

/**
 * Runs `kaito-publish` with the given arguments and returns its exit code. Errors are printed as one
 * `kaito-publish: error: …` line (with the error code), never with secrets.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let cmd: CliCommand;
  try {
    cmd = parseCli(argv);
  } catch (e) {
    io.stderr.write(`kaito-publish: error: ${(e as Error).message}\n`);
    return EXIT.usage;
  }
  if (cmd.kind === "help") {
    io.stdout.write(HELP);
    return cmd.topic === undefined || cmd.topic === "push" || cmd.topic === "pull" ? EXIT.ok : EXIT.usage;
  }
  if (cmd.kind === "version") {
    io.stdout.write(`${await version()}\n`);
    return EXIT.ok;
  }
  try {
    await execute(cmd, io);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`kaito-publish: error: ${e.message}\n`);
      return EXIT.usage;
    }
    if (isOciRegistryError(e)) {
      io.stderr.write(`kaito-publish: error [${e.code}]: ${e.message}\n`);
      return exitCodeFor(e.code);
    }
    io.stderr.write(`kaito-publish: error: ${(e as Error).message ?? String(e)}\n`);
    return EXIT.failure;
  }
}
