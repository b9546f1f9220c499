/**
 * The operator's least-privilege RBAC, one rule per resource, each with only the verbs the code calls. Every rule
 * names where it is used; the operator tests remove each rule in turn and watch something break.
 */

/** One `rbac.authorization.k8s.io/v1` PolicyRule, with why it is needed. */
export interface OperatorRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  /** Which code needs it (kept in a comment of the generated YAML). */
  readonly why: string;
}

/** The ClusterRole's rules (Karpenter NodeClaim mode, the default). */
export const CLUSTER_RULES: readonly OperatorRule[] = [
  {
    apiGroups: ["kaito.sh"],
    resources: ["workspaces"],
    verbs: ["get", "list", "watch", "patch"],
    why: "Workspace informer; finalizer and hash/revision annotations (merge patch)",
  },
  {
    apiGroups: ["kaito.sh"],
    resources: ["workspaces/status"],
    verbs: ["patch"],
    why: "conditions, state, targetNodeCount, workerNodes (status merge patch)",
  },
  {
    apiGroups: ["karpenter.sh"],
    resources: ["nodeclaims"],
    verbs: ["get", "list", "watch", "create", "delete"],
    why: "Karpenter provisioner: NodeClaims per Workspace, released on deletion",
  },
  {
    apiGroups: [""],
    resources: ["nodes"],
    verbs: ["get", "list", "watch", "patch"],
    why: "node readiness and GPU capacity; the accelerator label on new nodes; BYO GPU labels (admission)",
  },
  {
    apiGroups: [""],
    resources: ["pods"],
    verbs: ["list", "watch"],
    why: "pod failure classification (crash loops, OOM, image pulls) of the inference and tuning pods",
  },
  {
    apiGroups: [""],
    resources: ["pods/log"],
    verbs: ["get"],
    why: "tuning progress read from the trainer's log",
  },
  {
    apiGroups: [""],
    resources: ["services"],
    verbs: ["list", "watch", "create"],
    why: "the inference Services <ws> and <ws>-headless",
  },
  {
    apiGroups: [""],
    resources: ["configmaps"],
    verbs: ["get", "list", "watch", "create"],
    why: "inference/tuning ConfigMaps (admission and reconcile), the copy of the default tuning template",
  },
  {
    apiGroups: [""],
    resources: ["secrets"],
    verbs: ["get"],
    why: "the tuning output imagePushSecret must exist (its contents are never read into logs)",
  },
  {
    apiGroups: [""],
    resources: ["events"],
    verbs: ["create", "patch"],
    why: "Workspace events, aggregated like client-go",
  },
  {
    apiGroups: ["apps"],
    resources: ["statefulsets"],
    verbs: ["list", "watch", "create", "update"],
    why: "the inference StatefulSet, updated in place on a new revision",
  },
  {
    apiGroups: ["apps"],
    resources: ["controllerrevisions"],
    verbs: ["list", "watch", "create", "delete"],
    why: "Workspace revision history (at most 10 kept)",
  },
  {
    apiGroups: ["batch"],
    resources: ["jobs"],
    verbs: ["list", "watch", "create", "delete"],
    why: "the tuning Job, recreated on a new revision",
  },
  {
    apiGroups: ["storage.k8s.io"],
    resources: ["storageclasses"],
    verbs: ["list", "watch"],
    why: "whether the kaito-local-nvme-disk StorageClass exists (a StorageClass informer)",
  },
];

/** The Role's rules in the release namespace: the leader-election Lease. */
export const LEASE_RULES: readonly OperatorRule[] = [
  {
    apiGroups: ["coordination.k8s.io"],
    resources: ["leases"],
    verbs: ["get", "create", "update"],
    why: "leader election (acquire, renew, release)",
  },
];

/** A rule as it goes into a Role/ClusterRole (without `why`). */
export function policyRule(r: OperatorRule): { apiGroups: string[]; resources: string[]; verbs: string[] } {
  return { apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] };
}
