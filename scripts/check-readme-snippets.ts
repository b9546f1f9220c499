/**
 * Type-checks the TypeScript examples (```ts blocks) of every package README against the packages' sources, so a
 * README cannot drift from the API it shows. Each block is written as a module inside its package (so that it
 * imports the package by name), checked with the repository's compiler options, then removed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const files: string[] = [];
const dirs: string[] = [];
for (const pkg of readdirSync(join(root, "packages")).sort()) {
  const readme = join(root, "packages", pkg, "README.md");
  if (!existsSync(readme)) continue;
  const blocks = [...readFileSync(readme, "utf8").matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
  if (blocks.length === 0) continue;
  const dir = join(root, "packages", pkg, ".readme-snippets");
  mkdirSync(dir, { recursive: true });
  dirs.push(dir);
  blocks.forEach((code, i) => {
    const file = join(dir, `readme-${i + 1}.ts`);
    writeFileSync(file, `${code}\nexport {};\n`);
    files.push(file);
  });
}
const tsconfig = join(root, ".readme-snippets.tsconfig.json");
writeFileSync(
  tsconfig,
  JSON.stringify({ extends: "./tsconfig.base.json", compilerOptions: { noEmit: true, noUnusedLocals: false }, files }),
);
try {
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", tsconfig], { cwd: root, stdio: "pipe" });
  console.log(`README examples type-check: ${files.length} blocks in ${dirs.length} packages`);
} catch (error) {
  const out = String((error as { stdout?: Buffer }).stdout ?? error);
  console.error(`README examples do not type-check:\n${out.replaceAll(`${root}/`, "")}`);
  process.exitCode = 1;
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  rmSync(tsconfig, { force: true });
}
