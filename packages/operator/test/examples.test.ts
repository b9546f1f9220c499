import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kaito, repoRoot } from "./support.ts";

const examples = readdirSync(join(repoRoot, "examples"), { recursive: true, encoding: "utf8" })
  .filter((f) => /^kaito_workspace_.*\.yaml$/.test(f.split("/").pop() ?? ""))
  .map((f) => `examples/${f}`)
  .sort();

// The seed's example as written is rejected (placeholders); every other example is valid.
const SEED_AS_WRITTEN = "examples/fine-tuning/kaito_workspace_tuning_phi_3.yaml";

describe("examples", () => {
  it("covers the scenarios the project documents", () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  it.each(examples)("%s", async (file) => {
    const args = file.includes("/byo/") ? ["--no-node-auto-provisioning"] : [];
    const r = await kaito(["validate", ...args, file]);
    expect(r.stderr).toBe("");
    expect(r.code, r.stdout).toBe(file === SEED_AS_WRITTEN ? 1 : 0);
  });
});
