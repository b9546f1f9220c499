import { describe, expect, it } from "vitest";
import {
  findPlaceholders,
  isDns1123Label,
  isDns1123Subdomain,
  parseImageReference,
  sanitizeLabelSelector,
  validateInferenceConfigYaml,
  validateInputUrl,
  validateTuningConfigYaml,
} from "../../src/index.ts";
import { LORA_TEMPLATE, QLORA_TEMPLATE } from "./fake-context.ts";

describe("parseImageReference", () => {
  it.each([
    [
      "localhost:5000/tuning/phi-3-adapter:0.0.1",
      { registry: "localhost", port: 5000, repository: "tuning/phi-3-adapter", tag: "0.0.1" },
    ],
    ["myregistry.azurecr.io/adapters/a:v1", { registry: "myregistry.azurecr.io", repository: "adapters/a", tag: "v1" }],
    ["busybox", { repository: "busybox" }],
    ["library/ubuntu:22.04", { repository: "library/ubuntu", tag: "22.04" }],
    ["my__repo/a.b-c_d", { repository: "my__repo/a.b-c_d" }],
    [
      `ghcr.io/x/y@sha256:${"a".repeat(64)}`,
      { registry: "ghcr.io", repository: "x/y", digest: `sha256:${"a".repeat(64)}` },
    ],
    ["[::1]:5000/a:b", { registry: "[::1]", port: 5000, repository: "a", tag: "b" }],
  ])("accepts %s", (text, expected) => {
    const r = parseImageReference(text);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.reference).toEqual(expected);
  });

  it.each([
    [
      "ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1",
      /repository name must be lowercase \("IMAGE_NAME_HERE"\).*registry host "ACR_REPO_HERE.azurecr.io"/,
    ],
    ["MyOrg/img", /repository name must be lowercase \("MyOrg"\)/],
    ["repo:", /tag after ':' is empty/],
    ["repo:-bad", /tag "-bad"/],
    [`repo:${"a".repeat(129)}`, /tag/],
    ["repo@sha256:abc", /digest/],
    [`repo@sha256:${"a".repeat(65)}`, /exactly 64 hex/],
    ["https://registry.io/a:b", /not a URL/],
    ["", /empty/],
    ["reg.io//a", /empty path component/],
    ["reg.io/a-/b", /path component "a-"/],
    ["reg.io:99999/a", /port "99999"/],
    ["my image:1", /whitespace/],
    [`${"a".repeat(256)}`, /at most 255/],
  ])("rejects %s", (text, pattern) => {
    const r = parseImageReference(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(/^invalid reference format: /);
      expect(r.message).toMatch(pattern);
    }
  });
});

describe("DNS-1123 names", () => {
  it.each([
    ["a", true, true],
    ["workspace-phi-3", true, true],
    ["a.b", false, true],
    ["A", false, false],
    ["-a", false, false],
    ["a_b", false, false],
    ["a".repeat(63), true, true],
    ["a".repeat(64), false, true],
    ["", false, false],
    ["a..b", false, false],
    [`${"a".repeat(250)}.bcd`, false, false],
  ])("%s → label %s, subdomain %s", (name, label, subdomain) => {
    expect(isDns1123Label(name)).toBe(label);
    expect(isDns1123Subdomain(name)).toBe(subdomain);
  });
});

