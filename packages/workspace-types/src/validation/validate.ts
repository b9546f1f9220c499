/**
 * `validateWorkspace` and `validateWorkspaceUpdate`: structural check, CRD defaults, and every admission rule.
 *
 * @packageDocumentation
 */

import { WorkspaceAnnotation } from "../constants/index.ts";
import {
  applyWorkspaceDefaults,
  findUnknownFieldPaths,
  formatFieldPath,
  isWorkspaceApiVersion,
  toFieldIssues,
  type Workspace,
  type WorkspaceApiVersion,
  workspaceSchemaFor,
} from "../schema/index.ts";
import type { PresetResolution, RuntimeName, ValidationContext } from "./context.ts";
import type { ValidationResult } from "./issues.ts";
import { applyPlaceholderPass } from "./placeholder-pass.ts";
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

const V1BETA1_ONLY = new Set(["resource.partition", "inference.preset.presetOptions.modelAccessSecret"]);

interface Prepared {
  readonly ws?: Workspace;
  readonly apiVersion?: WorkspaceApiVersion;
}

function valueAt(root: unknown, segs: readonly (string | number)[]): unknown {
  let cur: unknown = root;
  for (const s of segs) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}

function deleteAt(root: unknown, segs: readonly (string | number)[]): boolean {
  // remove the nearest object key on the path (array elements take their whole array with them)
  let cut = segs.length;
  while (cut > 0 && typeof segs[cut - 1] === "number") cut--;
  if (cut === 0) return false;
  const parent = valueAt(root, segs.slice(0, cut - 1));
  const key = segs[cut - 1];
  if (typeof parent !== "object" || parent === null || key === undefined) return false;
  const rec = parent as Record<string | number, unknown>;
  if (rec[key] === undefined) return false;
  delete rec[key];
  return true;
}

/** Structural part: object, apiVersion, kind, unknown fields, defaults, schema. */
function prepare(obj: unknown, out: IssueList | undefined): Prepared {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    out?.error(
      "invalid-structure",
      "",
      `expected a Workspace object, got ${obj === null ? "null" : Array.isArray(obj) ? "a list" : typeof obj}`,
    );
    return {};
  }
  const rec = obj as Record<string, unknown>;
  const apiVersion = rec.apiVersion;
  if (!isWorkspaceApiVersion(apiVersion)) {
    out?.error(
      "invalid-api-version",
      "apiVersion",
      apiVersion === undefined
        ? "Required value: apiVersion must be kaito.sh/v1alpha1 or kaito.sh/v1beta1"
        : `Unsupported value: ${JSON.stringify(apiVersion)}: supported values: "kaito.sh/v1alpha1", "kaito.sh/v1beta1"`,
      "Workspaces use apiVersion kaito.sh/v1beta1 (current) or kaito.sh/v1alpha1",
    );
    return {};
  }
  if (rec.kind !== "Workspace") {
    out?.error(
      "invalid-kind",
      "kind",
      rec.kind === undefined
        ? 'Required value: kind must be "Workspace"'
        : `Unsupported value: ${JSON.stringify(rec.kind)}: expected "Workspace"`,
    );
    return {};
  }
  if (out !== undefined) {
    for (const p of findUnknownFieldPaths(obj)) {
      const path = formatFieldPath(p);
      const plain = p.filter((s) => typeof s === "string").join(".");
      out.warn(
        "unknown-field",
        path,
        `unknown field "${path}"`,
        apiVersion === "kaito.sh/v1alpha1" && V1BETA1_ONLY.has(plain)
          ? "This field exists only in kaito.sh/v1beta1; change apiVersion to use it"
          : "The API server drops unknown fields; check the spelling",
      );
    }
  }
  const schema = workspaceSchemaFor(apiVersion);
  let current: unknown = applyWorkspaceDefaults(obj);
  for (let round = 0; round < 4; round++) {
    const parsed = schema.safeParse(current);
    if (parsed.success) return { ws: parsed.data as Workspace, apiVersion };
    if (round === 0 && out !== undefined) {
      for (const fi of toFieldIssues(parsed.error.issues, current)) {
        out.error("invalid-structure", fi.path, fi.message);
      }
    }
    // drop the offending fields and try again, so the content rules still run on the rest
    if (round === 0) current = structuredClone(current);
    let removed = false;
    for (const issue of parsed.error.issues) {
      const segs = issue.path.filter((s): s is string | number => typeof s !== "symbol");
      if (deleteAt(current, segs)) removed = true;
    }
    if (!removed) break;
  }
  return { apiVersion };
}

function makeEnv(ws: Workspace, apiVersion: WorkspaceApiVersion, raw: unknown, ctx: ValidationContext): RuleEnv {
  const annotations = ws.metadata.annotations ?? {};
  const a = annotations[WorkspaceAnnotation.Runtime];
  const runtime: RuntimeName = a === "transformers" || a === "vllm" ? a : ctx.defaultRuntime;
  const cache = new Map<string, PresetResolution>();
  return {
    ctx,
    apiVersion,
    namespace: ws.metadata.namespace ?? ctx.namespace ?? "default",
    runtime,
    bypassResourceChecks: annotations[WorkspaceAnnotation.BypassResourceChecks] !== undefined,
    raw,
    resolvePreset(name: string) {
      const presets = ctx.presets;
      if (presets === undefined) return undefined;
      let r = cache.get(name);
      if (r === undefined) {
        r = presets.resolvePreset(name);
        cache.set(name, r);
      }
      return r;
    },
  };
}

function finish(out: IssueList, ws: Workspace | undefined): ValidationResult {
  if (ws !== undefined) applyPlaceholderPass(ws, out);
  return { valid: out.errors.length === 0, errors: out.errors, warnings: out.warnings };
}

/**
 * Validate a Workspace as Kaito's admission webhook does on CREATE — with the real field paths, better messages,
 * hints, warnings, and the gaps of Kaito's webhook closed (compat §1.6, §1.7).
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
  const { ws, apiVersion } = prepare(obj, out);
  if (ws === undefined || apiVersion === undefined) return finish(out, undefined);
  const env = makeEnv(ws, apiVersion, obj, context);
  checkName(ws, out);
  checkAnnotations(ws, out, context.karpenterNodeClasses);
  if ((ws.inference === undefined) === (ws.tuning === undefined)) {
    out.error(
      "inference-tuning-exactly-one",
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
 * adapter rules, output image) — plus kaito-ts's stateless content rules on the new object for the fields that may
 * change (adapters, input URLs and images, output, secret names, annotation values). Rules that depend on cluster
 * state or the catalog (SKU, fit, ConfigMaps) are create-only, as in Kaito.
 */
export function validateWorkspaceUpdate(
  oldObj: unknown,
  newObj: unknown,
  ctx?: Partial<ValidationContext>,
): ValidationResult {
  const context = resolveContext(ctx);
  const out = new IssueList();
  const cur = prepare(newObj, out);
  if (cur.ws === undefined || cur.apiVersion === undefined) return finish(out, undefined);
  const ws = cur.ws;
  const env = makeEnv(ws, cur.apiVersion, newObj, context);
  checkName(ws, out);
  checkAnnotations(ws, out, context.karpenterNodeClasses);
  const old = prepare(oldObj, undefined);
  if (old.ws !== undefined) checkUpdate(old.ws, ws, env, out);
  if (ws.inference !== undefined) checkInferenceContent(ws.inference, out);
  if (ws.tuning !== undefined) checkTuningContent(ws.tuning, out);
  return finish(out, ws);
}
