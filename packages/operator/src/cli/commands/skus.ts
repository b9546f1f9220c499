import {
  type Cloud,
  isPresetCatalogError,
  listSkus,
  recommendSkus,
  type Sku,
  type TuningMethod,
} from "@kaito-ts/preset-catalog";
import { OperatorError } from "../../errors.ts";
import type { CliIO } from "../io.ts";
import { formatTable } from "../table.ts";

/** Options of `kaito skus`. */
export interface SkusOptions {
  readonly cloud?: Cloud;
  /** Only the instance types that fit this preset, smallest first. */
  readonly fit?: string;
  readonly purpose: "inference" | "tuning";
  readonly method?: TuningMethod;
  /** With `fit`: also consider the classic SKUs Kaito dropped (V100, T4, …). */
  readonly includeClassic: boolean;
  readonly output: "text" | "json";
}

const skuCells = (s: Sku) => [
  s.name,
  s.cloud,
  String(s.gpuCount),
  s.gpuModel,
  `${s.totalGpuMemoryGiB}Gi`,
  s.supportsBf16 ? "yes" : "no",
  s.nvme ? "yes" : "no",
];
const skuHeaders = ["name", "cloud", "gpus", "gpu", "gpu memory", "bf16", "nvme"];

/** Prints the SKU table, or the SKUs that fit a preset (`--fit`). */
export function runSkus(io: CliIO, options: SkusOptions): number {
  if (options.fit === undefined) {
    const skus = listSkus({ includeClassic: true, ...(options.cloud ? { cloud: options.cloud } : {}) });
    if (options.output === "json") io.stdout(`${JSON.stringify(skus, null, 2)}\n`);
    else
      io.stdout(
        formatTable(
          [...skuHeaders, "notes"],
          skus.map((s) => [...skuCells(s), s.classic ? "classic (dropped by Kaito, still usable)" : ""]),
        ),
      );
    return 0;
  }
  let recommendations: ReturnType<typeof recommendSkus>;
  try {
    recommendations = recommendSkus(options.fit, {
      cloud: options.cloud ?? "azure",
      purpose: options.purpose,
      includeClassic: options.includeClassic,
      ...(options.method ? { method: options.method } : {}),
    });
  } catch (error) {
    if (isPresetCatalogError(error))
      throw new OperatorError(error.code === "UNKNOWN_PRESET" ? "UNKNOWN_NAME" : "INVALID_USAGE", error.message, {
        cause: error,
      });
    throw error;
  }
  if (options.output === "json") {
    io.stdout(`${JSON.stringify(recommendations, null, 2)}\n`);
    return 0;
  }
  const what =
    options.purpose === "tuning"
      ? `tune ${options.fit} (${options.method ?? "default method"})`
      : `serve ${options.fit}`;
  if (recommendations.length === 0) {
    io.stdout(`no ${options.cloud ?? "azure"} instance type can ${what}\n`);
    return 0;
  }
  io.stdout(`instance types that can ${what}, smallest first:\n`);
  io.stdout(
    formatTable(
      [...skuHeaders, "nodes", "notes"],
      recommendations.map((r) => [
        ...skuCells(r.sku),
        String(r.nodes),
        [r.sku.classic ? "classic" : "", ...r.warnings].filter(Boolean).join("; "),
      ]),
    ),
  );
  return 0;
}
