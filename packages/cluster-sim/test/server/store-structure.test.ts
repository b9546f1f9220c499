/** The store's shape stays as src/store/README.md describes it: no import cycle, and every module has a row there. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const storeDir = join(dirname(fileURLToPath(import.meta.url)), "../../src/store");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** Relative imports and re-exports of a file (type-only ones included: a cycle of types is still a knot to untie). */
function localImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+)";/gms))
    out.push(normalize(join(dirname(file), m[1] ?? "")));
  return out;
}

/** Every import cycle among `files`, as `a.ts -> b.ts -> a.ts` (paths relative to src/store). */
function importCycles(files: string[], importsOf: (file: string) => string[] = localImports): string[] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((d) => files.includes(d))]));
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, "open");
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === "open")
        cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(storeDir, x)).join(" -> "));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

describe("src/store", () => {
  const files = tsFiles(storeDir);

  it("has no import cycle", () => {
    expect(files.length).toBeGreaterThan(20);
    expect(importCycles(files)).toEqual([]);
  });

  it("finds a cycle when there is one (the check can fail)", () => {
    const store = join(storeDir, "memory-store.ts");
    const engine = join(storeDir, "engine.ts");
    // memory-store imports engine; pretend engine imported memory-store back
    const backEdge = (f: string): string[] => (f === engine ? [...localImports(f), store] : localImports(f));
    const cycles = importCycles(files, backEdge);
    expect(cycles).toHaveLength(1);
    expect(new Set(cycles[0]?.split(" -> "))).toEqual(new Set(["engine.ts", "memory-store.ts"]));
  });

  it("maps every module in its README", () => {
    const readme = readFileSync(join(storeDir, "README.md"), "utf8");
    for (const f of files) {
      const rel = relative(storeDir, f);
      expect(readme.includes(`\`${rel}\``), `src/store/README.md: add a row for ${rel}`).toBe(true);
    }
  });
});
