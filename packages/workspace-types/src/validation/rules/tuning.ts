/**
 * Rules on `tuning`: preset and method, the training ConfigMap, input and output, resource limits, and the bf16
 * warning.
 * @internal
 */

import { ConfigMapKey, DefaultTuningTemplate } from "../../constants/index.ts";
import type { TuningSpec, Workspace } from "../../schema/index.ts";
import type { PresetInfo, SkuInfo, TuningMethod } from "../context.ts";
import { type TuningConfigCheck, validateTuningConfigYaml } from "../tuning-config.ts";
import { memoizeStringCheck } from "../memo.ts";
import { validateInputUrl } from "../url.ts";
import {
  at,
  checkImageReference,
  checkSecretName,
  type IssueList,
  nonEmpty,
  type Operation,
  type RuleEnv,
  type Severity,
} from "./common.ts";
import { checkPresetName, checkPresetOptionsDeprecations } from "./preset.ts";
import { checkSku } from "./resource.ts";

const TUNING_PRESET_NAME_PATH = at("tuning", "preset", "name");
const TUNING_CONFIG_PATH = at("tuning", "config");
const TUNING_INPUT_PATH = at("tuning", "input");
const TUNING_OUTPUT_PATH = at("tuning", "output");
const INPUT_IMAGE_SEGMENTS = ["tuning", "input", "image"] as const;
const OUTPUT_IMAGE_SEGMENTS = ["tuning", "output", "image"] as const;
const PUSH_SECRET_SEGMENTS = ["tuning", "output", "imagePushSecret"] as const;
const PUSH_SECRET_PATH = at(...PUSH_SECRET_SEGMENTS);

function asMethod(method: string | undefined): TuningMethod | undefined {
  const m = method?.toLowerCase();
  return m === "lora" || m === "qlora" ? m : undefined;
}

