/**
 * Content rules for a tuning ConfigMap's `training_config.yaml` (Kaito `tuning_config_validation.go`).
 *
 * @packageDocumentation
 */

import { LineCounter, parseDocument } from "yaml";
import type { ValidationCode } from "./issues.ts";

/** The sections Kaito's trainer understands under `training_config`. */
export const TUNING_CONFIG_SECTIONS = [
  "ModelConfig",
  "QuantizationConfig",
  "LoraConfig",
  "TrainingArguments",
  "DatasetConfig",
  "DataCollator",
] as const;

/** The rule ids {@link validateTuningConfigYaml} reports. */
export type TuningConfigCode = Extract<
  ValidationCode,
  | "TUNING_CONFIG_INVALID_YAML"
  | "TUNING_CONFIG_NOT_MAP"
  | "TUNING_CONFIG_UNKNOWN_SECTION"
  | "TUNING_CONFIG_QUANTIZATION_TYPE"
  | "TUNING_CONFIG_QUANTIZATION_BOTH"
  | "TUNING_CONFIG_LORA_QUANTIZED"
  | "TUNING_CONFIG_QLORA_UNQUANTIZED"
  | "TUNING_CONFIG_OUTPUT_DIR"
>;

/** One problem in a `training_config.yaml`. */
export interface TuningConfigProblem {
  /** Where in the YAML, e.g. `training_config.QuantizationConfig.load_in_4bit` (empty for the whole document). */
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
  readonly code: TuningConfigCode;
}

/** Result of {@link validateTuningConfigYaml}. */
export interface TuningConfigCheck {
  readonly valid: boolean;
  readonly problems: readonly TuningConfigProblem[];
  /**
   * The dtypes the trainer will compute in, read from the YAML when present: `ModelConfig.torch_dtype` and, when
   * 4-bit loading is on, `QuantizationConfig.bnb_4bit_compute_dtype` (e.g. `"bfloat16"`).
   */
  readonly dtypes: { readonly torchDtype?: string; readonly bnb4bitComputeDtype?: string };
}

type Plain = Record<string, unknown>;

