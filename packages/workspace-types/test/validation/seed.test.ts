/**
 * The seed's fine-tuning example (examples/fine-tuning/kaito_workspace_tuning_phi_3.yaml): invalid as written
 * (placeholders), valid with the bf16 warning once filled in.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateWorkspace } from "../../src/index.ts";
import { expectIssue, expectValid } from "./builders.ts";
import { fullContext } from "./fake-context.ts";

const SEED = `apiVersion: kaito.sh/v1alpha1
kind: Workspace
metadata:
  name: workspace-tuning-phi-3
resource:
  instanceType: "Standard_NC6s_v3"
  labelSelector:
    matchLabels:
      app: tuning-phi-3
tuning:
  preset:
    name: phi-3-mini-128k-instruct
  method: qlora
  input:
    urls:
      - "https://huggingface.co/datasets/philschmid/dolly-15k-oai-style/resolve/main/data/train-00000-of-00001-54e3756291ca09c6.parquet?download=true"
  output:
    image: "ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1" # Tuning Output ACR Path
    imagePushSecret: ACR_REGISTRY_SECRET_HERE
`;

const FILLED = SEED.replace(
  "ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1",
  "localhost:5000/tuning/phi-3-adapter:0.0.1",
).replace("ACR_REGISTRY_SECRET_HERE", "registry-push-secret");

describe("the seed example as written", () => {
  const r = validateWorkspace(parse(SEED), fullContext());

  it("is invalid with exactly the two placeholder errors", () => {
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => [e.path, e.code])).toEqual([
      ["spec.tuning.output.image", "IMAGE_REFERENCE_INVALID"],
      ["spec.tuning.output.imagePushSecret", "SECRET_NAME_INVALID"],
    ]);
  });

  it("says which part of the image must be lowercase, with the placeholder hint", () => {
    const e = expectIssue(r, "IMAGE_REFERENCE_INVALID", "spec.tuning.output.image");
    expect(e.message).toContain("repository name must be lowercase");
    expect(e.message).toContain('"IMAGE_NAME_HERE"');
    expect(e.hint).toMatch(/"ACR_REPO_HERE", "IMAGE_NAME_HERE" are placeholders.*replace them/);
  });

  it("says the push secret is not a valid Secret name, with the placeholder hint", () => {
    const e = expectIssue(r, "SECRET_NAME_INVALID", "spec.tuning.output.imagePushSecret");
    expect(e.message).toMatch(/"ACR_REGISTRY_SECRET_HERE" is not a valid Secret name/);
    expect(e.hint).toMatch(/"ACR_REGISTRY_SECRET_HERE" is a placeholder.*replace it/);
  });

  it("is invalid even without any lookups in the context", () => {
    const bare = validateWorkspace(parse(SEED));
    expect(bare.errors.map((e) => e.path)).toEqual(["spec.tuning.output.image", "spec.tuning.output.imagePushSecret"]);
  });
});

describe("the seed example filled in", () => {
  it("is valid, with the bf16 warning saying what to change", () => {
    const r = validateWorkspace(parse(FILLED), fullContext());
    expectValid(r);
    const w = expectIssue(r, "BF16_UNSUPPORTED", "spec.resource.instanceType", "warning");
    expect(w.message).toMatch(/Standard_NC6s_v3 has V100 GPUs without bfloat16 support/);
    expect(w.message).toMatch(/default qlora template/);
    expect(w.hint).toMatch(/float16/);
    expect(w.hint).toMatch(/A100\/H100 SKU such as Standard_NC24ads_A100_v4/);
    expect(r.warnings.map((x) => x.code).sort()).toEqual(["BF16_UNSUPPORTED", "SKU_CLASSIC"]);
  });

  it("on an A100 SKU has no bf16 warning", () => {
    const r = validateWorkspace(parse(FILLED.replace("Standard_NC6s_v3", "Standard_NC24ads_A100_v4")), fullContext());
    expectValid(r);
    expect(r.warnings).toEqual([]);
  });

  it("as v1beta1 behaves the same", () => {
    const r = validateWorkspace(parse(FILLED.replace("kaito.sh/v1alpha1", "kaito.sh/v1beta1")), fullContext());
    expectValid(r);
    expectIssue(r, "BF16_UNSUPPORTED", "spec.resource.instanceType", "warning");
  });
});
