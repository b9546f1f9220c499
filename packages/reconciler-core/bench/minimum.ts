/**
 * The fewest writes that take one inference Workspace (a preset that needs one node) from created to
 * `WorkspaceSucceeded=True` the way Kaito does it (compat §2.2–§2.4), what each is for, and how to count writes.
 * The baseline (`baseline.ts`) issues exactly these; the reconciler's writes are compared against their sum.
 */

/** One kind of write of the minimal flow. */
export interface MinimumWrite {
  /** `verb resource[/subresource]`, as {@link writeKey} spells it. */
  readonly key: string;
  readonly count: number;
  readonly why: string;
}

/** The minimal flow, in order. */
export const MINIMUM_WRITES: readonly MinimumWrite[] = [
  {
    key: "patch workspaces",
    count: 1,
    why: "finalizer workspace.finalizer.kaito.sh + workspace.kaito.io/hash and /revision annotations, in one patch",
  },
  { key: "create controllerrevisions", count: 1, why: "the revision <ws>-<hash5> of the spec" },
  { key: "create nodeclaims", count: 1, why: "one GPU node (targetNodeCount 1)" },
  {
    key: "create events",
    count: 2,
    why: "NodeClaimCreated and StatefulSetCreated on the Workspace (kubectl describe)",
  },
  { key: "create services", count: 2, why: "<ws> and <ws>-headless" },
  { key: "create statefulsets", count: 1, why: "the inference StatefulSet" },
  {
    key: "patch workspaces/status",
    count: 3,
    why:
      "one per phase a user must see: waiting for nodes (NodeClaimReady/ResourceReady False, targetNodeCount), " +
      "nodes ready and the workload starting (InferenceReady False), then InferenceReady/WorkspaceSucceeded True",
  },
];

/** Writes per Workspace of the minimal flow. */
export const MINIMUM_WRITES_PER_WORKSPACE = MINIMUM_WRITES.reduce((n, w) => n + w.count, 0);

/** `verb resource[/subresource]`. */
export function writeKey(verb: string, resource: string, subresource?: string): string {
  return `${verb} ${resource}${subresource !== undefined ? `/${subresource}` : ""}`;
}
