/**
 * Rules on `inference`: preset xor template, preset resolution and runtime support, adapters, model access secret,
 * the inference ConfigMap, and the SKU/BYO/fit checks that need the preset.
 * @internal
 */

import { ConfigMapKey, WorkspaceAnnotation } from "../../constants/index.ts";
import type { InferenceSpec, Workspace } from "../../schema/index.ts";
import type { PresetInfo } from "../context.ts";
import { validateInferenceConfigYaml } from "../inference-config.ts";
import { checkAdapters } from "./adapters.ts";
import { at, checkImageReference, checkSecretName, type IssueList, nonEmpty, type RuleEnv } from "./common.ts";
import { checkPresetName, checkPresetOptionsDeprecations } from "./preset.ts";
import { checkByoNodes, checkNapFit, checkPartitionForInference, checkSku } from "./resource.ts";

const MODEL_ACCESS_SECRET_PATH = at("inference", "preset", "presetOptions", "modelAccessSecret");
const INFERENCE_CONFIG_PATH = at("inference", "config");

/** Every create rule of an inference Workspace. */
export function checkInferenceCreate(ws: Workspace, inference: InferenceSpec, env: RuleEnv, out: IssueList): void {
  const hasPreset = inference.preset !== undefined;
  const hasTemplate = inference.template !== undefined;
  if (hasPreset === hasTemplate) {
    out.error(
      "inference-preset-template-exactly-one",
      at("inference"),
      hasPreset
        ? "preset and template are mutually exclusive: set exactly one"
        : "Required value: exactly one of preset or template must be set",
      hasPreset ? "Remove template to serve the preset, or remove preset to run your own pod template" : undefined,
    );
  }
  checkPartitionForInference(ws, env, out);
  const sku = checkSku(ws, env, out, "inference");

  let preset: PresetInfo | undefined;
  if (inference.preset !== undefined) {
    const resolved = checkPresetName(inference.preset.name, ["inference", "preset", "name"], env, out);
    if (resolved?.kind === "preset") preset = resolved.preset;
    checkPresetOptionsDeprecations(inference.preset, ["inference", "preset"], env, out);
    if (preset !== undefined) {
      if (env.runtime === "transformers" && !preset.supportsTransformers) {
        out.error(
          "runtime-unsupported-by-preset",
          at("inference", "preset", "name"),
          `preset ${preset.name} cannot run on the Hugging Face Transformers runtime (it has no transformers command)`,
          `Remove the ${WorkspaceAnnotation.Runtime}: transformers annotation to serve it with vLLM`,
        );
      }
      if (env.runtime === "vllm" && !preset.loraAllowedInVllm && (inference.adapters?.length ?? 0) > 0) {
        out.error(
          "adapters-unsupported-by-preset",
          at("inference", "adapters"),
          `vLLM cannot load LoRA adapters for preset ${preset.name}`,
          `Remove the adapters, or use the transformers runtime (${WorkspaceAnnotation.Runtime}: transformers)`,
        );
      }
    }
    checkModelAccessSecret(inference, env, out, preset, resolved?.kind === "huggingface");
    if (sku !== undefined && preset !== undefined) checkNapFit(ws, env, out, preset, sku);
    checkByoNodes(ws, env, out, preset);
  }

  if (env.runtime === "vllm") {
    inference.adapters?.forEach((a, i) => {
      if (a.strength !== undefined) {
        out.error(
          "adapter-strength-vllm",
          at("inference", "adapters", i, "strength"),
          "vLLM does not support adapter strength",
          `Remove strength, or use the transformers runtime (${WorkspaceAnnotation.Runtime}: transformers)`,
        );
      }
    });
  }
  checkInferenceContent(inference, out);
  checkInferenceConfig(inference, env, out, preset);
}

/** Stateless content rules of `inference` that also apply on update (adapters, pull secrets, private image). */
export function checkInferenceContent(inference: InferenceSpec, out: IssueList): void {
  checkAdapters(inference.adapters, out);
  const opts = inference.preset?.presetOptions;
  const image = nonEmpty(opts?.image);
  if (image !== undefined) {
    checkImageReference(
      out,
      ["inference", "preset", "presetOptions", "image"],
      image,
      "myregistry.azurecr.io/kaito-phi-3-mini-4k-instruct:0.2.0",
    );
  }
  opts?.imagePullSecrets?.forEach((s, i) => {
    checkSecretName(out, ["inference", "preset", "presetOptions", "imagePullSecrets", i], s, "image pull secret");
  });
  const mas = nonEmpty(opts?.modelAccessSecret);
  if (mas !== undefined) {
    checkSecretName(
      out,
      ["inference", "preset", "presetOptions", "modelAccessSecret"],
      mas,
      "Hugging Face token secret",
    );
  }
}

function checkModelAccessSecret(
  inference: InferenceSpec,
  env: RuleEnv,
  out: IssueList,
  preset: PresetInfo | undefined,
  huggingface: boolean,
): void {
  if (env.apiVersion !== "kaito.sh/v1beta1" || inference.preset === undefined) return;
  const secret = nonEmpty(inference.preset.presetOptions?.modelAccessSecret);
  const path = MODEL_ACCESS_SECRET_PATH;
  if (preset === undefined) return;
  if (preset.downloadAuthRequired && secret === undefined) {
    out.error(
      "model-access-secret-required",
      path,
      `Required value: preset ${preset.name} is gated on Hugging Face and needs modelAccessSecret`,
      "Create a Secret with key HF_TOKEN in the Workspace's namespace and name it in presetOptions.modelAccessSecret",
    );
  }
  if (secret !== undefined && !preset.downloadAtRuntime && !huggingface) {
    out.error(
      "model-access-secret-unneeded",
      path,
      `modelAccessSecret is only used for models downloaded at run time; preset ${preset.name} ships its weights in an image`,
      "Remove modelAccessSecret",
    );
  }
}

function checkInferenceConfig(
  inference: InferenceSpec,
  env: RuleEnv,
  out: IssueList,
  preset: PresetInfo | undefined,
): void {
  const name = nonEmpty(inference.config);
  const cluster = env.ctx.cluster;
  if (name === undefined || env.runtime !== "vllm" || cluster === undefined) return;
  const path = INFERENCE_CONFIG_PATH;
  const cm = cluster.getConfigMap(env.namespace, name);
  if (cm === undefined) {
    out.error(
      "inference-config-not-found",
      path,
      `ConfigMap ${JSON.stringify(name)} not found in namespace ${JSON.stringify(env.namespace)}`,
      `Create it with a ${ConfigMapKey.InferenceConfig} key, or remove inference.config`,
    );
    return;
  }
  const text = cm.data[ConfigMapKey.InferenceConfig];
  if (text === undefined) {
    out.error(
      "inference-config-key-missing",
      path,
      `ConfigMap ${JSON.stringify(name)} has no ${ConfigMapKey.InferenceConfig} key`,
      `Keys found: ${Object.keys(cm.data).join(", ") || "none"}`,
    );
    return;
  }
  for (const p of validateInferenceConfigYaml(text, preset?.contextLimit)) {
    out.error(p.code, path, `ConfigMap ${JSON.stringify(name)}: ${p.message}`, p.hint);
  }
}
