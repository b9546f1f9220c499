/**
 * The generated CRDs as data (no file I/O) and as YAML.
 * @packageDocumentation
 */
import { nodeClaimCrd, workspaceCrd } from "./crds.generated.ts";
import { crdsToYaml } from "./render.ts";
import type { CustomResourceDefinition } from "./types.ts";

export { type WorkspaceCelRule, WORKSPACE_CEL_RULES, celRulesFor } from "./cel-rules.ts";
export { findStructuralProblems } from "./structural.ts";
export type { CrdVersion, CustomResourceDefinition, JSONSchemaProps, PrinterColumn, ValidationRule } from "./types.ts";
export { nodeClaimCrd, workspaceCrd };

/** Every CRD this package ships: the Workspace CRD, then the NodeClaim CRD. */
export const allCrds: readonly CustomResourceDefinition[] = [workspaceCrd, nodeClaimCrd];

/**
 * All CRDs as one multi-document YAML stream (what `kaito crds` prints and `kubectl apply -f -` takes).
 * @example process.stdout.write(crdsYaml())
 */
export function crdsYaml(crds: readonly CustomResourceDefinition[] = allCrds): string {
  return crdsToYaml(crds);
}
