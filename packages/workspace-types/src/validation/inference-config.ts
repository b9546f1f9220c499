/**
 * Content rules for an inference ConfigMap's `inference_config.yaml` (Kaito `inference_config_validation.go`).
 *
 * @packageDocumentation
 */

import { LineCounter, parseDocument } from "yaml";

import { ConfigMapKey } from "../constants/index.ts";

const INFERENCE_CONFIG_KEY = ConfigMapKey.InferenceConfig;

/** One problem in an `inference_config.yaml`. */
export interface InferenceConfigProblem {
  readonly code: "INFERENCE_CONFIG_INVALID_YAML" | "INFERENCE_CONFIG_MAX_MODEL_LEN";
  readonly message: string;
  readonly hint?: string;
}

/**
 * Check the text of an `inference_config.yaml` for the vLLM runtime: valid YAML, and `vllm.max-model-len` (when
 * set) an integer no greater than `contextLimit` (the model's token limit, when known).
 */
export function validateInferenceConfigYaml(text: string, contextLimit?: number): InferenceConfigProblem[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e === undefined ? undefined : lineCounter.linePos(e.pos[0]);
    return [
      {
        code: "INFERENCE_CONFIG_INVALID_YAML",
        message: `${INFERENCE_CONFIG_KEY} is not valid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ""}: ${(e?.message ?? "parse error").split("\n")[0]}`,
      },
    ];
  }
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return [];
  if (typeof root !== "object" || Array.isArray(root)) {
    return [{ code: "INFERENCE_CONFIG_INVALID_YAML", message: `${INFERENCE_CONFIG_KEY} must be a YAML map` }];
  }
  const vllm = (root as Record<string, unknown>).vllm;
  if (typeof vllm !== "object" || vllm === null || Array.isArray(vllm)) return [];
  const len = (vllm as Record<string, unknown>)["max-model-len"];
  if (len === undefined || len === null) return [];
  if (typeof len !== "number" || !Number.isInteger(len) || len <= 0) {
    return [
      {
        code: "INFERENCE_CONFIG_MAX_MODEL_LEN",
        message: `vllm.max-model-len must be a positive integer, got ${JSON.stringify(len)}`,
        hint: "Write a number of tokens without quotes, e.g. max-model-len: 4096",
      },
    ];
  }
  if (contextLimit !== undefined && len > contextLimit) {
    return [
      {
        code: "INFERENCE_CONFIG_MAX_MODEL_LEN",
        message: `vllm.max-model-len ${len} is greater than the model's context limit of ${contextLimit} tokens`,
        hint: `Use at most ${contextLimit}`,
      },
    ];
  }
  return [];
}
