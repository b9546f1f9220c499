/**
 * The catalog as the lookups `@kaito-ts/workspace-types` validation consults.
 *
 * @packageDocumentation
 */
import type { FitChecker, PresetLookup, SkuLookup, TuningTemplateLookup } from "@kaito-ts/workspace-types";
import { checkFit } from "./fit.ts";
import { allPresets, getSku, tuningTemplate } from "./lookup.ts";
import { resolvePreset } from "./resolve.ts";

/** The four lookups, ready to spread into a `ValidationContext`. */
export interface CatalogValidationLookups {
  readonly presets: PresetLookup;
  readonly skus: SkuLookup;
  readonly fit: FitChecker;
  readonly tuningTemplates: TuningTemplateLookup;
}

const TUNABLE: readonly string[] = Object.freeze(
  allPresets()
    .filter((p) => p.availability === "available" && !p.deprecated && (p.tuning?.methods.length ?? 0) > 0)
    .map((p) => p.name),
);

const lookups: CatalogValidationLookups = {
  presets: { resolvePreset, tunablePresets: () => TUNABLE },
  skus: { getSku: (name, cloud) => getSku(name, cloud) },
  fit: {
    checkFit: (input) =>
      checkFit({
        preset: input.preset,
        node: input.node,
        nodeCount: input.nodeCount,
        runtime: input.runtime,
        bypassResourceChecks: input.bypassResourceChecks,
      }).issues,
  },
  tuningTemplates: { trainingConfigYaml: (method) => tuningTemplate(method).trainingConfigYaml },
};
const LOOKUPS: CatalogValidationLookups = Object.freeze(lookups);

/**
 * Implementations of `PresetLookup`, `SkuLookup`, `FitChecker` and `TuningTemplateLookup` backed by the compiled
 * catalog. Synchronous, no I/O; the same frozen object on every call.
 *
 * @example
 * ```ts
 * const ctx = { cloud: "azure", nodeAutoProvisioning: true, defaultRuntime: "vllm", ...catalogValidationLookups() };
 * ```
 */
export function catalogValidationLookups(): CatalogValidationLookups {
  return LOOKUPS;
}
