/**
 * The cross-field rules the Workspace CRD enforces through CEL (`x-kubernetes-validations`), so the API server
 * rejects the worst mistakes even without Kaito's webhook. Each rule is also one of `validateWorkspace`'s rules;
 * the tests evaluate these expressions on the same fixtures.
 *
 * Workspace has no `spec`: the inference/tuning rule sits on the root schema. Rules are kept cheap for the API
 * server's cost estimator (no regexes over unbounded strings, no loops over unbounded lists), which is why the
 * DNS-name and unique-adapter-name rules stay in `validateWorkspace` only.
 */
import type { WorkspaceApiVersion } from "../schema/workspace.ts";
import type { ValidationCode } from "../validation/issues.ts";
import type { ValidationRule } from "./types.ts";

/** A CEL rule and the schema node it belongs to (`[]` = root; keys of nested objects otherwise). */
export interface WorkspaceCelRule extends ValidationRule {
  /** Stable id (UPPER_SNAKE_CASE; the same as the `ValidationCode` of the matching `validateWorkspace` rule where there is one), used by tests. */
  readonly id: ValidationCode;
  /** Path of schema properties from the root to the node carrying the rule. */
  readonly at: readonly string[];
  /** Versions whose schema carries the rule (both when absent). */
  readonly versions?: readonly WorkspaceApiVersion[];
}

const nonEmptyString = (f: string) => `(has(self.${f}) && self.${f} != '')`;

/** Every CEL rule of the Workspace CRD. */
export const WORKSPACE_CEL_RULES: readonly WorkspaceCelRule[] = [
  {
    id: "INFERENCE_TUNING_EXACTLY_ONE",
    at: [],
    rule: "has(self.inference) != has(self.tuning)",
    message: "exactly one of inference or tuning must be set",
  },
  {
    id: "TUNING_COUNT",
    at: [],
    rule: "!has(self.tuning) || !has(self.resource.count) || self.resource.count <= 1",
    message: "tuning runs on one node: resource.count must not be greater than 1",
  },
  {
    id: "TUNING_PARTITION",
    at: [],
    rule: "!has(self.tuning) || !has(self.resource.partition)",
    message: "resource.partition is not supported for tuning",
    versions: ["kaito.sh/v1beta1"],
  },
  {
    id: "INFERENCE_PRESET_TEMPLATE_EXACTLY_ONE",
    at: ["inference"],
    rule: "has(self.preset) != has(self.template)",
    message: "exactly one of preset or template must be set",
  },
  {
    id: "ADAPTERS_TOO_MANY",
    at: ["inference", "adapters"],
    rule: "size(self) <= 10",
    message: "at most 10 adapters are supported",
  },
  {
    id: "TUNING_INPUT_EXACTLY_ONE",
    at: ["tuning", "input"],
    rule: `(has(self.urls) && size(self.urls) > 0 ? 1 : 0) + (${nonEmptyString("image")} ? 1 : 0) + (has(self.volumeSource) ? 1 : 0) == 1`,
    message: "exactly one of urls, image or volumeSource must be set",
  },
  {
    id: "TUNING_OUTPUT_EXACTLY_ONE",
    at: ["tuning", "output"],
    rule: `(${nonEmptyString("image")} ? 1 : 0) + (has(self.volumeSource) ? 1 : 0) == 1`,
    message: "exactly one of image or volumeSource must be set",
  },
  {
    id: "OUTPUT_PUSH_SECRET_REQUIRED",
    at: ["tuning", "output"],
    rule: `!${nonEmptyString("image")} || ${nonEmptyString("imagePushSecret")}`,
    message: "imagePushSecret is required when image is set",
  },
];

/** The rules of one version. */
export function celRulesFor(version: WorkspaceApiVersion): WorkspaceCelRule[] {
  return WORKSPACE_CEL_RULES.filter((r) => r.versions === undefined || r.versions.includes(version));
}
