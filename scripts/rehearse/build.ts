/**
 * Interprets a {@link ParsedDockerfile} without a Docker engine: each stage is built into its own folder (the
 * stage's `/`), COPY copies from the context folder or an earlier stage's folder, RUN runs `sh -c` in the mapped
 * WORKDIR with absolute paths mapped into the stage's folder, ENV/USER/EXPOSE/ENTRYPOINT/CMD are recorded in the
 * stage's config. Stand-ins, each announced in the log:
 *
 * - a `node:<major>-…` base image is this machine's Node of the same major (the `node` devDependency) plus an empty
 *   skeleton of the base image's folders (`/usr/local/bin`, `/tmp`, `/opt`, `/root`);
 * - `corepack …` steps are dropped and `pnpm` is a shim running `npx --yes pnpm@<the version corepack prepared>`
 *   (corepack's own download fails on these machines);
 * - RUN keeps the host's HOME, so pnpm reuses its store (like a BuildKit cache mount).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join, posix, relative } from "node:path";
import type { Instruction, ParsedDockerfile, Stage } from "./dockerfile.ts";
import { RehearsalError } from "./errors.ts";

/** The config of a built stage: what `docker inspect` would show, plus where its `/` is. */
export interface StageConfig {
  /** The stage's `/` on this machine. */
  readonly root: string;
  /** WORKDIR (an image path). */
  workdir: string;
  /** ENV, in order. */
  readonly env: Map<string, string>;
  /** USER. */
  user: { uid: number; gid: number };
  /** EXPOSE. */
  readonly exposed: string[];
  /** ENTRYPOINT (undefined: the base image's). */
  entrypoint?: readonly string[];
  /** CMD (undefined: the base image's). */
  cmd?: readonly string[];
}

/** How a RUN step is executed; injectable so the unit tests can watch what would run. */
export type RunStep = (step: {
  readonly command: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly uid: number;
  readonly gid: number;
  readonly line: number;
}) => { readonly status: number | null; readonly output?: string };

/** Options of {@link buildImage}. */
export interface BuildOptions {
  /** The build context folder (already filtered by `.dockerignore`). */
  readonly context: string;
  /** A folder for the stages (one sub-folder each) and the shims. */
  readonly workDir: string;
  /** The folder with the `node` binary standing in for the base image's. */
  readonly nodeBinDir: string;
  /** Where messages go. */
  readonly log: (line: string) => void;
  /** Runs a RUN step (default: `sh -c` with inherited output). */
  readonly run?: RunStep;
  /** The `npx` used by the pnpm shim (default: `npx` on PATH). */
  readonly npx?: string;
  /** HOME during RUN steps (default: this process's HOME). */
  readonly home?: string;
}

/** The result of a build: the final stage's config, and every stage's by index. */
export interface BuiltImage {
  /** The last stage: the image. */
  readonly final: StageConfig;
  /** All stages. */
  readonly stages: readonly StageConfig[];
}

/** The PATH of the node base images. */
export const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** The folders of a node base image that Dockerfiles commonly write into. */
export const BASE_SKELETON: readonly (readonly [string, number])[] = [
  ["usr/local/bin", 0o755],
  ["opt", 0o755],
  ["root", 0o700],
  ["tmp", 0o1777],
];
/** The host's system PATH, after the stage's own entries (sh, ln, chmod, git… of the base image). */
const HOST_SYSTEM_PATH = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"];

/** `/app/x` in a stage whose `/` is `root` → `<root>/app/x`. */
export function mapImagePath(root: string, imagePath: string): string {
  const normal = posix.normalize(posix.join("/", imagePath));
  return normal === "/" ? root : join(root, normal);
}

/** An image path relative to WORKDIR or absolute → absolute image path. */
export function resolveImagePath(workdir: string, path: string): string {
  return posix.normalize(path.startsWith("/") ? path : posix.join(workdir, path));
}

/**
 * Rewrites every absolute path in a shell command (a word starting with `/`, after a blank, `=` or a quote) into
 * the stage's folder: `ln -s /opt/x /usr/local/bin/x` → `ln -s <root>/opt/x <root>/usr/local/bin/x`.
 */