/** Every create rule of a tuning Workspace. */
export function checkTuningCreate(ws: Workspace, tuning: TuningSpec, env: RuleEnv, out: IssueList): void {
  const method = asMethod(tuning.method);
  if (method === undefined) {
    out.error(
      "TUNING_METHOD_INVALID",
      at("tuning", "method"),
      tuning.method === undefined || tuning.method === ""
        ? "Required value: tuning method must be lora or qlora"
        : `Unsupported value: ${JSON.stringify(tuning.method)}: supported values: "lora", "qlora"`,
      "qlora trains a 4-bit quantized model (less GPU memory); lora trains in full precision",
    );
  } else if (tuning.method !== method && nonEmpty(tuning.config) === undefined) {
    out.warn(
      "TUNING_METHOD_CASE",
      at("tuning", "method"),
      `method ${JSON.stringify(tuning.method)} is accepted, but Kaito's controller picks the default template case-sensitively`,
      `Write "${method}"`,
    );
  }

  let preset: PresetInfo | undefined;
  if (tuning.preset === undefined) {
    out.error(
      "TUNING_PRESET_REQUIRED",
      at("tuning", "preset"),
      "Required value: tuning needs a preset (the base model to tune)",
      "Set tuning.preset.name to a preset that supports tuning, e.g. phi-3-mini-4k-instruct",
    );
  } else {
    checkPresetOptionsDeprecations(tuning.preset, ["tuning", "preset"], env, out);
    const r = checkPresetName(tuning.preset.name, ["tuning", "preset", "name"], env, out);
    const path = TUNING_PRESET_NAME_PATH;
    // The catalog names the tunable presets; a lookup that cannot list them gets a hint without the list.
    const listed = env.ctx.presets?.tunablePresets?.();
    const tunableHint = listed
      ? `Tunable presets: ${listed.join(", ")}`
      : "Choose a preset whose catalog entry supports tuning (`kaito presets` lists them)";
    if (r?.kind === "huggingface") {
      out.error(
        "TUNING_PRESET_NOT_TUNABLE",
        path,
        `${tuning.preset.name} is not a Kaito preset: only catalog presets with tuning support can be tuned`,
        tunableHint,
      );
    } else if (r?.kind === "preset" && !r.preset.deprecated) {
      preset = r.preset;
      if (preset.tuningMethods.length === 0) {
        out.error("TUNING_PRESET_NOT_TUNABLE", path, `preset ${preset.name} does not support tuning`, tunableHint);
      } else if (method !== undefined && !preset.tuningMethods.includes(method)) {
        // Kaito has no per-preset list of methods: it accepts the Workspace (a catalog hint, not a rejection).
        out.warn(
          "TUNING_METHOD_UNSUPPORTED_BY_PRESET",
          at("tuning", "method"),
          `the catalog lists only ${preset.tuningMethods.join(", ")} for preset ${preset.name}; ${method} is accepted but untested`,
          `Supported: ${preset.tuningMethods.join(", ")}`,
        );
      }
    }
  }

  const r = ws.resource;
  if (r.count > 1) {
    out.error(
      "TUNING_COUNT",
      at("resource", "count"),
      `Invalid value: ${r.count}: tuning runs on a single node; resource.count must be 1`,
      "Set resource.count to 1 (or remove it)",
    );
  }
  if (r.partition !== undefined) {
    out.error(
      "TUNING_PARTITION",
      at("resource", "partition"),
      "partition is not supported for tuning",
      "Remove resource.partition",
    );
  }

  if (!env.ctx.nodeAutoProvisioning && nonEmpty(r.instanceType) === undefined) {
    out.warn(
      "TUNING_BYO_UNSUPPORTED",
      at("resource", "instanceType"),
      "Kaito sizes the tuning Job's GPU request from the instance type's SKU; with bring-your-own nodes and no instanceType its controller cannot create the Job",
      "Run tuning with node auto-provisioning and a listed SKU",
    );
  }
  checkTuningContent(tuning, env, out, "create");
  const config = method === undefined ? undefined : checkTrainingConfig(tuning, method, env, out);
  const sku = checkSku(ws, env, out, "tuning");
  if (sku !== undefined && config !== undefined) checkBf16(sku, config, tuning, method ?? "qlora", out);
}

/** Why a tuning input URL is not allowed, or `undefined` when it is (memoised: URLs repeat). */
interface InputUrlProblem {
  readonly message: string;
  /** Kaito's v1beta1 webhook rejects it too. */
  readonly kaito: boolean;
}

const inputUrlProblem = memoizeStringCheck((u: string): InputUrlProblem | undefined => {
  const res = validateInputUrl(u);
  if (res.ok) return undefined;
  return Object.freeze({
    message: `URL ${JSON.stringify(redactUrl(u))} is not allowed: ${res.reason}`,
    kaito: res.kaitoRejects,
  });
});

/** The input kinds that are set, e.g. `["urls", "image"]` (only built when the count is wrong). */
function inputKinds(input: TuningSpec["input"]): string[] {
  const kinds: string[] = [];
  if (input.urls !== undefined && input.urls.length > 0) kinds.push("urls");
  if (nonEmpty(input.image) !== undefined) kinds.push("image");
  if (input.volumeSource !== undefined) kinds.push("volumeSource");
  return kinds;
}

/**
 * Input and output rules that also apply on update (exactly one source/destination, URLs, images, secrets).
 * On update Kaito checks only the image references (and that `input.name` stays), so the other rules are warnings
 * there; v1alpha1 has no URL safety rules, so URL problems are warnings in v1alpha1. Image references and Secret
 * names are errors everywhere: an unparsable image cannot be pulled or pushed, and the pull/push Secrets are
 * projected into the pod, which cannot start while a Secret with an invalid name (one that cannot exist) is missing.
 */
