/**
 * Runs a built image's command the way a container runtime would: ENTRYPOINT + CMD (or a command override, like a
 * pod's `command`/`args`), as the image's USER (through `setpriv` when this process is root), with the image's ENV,
 * in its WORKDIR, HOME `/nonexistent` for a non-root user — paths inside the image mapped into the stage's folder.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { imagePath, mapImagePath, type StageConfig } from "./build.ts";
import { RehearsalError } from "./errors.ts";

/** A pod-style override: `command` replaces ENTRYPOINT (and drops CMD), `args` replaces CMD. */
export interface CommandOverride {
  /** Replaces ENTRYPOINT. */
  readonly command?: readonly string[];
  /** Replaces CMD. */
  readonly args?: readonly string[];
}

/** The argv the image runs, in image paths: Kubernetes' rules for command/args over ENTRYPOINT/CMD. */
export function imageArgv(config: StageConfig, override: CommandOverride = {}): string[] {
  if (override.command === undefined && config.entrypoint?.[0] === "docker-entrypoint.sh") {
    throw new RehearsalError(
      "SMOKE_FAILED",
      "the image keeps the node base image's ENTRYPOINT (docker-entrypoint.sh), which the rehearsal does not model; set ENTRYPOINT",
    );
  }
  const entry = override.command ?? config.entrypoint ?? [];
  const args = override.args ?? (override.command !== undefined ? [] : (config.cmd ?? []));
  const argv = [...entry, ...args];
  if (argv.length === 0) throw new RehearsalError("SMOKE_FAILED", "the image has neither ENTRYPOINT nor CMD");
  return argv;
}

/**
 * Maps an argv from image paths to this machine: an absolute path whose first folder exists in the image's folder
 * is mapped into it; other absolute paths (`/bin/sh`) are the base image's and stay; a bare argv[0] is looked up on
 * the image's PATH inside its folder, and `node` is this machine's Node.
 */
export function mapArgv(argv: readonly string[], config: StageConfig, nodeBinDir: string, mapPaths = true): string[] {
  const inImage = (p: string) => {
    const first = p.split("/")[1];
    return first !== undefined && first !== "" && existsSync(join(config.root, first));
  };
  return argv.map((a, i) => {
    if (a.startsWith("/")) return mapPaths && inImage(a) ? mapImagePath(config.root, a) : a;
    if (i === 0 && !a.includes("/")) {
      if (a === "node") return join(nodeBinDir, "node");
      for (const dir of imagePath(config)) {
        const candidate = mapImagePath(config.root, `${dir}/${a}`);
        if (existsSync(candidate)) return candidate;
      }
    }
    return a;
  });
}

/**
 * The argv to run on this machine: ENTRYPOINT and CMD from the image with their image paths mapped; a command or
 * args given as an override are this machine's already (paths of mounted test files), only a bare argv[0] is looked up.
 */
export function hostArgv(config: StageConfig, nodeBinDir: string, override: CommandOverride = {}): string[] {
  const argv = imageArgv(config, override);
  const entryLength = (override.command ?? config.entrypoint ?? []).length;
  const entry = mapArgv(argv.slice(0, entryLength), config, nodeBinDir, override.command === undefined);
  const args = argv.slice(entryLength);
  const argsFromImage = override.args === undefined && override.command === undefined;
  const mappedArgs =
    entry.length === 0
      ? mapArgv(args, config, nodeBinDir, argsFromImage)
      : argsFromImage
        ? mapArgv(["", ...args], config, nodeBinDir).slice(1)
        : args;
  return [...entry, ...mappedArgs];
}

/**
 * Commands of Debian bookworm's essential packages, which `node:*-bookworm-slim` has on its PATH: a container run
 * sees only these from the host (linked into one folder), so a command the slim image lacks (openssl, curl, git)
 * fails in the rehearsal as it would in the image.
 */
export const BASE_TOOLS = [
  "sh",
  "dash",
  "bash",
  "env",
  "cat",
  "ls",
  "tr",
  "head",
  "tail",
  "mkdir",
  "rm",
  "rmdir",
  "cp",
  "mv",
  "ln",
  "chmod",
  "sleep",
  "kill",
  "echo",
  "printf",
  "test",
  "[",
  "true",
  "false",
  "grep",
  "sed",
  "id",
  "uname",
  "date",
  "touch",
  "find",
  "xargs",
  "sort",
  "uniq",
  "wc",
  "cut",
  "basename",
  "dirname",
  "readlink",
  "tar",
  "gzip",
  "ps",
] as const;

