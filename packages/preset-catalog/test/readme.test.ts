import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";

const pkg = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "preset-catalog-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("README example", () => {
  it("runs against the real API and prints what its comments say", async () => {
    const readme = readFileSync(join(pkg, "README.md"), "utf8");
    const code = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    const file = join(dir, "example.ts");
    writeFileSync(
      file,
      (code ?? "").replace('from "@kaito-ts/preset-catalog"', `from ${JSON.stringify(join(pkg, "src", "index.ts"))}`),
    );
    const lines: unknown[][] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args);
    });
    try {
      await import(pathToFileURL(file).href);
    } finally {
      spy.mockRestore();
    }
    expect(lines[0]).toEqual(["microsoft/Phi-3-mini-4k-instruct", 7.12]);
    expect(lines[2]).toEqual([9]);
    expect(lines[4]).toEqual(["87Gi"]);
    expect(lines[5]).toEqual([false]);
    expect(lines[6]?.[0]).toBe("Standard_NV36ads_A10_v5");
    expect(lines).toContainEqual(["NOT_DISTRIBUTED"]);
    expect(lines).toContainEqual(["qlora-params-template"]);
    expect(lines.at(-1)).toEqual([{ kind: "unknown", suggestions: ["tiiuae/falcon-7b"] }]);
  });
});
