/**
 * Kaito's Workspace hash (kaito-compat §2.2 step 3): sha256 over the Go-JSON encoding of `resource`, `inference` and
 * `tuning`, each followed by a newline (three `json.Encoder.Encode` calls into one hasher), hex-encoded. The revision
 * data is `json.Marshal` of the map `{inference, resource, tuning}` (keys sorted, no newline).
 *
 * @packageDocumentation
 */
import { createHash } from "node:crypto";
import type { Workspace } from "@kaito-ts/workspace-types";
import { goStruct, INFERENCE_LAYOUT, RESOURCE_LAYOUT, TUNING_LAYOUT } from "./go-json.ts";

/** The three sections that make a Workspace's spec. */
export type WorkspaceSpecSections = Pick<Workspace, "resource" | "inference" | "tuning">;

/** The exact bytes Kaito hashes: `resource\ninference\ntuning\n` in Go's JSON. */
export function workspaceHashInput(ws: WorkspaceSpecSections): string {
  return (
    `${goStruct(ws.resource, RESOURCE_LAYOUT)}\n` +
    `${goStruct(ws.inference, INFERENCE_LAYOUT)}\n` +
    `${goStruct(ws.tuning, TUNING_LAYOUT)}\n`
  );
}

/** `workspace.kaito.io/hash`: sha256 (hex) of {@link workspaceHashInput}. Pass the v1beta1 form with CRD defaults. */
export function computeWorkspaceHash(ws: WorkspaceSpecSections): string {
  return createHash("sha256").update(workspaceHashInput(ws), "utf8").digest("hex");
}

/** The ControllerRevision `data`: `{"inference":…,"resource":…,"tuning":…}` as Kaito marshals it. */
export function revisionDataJson(ws: WorkspaceSpecSections): string {
  return (
    `{"inference":${goStruct(ws.inference, INFERENCE_LAYOUT)},` +
    `"resource":${goStruct(ws.resource, RESOURCE_LAYOUT)},` +
    `"tuning":${goStruct(ws.tuning, TUNING_LAYOUT)}}`
  );
}
