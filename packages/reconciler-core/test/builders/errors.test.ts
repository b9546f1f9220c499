/**
 * Bad input: Workspaces that passed admission (or skipped it) but that the builders cannot serve. One row per
 * problem, with the code and a message that names the field and says what to change; a test fails when a builder
 * code has no row.
 */
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { WorkspaceInput } from "@kaito-ts/workspace-types";
import { describe, expect, it } from "vitest";
import { type ReconcilerErrorCode, isReconcilerError } from "../../src/errors.ts";
import {
  type BuildOptionsInput,
  buildWorkspaceObjects,
  computeWorkspaceHash,
  resolveBuildOptions,
  toBuildWorkspace,
  type WorkspaceObjectsInput,
} from "../../src/index.ts";

/** The codes the builders throw. */
const BUILDER_CODES: readonly ReconcilerErrorCode[] = [
  "UNKNOWN_PRESET",
  "UNKNOWN_INSTANCE_TYPE",
  "NODE_ESTIMATE_FAILED",
  "UNSUPPORTED_RUNTIME",
  "PRESET_NOT_TUNABLE",
  "TUNING_CONFIG_INVALID",
  "INFERENCE_CONFIG_INVALID",
  "REVISION_CONFLICT",
  "INVALID_WORKSPACE",
];

type Obj = WorkspaceInput & Record<string, unknown>;

function inference(): Obj {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name: "ws", namespace: "ns", uid: "u" },
    resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { apps: "x" } } },
    inference: { preset: { name: "phi-3-mini-4k-instruct" } },
  } as Obj;
}

function tuning(): Obj {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name: "ws", namespace: "ns", uid: "u" },
    resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { apps: "x" } } },
    tuning: {
      preset: { name: "phi-3-mini-4k-instruct" },
      method: "lora",
      input: { urls: ["https://example.com/data.parquet"] },
      output: { image: "registry.example.com/a:1", imagePushSecret: "push" },
    },
  } as Obj;
}

const cm = (key: string, text: string): V1ConfigMap => ({
  metadata: { name: "cfg", namespace: "ns" },
  data: { [key]: text },
});

interface Row {
  readonly problem: string;
  readonly ws: () => Obj;
  readonly observed?: WorkspaceObjectsInput;
  readonly options?: BuildOptionsInput;
  readonly code: ReconcilerErrorCode;
  /** The message must match: it names the field/object and says what to do. */
  readonly message: RegExp;
}

const withInference = (patch: Record<string, unknown>, annotations?: Record<string, string>) => () => {
  const w = inference();
  Object.assign(w.inference as object, patch);
  if (annotations) w.metadata.annotations = annotations;
  return w;
};
const withTuning = (patch: Record<string, unknown>) => () => {
  const w = tuning();
  Object.assign(w.tuning as object, patch);
  return w;
};
const withResource =
  (patch: Record<string, unknown>, base = inference) =>
  () => {
    const w = base();
    Object.assign(w.resource, patch);
    return w;
  };

