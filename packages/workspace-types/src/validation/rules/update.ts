/**
 * Update rules (Kaito `validateUpdate`): what may not change once a Workspace exists.
 * @internal
 */

import type { Workspace } from "../../schema/index.ts";
import { labelSelectorAsMap } from "../label-selector.ts";
import { at, deepEqual, type IssueList, nonEmpty, type RuleEnv } from "./common.ts";

function immutable(out: IssueList, path: string, what: string, hint?: string): void {
  out.error(
    "FIELD_IMMUTABLE",
    path,
    `${what} is immutable: it cannot be changed after the Workspace is created`,
    hint ?? "Delete and re-create the Workspace to change it",
  );
}

/** Every update rule comparing `old` with `cur`. */
export function checkUpdate(old: Workspace, cur: Workspace, env: RuleEnv, out: IssueList): void {
  const oldMode = old.inference !== undefined ? "inference" : old.tuning !== undefined ? "tuning" : undefined;
  if ((old.inference === undefined) !== (cur.inference === undefined)) {
    out.error(
      "UPDATE_MODE_CHANGED",
      at("inference"),
      `inference cannot be ${cur.inference === undefined ? "removed" : "added"} after creation (the Workspace was created for ${oldMode ?? "neither inference nor tuning"})`,
      "Create a new Workspace instead of switching between inference and tuning",
    );
  }
  if ((old.tuning === undefined) !== (cur.tuning === undefined)) {
    out.error(
      "UPDATE_MODE_CHANGED",
      at("tuning"),
      `tuning cannot be ${cur.tuning === undefined ? "removed" : "added"} after creation (the Workspace was created for ${oldMode ?? "neither inference nor tuning"})`,
      "Create a new Workspace instead of switching between inference and tuning",
    );
  }

  // resource
  const r0 = old.resource;
  const r1 = cur.resource;
  if (r0.count !== r1.count) immutable(out, at("resource", "count"), `resource.count (${r0.count} → ${r1.count})`);
  if (!deepEqual(r0.partition, r1.partition)) immutable(out, at("resource", "partition"), "resource.partition");
  const m0 = labelSelectorAsMap(r0.labelSelector);
  const m1 = labelSelectorAsMap(r1.labelSelector);
  if (!m0.ok || !m1.ok) {
    out.error(
      "LABEL_SELECTOR_INVALID",
      at("resource", "labelSelector"),
      m1.ok
        ? "the existing Workspace's selector cannot be converted to matchLabels, so Kaito rejects every update of it"
        : m1.reason,
      "Use matchLabels (key: value) to select nodes",
    );
  } else if (!deepEqual(m0.matchLabels, m1.matchLabels)) {
    immutable(out, at("resource", "labelSelector"), "resource.labelSelector");
  }
  const t0 = nonEmpty(r0.instanceType);
  const t1 = nonEmpty(r1.instanceType);
  if (env.ctx.nodeAutoProvisioning) {
    if (t0 !== t1) {
      immutable(
        out,
        at("resource", "instanceType"),
        `resource.instanceType (${t0 ?? "empty"} → ${t1 ?? "empty"})`,
        t1 === undefined ? "Keep the instance type; it is required with node auto-provisioning" : undefined,
      );
    }
  } else if (t0 === undefined && t1 !== undefined) {
    out.error(
      "INSTANCE_TYPE_FORBIDDEN",
      at("resource", "instanceType"),
      "instanceType must be empty when node auto-provisioning is disabled (bring-your-own nodes)",
      "Remove instanceType; the nodes are chosen by resource.labelSelector",
    );
  } else if (t0 !== undefined && t1 !== undefined && t0 !== t1) {
    immutable(
      out,
      at("resource", "instanceType"),
      `resource.instanceType (${t0} → ${t1})`,
      "With bring-your-own nodes it may only be cleared",
    );
  }

  // inference
  const i0 = old.inference;
  const i1 = cur.inference;
  if (i0 !== undefined && i1 !== undefined) {
    if ((i0.preset !== undefined || i1.preset !== undefined) && !deepEqual(i0.preset, i1.preset)) {
      immutable(out, at("inference", "preset"), "inference.preset");
    }
    if ((i0.template === undefined) !== (i1.template === undefined)) {
      out.error(
        "TEMPLATE_TOGGLED",
        at("inference", "template"),
        `inference.template cannot be ${i1.template === undefined ? "removed" : "added"} after creation (its content may change)`,
        "Create a new Workspace to switch between a preset and a pod template",
      );
    }
  }

  // tuning
  const u0 = old.tuning;
  const u1 = cur.tuning;
  if (u0 !== undefined && u1 !== undefined) {
    if (!deepEqual(u0.preset, u1.preset)) immutable(out, at("tuning", "preset"), "tuning.preset");
    // Kaito compares the methods lower-cased: "QLoRA" → "qlora" is no change.
    if ((u0.method ?? "").toLowerCase() !== (u1.method ?? "").toLowerCase()) {
      immutable(out, at("tuning", "method"), `tuning.method (${u0.method ?? "empty"} → ${u1.method ?? "empty"})`);
    }
    if ((u0.input.name ?? "") !== (u1.input.name ?? "")) {
      immutable(out, at("tuning", "input", "name"), "tuning.input.name");
    }
  }
}
