import { describe, expect, it } from "vitest";
import { kaito } from "./support.ts";

const SEED = "examples/fine-tuning/kaito_workspace_tuning_phi_3.yaml";
const SEED_FILLED = "examples/fine-tuning/kaito_workspace_tuning_phi_3_local.yaml";

describe("kaito validate", () => {
  it("rejects the seed example as written, naming the output image and the push secret with the placeholder hint", async () => {
    const r = await kaito(["validate", SEED]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n");
    const image = lines.find((l) => l.startsWith("spec.tuning.output.image: "));
    const secret = lines.find((l) => l.startsWith("spec.tuning.output.imagePushSecret: "));
    expect(image).toMatch(/lowercase/);
    expect(image).toMatch(/placeholder/);
    expect(secret).toMatch(/not a valid Secret name/);
    expect(secret).toMatch(/placeholder/);
  });

  it("accepts the filled-in seed example with the bf16 warning", async () => {
    const r = await kaito(["validate", SEED_FILLED]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^warning: spec\.resource\.instanceType: .*bfloat16/m);
    expect(r.stdout).toMatch(/^valid: workspace-tuning-phi-3$/m);
  });

  it("prints the JSON report with positions", async () => {
    const r = await kaito(["validate", "-o", "json", SEED]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      valid: boolean;
      errors: { path: string; message: string; line?: number }[];
      warnings: unknown[];
    };
    expect(report.valid).toBe(false);
    expect(report.errors.map((e) => e.path)).toEqual([
      "spec.tuning.output.image",
      "spec.tuning.output.imagePushSecret",
    ]);
    expect(report.errors[0]?.line).toBe(18);
    expect(report.errors[1]?.line).toBe(19);
    expect(report.warnings.length).toBeGreaterThan(0);
  });

  it("reads stdin with -", async () => {
    const yaml = `apiVersion: kaito.sh/v1beta1
kind: Workspace
metadata: {name: ws-a}
resource: {instanceType: Standard_NC24ads_A100_v4, labelSelector: {matchLabels: {app: a}}}
inference: {preset: {name: phi-3-mini-4k-instruct}}
`;
    const r = await kaito(["validate", "-o", "json", "-"], yaml);
    expect(JSON.parse(r.stdout)).toEqual({ valid: true, errors: [], warnings: [] });
    expect(r.code).toBe(0);
  });

  it("checks updates with --old", async () => {
    const before = "examples/inference/kaito_workspace_phi_3_mini.yaml";
    const changed = `apiVersion: kaito.sh/v1beta1
kind: Workspace
metadata: {name: workspace-phi-3-mini, namespace: default}
resource: {instanceType: Standard_NC48ads_A100_v4, labelSelector: {matchLabels: {apps: phi-3}}}
inference: {preset: {name: phi-3-mini-4k-instruct}}
`;
    const r = await kaito(["validate", "--old", before, "-"], changed);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^spec\.resource\.instanceType: .*immutable/im);
    const same = await kaito(["validate", "--old", before, before]);
    expect(same.code).toBe(0);
  });

  it("uses the context options: BYO nodes need --no-node-auto-provisioning", async () => {
    const byo = "examples/byo/kaito_workspace_byo.yaml";
    expect((await kaito(["validate", "--no-node-auto-provisioning", byo])).code).toBe(0);
    const nap = await kaito(["validate", byo]);
    expect(nap.code).toBe(1);
    expect(nap.stdout).toMatch(/^spec\.resource\.instanceType: /m);
  });

  it("answers bad input with one line and the right exit code", async () => {
    const missing = await kaito(["validate", "does-not-exist.yaml"]);
    expect(missing).toMatchObject({ code: 2, stdout: "" });
    expect(missing.stderr).toBe(
      "error: does-not-exist.yaml: no such file (give a path to a Workspace YAML or JSON file, or - for stdin)\n",
    );

    const malformed = await kaito(["validate", "-"], "kind: Workspace\nresource: [\n");
    expect(malformed.code).toBe(1);
    expect(malformed.stdout).toMatch(/^<stdin>:\d+:\d+: invalid YAML/);
    expect(malformed.stdout.trim().split("\n")).toHaveLength(1);

    const empty = await kaito(["validate", "-"], "");
    expect(empty.code).toBe(1);
    expect(empty.stdout).toMatch(/empty document/);

    const wrongKind = await kaito(["validate", "-"], "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n");
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stdout).toMatch(/kaito\.sh\/v1alpha1 or kaito\.sh\/v1beta1/);

    const wrongType = await kaito(
      ["validate", "-"],
      "apiVersion: kaito.sh/v1beta1\nkind: Workspace\nmetadata: {name: x}\nresource: {count: many}\ninference: {preset: {name: phi-3-mini-4k-instruct}}\n",
    );
    expect(wrongType.code).toBe(1);
    expect(wrongType.stdout).toMatch(/^spec\.resource\.count: /m);

    const usage = await kaito(["validate"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing required argument 'file'/);
    expect((await kaito(["validate", "--cloud", "gcp", "x.yaml"])).code).toBe(2);
  });

  it("reports unknown fields as warnings, as the API server's field validation does", async () => {
    const r = await kaito(
      ["validate", "-"],
      "apiVersion: kaito.sh/v1beta1\nkind: Workspace\nmetadata: {name: x}\nresource: {instanceType: Standard_NC24ads_A100_v4, labelSelector: {matchLabels: {a: b}}, colour: blue}\ninference: {preset: {name: phi-3-mini-4k-instruct}}\n",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^warning: .*colour/m);
  });
});