export function rewriteAbsolutePaths(command: string, root: string): string {
  return command.replace(/(^|[\s="'])(\/[\w.@+\-/]*)/g, (_, before: string, path: string) => {
    return `${before}${mapImagePath(root, path)}`;
  });
}

/** A RUN command with its corepack steps taken out. */
export interface CorepackPlan {
  /** The command without `corepack …` steps ("" when nothing else is left). */
  readonly command: string;
  /** The pnpm version `corepack prepare pnpm@<v>` named, if any. */
  readonly pnpmVersion?: string;
  /** True when a corepack step was removed. */
  readonly removed: boolean;
}

/** Splits a command on top-level `&&` (not inside quotes). */
function splitAnd(command: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "&" && command[i + 1] === "&") {
      parts.push(command.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  parts.push(command.slice(start));
  return parts.map((p) => p.trim());
}

/**
 * Takes the `corepack …` steps out of a RUN command (`corepack enable && corepack prepare pnpm@12.21.0 --activate`):
 * the rehearsal's pnpm shim replaces them. A corepack step anywhere but in a top-level `&&` chain is refused.
 */
export function withoutCorepack(command: string, at: string): CorepackPlan {
  if (!/\bcorepack\b/.test(command)) return { command, removed: false };
  const steps = splitAnd(command);
  let pnpmVersion: string | undefined;
  const kept: string[] = [];
  for (const step of steps) {
    if (/^corepack(\s|$)/.test(step)) {
      const m = /\bpnpm@(\d+\.\d+\.\d+\S*)/.exec(step);
      if (m !== null) pnpmVersion = m[1];
      continue;
    }
    if (/\bcorepack\b/.test(step)) {
      throw new RehearsalError(
        "UNSUPPORTED_INSTRUCTION",
        `${at}: corepack is used inside "${step}"; the rehearsal replaces only whole "corepack …" steps of an && chain`,
      );
    }
    kept.push(step);
  }
  return { command: kept.join(" && "), removed: true, ...(pnpmVersion !== undefined ? { pnpmVersion } : {}) };
}

/** The base images the rehearsal can stand in for: `node:<major>[-variant]` with this Node's major. */
export function checkBaseImage(image: string, nodeMajor: number, at: string): void {
  const m = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)(?:[.-][\w.-]*)?$/.exec(image);
  if (m === null) {
    throw new RehearsalError(
      "UNSUPPORTED_INSTRUCTION",
      `${at}: FROM ${image}: the rehearsal can only stand in for node:<major> images (with this machine's Node)`,
    );
  }
  if (Number(m[1]) !== nodeMajor) {
    throw new RehearsalError(
      "UNSUPPORTED_INSTRUCTION",
      `${at}: FROM ${image} asks for Node ${m[1]}, but the rehearsal runs Node ${nodeMajor} (the node devDependency); use node:${nodeMajor}-…`,
    );
  }
}

/** The stage's PATH entries (from ENV PATH or the base image's), as image paths. */
export function imagePath(config: StageConfig): string[] {
  return (config.env.get("PATH") ?? BASE_PATH).split(":").filter((p) => p.startsWith("/"));
}

/** Expands `$VAR` and `${VAR}` from the stage's ENV (and the base image's PATH), as Docker does in ENV values. */
export function expandEnv(value: string, env: ReadonlyMap<string, string>): string {
  return value.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    return env.get(name) ?? (name === "PATH" ? BASE_PATH : "");
  });
}

