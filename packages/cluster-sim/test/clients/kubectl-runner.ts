/** Runs the real `kubectl` against a cluster-sim kubeconfig with a private discovery/HTTP cache. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubectlPath } from "@kaito-ts/envtest";
import { parse } from "yaml";
import type { KubeObject } from "../../src/index.ts";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A kubectl bound to one kubeconfig and one cache dir. */
export interface Kubectl {
  run(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Runs and fails with the output when the exit code is not 0. */
  ok(args: string[], options?: { input?: string }): Promise<string>;
  spawn(args: string[]): ChildProcess;
  cacheDir: string;
}

export function kubectlFor(kubeconfigPath: string): Kubectl {
  const cacheDir = mkdtempSync(join(tmpdir(), "kubectl-cache-"));
  const base = ["--kubeconfig", kubeconfigPath, "--cache-dir", cacheDir];
  const env = { ...process.env, KUBECONFIG: kubeconfigPath, HOME: cacheDir, KUBECTL_KUBERC: "false" };
  const run = (args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> =>
    new Promise((resolve) => {
      const child = execFile(
        kubectlPath(),
        [...base, ...args],
        { env, timeout: options.timeoutMs ?? 25_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
      else child.stdin?.end();
    });
  return {
    cacheDir,
    run,
    async ok(args, options) {
      const r = await run(args, options);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    },
    spawn(args) {
      return spawn(kubectlPath(), [...base, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    },
  };
}

/** Reads a YAML fixture as an object. */
export function fixture(name: string): KubeObject {
  return parse(readFileSync(join(import.meta.dirname, "..", "fixtures", name), "utf8")) as KubeObject;
}

/** The path of a fixture file. */
export function fixturePath(name: string): string {
  return join(import.meta.dirname, "..", "fixtures", name);
}

/** Polls until `fn` returns a truthy value (or fails after `timeoutMs`). */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<NonNullable<T>> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A top-level member of an object (`spec`, `status`, `data`, ...) as a record, `{}` when absent. */
export function part(obj: KubeObject | undefined, key: string): Record<string, unknown> {
  const v = obj?.[key];
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
}
