import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Read a fixture under test/fixtures. */
export function fixture(name: string): string {
  return readFileSync(join(import.meta.dirname, "fixtures", name), "utf8");
}

/** All Workspace fixtures. */
export const FIXTURES = [
  "seed-tuning-phi-3.yaml",
  "inference-preset.yaml",
  "inference-template.yaml",
  "inference-adapters.yaml",
  "tuning-volume.yaml",
  "byo-partition.yaml",
] as const;
