/**
 * The vitest global setup: a project of two test files runs against one control plane started once, passed to
 * the files through `provide`/`inject`, and stopped when the run ends.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";

const scratch = mkdtempSync(join(tmpdir(), "envtest-vitest-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it("two test files share one control plane started by the global setup, stopped at the end", async () => {
  const report = join(scratch, "report.jsonl");
  const root = join(import.meta.dirname, "..", "..", "..");
  const config = join(import.meta.dirname, "fixtures", "shared", "vitest.config.ts");
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [join(root, "node_modules", "vitest", "vitest.mjs"), "run", "--config", config],
      {
        cwd: root,
        env: { ...process.env, ENVTEST_SHARED_REPORT: report, CI: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let text = "";
    child.stdout.on("data", (c: Buffer) => {
      text += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      text += c.toString();
    });
    child.on("exit", (exitCode) => resolve({ code: exitCode, output: text }));
  });
  expect(code, output).toBe(0);
  expect(output).toMatch(/2 passed/);
  const lines = readFileSync(report, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { file: string; url: string; dir: string; env: string });
  expect(lines.map((l) => l.file).sort()).toEqual(["first", "second"]);
  expect(lines[0]?.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(lines[1]?.url).toBe(lines[0]?.url);
  expect(lines[0]?.env).toBe(lines[0]?.url);
  expect(existsSync(lines[0]?.dir as string)).toBe(false);
}, 180_000);
