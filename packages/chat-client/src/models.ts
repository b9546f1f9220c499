/**
 * Helpers over `GET /v1/models` for LoRA adapters (Kaito registers each adapter as a model named after it on vLLM).
 */
import type { Model, ModelList } from "./types.ts";

/** The LoRA adapters in a model list: entries whose `parent` names a base model. */
export function adapterModels(list: ModelList): Model[] {
  return list.data.filter((m) => typeof m.parent === "string" && m.parent !== "");
}

/** The base models in a model list: entries without a `parent`. */
export function baseModels(list: ModelList): Model[] {
  return list.data.filter((m) => typeof m.parent !== "string" || m.parent === "");
}
