/**
 * Builds every package with tsup, then checks what would be published with publint (strict) and
 * @arethetypeswrong/cli (ESM-only profile). Packages run in parallel, one per core; each prints one line, and the
 * script exits non-zero on any problem. `node scripts/publint-all.ts <pkg> …` checks only the named packages.
 */
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const only = process.argv.slice(2);
const packages = readdirSync(join(root, "packages"))
  .sort()
  .filter((name) => only.length === 0 || only.includes(name));

function run(cmd: string, args: string[], cwd: string): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      resolve({ ok: error === null, out: `${stdout}${stderr}` }),
    );
  });
}

async function check(name: string): Promise<string | undefined> {
  const dir = join(root, "packages", name);
  const steps: [string, string, string[]][] = [
    ["build", bin("tsup"), ["--silent"]],
    ["publint", bin("publint"), ["--strict"]],
    ["attw", bin("attw"), ["--pack", ".", "--profile", "esm-only", "--format", "table-flipped"]],
  ];
  for (const [label, cmd, args] of steps) {
    const r = await run(cmd, args, dir);
    if (!r.ok) return `${label} failed:\n${r.out.trim()}`;
  }
  return undefined;
}

const queue = [...packages];
let failed = 0;
async function worker(): Promise<void> {
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const problem = await check(name);
    if (problem === undefined) console.log(`@kaito-ts/${name}: build, publint, attw ok`);
    else {
      failed++;
      console.error(`@kaito-ts/${name}: ${problem}`);
    }
  }
}
await Promise.all(Array.from({ length: Math.max(1, availableParallelism()) }, worker));
if (failed > 0) {
  console.error(`${failed} package(s) failed the publish checks`);
  process.exit(1);
}