/** A folder with links to the host's {@link BASE_TOOLS} (made once, beside the image's folder). */
export function baseToolsDir(config: StageConfig): string {
  const dir = join(dirname(config.root), "base-tools");
  if (existsSync(dir)) return dir;
  mkdirSync(dir, { recursive: true });
  for (const tool of BASE_TOOLS) {
    const found = ["/usr/bin", "/bin"].map((d) => join(d, tool)).find((p) => existsSync(p));
    if (found !== undefined) symlinkSync(found, join(dir, tool));
  }
  return dir;
}

/** The environment of the container: the image's ENV, its PATH mapped (with {@link baseToolsDir}), HOME. */
export function imageEnv(config: StageConfig, nodeBinDir: string, extra: Record<string, string> = {}) {
  const env: Record<string, string> = {};
  for (const [k, v] of config.env) env[k] = v;
  env.PATH = [
    ...imagePath(config).flatMap((p) =>
      p === "/usr/local/bin" ? [mapImagePath(config.root, p), nodeBinDir] : [mapImagePath(config.root, p)],
    ),
    baseToolsDir(config),
  ]
    .filter((p, i, all) => all.indexOf(p) === i)
    .join(":");
  env.HOME = config.user.uid === 0 ? mapImagePath(config.root, "/root") : "/nonexistent";
  return { ...env, ...extra };
}

/** What a run printed and how it ended. */
export interface RunResult {
  /** The argv, as run on this machine. */
  readonly argv: readonly string[];
  /** Exit status (null: killed by a signal). */
  readonly status: number | null;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
}

/** A running container: its process, and its result once it exits. */
export interface RunningImage {
  /** The process (send it SIGTERM as the kubelet would). */
  readonly child: ChildProcess;
  /** Output so far. */
  output(): { readonly stdout: string; readonly stderr: string };
  /** Resolves when it exits. */
  readonly done: Promise<RunResult>;
}

/** Options of a run. */
export interface RunOptions {
  /** Kill after this long (default 120 s). */
  readonly timeoutMs?: number;
  /** Extra environment (a pod's `env`). */
  readonly env?: Record<string, string>;
}

/** The host's `name` found on this process's PATH (the container's PATH does not have the host's tools). */
export function hostCommand(name: string): string {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir !== "" && existsSync(join(dir, name))) return join(dir, name);
  }
  for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]) if (existsSync(join(dir, name))) return join(dir, name);
  throw new RehearsalError(
    "SMOKE_FAILED",
    `${name} is not installed; the rehearsal needs it to run the image as its USER`,
  );
}

/** Starts the image with an override, as its USER; see {@link runImage} to wait for it. */
export function startImage(
  config: StageConfig,
  nodeBinDir: string,
  override: CommandOverride = {},
  opts: RunOptions = {},
): RunningImage {
  const argv = hostArgv(config, nodeBinDir, override);
  const { uid, gid } = config.user;
  const switchUser = process.getuid?.() === 0 && uid !== 0;
  const [cmd, ...args] = switchUser
    ? [hostCommand("setpriv"), `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--", ...argv]
    : argv;
  const child = spawn(cmd as string, args, {
    cwd: mapImagePath(config.root, config.workdir),
    env: imageEnv(config, nodeBinDir, opts.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
  const done = new Promise<RunResult>((resolvePromise, reject) => {
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new RehearsalError("SMOKE_FAILED", `could not start ${argv.join(" ")}: ${e.message}`, { cause: e }));
    });
    child.once("close", (status) => {
      clearTimeout(timer);
      resolvePromise({ argv, status, stdout, stderr });
    });
  });
  return { child, output: () => ({ stdout, stderr }), done };
}

/** Runs the image with an override; resolves when it exits (killed after `timeoutMs`). */
export function runImage(
  config: StageConfig,
  nodeBinDir: string,
  override: CommandOverride = {},
  opts: RunOptions = {},
): Promise<RunResult> {
  return startImage(config, nodeBinDir, override, opts).done;
}
