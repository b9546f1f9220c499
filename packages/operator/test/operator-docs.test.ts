/**
 * The docs stand on their own: the generated Workspace reference is current, and no page links to a file outside the
 * repository (relative links must resolve inside it).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support.ts";

describe("docs/", () => {
  it("workspace-reference.md is generated from the zod schemas and current (scripts/docs-workspace-reference.ts --check)", () => {
    const r = spawnSync(
      process.execPath,
      ["--conditions=@kaito-ts/source", join("scripts", "docs-workspace-reference.ts"), "--check"],
      { cwd: repoRoot, encoding: "utf8" },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("the reference carries the schemas' descriptions", () => {
    const text = readFileSync(join(repoRoot, "docs", "workspace-reference.md"), "utf8");
    expect(text).toContain("| `tuning.output.image` |");
    expect(text).toContain("| `inference.preset.name` | string | yes |");
    expect(text).toContain("Preset model name: a Kaito preset name or a Hugging Face id org/model.");
  });

  const docs = join(repoRoot, "docs");
  const pages = readdirSync(docs).filter((f) => f.endsWith(".md"));
  it.each(pages)("%s: every relative link resolves inside the repository", (page) => {
    const text = readFileSync(join(docs, page), "utf8");
    for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      const target = m[1] ?? "";
      if (/^[a-z]+:/.test(target)) continue; // http(s), mailto
      const abs = resolve(dirname(join(docs, page)), target);
      expect(relative(repoRoot, abs).startsWith(".."), `${page} links outside the repository: ${target}`).toBe(false);
      expect(existsSync(abs), `${page} links to a missing file: ${target}`).toBe(true);
    }
  });
});
