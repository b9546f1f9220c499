/**
 * `kaito demo` runs to completion exactly as the README's main-job command runs it (`pnpm main` =
 * `node --conditions=@kaito-ts/source scripts/main.ts`), on cluster-sim: the seed denied as written, tuned, the
 * adapter pushed by kaito-publish to docker-registry, served, chatted with on both endpoints. And without a
 * registry, it says so and skips only the push.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support.ts";

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=@kaito-ts/source", ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.once("exit", (code) => resolve({ code, out }));
  });
}

describe("kaito demo", () => {
  it("pnpm main: tune, publish, serve, chat — to completion", async () => {
    const { code, out } = await run([join("scripts", "main.ts")]);
    expect(out, out).toContain("demo finished: tuned, published, served, chatted.");
    expect(code).toBe(0);
    // The seed as written is denied with the placeholder messages.
    expect(out).toContain('denied: spec.tuning.output.image: "ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1"');
    expect(out).toContain('"ACR_REGISTRY_SECRET_HERE" is not a valid Secret name');
    // The live status table reaches success for both Workspaces.
    expect(out).toMatch(/workspace-tuning-phi-3\s+Standard_NC6s_v3\s+True\s+True\s+True/);
    expect(out).toMatch(/workspace-phi-3-mini\s+Standard_NC24ads_A100_v4\s+True\s+True\s+True/);
    // kaito-publish pushed the adapter to the local registry.
    expect(out).toMatch(
      /kaito-publish pushed the adapter image 127\.0\.0\.1:\d+\/tuning\/phi-3-mini-128k-adapter:0\.0\.1 \(sha256:[0-9a-f]{64}\)/,
    );
    // Both endpoints answered through the API server's service proxy.
    expect(out).toMatch(/assistant: .+/);
    expect(out).toMatch(/\{"Result": "What is Kaito\?.*"\}/);
    expect(out).toMatch(
      /curl -s -H "Authorization: Bearer \w+" .*\n\s+-d '\{"prompt": "What is Kaito\?"\}' http:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/default\/services\/workspace-phi-3-mini:80\/proxy\/chat/,
    );
    expect(out).toMatch(/export KUBECONFIG=\S+/);
    expect(out).toContain("Simulated:");
    expect(out).not.toMatch(/error|internal error/i);
  }, 300_000);

  it("without docker-registry: says so, skips only the push, still serves and chats", async () => {
    const { code, out } = await run([join("packages", "operator", "src", "cli", "main.ts"), "demo"], {
      KAITO_REGISTRY_BIN: "/nonexistent/docker-registry",
    });
    expect(out, out).toContain("registry: none — /nonexistent/docker-registry is not installed");
    expect(out).toContain("skips the push");
    expect(out).not.toContain("kaito-publish pushed");
    expect(out).toMatch(/workspace-tuning-phi-3\s+Standard_NC6s_v3\s+True\s+True\s+True/);
    expect(out).toMatch(/\{"Result": /);
    expect(code).toBe(0);
  }, 300_000);
});
