/**
 * The CLI as a shell meets it: the `kaito` / `kubectl-kaito` bins linked into the repository's node_modules/.bin,
 * kubectl's plugin convention (`kubectl kaito …` with the real kubectl of envtest), and the errors of a machine with
 * no kubeconfig — each in a child process, so exit codes and streams are the real ones.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { kubectlPath } from "@kaito-ts/envtest";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "kaito-bin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bin = (name: string) => join(repoRoot, "node_modules", ".bin", name);

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(command, args, { cwd: repoRoot, encoding: "utf8", env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Each child process loads the CLI from source; on a busy machine that takes seconds.
describe("the kaito bins", { timeout: 180_000 }, () => {
  it("node_modules/.bin/kaito runs the CLI with nothing around its own output", () => {
    const r = run(bin("kaito"), ["presets", "-o", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect((JSON.parse(r.stdout) as unknown[]).length).toBeGreaterThan(5);
    const usage = run(bin("kaito"), ["frobnicate"]);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toBe("");
    expect(usage.stderr).toMatch(/^error: unknown command 'frobnicate'/);
  });

  it("kaito-publish is linked the same way", () => {
    const r = run(bin("kaito-publish"), ["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kaito-publish/);
  });

  it("kubectl kaito <command>: kubectl finds kubectl-kaito on PATH and passes the arguments", () => {
    const plugins = join(dir, "plugins");
    spawnSync("mkdir", ["-p", plugins]);
    const shim = join(plugins, "kubectl-kaito");
    writeFileSync(
      shim,
      `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, "packages/operator/bin/kaito.js")}" "$@"\n`,
    );
    chmodSync(shim, 0o755);
    const env = {
      ...process.env,
      PATH: `${plugins}${delimiter}${process.env.PATH ?? ""}`,
      KUBECONFIG: join(dir, "none"),
    };
    const list = run(kubectlPath(), ["plugin", "list"], env);
    expect(list.stdout).toContain(shim);
    const r = run(kubectlPath(), ["kaito", "skus", "--fit", "phi-3-mini-4k-instruct", "-o", "json"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ sku: { name: string } }>)[0]?.sku.name).toMatch(/^Standard_/);
    const bad = run(kubectlPath(), ["kaito", "plan", "examples/fine-tuning/kaito_workspace_tuning_phi_3.yaml"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^spec\.tuning\.output\.image: /m);
  });

  it("no kubeconfig: exit 2 with one line saying what to set", () => {
    const home = join(dir, "home");
    spawnSync("mkdir", ["-p", home]);
    const env = { PATH: process.env.PATH ?? "", HOME: home };
    for (const argv of [
      ["status"],
      ["apply", "examples/inference/kaito_workspace_phi_3_mini.yaml"],
      ["chat", "ws", "hi"],
    ]) {
      const r = run(bin("kaito"), argv, env);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toBe(
        `error: no kubeconfig: KUBECONFIG is not set and ${home}/.kube/config does not exist; set KUBECONFIG or pass --kubeconfig (for a local playground: kaito cluster up --kubeconfig <file>, then export KUBECONFIG=<file>)\n`,
      );
    }
    const missing = run(bin("kaito"), ["status"], { ...env, KUBECONFIG: join(home, "gone") });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: KUBECONFIG=.*gone names no existing file/);
    // offline commands need none
    expect(run(bin("kaito"), ["deploy", "x", "--model", "phi-3-mini-4k-instruct", "--dry-run"], env).code).toBe(0);
  });
});
