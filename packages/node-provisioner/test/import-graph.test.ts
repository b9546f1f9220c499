/**
 * The design's rule: `/karpenter`, `/byo` and the main entry must not pull the Azure SDK into their users' import
 * graph. Each entry is bundled with esbuild (following workspace packages to their sources) and the metafile's inputs
 * and imports are inspected; `/aks` is the control that does load it.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

async function graphOf(entry: string): Promise<{ inputs: string[]; imports: string[] }> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    metafile: true,
    logLevel: "silent",
    conditions: ["@kaito-ts/source"],
  });
  const inputs = Object.keys(result.metafile.inputs);
  const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
  return { inputs, imports };
}

const azure = (p: string) => /(^|[\\/])@azure(-rest)?[\\/]/.test(p) || p.startsWith("@azure");

describe("import graph", () => {
  it.each(["src/index.ts", "src/karpenter/index.ts", "src/byo/index.ts", "src/testing/index.ts"])(
    "%s does not load @azure/*",
    async (entry) => {
      const g = await graphOf(entry);
      expect(g.inputs.length).toBeGreaterThan(1);
      expect(g.inputs.filter(azure)).toEqual([]);
      expect(g.imports.filter(azure)).toEqual([]);
    },
  );

  it("src/aks/index.ts does (the control)", async () => {
    const g = await graphOf("src/aks/index.ts");
    expect(g.inputs.some((p) => p.includes("@azure/arm-containerservice"))).toBe(true);
    expect(g.inputs.some((p) => p.includes("@azure/identity"))).toBe(true);
  }, 60_000);
});
