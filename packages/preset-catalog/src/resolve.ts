/**
 * Preset name resolution as Kaito's webhook does it, with close-name suggestions for unknown names.
 *
 * @packageDocumentation
 */
import type { PresetInfo, PresetResolution } from "@kaito-ts/workspace-types";
import { allPresets, getPreset } from "./lookup.ts";
import type { Preset } from "./types.ts";

const HF_ID = /^[\w.-]+\/[\w.-]+$/;

// Validation may see the same misspelt name many times (e.g. a batch of Workspaces): remember the suggestions.
const UNKNOWN_CACHE_SIZE = 512;
const unknownCache = new Map<string, PresetResolution>();

/**
 * The validation-side view of a preset. `downloadAtRuntime` is `true` for every preset: at Kaito HEAD every preset
 * resolves to a catalog model whose weights vLLM downloads at run time (kaito-compat §2.4, §1.7) — the data's
 * {@link Preset.downloadAtRuntime} is the `supported_models.yaml` flag (no weights image), which tuning uses.
 */
export function toPresetInfo(p: Preset): PresetInfo {
  return {
    name: p.name,
    huggingFaceId: p.huggingFaceId,
    ...(p.weightsGiB === undefined ? {} : { weightsGiB: p.weightsGiB }),
    contextLimit: p.contextLimit,
    supportsTransformers: p.runtimes.includes("transformers"),
    supportsDistributedInference: p.distributedInference,
    loraAllowedInVllm: p.loraInVllm,
    downloadAtRuntime: true,
    downloadAuthRequired: p.downloadAuthRequired,
    deprecated: p.deprecated,
    tuningMethods: p.tuning?.methods ?? [],
  };
}

const infoCache = new Map<string, PresetInfo>();
function infoOf(p: Preset): PresetInfo {
  let info = infoCache.get(p.name);
  if (info === undefined) {
    info = Object.freeze(toPresetInfo(p));
    infoCache.set(p.name, info);
  }
  return info;
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(above + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = above;
    }
  }
  return prev[b.length] ?? 0;
}

/**
 * Up to `max` usable preset names close to `input` (edit distance, or one name containing the other), closest first.
 * Deprecated and unresolvable presets are never suggested.
 */
export function suggestPresetNames(input: string, max = 3): string[] {
  const q = input.trim().toLowerCase();
  if (q === "") return [];
  const scored: { name: string; score: number }[] = [];
  for (const p of allPresets()) {
    if (p.availability !== "available" || p.deprecated) continue;
    let best = Number.POSITIVE_INFINITY;
    for (const key of [p.name, ...p.aliases]) {
      const k = key.toLowerCase();
      const d = levenshtein(q, k);
      const contained = q.length >= 3 && (k.includes(q) || q.includes(k));
      const limit = Math.max(2, Math.floor(Math.max(q.length, k.length) * 0.34));
      if (d <= limit) best = Math.min(best, d);
      else if (contained) best = Math.min(best, limit + Math.abs(k.length - q.length) / 100);
    }
    if (best !== Number.POSITIVE_INFINITY) scored.push({ name: p.name, score: best });
  }
  scored.sort((a, b) => a.score - b.score || (a.name < b.name ? -1 : 1));
  return scored.slice(0, max).map((s) => s.name);
}

/**
 * Resolve a preset name as Kaito's webhook does (kaito-compat §1.7):
 * - a legacy name, alias or HF id of the catalog (case-insensitive) → `preset` (deprecated ones included: the caller
 *   rejects them with Kaito's deprecation message);
 * - a preset that is listed but unresolvable (the `falcon-*` names) → `unknown`, suggesting its HF id, which Kaito
 *   accepts as a best-effort Hugging Face model;
 * - any other `org/model` string → `huggingface`;
 * - anything else → `unknown` with up to 3 close names.
 */
export function resolvePreset(name: string): PresetResolution {
  const trimmed = name.trim();
  const found = getPreset(trimmed);
  if (found !== undefined) {
    if (found.availability === "available") return { kind: "preset", preset: infoOf(found) };
    if (HF_ID.test(trimmed)) return { kind: "huggingface", huggingFaceId: trimmed };
    return { kind: "unknown", suggestions: [found.huggingFaceId, ...suggestPresetNames(trimmed, 2)] };
  }
  if (HF_ID.test(trimmed)) return { kind: "huggingface", huggingFaceId: trimmed };
  const key = trimmed.toLowerCase();
  let cached = unknownCache.get(key);
  if (cached === undefined) {
    cached = Object.freeze({ kind: "unknown", suggestions: Object.freeze(suggestPresetNames(trimmed)) } as const);
    if (unknownCache.size >= UNKNOWN_CACHE_SIZE) unknownCache.clear();
    unknownCache.set(key, cached);
  }
  return cached;
}