export function checkTuningContent(tuning: TuningSpec, env: RuleEnv, out: IssueList, operation: Operation): void {
  const onUpdate = operation === "update";
  const createOnly: Severity = onUpdate ? "warning" : "error";
  // Kaito checks input URLs on create in v1beta1 only, and with a subset of kaito-ts's rules.
  const urlNotChecked = onUpdate
    ? "Kaito does not check input URLs on update"
    : env.apiVersion === "kaito.sh/v1alpha1"
      ? "Kaito v1alpha1 does not check input URLs"
      : undefined;
  const input = tuning.input;
  const urls = input.urls;
  const inImage = nonEmpty(input.image);
  const sourceCount =
    (urls !== undefined && urls.length > 0 ? 1 : 0) +
    (inImage !== undefined ? 1 : 0) +
    (input.volumeSource !== undefined ? 1 : 0);
  if (sourceCount !== 1) {
    out.add(
      createOnly,
      "TUNING_INPUT_EXACTLY_ONE",
      TUNING_INPUT_PATH,
      sourceCount === 0
        ? "Required value: exactly one of urls, image or volumeSource must be set"
        : `exactly one of urls, image or volumeSource must be set, found ${inputKinds(input).join(" and ")}`,
    );
  }
  if (urls !== undefined) {
    for (let i = 0; i < urls.length; i++) {
      const u = urls[i] as string;
      const problem = inputUrlProblem(u);
      if (problem !== undefined) {
        const why = urlNotChecked ?? (problem.kaito ? undefined : "Kaito's webhook accepts this URL");
        out.add(
          why === undefined ? "error" : "warning",
          "INPUT_URL_INVALID",
          at("tuning", "input", "urls", i),
          why === undefined ? problem.message : `${problem.message} (${why}; the data downloader will try it)`,
          "Use a public http(s) URL; for data inside the cluster use input.volumeSource or input.image",
        );
      }
    }
  }
  if (inImage !== undefined) {
    checkImageReference(out, INPUT_IMAGE_SEGMENTS, inImage, "myregistry.azurecr.io/datasets/my-data:0.0.1");
  }
  const pullSecrets = input.imagePullSecrets;
  if (pullSecrets !== undefined) {
    for (let i = 0; i < pullSecrets.length; i++) {
      checkSecretName(out, ["tuning", "input", "imagePullSecrets", i], pullSecrets[i] as string, "image pull secret");
    }
  }

  const output = tuning.output;
  const outImage = nonEmpty(output.image);
  const hasVolume = output.volumeSource !== undefined;
  if ((outImage !== undefined) === hasVolume) {
    out.add(
      createOnly,
      "TUNING_OUTPUT_EXACTLY_ONE",
      TUNING_OUTPUT_PATH,
      hasVolume
        ? "exactly one of image or volumeSource must be set, found both"
        : "Required value: exactly one of image or volumeSource must be set",
    );
  }
  const pushSecret = nonEmpty(output.imagePushSecret);
  if (outImage !== undefined) {
    checkImageReference(out, OUTPUT_IMAGE_SEGMENTS, outImage, "myregistry.azurecr.io/adapters/phi-3-adapter:0.0.1");
    if (pushSecret === undefined) {
      out.add(
        createOnly,
        "OUTPUT_PUSH_SECRET_REQUIRED",
        PUSH_SECRET_PATH,
        "Required value: an output image needs imagePushSecret (registry credentials for the push)",
        "kubectl create secret docker-registry <name> --docker-server=… --docker-username=… --docker-password=…",
      );
    }
  }
  if (pushSecret !== undefined) {
    checkSecretName(out, PUSH_SECRET_SEGMENTS, pushSecret, "image push secret");
  }
}