const ROWS: readonly Row[] = [
  {
    problem: "inference preset not in this catalog version",
    ws: withInference({ preset: { name: "contoso/unknown-model" } }),
    code: "UNKNOWN_PRESET",
    message: /inference\.preset\.name "contoso\/unknown-model" is not a preset of this catalog version; use a preset/,
  },
  {
    problem: "misspelt preset gets a suggestion",
    ws: withInference({ preset: { name: "phi-3-mini-4k-instrct" } }),
    code: "UNKNOWN_PRESET",
    message: /did you mean phi-3-mini-4k-instruct/,
  },
  {
    problem: "listed but unresolvable preset (falcon)",
    ws: withInference({ preset: { name: "falcon-7b" } }),
    code: "UNKNOWN_PRESET",
    message: /inference\.preset\.name "falcon-7b" is listed but cannot be resolved/,
  },
  {
    problem: "deprecated preset",
    ws: withInference({ preset: { name: "phi-2" } }),
    code: "UNKNOWN_PRESET",
    message: /"phi-2" is deprecated/,
  },
  {
    problem: "tuning preset unknown",
    ws: withTuning({ preset: { name: "nope-7b" } }),
    code: "UNKNOWN_PRESET",
    message: /tuning\.preset\.name "nope-7b"/,
  },
  {
    problem: "instance type not in the cloud's table",
    ws: withResource({ instanceType: "Standard_ND999_v9" }),
    code: "UNKNOWN_INSTANCE_TYPE",
    message: /resource\.instanceType "Standard_ND999_v9" is not in the azure SKU table.*kaito skus --cloud azure/,
  },
  {
    problem: "Azure SKU on AWS",
    ws: inference,
    options: { cloud: "aws" },
    code: "UNKNOWN_INSTANCE_TYPE",
    message: /not in the aws SKU table/,
  },
  {
    problem: "BYO nodes without GPU labels",
    ws: withResource({ instanceType: undefined }),
    options: { nodeProvisioner: "byo" },
    code: "UNKNOWN_INSTANCE_TYPE",
    message: /label the nodes selected by resource\.labelSelector with nvidia\.com\/gpu\.product/,
  },
  {
    problem: "model larger than a node and not distributable",
    ws: () => {
      const w = withResource({ instanceType: "Standard_NV36ads_A10_v5" })();
      (w.inference as { preset: { name: string } }).preset.name = "phi-4";
      return w;
    },
    code: "NODE_ESTIMATE_FAILED",
    message: /cannot size phi-4 on Standard_NV36ads_A10_v5: .*does not support distributed inference/,
  },
  {
    problem: "max-model-len whose KV cache does not fit the GPUs",
    ws: () => {
      const w = withInference({ preset: { name: "phi-3-mini-128k-instruct" }, config: "cfg" })();
      w.resource.instanceType = "Standard_NV36ads_A10_v5";
      return w;
    },
    observed: { inferenceConfigMap: cm("inference_config.yaml", "vllm:\n  max-model-len: 131072\n") },
    code: "NODE_ESTIMATE_FAILED",
    message: /GPU memory of instance type Standard_NV36ads_A10_v5 is too small .* lower vllm\.max-model-len/,
  },
  {
    problem: "transformers runtime for a vLLM-only preset",
    ws: () => {
      const w = withInference({ preset: { name: "phi-4-mini-instruct" } }, { "kaito.sh/runtime": "transformers" })();
      return w;
    },
    code: "UNSUPPORTED_RUNTIME",
    message: /phi-4-mini-instruct cannot run on the transformers runtime; remove the annotation kaito\.sh\/runtime/,
  },
  {
    problem: "adapter strength with vLLM",
    ws: withInference({ adapters: [{ source: { name: "a", image: "r/a:1" }, strength: "0.5" }] }),
    code: "UNSUPPORTED_RUNTIME",
    message: /vLLM does not support adapter strength \(inference\.adapters\[0\]\.strength\)/,
  },
  {
    problem: "preset cannot be tuned",
    ws: withTuning({ preset: { name: "llama-3.1-8b-instruct" } }),
    code: "PRESET_NOT_TUNABLE",
    message: /llama-3\.1-8b-instruct cannot be tuned with lora \(it has no tuning support\); pick a tunable preset/,
  },
  {
    problem: "tuning ConfigMap not found",
    ws: withTuning({ config: "cfg" }),
    code: "TUNING_CONFIG_INVALID",
    message: /tuning ConfigMap ns\/cfg \(tuning\.config\) was not found; create it/,
  },
  {
    problem: "tuning ConfigMap without training_config.yaml",
    ws: withTuning({ config: "cfg" }),
    observed: { tuningConfigMap: cm("config.yaml", "x: 1") },
    code: "TUNING_CONFIG_INVALID",
    message: /has no key training_config\.yaml; put the training configuration under that key/,
  },
  {
    problem: "tuning ConfigMap that is not YAML",
    ws: withTuning({ config: "cfg" }),
    observed: { tuningConfigMap: cm("training_config.yaml", "training_config: [unclosed") },
    code: "TUNING_CONFIG_INVALID",
    message: /not valid YAML/,
  },
  {
    problem: "lora with 4-bit quantization",
    ws: withTuning({ config: "cfg" }),
    observed: {
      tuningConfigMap: cm("training_config.yaml", "training_config:\n  QuantizationConfig:\n    load_in_4bit: true\n"),
    },
    code: "TUNING_CONFIG_INVALID",
    message: /training_config\.QuantizationConfig: method lora does not quantize the model/,
  },
  {
    problem: "output_dir outside /mnt",
    ws: withTuning({ config: "cfg" }),
    observed: {
      tuningConfigMap: cm("training_config.yaml", "training_config:\n  TrainingArguments:\n    output_dir: /etc\n"),
    },
    code: "TUNING_CONFIG_INVALID",
    message: /output_dir/,
  },
  {
    problem: "inference ConfigMap without inference_config.yaml",
    ws: withInference({ config: "cfg" }),
    observed: { inferenceConfigMap: cm("other.yaml", "x: 1") },
    code: "INFERENCE_CONFIG_INVALID",
    message: /ConfigMap ns\/cfg \(inference\.config\) has no key inference_config\.yaml/,
  },
  {
    problem: "max-model-len not a number",
    ws: withInference({ config: "cfg" }),
    observed: { inferenceConfigMap: cm("inference_config.yaml", "vllm:\n  max-model-len: lots\n") },
    code: "INFERENCE_CONFIG_INVALID",
    message: /vllm\.max-model-len must be a positive integer/,
  },
  {
    problem: "revision name taken by another hash",
    ws: inference,
    observed: {
      existingRevisions: [
        {
          metadata: {
            name: `ws-${computeWorkspaceHash(toBuildWorkspace(inference())).slice(0, 5)}`,
            namespace: "ns",
            labels: { "workspace.kaito.io/name": "ws" },
            annotations: { "workspace.kaito.io/hash": "0".repeat(64) },
          },
          revision: 1,
        },
      ],
    },
    code: "REVISION_CONFLICT",
    message: /revision name conflicts; delete that ControllerRevision/,
  },
  {
    problem: "no metadata.name",
    ws: () => ({ ...inference(), metadata: { namespace: "ns" } }) as Obj,
    code: "INVALID_WORKSPACE",
    message: /no metadata\.name; give the Workspace a name/,
  },
  {
    problem: "tuning input with two sources",
    ws: withTuning({ input: { urls: ["https://example.com/a"], image: "r/d:1" } }),
    code: "INVALID_WORKSPACE",
    message: /tuning\.input needs exactly one of urls, image, volumeSource \(got urls, image\)/,
  },
  {
    problem: "output image without push secret",
    ws: withTuning({ output: { image: "r/o:1" } }),
    code: "INVALID_WORKSPACE",
    message: /tuning\.output\.image needs tuning\.output\.imagePushSecret/,
  },
  {
    problem: "tuning method not lora/qlora",
    ws: withTuning({ method: "dora" }),
    code: "INVALID_WORKSPACE",
    message: /tuning\.method "dora" is not lora or qlora/,
  },
  {
    problem: "template without containers",
    ws: withInference({ preset: undefined, template: { spec: {} } }),
    code: "INVALID_WORKSPACE",
    message: /inference\.template must be a pod template with spec\.containers/,
  },
  {
    problem: "adapter without image or volume",
    ws: withInference({ adapters: [{ source: { name: "a" } }] }),
    code: "INVALID_WORKSPACE",
    message: /inference\.adapters\[0\] \(a\) has neither source\.image nor source\.volumeSource/,
  },
  {
    problem: "label selector Kaito cannot convert",
    ws: withResource({ labelSelector: { matchExpressions: [{ key: "a", operator: "NotIn", values: ["b"] }] } }),
    code: "INVALID_WORKSPACE",
    message: /resource\.labelSelector\.matchExpressions\[0\]: cannot convert expression/,
  },
];

describe("bad input", () => {
  for (const row of ROWS) {
    it(`${row.code}: ${row.problem}`, () => {
      let caught: unknown;
      try {
        buildWorkspaceObjects(row.ws(), row.observed ?? {}, resolveBuildOptions(row.options));
      } catch (e) {
        caught = e;
      }
      expect(isReconcilerError(caught), String(caught)).toBe(true);
      if (!isReconcilerError(caught)) return;
      expect(caught.code).toBe(row.code);
      expect(caught.message).toMatch(row.message);
      expect(caught.message).not.toMatch(/undefined|\[object Object\]/);
    });
  }

  it("has a row for every builder error code", () => {
    const covered = new Set(ROWS.map((r) => r.code));
    expect(BUILDER_CODES.filter((c) => !covered.has(c))).toEqual([]);
  });
});
