/**
 * After the rules: attach "this is a placeholder" hints to errors on placeholder-looking values, and warn about
 * placeholder-looking values that are otherwise valid.
 * @internal
 */

import type { Workspace } from "../schema/index.ts";
import type { ValidationIssue } from "./issues.ts";
import { maybePlaceholder, placeholderHint, placeholderParts } from "./placeholder.ts";
import { at, type IssueList } from "./rules/common.ts";

const IMAGE =
  "your registry host and a lowercase repository name (e.g. myregistry.azurecr.io/phi-3-adapter:0.0.1, or localhost:5000/tuning/phi-3-adapter:0.0.1 for a local registry)";
const PUSH_SECRET =
  'the name of a Secret in the Workspace\'s namespace holding the registry credentials (lowercase, e.g. "registry-push-secret"; create it with kubectl create secret docker-registry)';
const SECRET = 'the name of an existing Secret in the Workspace\'s namespace (lowercase, e.g. "registry-pull-secret")';

interface Field {
  readonly segments: readonly (string | number)[];
  readonly value: string;
  readonly what: string;
}

/** The string fields that may carry a placeholder (keep {@link anyCandidate} in step). */
function fieldsOf(ws: Workspace): Field[] {
  const f: Field[] = [];
  const add = (segments: readonly (string | number)[], value: string | undefined, what: string) => {
    if (typeof value === "string" && value !== "") f.push({ segments, value, what });
  };
  add(["metadata", "name"], ws.metadata.name, "a lowercase Workspace name");
  for (const [k, v] of Object.entries(ws.metadata.annotations ?? {}))
    add(["metadata", "annotations", k], v, "a real value");
  add(["resource", "instanceType"], ws.resource.instanceType, "a GPU SKU such as Standard_NC24ads_A100_v4");
  for (const [k, v] of Object.entries(ws.resource.labelSelector.matchLabels ?? {})) {
    add(["resource", "labelSelector", "matchLabels", k], v, "a label value your nodes carry");
  }
  const inf = ws.inference;
  if (inf !== undefined) {
    add(["inference", "preset", "name"], inf.preset?.name, "a preset name (`kaito presets`)");
    add(["inference", "preset", "presetOptions", "image"], inf.preset?.presetOptions?.image, IMAGE);
    add(
      ["inference", "preset", "presetOptions", "modelAccessSecret"],
      inf.preset?.presetOptions?.modelAccessSecret,
      SECRET,
    );
    inf.preset?.presetOptions?.imagePullSecrets?.forEach((s, i) => {
      add(["inference", "preset", "presetOptions", "imagePullSecrets", i], s, SECRET);
    });
    add(["inference", "config"], inf.config, "the name of a ConfigMap in the Workspace's namespace");
    inf.adapters?.forEach((a, i) => {
      add(["inference", "adapters", i, "source", "name"], a.source?.name, "a lowercase adapter name");
      add(["inference", "adapters", i, "source", "image"], a.source?.image, IMAGE);
      a.source?.imagePullSecrets?.forEach((s, j) => {
        add(["inference", "adapters", i, "source", "imagePullSecrets", j], s, SECRET);
      });
    });
  }
  const tun = ws.tuning;
  if (tun !== undefined) {
    add(["tuning", "preset", "name"], tun.preset?.name, "a tunable preset name (`kaito presets`)");
    add(["tuning", "config"], tun.config, "the name of a ConfigMap in the Workspace's namespace");
    tun.input.urls?.forEach((u, i) => {
      add(["tuning", "input", "urls", i], u, "the public URL of your dataset");
    });
    add(["tuning", "input", "image"], tun.input.image, IMAGE);
    tun.input.imagePullSecrets?.forEach((s, i) => {
      add(["tuning", "input", "imagePullSecrets", i], s, SECRET);
    });
    add(["tuning", "output", "image"], tun.output.image, IMAGE);
    add(["tuning", "output", "imagePushSecret"], tun.output.imagePushSecret, PUSH_SECRET);
  }
  return f;
}

function maybe(value: string | undefined): boolean {
  return value !== undefined && value !== "" && maybePlaceholder(value);
}

function anyValueMaybe(map: Readonly<Record<string, string>> | undefined): boolean {
  if (map === undefined) return false;
  for (const k in map) if (maybe(map[k])) return true;
  return false;
}

function anyMaybe(list: readonly string[] | undefined): boolean {
  if (list === undefined) return false;
  for (const v of list) if (maybe(v)) return true;
  return false;
}

/**
 * Allocation-free pre-check over exactly the fields {@link fieldsOf} lists (keep the two in step): does any of
 * them look like it may hold a placeholder?
 */
function anyCandidate(ws: Workspace): boolean {
  if (maybe(ws.metadata.name) || anyValueMaybe(ws.metadata.annotations)) return true;
  if (maybe(ws.resource.instanceType) || anyValueMaybe(ws.resource.labelSelector.matchLabels)) return true;
  const inf = ws.inference;
  if (inf !== undefined) {
    const preset = inf.preset;
    const opts = preset?.presetOptions;
    if (maybe(preset?.name) || maybe(opts?.image) || maybe(opts?.modelAccessSecret)) return true;
    if (anyMaybe(opts?.imagePullSecrets) || maybe(inf.config)) return true;
    for (const a of inf.adapters ?? []) {
      if (maybe(a.source?.name) || maybe(a.source?.image) || anyMaybe(a.source?.imagePullSecrets)) return true;
    }
  }
  const tun = ws.tuning;
  if (tun !== undefined) {
    if (maybe(tun.preset?.name) || maybe(tun.config)) return true;
    if (anyMaybe(tun.input.urls) || maybe(tun.input.image) || anyMaybe(tun.input.imagePullSecrets)) return true;
    if (maybe(tun.output.image) || maybe(tun.output.imagePushSecret)) return true;
  }
  return false;
}

/**
 * Add placeholder hints to the issues at a placeholder-looking value (in place), and warnings for placeholder values
 * nothing else reported.
 */
export function applyPlaceholderPass(ws: Workspace, out: IssueList): void {
  if (!anyCandidate(ws)) return;
  for (const field of fieldsOf(ws)) {
    if (placeholderParts(field.value).length === 0) continue;
    const path = at(...field.segments);
    const hint = placeholderHint(field.value, field.what);
    if (hint === undefined) continue;
    let matched = false;
    for (const list of [out.errors, out.warnings]) {
      list.forEach((e, i) => {
        if (e.path !== path) return;
        matched = true;
        const merged: ValidationIssue = { ...e, hint: e.hint === undefined ? hint : `${hint}. ${e.hint}` };
        list[i] = merged;
      });
    }
    if (!matched) {
      out.warn("PLACEHOLDER_VALUE", path, `${JSON.stringify(field.value)} looks like a placeholder`, hint);
    }
  }
}
