/**
 * `pnpm bench`: runs every package benchmark (`packages/<pkg>/bench/*.bench.ts`) one after another, each in its own
 * process, and prints their figures. Benchmarks report ratios against baselines measured in the same run; they are
 * not tests. `pnpm bench <pkg> …` runs only the named packages.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const only = process.argv.slice(2);
let failures = 0;
for (const pkg of readdirSync(join(root, "packages")).sort()) {
  if (only.length > 0 && !only.includes(pkg)) continue;
  const dir = join(root, "packages", pkg, "bench");
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".bench.ts"))
    .sort()) {
    console.log(`\n=== @kaito-ts/${pkg} ${file}`);
    const r = spawnSync(process.execPath, ["--conditions=@kaito-ts/source", "--expose-gc", join(dir, file)], {
      cwd: root,
      stdio: "inherit",
    });
    if (r.status !== 0) {
      failures++;
      console.log(`!!! ${file} exited with ${r.status ?? r.signal}`);
    }
  }
}
process.exitCode = failures > 0 ? 1 : 0;
