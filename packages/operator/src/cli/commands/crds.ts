import { crdsYaml } from "@kaito-ts/workspace-types";
import type { CliIO } from "../io.ts";

/** Prints every CRD kaito-ts needs as multi-document YAML. */
export function runCrds(io: CliIO): number {
  io.stdout(crdsYaml());
  return 0;
}
