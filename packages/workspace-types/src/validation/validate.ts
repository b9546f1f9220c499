/**
 * `validateWorkspace` and `validateWorkspaceUpdate`: structural check, CRD defaults, and every admission rule.
 *
 * @packageDocumentation
 */

import { WorkspaceAnnotation } from "../constants/index.ts";
import type { Workspace, WorkspaceApiVersion } from "../schema/index.ts";
import type { PresetResolution, RuntimeName, ValidationContext } from "./context.ts";
import type { ValidationResult } from "./issues.ts";
import { applyPlaceholderPass } from "./placeholder-pass.ts";
import { prepareWorkspace } from "./prepare.ts";
import { checkInferenceContent, checkInferenceCreate } from "./rules/inference.ts";
import { at, IssueList, type RuleEnv } from "./rules/common.ts";
import { checkAnnotations, checkName } from "./rules/metadata.ts";
import { checkResourceCommon } from "./rules/resource.ts";
import { checkTuningContent, checkTuningCreate } from "./rules/tuning.ts";
import { checkUpdate } from "./rules/update.ts";

/**
 * Kaito's Helm chart defaults: Azure, node auto-provisioning on, vLLM runtime. No lookups: rules that need presets,
 * SKUs or cluster state are skipped unless the caller supplies them.
 */
export const defaultValidationContext: ValidationContext = Object.freeze({
  cloud: "azure",
  nodeAutoProvisioning: true,
  defaultRuntime: "vllm",
});

// Callers usually pass the same context object for many Workspaces; merge it with the defaults once.
const resolvedContexts = new WeakMap<object, ValidationContext>();

function resolveContext(ctx: Partial<ValidationContext> | undefined): ValidationContext {
  if (ctx === undefined) return defaultValidationContext;
  const cached = resolvedContexts.get(ctx);
  if (cached !== undefined) return cached;
  const merged: Record<string, unknown> = { ...defaultValidationContext };
  for (const [k, v] of Object.entries(ctx)) if (v !== undefined) merged[k] = v;
  const resolved = merged as unknown as ValidationContext;
  resolvedContexts.set(ctx, resolved);
  return resolved;
}

/** The rule environment of one Workspace; presets are resolved once per name, the memo created on first use. */
class WorkspaceRuleEnv implements RuleEnv {
  readonly ctx: ValidationContext;
  readonly apiVersion: WorkspaceApiVersion;
  readonly namespace: string;
  readonly runtime: RuntimeName;
  readonly bypassResourceChecks: boolean;
  readonly raw: unknown;
  #presets: Map<string, PresetResolution> | undefined;

  constructor(ws: Workspace, apiVersion: WorkspaceApiVersion, raw: unknown, ctx: ValidationContext) {
    const annotations = ws.metadata.annotations;
    const a = annotations?.[WorkspaceAnnotation.Runtime];
    this.ctx = ctx;
    this.apiVersion = apiVersion;
    this.namespace = ws.metadata.namespace ?? ctx.namespace ?? "default";
    this.runtime = a === "transformers" || a === "vllm" ? a : ctx.defaultRuntime;
    this.bypassResourceChecks = annotations?.[WorkspaceAnnotation.BypassResourceChecks] !== undefined;
    this.raw = raw;
  }

  resolvePreset(name: string): PresetResolution | undefined {
    const presets = this.ctx.presets;
    if (presets === undefined) return undefined;
    this.#presets ??= new Map();
    let r = this.#presets.get(name);
    if (r === undefined) {
      r = presets.resolvePreset(name);
      this.#presets.set(name, r);
    }
    return r;
  }
}

function makeEnv(ws: Workspace, apiVersion: WorkspaceApiVersion, raw: unknown, ctx: ValidationContext): RuleEnv {
  return new WorkspaceRuleEnv(ws, apiVersion, raw, ctx);
}

