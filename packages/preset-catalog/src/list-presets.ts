/**
 * Filtered listing of the presets.
 *
 * @packageDocumentation
 */
import { isPresetCatalogError } from "./errors.ts";
import { allPresets, listSkus, requireSku } from "./lookup.ts";
import { estimateNodeCount } from "./memory.ts";
import type { Cloud, Preset, RuntimeName, Sku, TuningMethod } from "./types.ts";

/** Filter of {@link listPresets}; every given criterion must hold. */
export interface PresetFilter {
  /** Served by this runtime. */
  readonly runtime?: RuntimeName;
  /** `true`: tunable with some method; `false`: not tunable. */
  readonly tunable?: boolean;
  /** Tunable with this method. */
  readonly tuningMethod?: TuningMethod;
  /** Data file family, e.g. `phi`. */
  readonly family?: string;
  /** Can (or cannot) be served across several nodes. */
  readonly distributedInference?: boolean;
  /** Some current NVIDIA SKU of this cloud serves it with vLLM on at most `maxNodes` nodes (node estimator). */
  readonly fitsCloud?: Cloud;
  /** This SKU serves it with vLLM on at most `maxNodes` nodes (node estimator). */
  readonly fitsSku?: Sku | string;
  /** Node limit of `fitsCloud` / `fitsSku`; default 1. */
  readonly maxNodes?: number;
  /** Include presets that are listed but unresolvable (the `falcon-*` names); default `false`. */
  readonly includeUnavailable?: boolean;
  /** Include deprecated presets (`phi-2`); default `false`. */
  readonly includeDeprecated?: boolean;
}

function nodesOn(p: Preset, sku: Sku): number | undefined {
  try {
    return estimateNodeCount({ preset: p, sku }).nodes;
  } catch (e) {
    if (isPresetCatalogError(e)) return undefined;
    throw e;
  }
}

/** The presets matching `filter`, in data order. By default only usable presets (available, not deprecated). */
export function listPresets(filter: PresetFilter = {}): readonly Preset[] {
  const maxNodes = filter.maxNodes ?? 1;
  const fitsSku = filter.fitsSku === undefined ? undefined : requireSku(filter.fitsSku);
  const cloudSkus =
    filter.fitsCloud === undefined ? [] : listSkus({ cloud: filter.fitsCloud }).filter((s) => s.vendor === "nvidia");
  const fitsWithin = (p: Preset, sku: Sku): boolean => {
    const n = nodesOn(p, sku);
    return n !== undefined && n <= maxNodes;
  };
  return allPresets().filter((p) => {
    if (filter.includeUnavailable !== true && p.availability !== "available") return false;
    if (filter.includeDeprecated !== true && p.deprecated) return false;
    if (filter.runtime !== undefined && !p.runtimes.includes(filter.runtime)) return false;
    const methods = p.tuning?.methods ?? [];
    if (filter.tunable !== undefined && methods.length > 0 !== filter.tunable) return false;
    if (filter.tuningMethod !== undefined && !methods.includes(filter.tuningMethod)) return false;
    if (filter.family !== undefined && p.family !== filter.family) return false;
    if (filter.distributedInference !== undefined && p.distributedInference !== filter.distributedInference) {
      return false;
    }
    if (fitsSku !== undefined && !fitsWithin(p, fitsSku)) return false;
    if (filter.fitsCloud !== undefined && !cloudSkus.some((s) => fitsWithin(p, s))) return false;
    return true;
  });
}
