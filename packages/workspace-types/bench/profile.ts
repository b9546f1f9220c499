/**
 * CPU profile of `validateWorkspace` (with lookups) over the benchmark workload, without the set-up (module
 * loading, workload generation) that a whole-process `--cpu-prof` would include.
 *
 *   node --conditions=@kaito-ts/source packages/workspace-types/bench/profile.ts [count] [out.cpuprofile]
 *
 * Prints the functions with the most self time; open the written profile in Chrome DevTools for the call tree.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateWorkspace } from "../src/index.ts";
import { catalogCtx, makeWorkspaces } from "./workload.ts";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const count = Number(process.argv[2] ?? 50_000);
const outFile = process.argv[3] ?? join(tmpdir(), "workspace-types-validate.cpuprofile");
const objs = makeWorkspaces(count);
for (let i = 0; i < Math.min(5000, count); i++) validateWorkspace(objs[i], catalogCtx); // warm-up, tier-up
(globalThis as { gc?: () => void }).gc?.();

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 100 });
await session.post("Profiler.start");
const c0 = process.cpuUsage();
for (let round = 0; round < 3; round++) for (const o of objs) validateWorkspace(o, catalogCtx);
const c = process.cpuUsage(c0);
const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: Profile };
session.disconnect();
writeFileSync(outFile, JSON.stringify(profile));

const selfTime = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const byFunction = new Map<string, number>();
let total = 0;
for (const node of profile.nodes) {
  const t = selfTime.get(node.id) ?? 0;
  total += t;
  const f = node.callFrame;
  const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + t);
}
console.log(
  `${3 * count} validations, ${Math.round((3 * count) / ((c.user + c.system) / 1e6))} per CPU-second (profiler on)`,
);
for (const [key, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
  console.log(`${((t / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}
console.log(`profile written to ${outFile}`);
