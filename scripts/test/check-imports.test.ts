import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkImports, DEV_ONLY, formatViolation, RULES } from "../check-imports.ts";

const script = join(import.meta.dirname, "..", "check-imports.ts");
let roots: string[] = [];
afterEach(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  roots = [];
});

/** Writes a monorepo in a temp dir: one package.json per package (with the usual exports map) plus the given files. */
function tree(files: Record<string, string>, packages: readonly string[] = Object.keys(RULES)): string {
  const root = mkdtempSync(join(tmpdir(), "check-imports-"));
  roots.push(root);
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  for (const name of packages) {
    const exports: Record<string, unknown> = {
      ".": { "@kaito-ts/source": "./src/index.ts", default: "./dist/index.js" },
      "./internal/*": null,
      "./package.json": "./package.json",
    };
    if (name === "node-provisioner") exports["./karpenter"] = { default: "./dist/karpenter/index.js" };
    if (name === "workspace-types") exports["./crds/*.yaml"] = "./crds/*.yaml";
    write(`packages/${name}/package.json`, JSON.stringify({ name: `@kaito-ts/${name}`, exports }));
    write(`packages/${name}/src/index.ts`, "export const x = 1;\n");
  }
  for (const [path, text] of Object.entries(files)) write(path, text);
  return root;
}

const lines = (root: string) => checkImports(root).map(formatViolation);

describe("scripts/check-imports.ts", () => {
  it("accepts imports that follow the direction, by declared exports", () => {
    const root = tree({
      "packages/preset-catalog/src/a.ts": 'import type { X } from "@kaito-ts/workspace-types";\nimport "./b.ts";\n',
      "packages/reconciler-core/src/a.ts": [
        'import { x } from "@kaito-ts/node-provisioner/karpenter";',
        'export * from "@kaito-ts/preset-catalog";',
        'import crd from "@kaito-ts/workspace-types/crds/workspace.yaml";',
      ].join("\n"),
      "packages/operator/src/a.ts": 'import "@kaito-ts/reconciler-core";\nimport "@kaito-ts/chat-client";\n',
      // The playground may load the dev-only packages; tests and benches may import them anywhere.
      "packages/operator/src/playground/up.ts": 'const m = await import("@kaito-ts/cluster-sim");\n',
      "packages/workspace-types/test/e2e.test.ts":
        'import { x } from "@kaito-ts/envtest";\nimport "../src/index.ts";\n',
      "packages/chat-client/bench/b.bench.ts": 'import "@kaito-ts/cluster-sim";\n',
      // Comments and strings are not imports.
      "packages/chat-client/src/doc.ts": '// import "@kaito-ts/operator";\nconst s = \'from "@kaito-ts/operator"\';\n',
    });
    expect(lines(root)).toEqual([]);
  });

  it("rejects a lower package importing a higher one, naming file, line, import and reason", () => {
    const root = tree({
      "packages/workspace-types/src/a.ts": '\n\nimport { x } from "@kaito-ts/preset-catalog";\n',
      "packages/chat-client/src/a.ts": 'export type { T } from "@kaito-ts/workspace-types";\n',
      "packages/preset-catalog/src/lazy.ts": 'const m = await import("@kaito-ts/reconciler-core");\n',
      "packages/node-provisioner/test/a.test.ts": 'import "@kaito-ts/operator";\n',
    });
    expect(lines(root)).toEqual([
      "packages/chat-client/src/a.ts:1 imports @kaito-ts/workspace-types (@kaito-ts/chat-client may import no package of ours; @kaito-ts/workspace-types is not below it in the import direction)",
      "packages/node-provisioner/test/a.test.ts:1 imports @kaito-ts/operator (@kaito-ts/node-provisioner may import @kaito-ts/preset-catalog, @kaito-ts/workspace-types; @kaito-ts/operator is not below it in the import direction)",
      "packages/preset-catalog/src/lazy.ts:1 imports @kaito-ts/reconciler-core (@kaito-ts/preset-catalog may import @kaito-ts/workspace-types; @kaito-ts/reconciler-core is not below it in the import direction)",
      "packages/workspace-types/src/a.ts:3 imports @kaito-ts/preset-catalog (@kaito-ts/workspace-types may import no package of ours; @kaito-ts/preset-catalog is not below it in the import direction)",
    ]);
  });

  it("rejects the dev-only packages in library src, the operator's included outside its playground", () => {
    expect(DEV_ONLY).toEqual(["cluster-sim", "envtest"]);
    const root = tree({
      "packages/operator/src/cli/up.ts": 'import { startCluster } from "@kaito-ts/cluster-sim";\n',
      "packages/reconciler-core/src/a.ts": 'import type { Env } from "@kaito-ts/envtest";\n',
    });
    const found = lines(root);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(
      /^packages\/operator\/src\/cli\/up\.ts:1 imports @kaito-ts\/cluster-sim \(.*never imported by library src/,
    );
    expect(found[1]).toMatch(/^packages\/reconciler-core\/src\/a\.ts:1 imports @kaito-ts\/envtest \(/);
  });

  it("rejects another package's internals, by subpath or by relative path", () => {
    const root = tree({
      "packages/preset-catalog/src/a.ts": [
        'import { x } from "@kaito-ts/workspace-types/src/schema/index.ts";',
        'import { y } from "@kaito-ts/workspace-types/internal/rules";',
        'import { z } from "../../workspace-types/src/index.ts";',
      ].join("\n"),
      "packages/operator/test/a.test.ts": 'import { s } from "../../cluster-sim/src/store/api.ts";\n',
      "packages/chat-client/src/b.ts": 'import { p } from "../../../scripts/x.ts";\n',
    });
    expect(lines(root)).toEqual([
      "packages/chat-client/src/b.ts:1 imports ../../../scripts/x.ts (relative path leaves the package; import a package by name instead)",
      'packages/operator/test/a.test.ts:1 imports ../../cluster-sim/src/store/api.ts (relative path into another package\'s internals; import "@kaito-ts/cluster-sim" by a declared export)',
      'packages/preset-catalog/src/a.ts:1 imports @kaito-ts/workspace-types/src/schema/index.ts ("./src/schema/index.ts" is not a declared export of @kaito-ts/workspace-types; import one of: @kaito-ts/workspace-types, @kaito-ts/workspace-types/package.json)',
      'packages/preset-catalog/src/a.ts:2 imports @kaito-ts/workspace-types/internal/rules ("./internal/rules" is not a declared export of @kaito-ts/workspace-types; import one of: @kaito-ts/workspace-types, @kaito-ts/workspace-types/package.json)',
      'packages/preset-catalog/src/a.ts:3 imports ../../workspace-types/src/index.ts (relative path into another package\'s internals; import "@kaito-ts/workspace-types" by a declared export)',
    ]);
  });

  it("fails for a package that has no row in the rule table", () => {
    const root = tree({}, ["workspace-types", "newcomer"]);
    expect(lines(root)).toEqual([
      'packages/newcomer/package.json:1 imports (any package) (package "newcomer" has no row in RULES of scripts/check-imports.ts: add one naming the packages it may import)',
    ]);
  });

  it("as a command: exit 1 and one line per offending import on a bad tree, exit 0 on a good one", () => {
    const bad = tree({ "packages/image-publisher/src/a.ts": 'import "@kaito-ts/chat-client";\n' });
    const r = spawnSync(process.execPath, [script, bad], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("packages/image-publisher/src/a.ts:1 imports @kaito-ts/chat-client (");
    const good = tree({});
    const ok = spawnSync(process.execPath, [script, good], { encoding: "utf8" });
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
  });
});