function isPlainObject(v: unknown): v is Plain {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Posix `path.normalize` for absolute paths, without importing node:path (browser-safe). */
function normalizeAbsolute(p: string): string {
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/**
 * Check the text of a `training_config.yaml` for tuning `method` (`lora` or `qlora`, compared case-insensitively):
 * valid YAML; a top-level `training_config` map; only the sections of {@link TUNING_CONFIG_SECTIONS};
 * `QuantizationConfig.load_in_4bit`/`load_in_8bit` booleans and not both true; `lora` with neither true, `qlora` with
 * one true; `TrainingArguments.output_dir` (when set) a string that resolves to a sub-directory of `/mnt` (a relative
 * directory is joined under `/mnt`, as Kaito's controller does).
 */
export function validateTuningConfigYaml(text: string, method: string): TuningConfigCheck {
  const m = method.toLowerCase();
  let byText = CACHE.get(m);
  if (byText === undefined) {
    byText = new Map();
    CACHE.set(m, byText);
  }
  const cached = byText.get(text);
  if (cached !== undefined) return cached;
  const result = checkTuningConfig(text, method);
  if (byText.size >= CACHE_LIMIT) byText.delete(byText.keys().next().value as string);
  byText.set(text, result);
  return result;
}

// The same few templates are checked again and again (every tuning Workspace without tuning.config uses one of the
// two defaults); parsing YAML dominates the cost, so results are memoised. Results are frozen: the cache is safe.
const CACHE = new Map<string, Map<string, TuningConfigCheck>>();
const CACHE_LIMIT = 64;

function checkTuningConfig(text: string, method: string): TuningConfigCheck {
  const problems: TuningConfigProblem[] = [];
  const dtypes: { torchDtype?: string; bnb4bitComputeDtype?: string } = {};
  const done = (): TuningConfigCheck =>
    Object.freeze({ valid: problems.length === 0, problems: Object.freeze(problems), dtypes: Object.freeze(dtypes) });

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e === undefined ? undefined : lineCounter.linePos(e.pos[0]);
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : "";
    problems.push({
      path: "",
      code: "TUNING_CONFIG_INVALID_YAML",
      message: `training_config.yaml is not valid YAML${where}: ${(e?.message ?? "parse error").split("\n")[0]}`,
    });
    return done();
  }
  const root: unknown = doc.toJS();
  const tc = isPlainObject(root) ? root.training_config : undefined;
  if (!isPlainObject(tc)) {
    problems.push({
      path: "training_config",
      code: "TUNING_CONFIG_NOT_MAP",
      message:
        tc === undefined
          ? "training_config.yaml has no top-level training_config map"
          : "training_config must be a map of sections",
      hint: `Write "training_config:" with sections such as ${TUNING_CONFIG_SECTIONS.join(", ")}`,
    });
    return done();
  }
  for (const [key, value] of Object.entries(tc)) {
    if (!(TUNING_CONFIG_SECTIONS as readonly string[]).includes(key)) {
      const near = TUNING_CONFIG_SECTIONS.find((s) => s.toLowerCase() === key.toLowerCase());
      problems.push({
        path: `training_config.${key}`,
        code: "TUNING_CONFIG_UNKNOWN_SECTION",
        message: `unknown section "${key}" in training_config`,
        hint: near
          ? `Did you mean "${near}"? Section names are case-sensitive`
          : `Allowed: ${TUNING_CONFIG_SECTIONS.join(", ")}`,
      });
    } else if (value !== null && !isPlainObject(value)) {
      problems.push({
        path: `training_config.${key}`,
        code: "TUNING_CONFIG_NOT_MAP",
        message: `section ${key} must be a map of settings`,
      });
    }
  }

  const m = method.toLowerCase();
  const quant = tc.QuantizationConfig;
  let four: boolean | undefined;
  let eight: boolean | undefined;
  if (isPlainObject(quant)) {
    for (const key of ["load_in_4bit", "load_in_8bit"] as const) {
      const v = quant[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== "boolean") {
        problems.push({
          path: `training_config.QuantizationConfig.${key}`,
          code: "TUNING_CONFIG_QUANTIZATION_TYPE",
          message: `QuantizationConfig.${key} must be a boolean, got ${JSON.stringify(v)}`,
          hint: "Write true or false without quotes",
        });
      } else if (key === "load_in_4bit") four = v;
      else eight = v;
    }
    if (four === true && eight === true) {
      problems.push({
        path: "training_config.QuantizationConfig",
        code: "TUNING_CONFIG_QUANTIZATION_BOTH",
        message: "load_in_4bit and load_in_8bit cannot both be true",
        hint: "qlora normally uses load_in_4bit: true and load_in_8bit: false",
      });
    }
    const computeDtype = quant.bnb_4bit_compute_dtype;
    if (four === true && typeof computeDtype === "string") dtypes.bnb4bitComputeDtype = computeDtype;
  }
  if (m === "lora" && (four === true || eight === true)) {
    problems.push({
      path: "training_config.QuantizationConfig",
      code: "TUNING_CONFIG_LORA_QUANTIZED",
      message: "method lora does not quantize the model: load_in_4bit and load_in_8bit must be false",
      hint: 'Set both to false, or use method "qlora" for quantized training',
    });
  }
  if (m === "qlora" && four !== true && eight !== true) {
    problems.push({
      path: "training_config.QuantizationConfig",
      code: "TUNING_CONFIG_QLORA_UNQUANTIZED",
      message: "method qlora needs QuantizationConfig with load_in_4bit or load_in_8bit set to true",
      hint: 'Add "QuantizationConfig: {load_in_4bit: true}", or use method "lora"',
    });
  }

  const model = tc.ModelConfig;
  if (isPlainObject(model) && typeof model.torch_dtype === "string") dtypes.torchDtype = model.torch_dtype;

  const args = tc.TrainingArguments;
  if (isPlainObject(args) && args.output_dir !== undefined && args.output_dir !== null) {
    const dir = args.output_dir;
    if (typeof dir !== "string") {
      problems.push({
        path: "training_config.TrainingArguments.output_dir",
        code: "TUNING_CONFIG_OUTPUT_DIR",
        message: `TrainingArguments.output_dir must be a string, got ${JSON.stringify(dir)}`,
        hint: "Use a directory under /mnt, e.g. /mnt/results",
      });
    } else {
      // a relative directory is joined under /mnt, as Kaito's controller does
      const resolved = normalizeAbsolute(dir.startsWith("/") ? dir : `/mnt/${dir}`);
      if (!resolved.startsWith("/mnt/")) {
        problems.push({
          path: "training_config.TrainingArguments.output_dir",
          code: "TUNING_CONFIG_OUTPUT_DIR",
          message: `TrainingArguments.output_dir "${dir}" must resolve to a sub-directory of /mnt (it resolves to ${resolved})`,
          hint: "The pusher uploads the adapter from /mnt; use e.g. /mnt/results",
        });
      }
    }
  }
  return done();
}
