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
import {
  annotationsOf,
  at,
  checkImageReference,
  checkSecretName,
  type IssueList,
  nonEmpty,
  type Operation,
  type RuleEnv,
} from "./common.ts";
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
      "INFERENCE_PRESET_TEMPLATE_EXACTLY_ONE",
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
          "RUNTIME_UNSUPPORTED_BY_PRESET",
          at("inference", "preset", "name"),
          `preset ${preset.name} cannot run on the Hugging Face Transformers runtime (it has no transformers command)`,
          `Remove the ${WorkspaceAnnotation.Runtime}: transformers annotation to serve it with vLLM`,
        );
      }
      if (env.runtime === "vllm" && !preset.loraAllowedInVllm && (inference.adapters?.length ?? 0) > 0) {
        out.error(
          "ADAPTERS_UNSUPPORTED_BY_PRESET",
          at("inference", "adapters"),
          `vLLM cannot load LoRA adapters for preset ${preset.name}`,
          `Remove the adapters, or use the transformers runtime (${WorkspaceAnnotation.Runtime}: transformers)`,
        );
      }
    }
    checkModelAccessSecret(ws, inference, env, out, preset, resolved?.kind === "huggingface");
    if (sku !== undefined && preset !== undefined) checkNapFit(ws, env, out, preset, sku);
    checkByoNodes(ws, env, out, preset);
  }

  if (env.runtime === "vllm") {
    // Kaito checks this with the preset's runtime parameters, so only for presets; with a pod template it accepts.
    const severity = inference.preset !== undefined ? "error" : "warning";
    inference.adapters?.forEach((a, i) => {
      if (a.strength !== undefined) {
        out.add(
          severity,
          "ADAPTER_STRENGTH_VLLM",
          at("inference", "adapters", i, "strength"),
          severity === "error"
            ? "vLLM does not support adapter strength"
            : "vLLM does not support adapter strength; Kaito does not check it for a pod template, so the Workspace is accepted and strength has no effect",
          `Remove strength, or use the transformers runtime (${WorkspaceAnnotation.Runtime}: transformers)`,
        );
      }
    });
  }
  checkInferenceContent(inference, out, "create");
  checkInferenceConfig(inference, env, out, preset);
}

/**
 * Stateless content rules of `inference` that also apply on update (adapters, pull secrets, private image). The
 * deprecated `presetOptions.image` and `presetOptions.imagePullSecrets` are not checked by Kaito and not needed by
 * current Kaito (it pulls preset weights itself), so problems there are warnings.
 */
export function checkInferenceContent(inference: InferenceSpec, out: IssueList, operation: Operation): void {
  checkAdapters(inference.adapters, out, operation);
  const opts = inference.preset?.presetOptions;
  const image = nonEmpty(opts?.image);
  if (image !== undefined) {
    checkImageReference(
      out,
      ["inference", "preset", "presetOptions", "image"],
      image,
      "myregistry.azurecr.io/kaito-phi-3-mini-4k-instruct:0.2.0",
      "warning",
    );
  }
  opts?.imagePullSecrets?.forEach((s, i) => {
    checkSecretName(
      out,
      ["inference", "preset", "presetOptions", "imagePullSecrets", i],
      s,
      "image pull secret",
      "warning",
    );
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
  ws: Workspace,
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
    // Stricter than Kaito v0.12 (its catalog marks no model as gated): without a token the download of a gated
    // model always fails — unless the weights come from the node's disk (kaito.sh/use-local-weights: "true").
    const localWeights = annotationsOf(ws)[WorkspaceAnnotation.UseLocalWeights] === "true";
    out.add(
      localWeights ? "warning" : "error",
      "MODEL_ACCESS_SECRET_REQUIRED",
      path,
      localWeights
        ? `preset ${preset.name} is gated on Hugging Face; without modelAccessSecret only the node's local weights (${WorkspaceAnnotation.UseLocalWeights}) can serve it`
        : `Required value: preset ${preset.name} is gated on Hugging Face and needs modelAccessSecret`,
      "Create a Secret with key HF_TOKEN in the Workspace's namespace and name it in presetOptions.modelAccessSecret",
    );
  }
  if (secret !== undefined && !preset.downloadAtRuntime && !huggingface) {
    out.warn(
      "MODEL_ACCESS_SECRET_UNNEEDED",
      path,
      `modelAccessSecret has no effect: it is only used for models downloaded at run time, and preset ${preset.name} ships its weights in an image`,
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
      "INFERENCE_CONFIG_NOT_FOUND",
      path,
      `ConfigMap ${JSON.stringify(name)} not found in namespace ${JSON.stringify(env.namespace)}`,
      `Create it with a ${ConfigMapKey.InferenceConfig} key, or remove inference.config`,
    );
    return;
  }
  const text = cm.data[ConfigMapKey.InferenceConfig];
  if (text === undefined) {
    out.error(
      "INFERENCE_CONFIG_KEY_MISSING",
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
