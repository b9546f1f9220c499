/**
 * Builds every package with tsup, then checks what would be published with publint (strict) and
 * @arethetypeswrong/cli (ESM-only profile). Prints one line per package and exits non-zero on any problem.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const packages = readdirSync(join(root, "packages")).sort();
const only = process.argv.slice(2);
let failed = 0;

function run(cmd: string, args: string[], cwd: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

for (const name of packages) {
  if (only.length > 0 && !only.includes(name)) continue;
  const dir = join(root, "packages", name);
  const steps: [string, string, string[]][] = [
    ["build", bin("tsup"), ["--silent"]],
    ["publint", bin("publint"), ["--strict"]],
    ["attw", bin("attw"), ["--pack", ".", "--profile", "esm-only", "--format", "table-flipped"]],
  ];
  const problems: string[] = [];
  for (const [label, cmd, args] of steps) {
    const r = run(cmd, args, dir);
    if (!r.ok) {
      problems.push(`${label} failed:\n${r.out.trim()}`);
      break;
    }
  }
  if (problems.length === 0) console.log(`@kaito-ts/${name}: build, publint, attw ok`);
  else {
    failed++;
    console.error(`@kaito-ts/${name}:\n${problems.join("\n")}`);
  }
}
if (failed > 0) {
  console.error(`${failed} package(s) failed the publish checks`);
  process.exit(1);
}
