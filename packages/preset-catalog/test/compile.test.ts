import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileCatalog, type DataFile, GENERATED_PATH } from "../scripts/compile-lib.ts";
import { READ_ROOT_FOR_TESTS } from "./helpers.ts";
import { isPresetCatalogError } from "../src/errors.ts";
import { readDataFiles } from "../scripts/compile.ts";

const files = readDataFiles(READ_ROOT_FOR_TESTS);

function replaceFile(path: string, edit: (text: string) => string): DataFile[] {
  let found = false;
  const out = files.map((f) => {
    if (f.path !== path) return f;
    found = true;
    return { path, text: edit(f.text) };
  });
  if (!found) throw new Error(`test setup: no file ${path}`);
  return out;
}

function compileError(input: readonly DataFile[]): string {
  try {
    compileCatalog(input);
  } catch (e) {
    expect(isPresetCatalogError(e)).toBe(true);
    if (isPresetCatalogError(e)) {
      expect(e.code).toBe("INVALID_DATA");
      return e.message;
    }
  }
  throw new Error("expected the compile step to reject the data");
}

describe("compile step", () => {
  it("the committed generated catalog is up to date with presets/", () => {
    const { source } = compileCatalog(files);
    const committed = readFileSync(join(READ_ROOT_FOR_TESTS, GENERATED_PATH), "utf8");
    // If this fails: node --conditions=@kaito-ts/source packages/preset-catalog/scripts/compile.ts
    expect(committed).toBe(source);
  });

  it("compiles every preset family, the three SKU tables and both tuning templates", () => {
    const { catalog } = compileCatalog(files);
    expect(new Set(catalog.presets.map((p) => p.family))).toEqual(
      new Set(["deepseek", "falcon", "gemma", "gpt-oss", "llama", "mistral", "phi", "qwen"]),
    );
    expect(catalog.presets).toHaveLength(30);
    expect(new Set(catalog.skus.map((s) => s.cloud))).toEqual(new Set(["azure", "aws", "arc"]));
    expect(catalog.tuningTemplates.map((t) => t.configMapName)).toEqual([
      "lora-params-template",
      "qlora-params-template",
    ]);
    expect(catalog.runtime.base).toEqual({
      imageName: "kaito-base",
      tag: "0.5.0",
      runtimeVersions: { vllm: "0.25.1", transformers: "5.14.1" },
    });
  });

  it("is deterministic regardless of file order", () => {
    expect(compileCatalog([...files].reverse()).source).toBe(compileCatalog(files).source);
  });

  it("rejects a preset with a wrong type, naming the file and the path", () => {
    const bad = replaceFile("presets/models/phi.yaml", (t) => t.replace("weightsGiB: 7.15", 'weightsGiB: "7.15"'));
    const msg = compileError(bad);
    expect(msg).toContain("presets/models/phi.yaml: presets[1].weightsGiB:");
  });

  it("rejects an unknown field (a typo) with its path", () => {
    const bad = replaceFile("presets/models/qwen.yaml", (t) => t.replace("contextLimit: 32768", "contextLimt: 32768"));
    const msg = compileError(bad);
    expect(msg).toContain("presets/models/qwen.yaml: presets[0]");
    expect(msg).toMatch(/contextLimt/);
  });

  it("rejects an available preset without weights (the estimator needs them)", () => {
    const bad = replaceFile("presets/models/gemma.yaml", (t) => t.replace("    weightsGiB: 8.01\n", ""));
    expect(compileError(bad)).toContain(
      "presets/models/gemma.yaml: presets[0].weightsGiB: required for an available preset",
    );
  });

  it("rejects invalid YAML with the line and column", () => {
    const bad = replaceFile("presets/models/llama.yaml", (t) => `${t}\n  - name: [unclosed\n`);
    expect(compileError(bad)).toMatch(/presets\/models\/llama\.yaml: line \d+, column \d+: invalid YAML/);
  });

  it("rejects a lookup key used by two presets", () => {
    const bad = replaceFile("presets/models/qwen.yaml", (t) =>
      t.replace("name: qwen2.5-coder-7b-instruct", "name: qwen2.5-coder-7b-instruct\n    aliases: [PHI-4]"),
    );
    expect(compileError(bad)).toContain('lookup key "PHI-4" is already used by preset phi-4');
  });

  it("rejects a wrong image name and a transformers runtime without parameters", () => {
    const bad = replaceFile("presets/models/gpt-oss.yaml", (t) =>
      t
        .replace("name: kaito-gpt-oss-20b,", "name: kaito-gpt-oss,")
        .replace(
          "      transformers: { torch_dtype: auto, pipeline: text-generation }\n    classicRequirements:\n      diskStorage: 110Gi",
          "    classicRequirements:\n      diskStorage: 110Gi",
        ),
    );
    const msg = compileError(bad);
    expect(msg).toContain('presets/models/gpt-oss.yaml: presets[0].image.name: expected "kaito-gpt-oss-20b"');
    expect(msg).toContain("presets/models/gpt-oss.yaml: presets[0].runtimeParams.transformers:");
  });

  it("rejects a SKU whose bf16 flag contradicts its compute capability, and duplicate SKU names", () => {
    const bf16 = replaceFile("presets/skus/azure.yaml", (t) =>
      t.replace("    computeCapability: 7.0\n", "    computeCapability: 7.0\n    bf16: true\n"),
    );
    expect(compileError(bf16)).toMatch(
      /presets\/skus\/azure\.yaml: skus\[14\]\.bf16: contradicts compute capability 7/,
    );
    const dup = replaceFile("presets/skus/azure.yaml", (t) =>
      t.replace("name: Standard_NV72ads_A10_v5", "name: standard_nv36ads_a10_v5"),
    );
    expect(compileError(dup)).toContain("presets/skus/azure.yaml: skus[1].name: duplicate of skus[0]");
  });

  it("rejects a lora template that quantizes and a template writing outside /mnt", () => {
    const bad = replaceFile("presets/tuning/lora-params.yaml", (t) =>
      t.replace("load_in_4bit: false", "load_in_4bit: true").replace('"/mnt/results"', '"/tmp/results"'),
    );
    const msg = compileError(bad);
    expect(msg).toContain(
      "presets/tuning/lora-params.yaml: training_config.QuantizationConfig: a lora template must not quantize",
    );
    expect(msg).toContain("presets/tuning/lora-params.yaml: training_config.TrainingArguments.output_dir:");
  });

  it("rejects a missing runtime file, a family that does not match its file, and a stray file", () => {
    const input = files
      .filter((f) => f.path !== "presets/runtime.yaml")
      .map((f) =>
        f.path === "presets/models/falcon.yaml" ? { ...f, text: f.text.replace("family: falcon", "family: tii") } : f,
      )
      .concat([{ path: "presets/extra/notes.yaml", text: "a: 1\n" }]);
    const msg = compileError(input);
    expect(msg).toContain("presets/runtime.yaml: (file): missing");
    expect(msg).toContain('presets/models/falcon.yaml: family: must equal the file name "falcon"');
    expect(msg).toContain("presets/extra/notes.yaml: (file): unexpected data file");
  });
});
