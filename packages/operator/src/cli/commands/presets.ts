import { listPresets, type Preset } from "@kaito-ts/preset-catalog";
import type { CliIO } from "../io.ts";
import { formatTable } from "../table.ts";

function status(p: Preset): string {
  if (p.deprecated) return "deprecated";
  if (p.availability === "unresolvable") return "unavailable";
  return "available";
}

/** Prints the model presets as a table, or as JSON with every field. */
export function runPresets(io: CliIO, options: { readonly output: "text" | "json" }): number {
  const presets = listPresets({ includeDeprecated: true, includeUnavailable: true });
  if (options.output === "json") {
    io.stdout(`${JSON.stringify(presets, null, 2)}\n`);
    return 0;
  }
  const rows = presets.map((p) => [
    p.name,
    p.huggingFaceId,
    p.weightsGiB === undefined ? "-" : `${p.weightsGiB}Gi`,
    String(p.contextLimit),
    p.runtimes.join(","),
    p.tuning && p.tuning.methods.length > 0 ? p.tuning.methods.join(",") : "-",
    status(p),
  ]);
  io.stdout(formatTable(["name", "hugging face id", "weights", "context", "runtimes", "tuning", "status"], rows));
  return 0;
}
