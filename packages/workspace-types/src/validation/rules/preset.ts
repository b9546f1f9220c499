/**
 * Preset name resolution and preset-spec deprecations, shared by inference and tuning.
 * @internal
 */

import type { PresetSpec } from "../../schema/index.ts";
import type { PresetResolution } from "../context.ts";
import { at, type IssueList, nonEmpty, type RuleEnv, rawHas, type Segments } from "./common.ts";

/**
 * Resolve `name`; report unknown and deprecated presets (errors) and best-effort Hugging Face ids (warning).
 * Returns the resolution (undefined when ctx has no preset lookup or the name is empty).
 */
export function checkPresetName(
  name: string,
  segments: Segments,
  env: RuleEnv,
  out: IssueList,
): PresetResolution | undefined {
  if (nonEmpty(name) === undefined) {
    out.error(
      "PRESET_UNSUPPORTED",
      at(...segments),
      "Required value: preset name is empty",
      "Name a preset, e.g. phi-3-mini-4k-instruct",
    );
    return undefined;
  }
  const r = env.resolvePreset(name);
  if (r === undefined) return undefined;
  if (r.kind === "unknown") {
    out.error(
      "PRESET_UNSUPPORTED",
      at(...segments),
      `Unsupported ${segments[0] === "tuning" ? "tuning" : "inference"} preset name ${name}`,
      r.suggestions.length > 0
        ? `Did you mean ${r.suggestions.map((s) => JSON.stringify(s)).join(", ")}? (\`kaito presets\` lists them)`
        : "Use a preset from `kaito presets`, or a Hugging Face id org/model",
    );
  } else if (r.kind === "preset" && r.preset.deprecated) {
    out.error(
      "PRESET_DEPRECATED",
      at(...segments),
      `Model ${name} is deprecated and no longer supported`,
      "Choose a current preset (`kaito presets`), e.g. phi-4-mini-instruct",
    );
  } else if (r.kind === "huggingface" && segments[0] === "inference") {
    out.warn(
      "PRESET_BEST_EFFORT",
      at(...segments),
      `${name} is not in the preset catalog; it is served as a best-effort Hugging Face model with vLLM`,
    );
  }
  return r;
}

/** Deprecated preset fields the user wrote (`accessMode`, `presetOptions.image`). */
export function checkPresetOptionsDeprecations(preset: PresetSpec, base: Segments, env: RuleEnv, out: IssueList): void {
  if (rawHas(env.raw, [...base, "accessMode"])) {
    out.warn(
      "DEPRECATED_FIELD",
      at(...base, "accessMode"),
      "preset.accessMode is deprecated (private preset images are a classic Kaito feature)",
      "Remove accessMode",
    );
    if (preset.accessMode === "private" && nonEmpty(preset.presetOptions?.image) === undefined) {
      if (env.apiVersion === "kaito.sh/v1alpha1") {
        out.error(
          "PRIVATE_PRESET_IMAGE_REQUIRED",
          at(...base, "presetOptions", "image"),
          "Required value: accessMode private needs presetOptions.image (the private preset image)",
          "Set presetOptions.image (and imagePullSecrets), or remove accessMode",
        );
      } else {
        out.warn(
          "DEPRECATED_FIELD",
          at(...base, "presetOptions", "image"),
          "accessMode private without presetOptions.image is accepted by v1beta1 but has no effect",
        );
      }
    }
  }
  if (nonEmpty(preset.presetOptions?.image) !== undefined) {
    out.warn(
      "DEPRECATED_FIELD",
      at(...base, "presetOptions", "image"),
      "presetOptions.image is deprecated: current Kaito pulls preset weights itself",
    );
  }
}
