/** `kaito deploy --dry-run` (offline): the Workspace a Kaito user would write, the SKU pick, and bad flags. */
import { validateWorkspace } from "@kaito-ts/workspace-types";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { chooseInstanceType } from "../src/cli/commands/deploy.ts";
import { kaito } from "./support.ts";

describe("kaito deploy --dry-run", () => {
  it("prints a v1beta1 inference Workspace with the smallest SKU that fits, and says which and why on stderr", async () => {
    const r = await kaito(["deploy", "phi", "--model", "phi-3-mini-4k-instruct", "-n", "ml", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^instance type (\S+): the smallest azure SKU that can serve phi-3-mini-4k-instruct \(1 node × 1 \S+/,
    );
    const ws = parse(r.stdout) as Record<string, unknown>;
    expect(ws).toEqual({
      apiVersion: "kaito.sh/v1beta1",
      kind: "Workspace",
      metadata: { name: "phi", namespace: "ml" },
      resource: {
        instanceType: chooseInstanceType({ model: "phi-3-mini-4k-instruct", cloud: "azure", tuning: false })
          .instanceType,
        labelSelector: { matchLabels: { apps: "phi" } },
      },
      inference: { preset: { name: "phi-3-mini-4k-instruct" } },
    });
    expect(validateWorkspace(ws).valid).toBe(true);
  });

  it("takes --instance-type, --count and adapters (name=image, repeated or comma-separated)", async () => {
    const r = await kaito([
      "deploy",
      "phi",
      "--model",
      "phi-3-mini-4k-instruct",
      "--instance-type",
      "Standard_NC24ads_A100_v4",
      "--count",
      "2",
      "--adapters",
      "a=myacr.azurecr.io/a:1,b=myacr.azurecr.io/b:1",
      "--dry-run",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const ws = parse(r.stdout) as { resource: unknown; inference: { adapters: unknown } };
    expect(ws.resource).toEqual({
      instanceType: "Standard_NC24ads_A100_v4",
      count: 2,
      labelSelector: { matchLabels: { apps: "phi" } },
    });
    expect(ws.inference.adapters).toEqual([
      { source: { name: "a", image: "myacr.azurecr.io/a:1" } },
      { source: { name: "b", image: "myacr.azurecr.io/b:1" } },
    ]);
  });

  it("a tuning Workspace with --method lora", async () => {
    const r = await kaito([
      "deploy",
      "tune",
      "--model",
      "phi-3-mini-128k-instruct",
      "--tuning",
      "--method",
      "lora",
      "--input-urls",
      "https://example.com/a.parquet",
      "--output-image",
      "myacr.azurecr.io/adapters/phi:1",
      "--output-image-secret",
      "regcred",
      "--dry-run",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/can tune phi-3-mini-128k-instruct \(lora\)/);
    expect((parse(r.stdout) as { tuning: unknown }).tuning).toEqual({
      preset: { name: "phi-3-mini-128k-instruct" },
      method: "lora",
      input: { urls: ["https://example.com/a.parquet"] },
      output: { image: "myacr.azurecr.io/adapters/phi:1", imagePushSecret: "regcred" },
    });
  });

  it.each([
    [
      ["--model", "no-such-model"],
      2,
      /--model no-such-model: not a preset of the catalog \(kaito presets lists them\)/,
    ],
    [
      ["--model", "phi-3-mini-4k-instruct", "--adapters", "broken"],
      2,
      /--adapters broken: write each adapter as name=image/,
    ],
    [
      ["--model", "phi-3-mini-4k-instruct", "--method", "lora"],
      2,
      /--method, --input-urls and --output-image go with --tuning/,
    ],
    [["--model", "phi-3-mini-4k-instruct", "--count", "0"], 2, /--count 0: give a whole number ≥ 1/],
    [
      ["--model", "phi-3-mini-4k-instruct", "--instance-type", "Standard_D2s_v3", "--adapters", "A=x"],
      1,
      /^spec\.inference\.adapters/m,
    ],
    [[], 2, /required option '--model <preset>' not specified/],
  ])("bad flags %j: exit %i with a message naming the flag", async (flags, code, message) => {
    const r = await kaito(["deploy", "x", ...flags, "--dry-run"]);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
  });
});
