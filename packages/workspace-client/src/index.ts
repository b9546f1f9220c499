/**
 * `@kaito-ts/workspace-client`: a typed control-plane client for Kaito Workspaces — `apply` (validated, server-side
 * apply), `get`, `list`, `waitFor` a condition with progress, `events`, `logs` of the workload and `delete` — over
 * the credentials of a kubeconfig, with errors a person can act on.
 *
 * @packageDocumentation
 */
export {
  type ApplyOptions,
  createWorkspaceClient,
  type DeleteOptions,
  describeConditions,
  type LogsOptions,
  pickWorkloadPod,
  toWorkspaceEvent,
  type WaitCondition,
  type WaitForOptions,
  type WaitProgress,
  type WorkspaceClient,
  type WorkspaceClientOptions,
  type WorkspaceEvent,
} from "./client.ts";
export {
  isWorkspaceClientError,
  WORKSPACE_CLIENT_ERROR_CODES,
  WorkspaceClientError,
  type WorkspaceClientErrorCode,
  type WorkspaceClientErrorOptions,
} from "./errors.ts";
export { contextNamespace, type LoadKubeConfigOptions, loadKubeConfig, requireCluster } from "./kubeconfig.ts";
export { errorForStatus, KubeTransport, type KubeStatus, type RequestSubject, type SendOptions } from "./transport.ts";
export {
  assertValidWorkspace,
  defaultValidation,
  formatAge,
  toWorkspaceObject,
  type WorkspaceRow,
  workspaceConditions,
  workspacePath,
  workspaceRow,
} from "./workspace.ts";
