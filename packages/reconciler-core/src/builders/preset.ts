/**
 * The preset of a Workspace, looked up in this catalog version, and the user's inference ConfigMap settings the
 * builders read (`vllm.max-model-len`).
 *
 * @packageDocumentation
 */
import type { V1ConfigMap } from "@kubernetes/client-node";
import { getPreset, type Preset, suggestPresetNames } from "@kaito-ts/preset-catalog";
import { ConfigMapKey, validateInferenceConfigYaml } from "@kaito-ts/workspace-types";
import { parse } from "yaml";
import { ReconcilerError } from "../errors.ts";
import { type BuildWorkspace, workspaceKey } from "./workspace.ts";

/**
 * The catalog preset named at `field` (`inference.preset.name` or `tuning.preset.name`).
 * @throws ReconcilerError `UNKNOWN_PRESET` when the name is not a usable preset of this catalog version.
 */
export function requireWorkspacePreset(
  ws: BuildWorkspace,
  field: "inference.preset.name" | "tuning.preset.name",
): Preset {
  const name = field === "inference.preset.name" ? ws.inference?.preset?.name : ws.tuning?.preset?.name;
  if (name === undefined || name === "") {
    throw new ReconcilerError("INVALID_WORKSPACE", `Workspace ${workspaceKey(ws)}: ${field} is empty; name a preset`);
  }
  const preset = getPreset(name);
  if (preset === undefined || preset.availability !== "available" || preset.deprecated) {
    const why =
      preset === undefined
        ? "is not a preset of this catalog version"
        : preset.deprecated
          ? "is deprecated"
          : "is listed but cannot be resolved (no alias)";
    const near = suggestPresetNames(name);
    throw new ReconcilerError(
      "UNKNOWN_PRESET",
      `Workspace ${workspaceKey(ws)}: ${field} "${name}" ${why}; ` +
        `${near.length > 0 ? `did you mean ${near.join(", ")}? ` : ""}use a preset from \`kaito presets\` ` +
        "or upgrade kaito-ts to a version whose catalog has it",
    );
  }
  return preset;
}

/**
 * `vllm.max-model-len` of the Workspace's inference ConfigMap (`inference_config.yaml`), when set.
 * @throws ReconcilerError `INFERENCE_CONFIG_INVALID` when the ConfigMap lacks the key, is not YAML, or the value is not
 * a positive integer within the model's context limit.
 */
export function inferenceMaxModelLen(
  ws: BuildWorkspace,
  configMap: V1ConfigMap | undefined,
  contextLimit?: number,
): number | undefined {
  const name = ws.inference?.config;
  if (name === undefined || name === "" || configMap === undefined) return undefined;
  const text = configMap.data?.[ConfigMapKey.InferenceConfig];
  const where = `Workspace ${workspaceKey(ws)}: ConfigMap ${ws.metadata.namespace}/${name} (inference.config)`;
  if (text === undefined) {
    throw new ReconcilerError(
      "INFERENCE_CONFIG_INVALID",
      `${where} has no key ${ConfigMapKey.InferenceConfig}; put the vLLM settings under that key`,
    );
  }
  const problems = validateInferenceConfigYaml(text, contextLimit);
  const first = problems[0];
  if (first !== undefined) {
    throw new ReconcilerError(
      "INFERENCE_CONFIG_INVALID",
      `${where}: ${first.message}${first.hint ? `; ${first.hint}` : ""}`,
    );
  }
  const root: unknown = parse(text);
  if (typeof root !== "object" || root === null) return undefined;
  const vllm = (root as Record<string, unknown>).vllm;
  if (typeof vllm !== "object" || vllm === null) return undefined;
  const len = (vllm as Record<string, unknown>)["max-model-len"];
  return typeof len === "number" ? len : undefined;
}
