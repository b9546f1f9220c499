/**
 * Wiring of the Workspace controller into a {@link Manager}, as Kaito's `SetupWithManager` (compat §2.1): watches
 * Workspaces; owns Services, ControllerRevisions, StatefulSets and Jobs; maps Pods (by `kaito.sh/workspace`) and
 * NodeClaims / Nodes (by `kaito.sh/workspace` + `kaito.sh/workspacenamespace`) back to their Workspace;
 * `MaxConcurrentReconciles = 5`.
 */
import type { NodeProvisioner } from "@kaito-ts/node-provisioner";
import { KaitoLabel, WORKSPACE_KIND, KAITO_GROUP } from "@kaito-ts/workspace-types";
import type { BuildOptions, BuildOptionsInput } from "../builders/index.ts";
import { type Controller, type EventPredicate, labelMapper } from "../runtime/controller.ts";
import { type IndexFunc, type Informer, Indexers } from "../runtime/informer.ts";
import type { Manager } from "../runtime/manager.ts";
import { type KubeObject, Resources } from "../runtime/resources.ts";
import { workspaceNodeTransform, workspacePodTransform } from "./cache-transforms.ts";
import { cachedObjectPort, WORKSPACE_LABELS_INDEX } from "./port.ts";
import {
  WORKSPACE_INDEX,
  type WorkspaceCaches,
  WorkspaceReconciler,
  type WorkspaceReconcilerOptions,
} from "./reconciler.ts";
import type { KubernetesObjectPort } from "@kaito-ts/node-provisioner";

/** Index function `<namespace>/<label value>`. */
export function namespacedLabelIndex(label: string): IndexFunc {
  return (obj) => {
    const v = obj.metadata.labels?.[label];
    const ns = obj.metadata.namespace;
    return v === undefined || ns === undefined ? [] : [`${ns}/${v}`];
  };
}

/**
 * Workspace events that need a pass: creation, deletion, spec changes (generation), and metadata the reconciler reads
 * (finalizers, annotations, labels, deletionTimestamp). Status-only updates — mostly our own writes — are skipped.
 */
export const workspaceChanged: EventPredicate = (kind, obj, old) => {
  if (kind !== "update" || old === undefined || old === obj) return true;
  const a = old.metadata;
  const b = obj.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? []) ||
    JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {}) ||
    JSON.stringify(a.labels ?? {}) !== JSON.stringify(b.labels ?? {})
  );
};

/** Options of {@link setupWorkspaceController}. */
export interface SetupWorkspaceControllerOptions
  extends Omit<
    WorkspaceReconcilerOptions,
    "client" | "caches" | "provisioner" | "events" | "clock" | "logger" | "nodeClaimsWatched"
  > {
  /** The provisioner, given the cache-backed object port to work through. */
  readonly provisioner: NodeProvisioner | ((port: KubernetesObjectPort) => NodeProvisioner);
  /** Watch NodeClaims (Karpenter / gpu-provisioner modes; default: unless `buildOptions.nodeProvisioner` is `byo`). */
  readonly watchNodeClaims?: boolean;
  /** Workers (default 5, as Kaito). */
  readonly maxConcurrentReconciles?: number;
  /** Controller name (default `workspace`). */
  readonly name?: string;
  readonly buildOptions?: BuildOptions | BuildOptionsInput;
}

/** What {@link setupWorkspaceController} built. */
export interface WorkspaceControllerSetup {
  readonly controller: Controller;
  readonly reconciler: WorkspaceReconciler;
  readonly caches: WorkspaceCaches;
  readonly port: KubernetesObjectPort;
  readonly provisioner: NodeProvisioner;
}

function hasWorkspaceLabel(obj: KubeObject): boolean {
  return obj.metadata.labels?.[KaitoLabel.Workspace] !== undefined;
}

/**
 * Register the Workspace controller with a manager.
 * @example
 * const mgr = new Manager({ kubeConfig: kc, leaderElection: { namespace: "kaito", name: "kaito-ts" } });
 * setupWorkspaceController(mgr, { provisioner: (port) => createKarpenterProvisioner({ port }) });
 * await mgr.start();
 */