function defaultRun(step: Parameters<RunStep>[0]): ReturnType<RunStep> {
  const asUser = step.uid === 0 || process.getuid?.() !== 0 ? [] : [`--reuid=${step.uid}`, `--regid=${step.gid}`];
  const [cmd, args] =
    asUser.length === 0
      ? ["sh", ["-c", step.command]]
      : ["setpriv", [...asUser, "--clear-groups", "--", "sh", "-c", step.command]];
  const r = spawnSync(cmd as string, args as string[], {
    cwd: step.cwd,
    env: step.env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  return { status: r.status };
}

function writePnpmShim(dir: string, version: string, npx: string): void {
  mkdirSync(dir, { recursive: true });
  const shim = join(dir, "pnpm");
  writeFileSync(shim, `#!/bin/sh\nexec ${JSON.stringify(npx)} --yes pnpm@${version} "$@"\n`);
  chmodSync(shim, 0o755);
}

function copyStep(
  ins: Extract<Instruction, { kind: "COPY" }>,
  stage: StageConfig,
  at: string,
  opts: BuildOptions,
  stages: readonly StageConfig[],
  parsed: readonly Stage[],
): void {
  let fromRoot = opts.context;
  let fromLabel = "the build context";
  if (ins.from !== undefined) {
    const byName = parsed.find((s) => s.name === ins.from?.toLowerCase());
    const index = byName?.index ?? (/^\d+$/.test(ins.from) ? Number(ins.from) : undefined);
    const source = index !== undefined ? stages[index] : undefined;
    if (source === undefined) {
      throw new RehearsalError(
        "UNSUPPORTED_INSTRUCTION",
        `${at}: COPY --from=${ins.from} names no earlier stage; the rehearsal copies from stages only, not from images`,
      );
    }
    fromRoot = source.root;
    fromLabel = `stage ${ins.from}`;
  }
  const destImage = resolveImagePath(stage.workdir, ins.dest);
  const dest = mapImagePath(stage.root, destImage);
  const destIsDir =
    ins.dest.endsWith("/") || ins.sources.length > 1 || (existsSync(dest) && statSync(dest).isDirectory());
  for (const src of ins.sources) {
    const srcPath =
      ins.from !== undefined ? mapImagePath(fromRoot, src) : join(fromRoot, posix.normalize(posix.join("/", src)));
    if (ins.from === undefined && posix.normalize(src).startsWith("..")) {
      throw new RehearsalError("BUILD_FAILED", `${at}: COPY ${src}: a source outside the build context`);
    }
    if (!existsSync(srcPath)) {
      throw new RehearsalError(
        "BUILD_FAILED",
        `${at}: COPY ${src}: not found in ${fromLabel}` +
          (ins.from === undefined
            ? " (the context is the files git knows, minus .dockerignore: is it built on the host, or git- or docker-ignored?)"
            : ""),
      );
    }
    const isDir = statSync(srcPath).isDirectory();
    const target = isDir ? dest : destIsDir ? join(dest, basename(srcPath)) : dest;
    mkdirSync(isDir ? target : join(target, ".."), { recursive: true });
    cpSync(srcPath, target, { recursive: true, verbatimSymlinks: true, force: true });
  }
}

function runStep(
  ins: Extract<Instruction, { kind: "RUN" }>,
  stage: StageConfig,
  at: string,
  opts: BuildOptions,
  shimDir: string,
): void {
  const plan = withoutCorepack(ins.command, at);
  if (plan.removed) {
    if (plan.pnpmVersion === undefined) {
      throw new RehearsalError(
        "UNSUPPORTED_INSTRUCTION",
        `${at}: corepack without "corepack prepare pnpm@<version>": the rehearsal needs the pnpm version to pin`,
      );
    }
    writePnpmShim(shimDir, plan.pnpmVersion, opts.npx ?? "npx");
    opts.log(
      `${at}: corepack steps replaced by a pnpm shim running "npx --yes pnpm@${plan.pnpmVersion}" (corepack's download fails here)`,
    );
    if (plan.command === "") return;
  }
  const command = rewriteAbsolutePaths(plan.command, stage.root);
  const env: Record<string, string> = {};
  for (const [k, v] of stage.env) if (k !== "PATH") env[k] = v;
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(https?_proxy|no_proxy|all_proxy)$/i.test(k) && v !== undefined) env[k] = v;
  }
  env.PATH = [
    shimDir,
    opts.nodeBinDir,
    ...imagePath(stage).map((p) => mapImagePath(stage.root, p)),
    ...HOST_SYSTEM_PATH,
  ]
    .filter((p, i, all) => all.indexOf(p) === i)
    .join(":");
  env.HOME = opts.home ?? process.env.HOME ?? "/root";
  const cwd = mapImagePath(stage.root, stage.workdir);
  mkdirSync(cwd, { recursive: true });
  opts.log(`${at}: RUN ${plan.command.replace(/\s*\n\s*/g, " ")}`);
  const started = Date.now();
  const result = (opts.run ?? defaultRun)({
    command,
    cwd,
    env,
    uid: stage.user.uid,
    gid: stage.user.gid,
    line: ins.line,
  });
  if (result.status !== 0) {
    throw new RehearsalError(
      "BUILD_FAILED",
      `${at}: RUN exited with ${result.status ?? "a signal"}${result.output ? `:\n${result.output}` : ""}`,
    );
  }
  opts.log(`${at}: RUN done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Builds every stage of `parsed` under `opts.workDir`; the last stage's config describes the image. */
export function buildImage(parsed: ParsedDockerfile, opts: BuildOptions): BuiltImage {
  const nodeMajor = Number(process.versions.node.split(".")[0]);
  const shimDir = join(opts.workDir, "shims");
  const stages: StageConfig[] = [];
  for (const stage of parsed.stages) {
    const isFinal = stage.index === parsed.stages.length - 1;
    const label = stage.name ?? (isFinal ? "final" : `stage-${stage.index}`);
    const root = isFinal ? join(opts.workDir, "final") : mkdtempSync(join(opts.workDir, `${label}-`));
    mkdirSync(root, { recursive: true });
    chmodSync(root, 0o755);
    const at = `${parsed.file}:${stage.from.line}`;
    const previous = parsed.stages.find((s) => s.name !== undefined && s.name === stage.from.image.toLowerCase());
    let config: StageConfig;
    if (previous !== undefined) {
      const base = stages[previous.index] as StageConfig;
      cpSync(base.root, root, { recursive: true, verbatimSymlinks: true });
      config = { ...base, root, env: new Map(base.env), exposed: [...base.exposed], user: { ...base.user } };
      opts.log(`${at}: FROM ${stage.from.image} (stage ${label}, from the earlier stage)`);
    } else {
      checkBaseImage(stage.from.image, nodeMajor, at);
      for (const [dir, mode] of BASE_SKELETON) {
        mkdirSync(join(root, dir), { recursive: true });
        chmodSync(join(root, dir), mode);
      }
      config = {
        root,
        workdir: "/",
        env: new Map(),
        user: { uid: 0, gid: 0 },
        exposed: [],
        entrypoint: ["docker-entrypoint.sh"],
        cmd: ["node"],
      };
      opts.log(
        `${at}: FROM ${stage.from.image} (stage ${label}) — stood in for by this machine's Node ${process.versions.node} (${opts.nodeBinDir}) and an empty base skeleton`,
      );
    }
    for (const ins of stage.instructions) {
      const where = `${parsed.file}:${ins.line}`;
      switch (ins.kind) {
        case "WORKDIR":
          config.workdir = resolveImagePath(config.workdir, ins.path);
          mkdirSync(mapImagePath(root, config.workdir), { recursive: true, mode: 0o755 });
          break;
        case "COPY":
          copyStep(ins, config, where, opts, stages, parsed.stages);
          opts.log(
            `${where}: COPY ${ins.from !== undefined ? `--from=${ins.from} ` : ""}${ins.sources.join(" ")} ${ins.dest}`,
          );
          break;
        case "RUN":
          runStep(ins, config, where, opts, shimDir);
          break;
        case "ENV":
          for (const [k, v] of ins.vars) config.env.set(k, expandEnv(v, config.env));
          break;
        case "USER":
          config.user = { uid: ins.uid, gid: ins.gid };
          break;
        case "EXPOSE":
          config.exposed.push(...ins.ports);
          break;
        case "ENTRYPOINT":
          config.entrypoint = ins.argv;
          // Docker: setting ENTRYPOINT clears a CMD inherited from the base image.
          if (!stage.instructions.some((i) => i.kind === "CMD" && i.line < ins.line)) config.cmd = [];
          break;
        case "CMD":
          config.cmd = ins.argv;
          break;
      }
    }
    stages.push(config);
  }
  return { final: stages.at(-1) as StageConfig, stages };
}

/** `<root>/x/y` → `/x/y` (for messages about files of a stage). */
export function imagePathOf(root: string, hostPath: string): string {
  return `/${relative(root, hostPath).split("\\").join("/")}`;
}

/** Removes a work folder (best effort). */
export function removeWorkDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
