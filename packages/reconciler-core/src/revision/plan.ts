/**
 * Revision bookkeeping (kaito-compat §2.2 step 3, §2.5): which ControllerRevision to create for the Workspace's
 * current spec, which old ones to delete, and the annotations to write on the Workspace. A pure function of the
 * Workspace and the revisions the caller listed (label `workspace.kaito.io/name=<ws>` in the Workspace namespace).
 *
 * @packageDocumentation
 */
import type { V1ControllerRevision } from "@kubernetes/client-node";
import { KaitoLabel, KaitoWrittenAnnotation } from "@kaito-ts/workspace-types";
import { ReconcilerError } from "../errors.ts";
import { type BuildWorkspace, ownerReferenceFor } from "../builders/workspace.ts";
import { computeWorkspaceHash, revisionDataJson } from "./hash.ts";

/** Revisions kept per Workspace, the new one included. */
export const MAX_REVISION_HISTORY = 10;

/** Length of the hash prefix in revision names (`<ws>-<hash5>`). */
export const REVISION_HASH_PREFIX_LENGTH = 5;

/** What {@link planRevision} decided. */
export interface RevisionPlan {
  /** `workspace.kaito.io/hash`. */
  readonly hash: string;
  /** `<ws>-<first 5 hex of hash>`. */
  readonly name: string;
  /** The revision number of the current spec (`workspace.kaito.io/revision`). */
  readonly revision: number;
  /** The ControllerRevision to create; absent when a revision of this spec exists already. */
  readonly create?: V1ControllerRevision;
  /** Names of old revisions to delete, oldest first, so that at most {@link MAX_REVISION_HISTORY} remain. */
  readonly delete: readonly string[];
  /** The annotations to set on the Workspace. */
  readonly annotations: {
    readonly "workspace.kaito.io/hash": string;
    readonly "workspace.kaito.io/revision": string;
  };
}

/** The ControllerRevision name of a hash. */
export function revisionName(workspaceName: string, hash: string): string {
  return `${workspaceName}-${hash.slice(0, REVISION_HASH_PREFIX_LENGTH)}`;
}

/**
 * Decide the revision of the Workspace's current spec. A revision of the same name is reused (its number stays: a spec
 * changed back gets its old number); otherwise the new revision is `latest + 1` (1 for the first) and the oldest are
 * deleted beyond {@link MAX_REVISION_HISTORY}. Kaito deletes only one per pass and so keeps up to 11; this keeps ≤ 10.
 * @param existing the revisions listed for the Workspace; others (another Workspace's, other namespaces) are ignored.
 * @throws ReconcilerError `REVISION_CONFLICT` when a revision of the same name holds a different hash.
 */
export function planRevision(ws: BuildWorkspace, existing: readonly V1ControllerRevision[]): RevisionPlan {
  const hash = computeWorkspaceHash(ws);
  const name = revisionName(ws.metadata.name, hash);
  const mine = existing
    .filter(
      (r) =>
        r.metadata?.labels?.[KaitoLabel.WorkspaceName] === ws.metadata.name &&
        (r.metadata?.namespace ?? ws.metadata.namespace) === ws.metadata.namespace,
    )
    .sort((a, b) => a.revision - b.revision);
  const annotations = (revision: number) => ({
    [KaitoWrittenAnnotation.WorkspaceHash]: hash,
    [KaitoWrittenAnnotation.WorkspaceRevision]: String(revision),
  });
  const same = mine.find((r) => r.metadata?.name === name);
  if (same !== undefined) {
    const theirs = same.metadata?.annotations?.[KaitoWrittenAnnotation.WorkspaceHash];
    if (theirs !== hash) {
      throw new ReconcilerError(
        "REVISION_CONFLICT",
        `ControllerRevision ${ws.metadata.namespace}/${name} exists with hash ${theirs ?? "(none)"}, not ${hash}: ` +
          "revision name conflicts; delete that ControllerRevision so it can be recreated",
      );
    }
    return { hash, name, revision: same.revision, delete: [], annotations: annotations(same.revision) };
  }
  const revision = (mine[mine.length - 1]?.revision ?? 0) + 1;
  const excess = Math.max(0, mine.length + 1 - MAX_REVISION_HISTORY);
  const create: V1ControllerRevision = {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name,
      namespace: ws.metadata.namespace,
      labels: { [KaitoLabel.WorkspaceName]: ws.metadata.name },
      annotations: { [KaitoWrittenAnnotation.WorkspaceHash]: hash },
      ownerReferences: [ownerReferenceFor(ws)],
    },
    revision,
    data: JSON.parse(revisionDataJson(ws)) as Record<string, unknown>,
  };
  return {
    hash,
    name,
    revision,
    create,
    delete: mine.slice(0, excess).map((r) => r.metadata?.name ?? ""),
    annotations: annotations(revision),
  };
}
