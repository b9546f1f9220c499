/**
 * The error family of `@kaito-ts/preset-catalog`.
 *
 * @packageDocumentation
 */

/** Every error code this package raises. */
export type PresetCatalogErrorCode =
  /** A preset name that is neither a preset, an alias nor a Hugging Face id of the catalog. */
  | "UNKNOWN_PRESET"
  /** An instance type not in the cloud's table. */
  | "UNKNOWN_SKU"
  /** The preset lacks data a computation needs (weights size, architecture numbers). */
  | "MISSING_PRESET_DATA"
  /** The GPU memory left after vLLM's fixed reserve is zero or negative (estimator: available ≤ reserve). */
  | "GPU_TOO_SMALL"
  /** The estimate needs more than one node but the model cannot be served across nodes. */
  | "NOT_DISTRIBUTED"
  /** The preset cannot be tuned with the requested method. */
  | "NOT_TUNABLE"
  /** An argument is out of range (e.g. a node count of 0). */
  | "INVALID_ARGUMENT"
  /** A data file under `presets/` is malformed (raised by the compile step). */
  | "INVALID_DATA";

const BRAND = Symbol.for("@kaito-ts/preset-catalog/PresetCatalogError");

/** An error raised by the preset catalog: what is wrong, where, and how to fix it. */
export class PresetCatalogError extends Error {
  /** Machine-readable reason. */
  readonly code: PresetCatalogErrorCode;
  readonly [BRAND] = true;

  constructor(code: PresetCatalogErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PresetCatalogError";
    this.code = code;
  }
}

/** True when `e` is a {@link PresetCatalogError} (also across duplicated copies of this package). */
export function isPresetCatalogError(e: unknown): e is PresetCatalogError {
  return typeof e === "object" && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true;
}
