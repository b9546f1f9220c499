import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support.ts";

// The real `kaito` entry point in a child process: exit codes and streams as a shell sees them.
function kaitoBin(args: string[], input = "") {
  const r = spawnSync(
    process.execPath,
    ["--conditions=@kaito-ts/source", join(repoRoot, "packages/operator/src/cli/main.ts"), ...args],
    { cwd: repoRoot, input, encoding: "utf8" },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the kaito bin", () => {
  it("exits 0, 1 and 2 for valid, invalid and usage errors, without stack traces", () => {
    expect(kaitoBin(["validate", "examples/inference/kaito_workspace_phi_3_mini.yaml"]).code).toBe(0);
    const invalid = kaitoBin(["validate", "examples/fine-tuning/kaito_workspace_tuning_phi_3.yaml"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/^spec\.tuning\.output\.image: /m);
    const usage = kaitoBin(["frobnicate"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(usage.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  }, 120_000); // three CLI processes, each loading the sources: seconds each, more on a loaded machine

  it("reads standard input", () => {
    const r = kaitoBin(["validate", "-"], "not: [valid\n");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^<stdin>:/);
  }, 60_000);
});
