/**
 * The docs stand on their own: the generated Workspace reference is current, and no page links to a file outside the
 * repository (relative links must resolve inside it).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REFERENCE_PATH, renderWorkspaceReference } from "../../../scripts/docs-workspace-reference.ts";
import { repoRoot } from "./support.ts";

describe("docs/", () => {
  it("workspace-reference.md is generated from the zod schemas and current (run scripts/docs-workspace-reference.ts)", () => {
    expect(readFileSync(REFERENCE_PATH, "utf8")).toBe(renderWorkspaceReference());
  });

  it("the reference carries the schemas' descriptions", () => {
    const text = renderWorkspaceReference();
    expect(text).toContain("| `tuning.output.image` |");
    expect(text).toContain("| `inference.preset.name` | string | yes |");
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