/** A URL without userinfo, query and fragment (they may carry credentials such as SAS tokens). */
export function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    const hidden = url.search !== "" || url.username !== "" || url.password !== "";
    return `${url.protocol}//${url.host}${url.pathname}${hidden ? "?…" : ""}`;
  } catch {
    return u.replace(/[?#].*$/, "?…");
  }
}

function checkTrainingConfig(
  tuning: TuningSpec,
  method: TuningMethod,
  env: RuleEnv,
  out: IssueList,
): (TuningConfigCheck & { source: string }) | undefined {
  const path = TUNING_CONFIG_PATH;
  const userConfig = nonEmpty(tuning.config);
  let text: string | undefined;
  let source: string;
  if (userConfig !== undefined) {
    source = `ConfigMap ${JSON.stringify(userConfig)}`;
    const cluster = env.ctx.cluster;
    if (cluster === undefined) return undefined;
    const cm = cluster.getConfigMap(env.namespace, userConfig);
    if (cm === undefined) {
      out.error(
        "TUNING_CONFIG_NOT_FOUND",
        path,
        `ConfigMap ${JSON.stringify(userConfig)} not found in namespace ${JSON.stringify(env.namespace)}`,
        `Create it with a ${ConfigMapKey.TrainingConfig} key, or remove tuning.config to use the default ${method} template`,
      );
      return undefined;
    }
    text = cm.data[ConfigMapKey.TrainingConfig];
    if (text === undefined) {
      out.error(
        "TUNING_CONFIG_KEY_MISSING",
        path,
        `ConfigMap ${JSON.stringify(userConfig)} has no ${ConfigMapKey.TrainingConfig} key`,
        `Keys found: ${Object.keys(cm.data).join(", ") || "none"}`,
      );
      return undefined;
    }
  } else {
    const templateName = DefaultTuningTemplate[method];
    source = `the default ${method} template (${templateName})`;
    if (env.ctx.tuningTemplates !== undefined) {
      try {
        text = env.ctx.tuningTemplates.trainingConfigYaml(method);
      } catch {
        text = undefined;
      }
    } else if (env.ctx.cluster !== undefined && env.ctx.releaseNamespace !== undefined) {
      text = env.ctx.cluster.getConfigMap(env.ctx.releaseNamespace, templateName)?.data[ConfigMapKey.TrainingConfig];
    } else {
      return undefined;
    }
    if (text === undefined) {
      out.error(
        "TUNING_CONFIG_NOT_FOUND",
        path,
        `the default ${method} tuning template ${templateName} was not found${env.ctx.releaseNamespace ? ` in namespace ${JSON.stringify(env.ctx.releaseNamespace)}` : ""}`,
        "Reinstall Kaito's chart (it ships the templates), or set tuning.config to your own ConfigMap",
      );
      return undefined;
    }
  }
  const check = validateTuningConfigYaml(text, method);
  for (const p of check.problems) {
    const where = p.path ? ` (${p.path})` : "";
    out.error(p.code, path, `${source}, ${ConfigMapKey.TrainingConfig}${where}: ${p.message}`, p.hint);
  }
  return { ...check, source };
}

function checkBf16(
  sku: SkuInfo,
  config: TuningConfigCheck & { source: string },
  tuning: TuningSpec,
  method: string,
  out: IssueList,
): void {
  if (sku.supportsBf16) return;
  const fields: string[] = [];
  if (config.dtypes.torchDtype === "bfloat16") fields.push("ModelConfig.torch_dtype");
  if (config.dtypes.bnb4bitComputeDtype === "bfloat16") fields.push("QuantizationConfig.bnb_4bit_compute_dtype");
  if (fields.length === 0) return;
  const own = nonEmpty(tuning.config) !== undefined;
  out.warn(
    "BF16_UNSUPPORTED",
    at("resource", "instanceType"),
    `${sku.name} has ${sku.gpuModel} GPUs without bfloat16 support, but ${config.source} computes in bfloat16 (${fields.join(", ")}); the ${method} job will fail or fall back to slow emulation`,
    `${own ? "Change" : "Set tuning.config to"} a ConfigMap whose training_config uses float16 (${fields.map((f) => `${f.split(".")[1]}: float16`).join(", ")}), or use an A100/H100 SKU such as Standard_NC24ads_A100_v4`,
  );
}
