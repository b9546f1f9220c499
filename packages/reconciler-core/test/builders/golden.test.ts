/**
 * Golden files: the full list of objects each representative Workspace becomes, as YAML, compared exactly.
 * `UPDATE_GOLDEN=1` rewrites them (review the diff: it is the behaviour change).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { buildWorkspaceObjects, resolveBuildOptions } from "../../src/index.ts";
import { GOLDEN_CASES } from "./cases.ts";

const GOLDEN_DIR = fileURLToPath(new URL("./golden/", import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === "1";

function render(name: string): string {
  const c = GOLDEN_CASES[name]?.();
  if (c === undefined) throw new Error(`no golden case ${name}`);
  const plan = buildWorkspaceObjects(c.workspace, c.observed, resolveBuildOptions(c.options));
  const header =
    `# Golden file of test/builders/golden.test.ts case "${name}" (UPDATE_GOLDEN=1 rewrites it).\n` +
    `# targetNodeCount: ${plan.targetNodeCount}; revision ${plan.revision.revision}; hash ${plan.revision.hash}\n`;
  return (
    header + plan.objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join("")
  );
}

describe("golden files", () => {
  for (const name of Object.keys(GOLDEN_CASES)) {
    it(name, () => {
      const actual = render(name);
      const file = `${GOLDEN_DIR}${name}.yaml`;
      if (UPDATE || !existsSync(file)) {
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(file, actual);
        if (!UPDATE) throw new Error(`golden file ${name}.yaml was missing and has been written; review and rerun`);
      }
      expect(actual).toBe(readFileSync(file, "utf8"));
    });
  }

  it("has a case for every golden file", () => {
    const files = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith(".yaml"));
    const orphans = files.map((f) => f.slice(0, -".yaml".length)).filter((n) => !(n in GOLDEN_CASES));
    expect(orphans).toEqual([]);
    expect(files.length).toBe(Object.keys(GOLDEN_CASES).length);
  });

  it("is deterministic: the same Workspace twice gives the same bytes", () => {
    for (const name of Object.keys(GOLDEN_CASES)) expect(render(name)).toBe(render(name));
  });
});
