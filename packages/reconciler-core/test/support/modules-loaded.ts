/**
 * Which modules a fresh Node process loads when it imports the given specifiers — for tests that keep a heavy
 * dependency out of an entry point's runtime graph (e.g. client-node out of an in-cluster process). The child records
 * every module through Node's synchronous module hooks, resolving with the `@kaito-ts/source` condition from `cwd`.
 */
import { spawnSync } from "node:child_process";

/** The URLs of every module loaded by importing `specifiers` (in order) from `cwd`; throws with the child's stderr. */
export function modulesLoaded(cwd: string, specifiers: readonly string[]): string[] {
  const script = `
    import { registerHooks } from "node:module";
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    for (const s of ${JSON.stringify(specifiers)}) await import(s);
    console.log(JSON.stringify(loaded));
  `;
  const out = spawnSync(process.execPath, ["--conditions=@kaito-ts/source", "--input-type=module", "-e", script], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (out.status !== 0 || out.stderr !== "") {
    throw new Error(`importing ${specifiers.join(", ")} from ${cwd} failed (exit ${out.status}): ${out.stderr}`);
  }
  return JSON.parse(out.stdout) as string[];
}

/** True for a module URL of `@kubernetes/client-node` (npm or pnpm layout). */
export const isClientNodeModule = (url: string): boolean => /@kubernetes[+/]client-node/.test(url);
