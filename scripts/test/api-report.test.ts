import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkReports, findEntries, lineDiff, renderReports, UPDATE_COMMAND, writeReports } from "../api-report.ts";

const script = join(import.meta.dirname, "..", "api-report.ts");
let roots: string[] = [];
afterEach(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  roots = [];
});

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** A one-package monorepo (`@kaito-ts/demo` with a `"."` and a `"./extra"` entry) in a temp dir. */
function tree(index: string): string {
  const root = mkdtempSync(join(tmpdir(), "api-report-"));
  roots.push(root);
  write(
    root,
    "tsconfig.base.json",
    JSON.stringify({
      compilerOptions: {
        target: "ES2023",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        allowImportingTsExtensions: true,
        noEmit: true,
        lib: ["ES2023"],
        types: [],
      },
    }),
  );
  write(
    root,
    "packages/demo/package.json",
    JSON.stringify({
      name: "@kaito-ts/demo",
      type: "module",
      exports: {
        ".": { "@kaito-ts/source": "./src/index.ts", default: "./dist/index.js" },
        "./extra": { "@kaito-ts/source": "./src/extra.ts", default: "./dist/extra.js" },
        "./internal/*": null,
        "./package.json": "./package.json",
      },
    }),
  );
  write(root, "packages/demo/src/index.ts", index);
  write(root, "packages/demo/src/extra.ts", "/** Extra. */\nexport const EXTRA = 1 as const;\n");
  return root;
}

const source = `
import { helper } from "./helper.ts";
/** A greeting. */
export function greet(name: string, times = 1): string {
  return helper(name).repeat(times);
}
/** Overloaded. */
export function pick(x: string): string;
export function pick(x: number): number;
export function pick(x: string | number): string | number {
  return x;
}
/** Options. */
export interface Options {
  /** The name. */
  readonly name: string;
  readonly retries?: number;
}
/** A class. */
export class Greeter {
  readonly prefix: string;
  #secret = 1;
  private hidden = 2;
  constructor(prefix: string) {
    this.prefix = prefix;
  }
  hello(o: Options): string {
    return this.prefix + o.name + this.#secret + this.hidden;
  }
}
/** Inferred. */
export const LIMITS = { max: 3, names: ["a", "b"] } as const;
/**
 * Only for a sibling package.
 * @internal
 */
export const TUNING = 5;
export type Mode = "a" | "b";
`;

describe("scripts/api-report.ts", () => {
  it("lists every export of every entry with its signature, without bodies, privates or comments", () => {
    const root = tree(source);
    write(root, "packages/demo/src/helper.ts", 'export const helper = (s: string) => "hi " + s;\n');
    const entries = findEntries(root);
    expect(entries.map((e) => [e.subpath, e.report])).toEqual([
      [".", "packages/demo/api/index.api.md"],
      ["./extra", "packages/demo/api/extra.api.md"],
    ]);
    const reports = renderReports(root, entries);
    const index = reports.get("packages/demo/api/index.api.md") ?? "";
    expect(index).toContain("# API report: `@kaito-ts/demo`");
    expect(index).toContain("7 exports.");
    expect(index).toContain("export function greet(name: string, times?: number): string;");
    expect(index).toContain("export function pick(x: string): string;\n\nexport function pick(x: number): number;");
    expect(index).not.toContain("string | number): string | number");
    expect(index).toContain(
      "export interface Options {\n    readonly name: string;\n    readonly retries?: number;\n}",
    );
    expect(index).toContain(
      "export class Greeter {\n    readonly prefix: string;\n    constructor(prefix: string);\n    hello(o: Options): string;\n}",
    );
    expect(index).toContain('export const LIMITS: { readonly max: 3; readonly names: readonly ["a", "b"]; };');
    expect(index).toContain("/** @internal */\nexport const TUNING: 5;");
    expect(index).toContain('export type Mode = "a" | "b";');
    expect(index).not.toMatch(/hidden|#secret|The name|return |helper/);
    expect(reports.get("packages/demo/api/extra.api.md")).toContain("export const EXTRA: 1;");
    // Sorted by name, and the same text on every run.
    const names = [...index.matchAll(/^export (?:function|interface|class|const|type) (\w+)/gm)].map((m) => m[1]);
    expect(names).toEqual(["Greeter", "LIMITS", "Mode", "Options", "TUNING", "greet", "pick", "pick"]);
    expect(renderReports(root, entries)).toEqual(reports);
  });

  it("check mode: passes when the reports match, fails with a diff and the update command when the surface changed", () => {
    const root = tree(source);
    write(root, "packages/demo/src/helper.ts", "export const helper = (s: string) => s;\n");
    // No reports yet: both are missing.
    const entries = findEntries(root);
    const missing = checkReports(root, renderReports(root, entries));
    expect(missing.changed.map((c) => [c.report, c.before])).toEqual([
      ["packages/demo/api/index.api.md", ""],
      ["packages/demo/api/extra.api.md", ""],
    ]);
    // Update, then check (the command, as `pnpm test` runs it): clean.
    writeReports(root, renderReports(root, entries));
    const clean = spawnSync(process.execPath, [script, root], { encoding: "utf8" });
    expect(clean.stderr).toBe("");
    expect(clean.status).toBe(0);
    // A changed signature fails the check, naming the report and showing the lines.
    write(root, "packages/demo/src/index.ts", source.replace("times = 1", "times: number"));
    const changed = spawnSync(process.execPath, [script, root], { encoding: "utf8" });
    expect(changed.status).toBe(1);
    expect(changed.stderr).toContain("packages/demo/api/index.api.md: the public surface changed");
    expect(changed.stderr).toContain("-export function greet(name: string, times?: number): string;");
    expect(changed.stderr).toContain("+export function greet(name: string, times: number): string;");
    expect(changed.stderr).toContain(`run \`${UPDATE_COMMAND}\``);
    // A body-only change is not a surface change.
    write(root, "packages/demo/src/index.ts", source.replace("return x;", "return typeof x === 'string' ? x : x;"));
    expect(checkReports(root, renderReports(root, entries))).toEqual({ changed: [], stale: [] });
  });

  it("finds reports of entries that no longer exist, and writeReports removes them", () => {
    const root = tree("export const A = 1;\n");
    const reports = renderReports(root, findEntries(root));
    writeReports(root, reports);
    write(root, "packages/demo/api/gone.api.md", "old\n");
    expect(checkReports(root, reports)).toEqual({ changed: [], stale: ["packages/demo/api/gone.api.md"] });
    expect(writeReports(root, reports)).toEqual(["packages/demo/api/gone.api.md"]);
    expect(existsSync(join(root, "packages/demo/api/gone.api.md"))).toBe(false);
    expect(readFileSync(join(root, "packages/demo/api/index.api.md"), "utf8")).toContain("export const A: 1;");
  });

  it("diffs by lines with context", () => {
    const before = ["a", "b", "c", "d", "e", "f", "g", "h"].join("\n");
    const after = ["a", "b", "c", "d", "E", "f", "g", "h", "i"].join("\n");
    expect(lineDiff(before, after, "r.md").split("\n")).toEqual([
      "--- r.md (checked in)",
      "+++ r.md (from the sources)",
      "@@ line 5 @@",
      " b",
      " c",
      " d",
      "-e",
      "+E",
      " f",
      " g",
      " h",
      "+i",
    ]);
  });
});