function finish(out: IssueList, ws: Workspace | undefined): ValidationResult {
  if (ws !== undefined) applyPlaceholderPass(ws, out);
  return { valid: out.errors.length === 0, errors: out.errors, warnings: out.warnings };
}

/**
 * Validate a Workspace as Kaito's admission webhook does on CREATE — with the real field paths, better messages,
 * hints and warnings (compat §1.5–§1.7). What Kaito accepts is accepted; kaito-ts rejects more only where the
 * Workspace could never run, and otherwise warns (`docs/differences.md` lists each such rule and why).
 *
 * Steps: apiVersion/kind; unknown fields (warnings); CRD defaults (as the API server applies them); the zod schema
 * of the object's version (structural errors); then every create rule. Rules that need presets, SKUs, the fit
 * check, cluster state or the tuning templates read them from `ctx` and are skipped when the lookup is absent.
 * `ctx` defaults to {@link defaultValidationContext} (Azure, node auto-provisioning on, vLLM).
 *
 * @example
 * const r = validateWorkspace(yaml.parse(text), { presets, skus, tuningTemplates });
 * for (const e of r.errors) console.log(`${e.path}: ${e.message}`);
 */
export function validateWorkspace(obj: unknown, ctx?: Partial<ValidationContext>): ValidationResult {
  const context = resolveContext(ctx);
  const out = new IssueList();
  const { ws, apiVersion } = prepareWorkspace(obj, out);
  if (ws === undefined || apiVersion === undefined) return finish(out, undefined);
  const env = makeEnv(ws, apiVersion, obj, context);
  checkName(ws, out);
  checkAnnotations(ws, out, apiVersion, "create", env.runtime, context.karpenterNodeClasses);
  if ((ws.inference === undefined) === (ws.tuning === undefined)) {
    out.error(
      "INFERENCE_TUNING_EXACTLY_ONE",
      ws.inference === undefined ? "spec" : at("tuning"),
      ws.inference === undefined
        ? "Required value: exactly one of inference or tuning must be set"
        : "inference and tuning are mutually exclusive: set exactly one",
      "A Workspace either serves a model (inference) or fine-tunes one (tuning)",
    );
  }
  checkResourceCommon(ws, env, out);
  if (ws.inference !== undefined) checkInferenceCreate(ws, ws.inference, env, out);
  if (ws.tuning !== undefined) checkTuningCreate(ws, ws.tuning, env, out);
  return finish(out, ws);
}

/**
 * Validate an UPDATE from `oldObj` to `newObj` as Kaito's webhook does: the name rule and every update rule
 * (mode toggles, immutable count/partition/labelSelector/instanceType/presets/method/input name, template set↔unset,
 * convertible label selector, adapter rules, input and output image references) — plus kaito-ts's stateless
 * content rules on the new object for the fields that may change (input URLs, exactly one input/output, push
 * secret, secret names, annotation values), as warnings where Kaito does not check them on update. Rules that
 * depend on cluster state or the catalog (SKU, fit, ConfigMaps) are create-only, as in Kaito.
 */
export function validateWorkspaceUpdate(
  oldObj: unknown,
  newObj: unknown,
  ctx?: Partial<ValidationContext>,
): ValidationResult {
  const context = resolveContext(ctx);
  const out = new IssueList();
  const cur = prepareWorkspace(newObj, out);
  if (cur.ws === undefined || cur.apiVersion === undefined) return finish(out, undefined);
  const ws = cur.ws;
  const env = makeEnv(ws, cur.apiVersion, newObj, context);
  checkName(ws, out);
  checkAnnotations(ws, out, cur.apiVersion, "update", env.runtime, context.karpenterNodeClasses);
  const old = prepareWorkspace(oldObj, undefined);
  if (old.ws !== undefined) checkUpdate(old.ws, ws, env, out);
  if (ws.inference !== undefined) checkInferenceContent(ws.inference, out, "update");
  if (ws.tuning !== undefined) checkTuningContent(ws.tuning, env, out, "update");
  return finish(out, ws);
}