export function setupWorkspaceController(
  mgr: Manager,
  opts: SetupWorkspaceControllerOptions,
): WorkspaceControllerSetup {
  const workspaces = mgr.informer(Resources.Workspace);
  const revisions = mgr.informer(Resources.ControllerRevision, {
    labelSelector: KaitoLabel.WorkspaceName,
    indexers: { [WORKSPACE_INDEX]: namespacedLabelIndex(KaitoLabel.WorkspaceName) },
  });
  const pods = mgr.informer(Resources.Pod, {
    labelSelector: KaitoLabel.Workspace,
    indexers: { [WORKSPACE_INDEX]: namespacedLabelIndex(KaitoLabel.Workspace) },
    transform: workspacePodTransform,
  });
  // Kaito's Services and StatefulSets carry no labels of their own (only their selectors do): watch them all, as
  // controller-runtime's Owns() does. Jobs and Pods carry `kaito.sh/workspace`.
  const services = mgr.informer(Resources.Service);
  const statefulSets = mgr.informer(Resources.StatefulSet);
  const jobs = mgr.informer(Resources.Job, { labelSelector: KaitoLabel.Workspace });
  const byWorkspaceLabels = {
    [WORKSPACE_LABELS_INDEX]: Indexers.labelPair(KaitoLabel.WorkspaceNamespace, KaitoLabel.Workspace),
  };
  const nodes = mgr.informer(Resources.Node, { transform: workspaceNodeTransform, indexers: byWorkspaceLabels });
  const storageClasses = mgr.informer(Resources.StorageClass);
  const byo =
    opts.buildOptions?.nodeProvisioner === "byo" ||
    opts.buildOptions?.featureGates?.disableNodeAutoProvisioning === true;
  const watchNodeClaims = opts.watchNodeClaims ?? !byo;
  const nodeClaims: Informer | undefined = watchNodeClaims
    ? mgr.informer(Resources.NodeClaim, { labelSelector: KaitoLabel.Workspace, indexers: byWorkspaceLabels })
    : undefined;
  const caches: WorkspaceCaches = {
    workspaces,
    revisions,
    services,
    statefulSets,
    jobs,
    pods,
    nodes,
    storageClasses,
  };
  const port = cachedObjectPort({
    client: mgr.client,
    resources: [
      { type: Resources.Node, informer: nodes },
      ...(nodeClaims !== undefined ? [{ type: Resources.NodeClaim, informer: nodeClaims }] : []),
    ],
  });
  const provisioner = typeof opts.provisioner === "function" ? opts.provisioner(port) : opts.provisioner;
  const reconciler = new WorkspaceReconciler({
    ...opts,
    client: mgr.client,
    caches,
    provisioner,
    events: mgr.events,
    clock: mgr.clock,
    logger: mgr.logger,
    nodeClaimsWatched: nodeClaims !== undefined,
  });
  const owner = { group: KAITO_GROUP, kind: WORKSPACE_KIND };
  const toWorkspace = labelMapper(KaitoLabel.WorkspaceNamespace, KaitoLabel.Workspace);
  const controller = mgr
    .controller({
      name: opts.name ?? "workspace",
      maxConcurrentReconciles: opts.maxConcurrentReconciles ?? 5,
      reconcile: reconciler.reconcile,
    })
    .watchFor(workspaces, workspaceChanged)
    .watchOwned(revisions, owner)
    .watchOwned(services, owner)
    .watchOwned(statefulSets, owner)
    .watchOwned(jobs, owner)
    .watchMapped(pods, (p) =>
      hasWorkspaceLabel(p) ? [`${p.metadata.namespace}/${p.metadata.labels?.[KaitoLabel.Workspace]}`] : [],
    )
    .watchMapped(nodes, toWorkspace);
  if (nodeClaims !== undefined) controller.watchMapped(nodeClaims, toWorkspace);
  return { controller, reconciler, caches, port, provisioner };
}