describe("validateInputUrl", () => {
  it.each([
    "https://huggingface.co/datasets/x/resolve/main/train.parquet?download=true",
    "http://example.com/data.jsonl",
    "https://8.8.8.8/file",
    "https://[2001:4860::8888]/file",
  ])("accepts %s", (u) => {
    expect(validateInputUrl(u).ok).toBe(true);
  });

  // third column: Kaito's v1beta1 webhook rejects it too (Go's net.ParseIP and its host list, compat §1.6)
  it.each([
    ["ftp://example.com/x", /scheme "ftp"/, true],
    ["file:///etc/passwd", /scheme "file"/, true],
    ["s3://bucket/key", /scheme "s3"/, true],
    ["not a url", /not an absolute URL/, true],
    [" https://example.com/x", /spaces/, true],
    ["https://example.com/x ", /spaces/, false],
    ["", /empty/, true],
    ["http://localhost:8080/x", /localhost/, true],
    ["http://api.localhost/x", /localhost/, true],
    ["http://LOCALHOST./x", /localhost/, false],
    ["http://169.254.169.254/latest/meta-data", /metadata/, true],
    ["http://metadata.google.internal/computeMetadata/v1", /metadata/, true],
    ["http://Metadata.Google/x", /metadata/, true],
    ["http://metadata.google.internal./x", /metadata/, false],
    ["http://metadata.azure.com/x", /metadata/, false],
    ["http://100.100.100.200/x", /metadata/, false],
    ["http://127.0.0.1/x", /loopback/, true],
    ["http://127.1/x", /loopback/, false],
    ["http://2130706433/x", /loopback/, false],
    ["http://0x7f000001/x", /loopback/, false],
    ["http://0x7f.0.0.1/x", /loopback/, false],
    ["http://0177.0.0.1/x", /loopback/, false],
    ["http://10.0.0.1/x", /private/, true],
    ["http://172.16.5.4/x", /private/, true],
    ["http://192.168.1.10/x", /private/, true],
    ["http://169.254.1.1/x", /link-local/, true],
    ["http://224.0.0.251/x", /multicast/, true],
    ["http://239.1.2.3/x", /multicast/, false],
    ["http://100.64.0.1/x", /shared/, false],
    ["http://0.0.0.0/x", /unspecified/, false],
    ["http://[::1]/x", /loopback/, true],
    ["http://[::]/x", /unspecified/, false],
    ["http://[fe80::1]/x", /link-local/, true],
    ["http://[fd12:3456::1]/x", /private/, true],
    ["http://[ff02::1]/x", /multicast/, true],
    ["http://[ff05::1]/x", /multicast/, false],
    ["http://[fec0::1]/x", /site-local/, false],
    ["http://[::ffff:127.0.0.1]/x", /IPv4-mapped.*loopback/, true],
    ["http://[::ffff:10.1.2.3]/x", /IPv4-mapped.*private/, true],
    ["http://[::127.0.0.1]/x", /IPv4-mapped.*loopback/, false],
    ["http://[::ffff:169.254.169.254]/x", /IPv4-mapped.*metadata/, true],
    ["http://[64:ff9b::7f00:1]/x", /NAT64.*loopback/, false],
    ["http://[fd00:ec2::254]/x", /metadata/, true],
  ] as const)("rejects %s", (u, pattern, kaito) => {
    const r = validateInputUrl(u);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(pattern);
      expect(r.kaitoRejects).toBe(kaito);
    }
  });
});

describe("validateTuningConfigYaml", () => {
  it("accepts the default templates for their methods", () => {
    const q = validateTuningConfigYaml(QLORA_TEMPLATE, "qlora");
    expect(q.problems).toEqual([]);
    expect(q.dtypes).toEqual({ torchDtype: "bfloat16", bnb4bitComputeDtype: "bfloat16" });
    const l = validateTuningConfigYaml(LORA_TEMPLATE, "LoRA");
    expect(l.problems).toEqual([]);
    expect(l.dtypes).toEqual({ torchDtype: "bfloat16" });
  });

  it.each([
    ["training_config: [", "qlora", "TUNING_CONFIG_INVALID_YAML", ""],
    ["other: {}", "qlora", "TUNING_CONFIG_NOT_MAP", "training_config"],
    ["training_config: 5", "qlora", "TUNING_CONFIG_NOT_MAP", "training_config"],
    [
      "training_config:\n  QuantizationConfig: {load_in_4bit: true}\n  Foo: {}",
      "qlora",
      "TUNING_CONFIG_UNKNOWN_SECTION",
      "training_config.Foo",
    ],
    [
      "training_config:\n  QuantizationConfig: {load_in_4bit: true}\n  LoRAConfig: {}",
      "qlora",
      "TUNING_CONFIG_UNKNOWN_SECTION",
      "training_config.LoRAConfig",
    ],
    [
      "training_config:\n  QuantizationConfig: {load_in_4bit: 'true'}",
      "qlora",
      "TUNING_CONFIG_QUANTIZATION_TYPE",
      "training_config.QuantizationConfig.load_in_4bit",
    ],
    [
      "training_config:\n  QuantizationConfig: {load_in_8bit: 1}",
      "lora",
      "TUNING_CONFIG_QUANTIZATION_TYPE",
      "training_config.QuantizationConfig.load_in_8bit",
    ],
    [
      "training_config:\n  QuantizationConfig: {load_in_4bit: true, load_in_8bit: true}",
      "qlora",
      "TUNING_CONFIG_QUANTIZATION_BOTH",
      "training_config.QuantizationConfig",
    ],
    [
      "training_config:\n  QuantizationConfig: {load_in_4bit: true}",
      "lora",
      "TUNING_CONFIG_LORA_QUANTIZED",
      "training_config.QuantizationConfig",
    ],
    [
      "training_config:\n  QuantizationConfig: {load_in_8bit: true}",
      "lora",
      "TUNING_CONFIG_LORA_QUANTIZED",
      "training_config.QuantizationConfig",
    ],
    [
      "training_config:\n  LoraConfig: {r: 8}",
      "qlora",
      "TUNING_CONFIG_QLORA_UNQUANTIZED",
      "training_config.QuantizationConfig",
    ],
    [
      "training_config:\n  QuantizationConfig: {load_in_4bit: false}",
      "qlora",
      "TUNING_CONFIG_QLORA_UNQUANTIZED",
      "training_config.QuantizationConfig",
    ],
    [
      "training_config:\n  TrainingArguments: {output_dir: 5}",
      "lora",
      "TUNING_CONFIG_OUTPUT_DIR",
      "training_config.TrainingArguments.output_dir",
    ],
    [
      "training_config:\n  TrainingArguments: {output_dir: /tmp/out}",
      "lora",
      "TUNING_CONFIG_OUTPUT_DIR",
      "training_config.TrainingArguments.output_dir",
    ],
    [
      "training_config:\n  TrainingArguments: {output_dir: /mnt}",
      "lora",
      "TUNING_CONFIG_OUTPUT_DIR",
      "training_config.TrainingArguments.output_dir",
    ],
    [
      "training_config:\n  TrainingArguments: {output_dir: /mnt/../etc}",
      "lora",
      "TUNING_CONFIG_OUTPUT_DIR",
      "training_config.TrainingArguments.output_dir",
    ],
    [
      "training_config:\n  TrainingArguments: {output_dir: ../etc}",
      "lora",
      "TUNING_CONFIG_OUTPUT_DIR",
      "training_config.TrainingArguments.output_dir",
    ],
  ])("%j (%s) → %s at %s", (text, method, code, path) => {
    const r = validateTuningConfigYaml(text, method);
    expect(r.valid).toBe(false);
    expect(r.problems).toContainEqual(expect.objectContaining({ code, path }));
  });

  it.each(["/mnt/a/../results", "results", "./out/run1"])(
    "accepts output_dir %s (relative joins under /mnt)",
    (dir) => {
      const r = validateTuningConfigYaml(`training_config:\n  TrainingArguments: {output_dir: ${dir}}`, "lora");
      expect(r.problems).toEqual([]);
    },
  );
});

