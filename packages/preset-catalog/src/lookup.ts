/**
 * Lookups over the compiled tables: presets by name, SKUs by name, tuning templates by method.
 *
 * @packageDocumentation
 */
import { PresetCatalogError } from "./errors.ts";
import { PRESETS, RUNTIME_DEFAULTS, SKUS, TUNING_TEMPLATES } from "./generated/catalog.ts";
import type { Cloud, Preset, RuntimeDefaults, Sku, TuningMethod, TuningTemplate } from "./types.ts";

function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}
// The tables are shared by every caller: make accidental mutation fail loudly instead of corrupting lookups.
deepFreeze(PRESETS);
deepFreeze(SKUS);
deepFreeze(TUNING_TEMPLATES);
deepFreeze(RUNTIME_DEFAULTS);

const presetByKey = new Map<string, Preset>();
for (const p of PRESETS) {
  for (const key of [p.name, p.huggingFaceId, ...p.aliases]) presetByKey.set(key.toLowerCase(), p);
}

const skuByKey = new Map<string, Sku>();
for (const s of SKUS) skuByKey.set(`${s.cloud}/${s.name.toLowerCase()}`, s);

/**
 * Find a preset by its legacy name, an alias or its Hugging Face id, case-insensitively (surrounding blanks are
 * ignored). Also returns presets that are listed but not usable (`availability: "unresolvable"`, e.g. `falcon-7b`) and
 * deprecated ones (`phi-2`): check {@link Preset.availability} and {@link Preset.deprecated}, or use `resolvePreset`.
 */
export function getPreset(name: string): Preset | undefined {
  return presetByKey.get(name.trim().toLowerCase());
}

/** Like {@link getPreset}, but throws a `UNKNOWN_PRESET` error naming the input. */
export function requirePreset(preset: Preset | string): Preset {
  if (typeof preset !== "string") return preset;
  const found = getPreset(preset);
  if (found === undefined) {
    throw new PresetCatalogError(
      "UNKNOWN_PRESET",
      `Unknown preset "${preset}": not a preset name, alias or Hugging Face id of the catalog (see listPresets())`,
    );
  }
  return found;
}

/**
 * Find an instance type by name, case-insensitively. With `cloud`, only that cloud's table is searched; without it,
 * all tables (names do not repeat across clouds). Classic SKUs (`classic: true`) are found too.
 */
export function getSku(name: string, cloud?: Cloud): Sku | undefined {
  const key = name.trim().toLowerCase();
  if (cloud !== undefined) return skuByKey.get(`${cloud}/${key}`);
  for (const c of ["azure", "aws", "arc"] as const) {
    const s = skuByKey.get(`${c}/${key}`);
    if (s !== undefined) return s;
  }
  return undefined;
}

/** Like {@link getSku}, but throws a `UNKNOWN_SKU` error naming the input and the cloud. */
export function requireSku(sku: Sku | string, cloud?: Cloud): Sku {
  if (typeof sku !== "string") return sku;
  const found = getSku(sku, cloud);
  if (found === undefined) {
    const where = cloud === undefined ? "any cloud's table" : `the ${cloud} table`;
    throw new PresetCatalogError(
      "UNKNOWN_SKU",
      `Unknown instance type "${sku}": not in ${where} (see listSkus()); check the spelling or pick a listed GPU SKU`,
    );
  }
  return found;
}

/** Options of {@link listSkus}. */
export interface ListSkusOptions {
  /** Only this cloud's table. */
  readonly cloud?: Cloud;
  /** Include the classic SKUs Kaito dropped at HEAD (e.g. `Standard_NC6s_v3`); default `false`. */
  readonly includeClassic?: boolean;
}

/** The SKU tables, in data order (per cloud: current SKUs, then classic ones when asked for). */
export function listSkus(options: ListSkusOptions = {}): readonly Sku[] {
  return SKUS.filter(
    (s) =>
      (options.cloud === undefined || s.cloud === options.cloud) && (options.includeClassic === true || !s.classic),
  );
}

/**
 * The default tuning template for `method`: the ConfigMap name (`lora-params-template` / `qlora-params-template`)
 * and the `training_config.yaml` text Kaito copies into the Workspace namespace when `tuning.config` is empty.
 */
export function tuningTemplate(method: TuningMethod): TuningTemplate {
  const t = TUNING_TEMPLATES.find((x) => x.method === method);
  if (t === undefined) {
    throw new PresetCatalogError("INVALID_ARGUMENT", `Unknown tuning method "${String(method)}": use lora or qlora`);
  }
  return t;
}

/** Runtime-wide defaults: the `base` image (tag, runtime versions), vLLM and transformers defaults. */
export function runtimeDefaults(): RuntimeDefaults {
  return RUNTIME_DEFAULTS;
}

/** Every preset in data order (internal: `listPresets` filters this). */
export function allPresets(): readonly Preset[] {
  return PRESETS;
}
