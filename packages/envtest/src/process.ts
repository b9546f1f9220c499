/**
 * Child processes of a control plane: each component runs in its own process group with stdout and stderr in a log
 * file; a detached watchdog kills those groups and removes the instance folder when this process dies (however it
 * dies: `stop()` not called, a crash, `kill -9`, Ctrl-C); and an `exit` hook does the same synchronously on a normal
 * exit.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { EnvtestError } from "./errors.ts";

/** How a component ended. */
export interface ExitInfo {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  /** The signal that ended it, if any. */
  readonly signal: NodeJS.Signals | null;
  /** A spawn error (binary not executable, …), if that is why. */
  readonly error?: Error;
}

/** A running component. */
export interface Component {
  /** Its name (`etcd`, `kube-apiserver`, …). */
  readonly name: string;
  /** Its process id (also its process group id). */
  readonly pid: number;
  /** The file with its stdout and stderr. */
  readonly logPath: string;
  /** Resolves when it exits. */
  readonly exited: Promise<ExitInfo>;
  /** How it ended, once it has. */
  exitInfo(): ExitInfo | undefined;
  /** Kills its process group with SIGKILL and waits for the exit. */
  kill(): Promise<void>;
}

/** The last `lines` lines of a file ("" when it cannot be read). */
export function tailFile(path: string, lines = 15): string {
  try {
    const text = readFileSync(path, "utf8").trimEnd();
    return text.split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** Says how a component ended, for messages. */
export function describeExit(info: ExitInfo): string {
  if (info.error !== undefined) return `could not be started (${info.error.message})`;
  return info.signal !== null ? `was killed by ${info.signal}` : `exited with code ${info.code}`;
}

/**
 * Starts `binary` in its own process group, output appended to `logPath`, and records its pid in `pidsFile` (read by
 * the watchdog).
 */
export function startComponent(spec: {
  name: string;
  binary: string;
  args: readonly string[];
  logPath: string;
  pidsFile: string;
  env?: NodeJS.ProcessEnv;
}): Component {
  const fd = openSync(spec.logPath, "a");
  let child: ChildProcess;
  try {
    child = spawn(spec.binary, spec.args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: spec.env ?? process.env,
    });
  } finally {
    closeSync(fd);
  }
  let info: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("error", (error) => {
      info ??= { code: null, signal: null, error };
      resolve(info);
    });
    child.once("exit", (code, signal) => {
      info ??= { code, signal };
      resolve(info);
    });
  });
  child.unref();
  const pid = child.pid ?? -1;
  if (pid > 0) appendFileSync(spec.pidsFile, `${pid}\n`);
  return {
    name: spec.name,
    pid,
    logPath: spec.logPath,
    exited,
    exitInfo: () => info,
    async kill() {
      if (info === undefined && pid > 0) {
        // keep the event loop alive until the exit is seen (the child is unref'd while it runs)
        child.ref();
        killGroup(pid);
      }
      await exited;
    },
  };
}

/** SIGKILLs the process group `pgid`; ignores a group that is already gone. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
}

// The watchdog reads its stdin, a pipe whose only writer is this process: when this process dies, the kernel closes
// the pipe, `read` returns, and it kills every recorded process group and removes the folder. `stop()` removes the
// folder first and then closes the pipe, so the watchdog then finds nothing to do.
const WATCHDOG = `read _ignored
dir="$1"
if [ -f "$dir/pids" ]; then
  for p in $(cat "$dir/pids"); do kill -9 -- "-$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
fi
rm -rf "$dir"
`;

/** A started watchdog for one instance folder. */
export interface Watchdog {
  /** Its process id. */
  readonly pid: number;
  /** Lets it exit (call after the folder and the processes are gone). */
  release(): void;
}

/** Starts the watchdog of `dir` (a detached `sh`, in its own process group so Ctrl-C does not reach it). */
export function startWatchdog(dir: string): Watchdog {
  const child = spawn("sh", ["-c", WATCHDOG, "kaito-envtest-watchdog", dir], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  child.unref();
  // The pipe must not keep this process alive; it only has to be open while we live.
  child.stdin?.on("error", () => {});
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    pid: child.pid ?? -1,
    release() {
      child.stdin?.end();
    },
  };
}

interface LiveInstance {
  readonly dir: string;
  readonly pgids: () => readonly number[];
}

const live = new Set<LiveInstance>();
let exitHookInstalled = false;

/** Registers an instance to be torn down synchronously if the process exits before its `stop()`. */
export function trackInstance(instance: LiveInstance): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const i of live) {
        for (const pgid of i.pgids()) killGroup(pgid);
        if (existsSync(i.dir)) rmSync(i.dir, { recursive: true, force: true });
      }
    });
  }
  live.add(instance);
  return () => live.delete(instance);
}

/** An `EnvtestError` for a component that ended while starting: names the log and quotes its last lines. */
export function exitedError(component: Component, info: ExitInfo, logPath = component.logPath): EnvtestError {
  const tail = tailFile(component.logPath);
  return new EnvtestError(
    "COMPONENT_EXITED",
    `${component.name} ${describeExit(info)} while starting; its log is ${logPath}${
      tail ? `; last lines:\n${indent(tail)}` : " (empty)"
    }`,
    { component: component.name, logPath, ...(info.error ? { cause: info.error } : {}) },
  );
}

/** Indents every line by two spaces. */
export function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