describe("sanitizeLabelSelector", () => {
  it("keeps matchLabels and converts single-value In", () => {
    const r = sanitizeLabelSelector({
      matchLabels: { app: "x", "kaito.sh/workspace": "w" },
      matchExpressions: [{ key: "tier", operator: "In", values: ["gpu"] }],
    });
    expect(r).toEqual({ ok: true, matchLabels: { app: "x", tier: "gpu" }, dropped: ["kaito.sh/workspace"] });
  });
  it("accepts an empty selector", () => {
    expect(sanitizeLabelSelector({ matchLabels: {} })).toEqual({ ok: true, matchLabels: {}, dropped: [] });
  });
  it.each([
    [{ matchLabels: { "kaito.sh/workspace": "w" } }, "LABEL_SELECTOR_ONLY_RESERVED"],
    [{ matchExpressions: [{ key: "a", operator: "NotIn", values: ["b"] }] }, "LABEL_SELECTOR_INVALID"],
    [{ matchExpressions: [{ key: "a", operator: "In", values: ["b", "c"] }] }, "LABEL_SELECTOR_INVALID"],
    [{ matchExpressions: [{ key: "a", operator: "Exists" }] }, "LABEL_SELECTOR_INVALID"],
    [
      { matchLabels: { a: "b" }, matchExpressions: [{ key: "a", operator: "In", values: ["c"] }] },
      "LABEL_SELECTOR_INVALID",
    ],
    [{ matchLabels: { "bad key!": "b" } }, "LABEL_SELECTOR_INVALID"],
    [{ matchLabels: { a: "-bad" } }, "LABEL_SELECTOR_INVALID"],
  ])("rejects %j with %s", (sel, code) => {
    const r = sanitizeLabelSelector(sel);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe(code);
  });
});

describe("validateInferenceConfigYaml", () => {
  it.each([
    ["vllm:\n  max-model-len: 4096", undefined],
    ["vllm:\n  gpu-memory-utilization: 0.9", undefined],
    ["", undefined],
  ])("accepts %j", (text) => {
    expect(validateInferenceConfigYaml(text, 4096)).toEqual([]);
  });
  it.each([
    ["vllm: [", "INFERENCE_CONFIG_INVALID_YAML"],
    ["vllm:\n  max-model-len: '4096'", "INFERENCE_CONFIG_MAX_MODEL_LEN"],
    ["vllm:\n  max-model-len: 40.5", "INFERENCE_CONFIG_MAX_MODEL_LEN"],
    ["vllm:\n  max-model-len: 8192", "INFERENCE_CONFIG_MAX_MODEL_LEN"],
  ])("rejects %j", (text, code) => {
    expect(validateInferenceConfigYaml(text, 4096)).toContainEqual(expect.objectContaining({ code }));
  });
});

describe("findPlaceholders", () => {
  it.each([
    ["ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1", ["ACR_REPO_HERE", "IMAGE_NAME_HERE"]],
    ["ACR_REGISTRY_SECRET_HERE", ["ACR_REGISTRY_SECRET_HERE"]],
    ["<your-registry>/img", ["<your-registry>", "your-registry"]],
    ["YOUR_TOKEN", ["YOUR_TOKEN"]],
    ["$" + "{REGISTRY}/x", ["$" + "{REGISTRY}"]],
    ["registry-push-secret", []],
    ["localhost:5000/tuning/phi-3-adapter:0.0.1", []],
  ])("%s → %j", (value, expected) => {
    expect(findPlaceholders(value)).toEqual(expected);
  });
});
