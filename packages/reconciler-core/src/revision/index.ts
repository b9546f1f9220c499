/**
 * Kaito's revision mechanism: the Workspace hash (Go-JSON + sha256, as Kaito's `ComputeHash`), and the
 * ControllerRevision history plan.
 *
 * @packageDocumentation
 */
export { goString, goStruct, goValue } from "./go-json.ts";
export { computeWorkspaceHash, revisionDataJson, type WorkspaceSpecSections, workspaceHashInput } from "./hash.ts";
export {
  MAX_REVISION_HISTORY,
  planRevision,
  REVISION_HASH_PREFIX_LENGTH,
  type RevisionPlan,
  revisionName,
} from "./plan.ts";
