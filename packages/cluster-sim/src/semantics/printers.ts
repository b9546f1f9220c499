/**
 * Server-side printing of the built-in kinds: the columns and cells kube-apiserver's table convertors produce
 * (`kubectl get pods` → NAME READY STATUS RESTARTS AGE, `-o wide` adds the priority-1 columns), plus the
 * apimachinery `HumanDuration` used by every Age cell.
 */
import { BUILTIN_API_GROUPS } from "./patch-meta.ts";
import { isPlainObject } from "./schema-types.ts";

/** A `meta.k8s.io/v1 TableColumnDefinition`. */
export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** A column with the function that computes its cell for one object. */
export interface TableColumn {
  definition: TableColumnDefinition;
  cell: (obj: Record<string, unknown>, now: Date) => unknown;
}

/** apimachinery `duration.HumanDuration`: `45s`, `5m2s`, `10m`, `3h2m`, `20h`, `5d3h`, `30d`, `2y10d`, `9y`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / 3600000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** The Age cell of a timestamp (`<unknown>` when absent or unparseable), like `translateTimestampSince`. */
export function ageSince(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== "string" || timestamp === "") return "<unknown>";
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return "<unknown>";
  return humanDuration(now.getTime() - t);
}

function get(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function col(
  name: string,
  type: string,
  description: string,
  cell: TableColumn["cell"],
  priority = 0,
  format = "",
): TableColumn {
  return { definition: { name, type, format, description, priority }, cell };
}

/** `ObjectMeta.name`'s documentation, the description of every Name column. */
export const NAME_DESCRIPTION =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

/** `ObjectMeta.creationTimestamp`'s documentation, the description of every Age column. */
export const AGE_DESCRIPTION =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/** The Name column. */
export const NAME_COLUMN: TableColumn = col(
  "Name",
  "string",
  NAME_DESCRIPTION,
  (o) => str(get(o, "metadata", "name")),
  0,
  "name",
);
/** The Age column of the built-in printers (type `string`, as kube-apiserver declares it). */
export const AGE_COLUMN: TableColumn = col("Age", "string", AGE_DESCRIPTION, (o, now) =>
  ageSince(get(o, "metadata", "creationTimestamp"), now),
);

function containersColumns(templateSpec: (o: Record<string, unknown>) => unknown): TableColumn[] {
  const containers = (o: Record<string, unknown>) => arr(get(templateSpec(o), "containers"));
  return [
    col(
      "Containers",
      "string",
      "Names of each container in the template.",
      (o) =>
        containers(o)
          .map((c) => str(get(c, "name")))
          .join(","),
      1,
    ),
    col(
      "Images",
      "string",
      "Images referenced by each container in the template.",
      (o) =>
        containers(o)
          .map((c) => str(get(c, "image")))
          .join(","),
      1,
    ),
  ];
}

function selectorString(sel: unknown): string {
  if (!isPlainObject(sel)) return "<none>";
  const parts: string[] = [];
  const ml = sel.matchLabels;
  if (isPlainObject(ml)) for (const k of Object.keys(ml).sort()) parts.push(`${k}=${String(ml[k])}`);
  for (const e of arr(sel.matchExpressions)) {
    if (!isPlainObject(e)) continue;
    const key = str(e.key);
    const values = arr(e.values).map(String).sort().join(",");
    switch (e.operator) {
      case "In":
        parts.push(`${key} in (${values})`);
        break;
      case "NotIn":
        parts.push(`${key} notin (${values})`);
        break;
      case "Exists":
        parts.push(key);
        break;
      case "DoesNotExist":
        parts.push(`!${key}`);
        break;
    }
  }
  return parts.length === 0 ? "<none>" : parts.join(",");
}

function mapSelectorString(sel: unknown): string {
  if (!isPlainObject(sel) || Object.keys(sel).length === 0) return "<none>";
  return Object.keys(sel)
    .sort()
    .map((k) => `${k}=${String(sel[k])}`)
    .join(",");
}

function hasCondition(o: unknown, type: string, status = "True"): boolean {
  return arr(get(o, "status", "conditions")).some((c) => get(c, "type") === type && get(c, "status") === status);
}

/** The STATUS cell of a pod (kubectl's `printPod` logic) and its ready/total and restarts. */
export function podStatusSummary(
  pod: Record<string, unknown>,
  now: Date,
): { ready: string; status: string; restarts: string } {
  const spec = get(pod, "spec");
  const status = get(pod, "status");
  let restarts = 0;
  let lastRestart = 0;
  let readyContainers = 0;
  const total = arr(get(spec, "containers")).length;
  let reason = str(get(status, "phase"));
  if (str(get(status, "reason")) !== "") reason = str(get(status, "reason"));
  if (arr(get(spec, "schedulingGates")).length > 0 && reason === "Pending") reason = "SchedulingGated";

  let initializing = false;
  const initStatuses = arr(get(status, "initContainerStatuses"));
  const initCount = arr(get(spec, "initContainers")).length;
  initStatuses.forEach((cs, i) => {
    if (initializing) return;
    restarts += num(get(cs, "restartCount"));
    const term = get(cs, "state", "terminated");
    const waiting = get(cs, "state", "waiting");
    if (isPlainObject(term) && num(term.exitCode) === 0) return;
    if (isPlainObject(term)) {
      if (str(term.reason) !== "") reason = `Init:${str(term.reason)}`;
      else if (num(term.signal) !== 0) reason = `Init:Signal:${num(term.signal)}`;
      else reason = `Init:ExitCode:${num(term.exitCode)}`;
      initializing = true;
    } else if (isPlainObject(waiting) && str(waiting.reason) !== "" && waiting.reason !== "PodInitializing") {
      reason = `Init:${str(waiting.reason)}`;
      initializing = true;
    } else {
      reason = `Init:${i}/${initCount}`;
      initializing = true;
    }
  });

  if (!initializing || hasCondition(pod, "Initialized")) {
    restarts = 0;
    let hasRunning = false;
    const statuses = arr(get(status, "containerStatuses"));
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += num(get(cs, "restartCount"));
      const finishedAt = Date.parse(str(get(cs, "lastState", "terminated", "finishedAt")));
      if (!Number.isNaN(finishedAt) && finishedAt > lastRestart) lastRestart = finishedAt;
      const waiting = get(cs, "state", "waiting");
      const term = get(cs, "state", "terminated");
      if (isPlainObject(waiting) && str(waiting.reason) !== "") reason = str(waiting.reason);
      else if (isPlainObject(term) && str(term.reason) !== "") reason = str(term.reason);
      else if (isPlainObject(term)) {
        reason = num(term.signal) !== 0 ? `Signal:${num(term.signal)}` : `ExitCode:${num(term.exitCode)}`;
      } else if (get(cs, "ready") === true && isPlainObject(get(cs, "state", "running"))) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === "Completed" && hasRunning) reason = hasCondition(pod, "Ready") ? "Running" : "NotReady";
  }
  if (get(pod, "metadata", "deletionTimestamp") !== undefined) {
    reason = str(get(status, "reason")) === "NodeLost" ? "Unknown" : "Terminating";
  }
  const restartsText =
    restarts !== 0 && lastRestart > 0
      ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`
      : String(restarts);
  return { ready: `${readyContainers}/${total}`, status: reason, restarts: restartsText };
}

function nodeStatus(o: Record<string, unknown>): string {
  const conds = arr(get(o, "status", "conditions"));
  const ready = conds.find((c) => get(c, "type") === "Ready");
  const parts: string[] = [];
  if (!ready) parts.push("Unknown");
  else parts.push(get(ready, "status") === "True" ? "Ready" : "NotReady");
  if (get(o, "spec", "unschedulable") === true) parts.push("SchedulingDisabled");
  return parts.join(",");
}

function nodeRoles(o: Record<string, unknown>): string {
  const labels = get(o, "metadata", "labels");
  const roles = new Set<string>();
  if (isPlainObject(labels)) {
    for (const [k, v] of Object.entries(labels)) {
      if (k.startsWith("node-role.kubernetes.io/")) {
        const role = k.slice("node-role.kubernetes.io/".length);
        if (role !== "") roles.add(role);
      } else if (k === "kubernetes.io/role" && typeof v === "string" && v !== "") roles.add(v);
    }
  }
  return roles.size === 0 ? "<none>" : [...roles].sort().join(",");
}

function nodeAddress(o: Record<string, unknown>, type: string): string {
  const a = arr(get(o, "status", "addresses")).find((x) => get(x, "type") === type);
  return a ? str(get(a, "address")) : "<none>";
}

function servicePorts(o: Record<string, unknown>): string {
  return arr(get(o, "spec", "ports"))
    .map((p) => {
      const protocol = str(get(p, "protocol")) || "TCP";
      const nodePort = num(get(p, "nodePort"));
      return nodePort > 0 ? `${num(get(p, "port"))}:${nodePort}/${protocol}` : `${num(get(p, "port"))}/${protocol}`;
    })
    .join(",");
}

function serviceExternalIP(o: Record<string, unknown>): string {
  const type = str(get(o, "spec", "type")) || "ClusterIP";
  const external = arr(get(o, "spec", "externalIPs")).map(String);
  switch (type) {
    case "ClusterIP":
    case "NodePort":
      return external.length > 0 ? external.join(",") : "<none>";
    case "LoadBalancer": {
      const ingress = arr(get(o, "status", "loadBalancer", "ingress")).map(
        (i) => str(get(i, "ip")) || str(get(i, "hostname")),
      );
      const all = [...ingress, ...external].filter((x) => x !== "");
      return all.length > 0 ? all.join(",") : "<pending>";
    }
    case "ExternalName":
      return str(get(o, "spec", "externalName"));
    default:
      return "<unknown>";
  }
}

function endpointsText(o: Record<string, unknown>): string {
  const subsets = arr(get(o, "subsets"));
  if (subsets.length === 0) return "<none>";
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const ports = arr(get(ss, "ports"));
    const addresses = arr(get(ss, "addresses"));
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) if (list.length < 3) list.push(str(get(a, "ip")));
      continue;
    }
    for (const p of ports) {
      count += addresses.length;
      for (const a of addresses) {
        const ip = str(get(a, "ip"));
        if (list.length < 3) list.push(`${ip.includes(":") ? `[${ip}]` : ip}:${num(get(p, "port"))}`);
      }
    }
  }
  const ret = list.join(",");
  return count > list.length ? `${ret} + ${count - list.length} more...` : ret;
}

function jobCompletions(o: Record<string, unknown>): string {
  const succeeded = num(get(o, "status", "succeeded"));
  const completions = get(o, "spec", "completions");
  if (typeof completions === "number") return `${succeeded}/${completions}`;
  const parallelism = num(get(o, "spec", "parallelism"));
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: Record<string, unknown>, now: Date): string {
  const start = Date.parse(str(get(o, "status", "startTime")));
  if (Number.isNaN(start)) return "";
  const end = Date.parse(str(get(o, "status", "completionTime")));
  return humanDuration((Number.isNaN(end) ? now.getTime() : end) - start);
}

function jobStatus(o: Record<string, unknown>): string {
  if (hasCondition(o, "Complete")) return "Complete";
  if (hasCondition(o, "Failed")) return "Failed";
  if (get(o, "metadata", "deletionTimestamp") !== undefined) return "Terminating";
  if (hasCondition(o, "Suspended")) return "Suspended";
  if (hasCondition(o, "FailureTarget")) return "FailureTarget";
  if (hasCondition(o, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

/** First/last seen and count of a core Event, as kube-apiserver's `printEvent` computes them. */
function eventTimes(o: Record<string, unknown>, now: Date): { first: string; last: string; count: number } {
  const firstRaw = str(get(o, "firstTimestamp"));
  const first = firstRaw !== "" ? ageSince(firstRaw, now) : ageSince(str(get(o, "eventTime")), now);
  const lastRaw = str(get(o, "lastTimestamp"));
  let last = lastRaw !== "" ? ageSince(lastRaw, now) : first;
  let count = num(get(o, "count"));
  const series = get(o, "series");
  if (isPlainObject(series)) {
    last = ageSince(str(series.lastObservedTime), now);
    count = num(series.count);
  } else if (count === 0) {
    count = 1;
  }
  return { first, last, count };
}

function eventTarget(kind: string, name: string): string {
  return name !== "" ? `${kind.toLowerCase()}/${name}` : kind.toLowerCase();
}

function podTemplateSpec(o: Record<string, unknown>): unknown {
  return get(o, "spec", "template", "spec");
}

/** The apiserver's default table convertor (kinds without a printer, CRDs themselves): NAME, CREATED AT (RFC 3339). */
const DEFAULT_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  col("Created At", "date", AGE_DESCRIPTION, (o) => {
    const t = Date.parse(str(get(o, "metadata", "creationTimestamp")));
    return Number.isNaN(t) ? null : `${new Date(t).toISOString().slice(0, 19)}Z`;
  }),
];

/**
 * CustomResourceDefinitions as kube-apiserver 1.37 prints them: NAME, SCOPE, VERSIONS (the served ones, the storage
 * version marked `(storage)`), CREATED AT; with `-o wide` GROUP, KIND, SHORTNAMES and ESTABLISHED.
 */
const CRD_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  col("Scope", "string", "Scope indicates whether the defined custom resource is cluster- or namespace-scoped.", (o) =>
    str(get(o, "spec", "scope")),
  ),
  col("Versions", "string", "The served versions of the custom resource; (storage) marks the storage version.", (o) =>
    arr(get(o, "spec", "versions"))
      .filter((v) => get(v, "served") === true)
      .map((v) => `${str(get(v, "name"))}${get(v, "storage") === true ? "(storage)" : ""}`)
      .join(","),
  ),
  DEFAULT_COLUMNS[1] as TableColumn,
  col("Group", "string", "The API group of the custom resource.", (o) => str(get(o, "spec", "group")), 1),
  col("Kind", "string", "The kind of the custom resource.", (o) => str(get(o, "spec", "names", "kind")), 1),
  col(
    "ShortNames",
    "string",
    "The short names of the custom resource.",
    (o) =>
      arr(get(o, "spec", "names", "shortNames"))
        .map((n) => str(n))
        .join(","),
    1,
  ),
  col(
    "Established",
    "boolean",
    "Whether the custom resource is served (its Established condition).",
    (o) =>
      arr(get(o, "status", "conditions")).some((c) => get(c, "type") === "Established" && get(c, "status") === "True"),
    1,
  ),
];

const WEBHOOK_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  col(
    "Webhooks",
    "integer",
    "Webhooks indicates the number of webhooks registered in this configuration",
    (o) => arr(get(o, "webhooks")).length,
  ),
  AGE_COLUMN,
];

const COLUMNS: Record<string, TableColumn[]> = {
  "/Pod": [
    NAME_COLUMN,
    col(
      "Ready",
      "string",
      "The aggregate readiness state of this pod for accepting traffic.",
      (o, now) => podStatusSummary(o, now).ready,
    ),
    col(
      "Status",
      "string",
      "The aggregate status of the containers in this pod.",
      (o, now) => podStatusSummary(o, now).status,
    ),
    col(
      "Restarts",
      "string",
      "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
      (o, now) => podStatusSummary(o, now).restarts,
    ),
    AGE_COLUMN,
    col(
      "IP",
      "string",
      "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
      (o) => str(get(arr(get(o, "status", "podIPs"))[0], "ip")) || str(get(o, "status", "podIP")) || "<none>",
      1,
    ),
    col(
      "Node",
      "string",
      "NodeName is a request to schedule this pod onto a specific node.",
      (o) => str(get(o, "spec", "nodeName")) || "<none>",
      1,
    ),
    col(
      "Nominated Node",
      "string",
      "nominatedNodeName is set only when this pod preempts other pods on the node.",
      (o) => str(get(o, "status", "nominatedNodeName")) || "<none>",
      1,
    ),
    col(
      "Readiness Gates",
      "string",
      "If specified, all readiness gates will be evaluated for pod readiness.",
      (o) => {
        const gates = arr(get(o, "spec", "readinessGates"));
        if (gates.length === 0) return "<none>";
        const conds = arr(get(o, "status", "conditions"));
        const ok = gates.filter((g) =>
          conds.some((c) => get(c, "type") === get(g, "conditionType") && get(c, "status") === "True"),
        ).length;
        return `${ok}/${gates.length}`;
      },
      1,
    ),
  ],
  "/Node": [
    NAME_COLUMN,
    col("Status", "string", "The status of the node", nodeStatus),
    col("Roles", "string", "The roles of the node", nodeRoles),
    AGE_COLUMN,
    col("Version", "string", "Kubelet Version reported by the node.", (o) =>
      str(get(o, "status", "nodeInfo", "kubeletVersion")),
    ),
    col("Internal-IP", "string", "List of addresses reachable to the node.", (o) => nodeAddress(o, "InternalIP"), 1),
    col("External-IP", "string", "List of addresses reachable to the node.", (o) => nodeAddress(o, "ExternalIP"), 1),
    col(
      "OS-Image",
      "string",
      "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
      (o) => str(get(o, "status", "nodeInfo", "osImage")) || "<unknown>",
      1,
    ),
    col(
      "Kernel-Version",
      "string",
      "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      (o) => str(get(o, "status", "nodeInfo", "kernelVersion")) || "<unknown>",
      1,
    ),
    col(
      "Container-Runtime",
      "string",
      "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
      (o) => str(get(o, "status", "nodeInfo", "containerRuntimeVersion")) || "<unknown>",
      1,
    ),
  ],
  "apps/Deployment": [
    NAME_COLUMN,
    col(
      "Ready",
      "string",
      "Number of the pod with ready state",
      (o) => `${num(get(o, "status", "readyReplicas"))}/${num(get(o, "spec", "replicas"))}`,
    ),
    col(
      "Up-to-date",
      "integer",
      "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      (o) => num(get(o, "status", "updatedReplicas")),
    ),
    col(
      "Available",
      "integer",
      "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      (o) => num(get(o, "status", "availableReplicas")),
    ),
    AGE_COLUMN,
    ...containersColumns(podTemplateSpec),
    col(
      "Selector",
      "string",
      "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
      (o) => selectorString(get(o, "spec", "selector")),
      1,
    ),
  ],
  "apps/ReplicaSet": [
    NAME_COLUMN,
    col(
      "Desired",
      "integer",
      "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.",
      (o) => num(get(o, "spec", "replicas")),
    ),
    col("Current", "integer", "Replicas is the most recently observed number of replicas.", (o) =>
      num(get(o, "status", "replicas")),
    ),
    col(
      "Ready",
      "integer",
      "readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.",
      (o) => num(get(o, "status", "readyReplicas")),
    ),
    AGE_COLUMN,
    ...containersColumns(podTemplateSpec),
    col(
      "Selector",
      "string",
      "Selector is a label query over pods that should match the replica count.",
      (o) => selectorString(get(o, "spec", "selector")),
      1,
    ),
  ],
  "apps/StatefulSet": [
    NAME_COLUMN,
    col(
      "Ready",
      "string",
      "Number of the pod with ready state",
      (o) => `${num(get(o, "status", "readyReplicas"))}/${num(get(o, "spec", "replicas"))}`,
    ),
    AGE_COLUMN,
    ...containersColumns(podTemplateSpec),
  ],
  "apps/DaemonSet": [
    NAME_COLUMN,
    col("Desired", "integer", "The total number of nodes that should be running the daemon pod.", (o) =>
      num(get(o, "status", "desiredNumberScheduled")),
    ),
    col("Current", "integer", "The number of nodes that are running at least 1 daemon pod.", (o) =>
      num(get(o, "status", "currentNumberScheduled")),
    ),
    col(
      "Ready",
      "integer",
      "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
      (o) => num(get(o, "status", "numberReady")),
    ),
    col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod", (o) =>
      num(get(o, "status", "updatedNumberScheduled")),
    ),
    col(
      "Available",
      "integer",
      "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.",
      (o) => num(get(o, "status", "numberAvailable")),
    ),
    col("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node.", (o) =>
      mapSelectorString(get(o, "spec", "template", "spec", "nodeSelector")),
    ),
    AGE_COLUMN,
  ],
  "apps/ControllerRevision": [
    NAME_COLUMN,
    col("Controller", "string", "Controller of the object", (o) => {
      const owner = arr(get(o, "metadata", "ownerReferences")).find((r) => get(r, "controller") === true);
      if (!owner) return "<none>";
      const apiVersion = str(get(owner, "apiVersion"));
      const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
      const kind = str(get(owner, "kind")).toLowerCase();
      return `${group ? `${kind}.${group}` : kind}/${str(get(owner, "name"))}`;
    }),
    col("Revision", "string", "Revision indicates the revision of the state represented by Data.", (o) =>
      num(get(o, "revision")),
    ),
    AGE_COLUMN,
  ],
  "batch/Job": [
    NAME_COLUMN,
    col("Status", "string", "Status of the job.", jobStatus),
    col("Completions", "string", "The completion status of the job.", jobCompletions),
    col("Duration", "string", "Time required to complete the job.", jobDuration),
    AGE_COLUMN,
    ...containersColumns(podTemplateSpec),
    col(
      "Selector",
      "string",
      "A label query over pods that should match the pod count.",
      (o) => selectorString(get(o, "spec", "selector")),
      1,
    ),
  ],
  "/Service": [
    NAME_COLUMN,
    col("Type", "string", "The type of the service.", (o) => str(get(o, "spec", "type")) || "ClusterIP"),
    col("Cluster-IP", "string", "The cluster ip of the service.", (o) => str(get(o, "spec", "clusterIP")) || "<none>"),
    col("External-IP", "string", "The external ip of the service.", serviceExternalIP),
    col("Port(s)", "string", "The ports of the service.", servicePorts),
    AGE_COLUMN,
    col(
      "Selector",
      "string",
      "Route service traffic to pods with label keys and values matching this selector.",
      (o) => mapSelectorString(get(o, "spec", "selector")),
      1,
    ),
  ],
  "/Endpoints": [NAME_COLUMN, col("Endpoints", "string", "Endpoints of the service.", endpointsText), AGE_COLUMN],
  "/ConfigMap": [
    NAME_COLUMN,
    col("Data", "string", "Data contains the configuration data.", (o) => {
      const d = get(o, "data");
      const b = get(o, "binaryData");
      return (isPlainObject(d) ? Object.keys(d).length : 0) + (isPlainObject(b) ? Object.keys(b).length : 0);
    }),
    AGE_COLUMN,
  ],
  "/Secret": [
    NAME_COLUMN,
    col("Type", "string", "Used to facilitate programmatic handling of secret data.", (o) => str(get(o, "type"))),
    col("Data", "string", "Data contains the secret data.", (o) => {
      const d = get(o, "data");
      return isPlainObject(d) ? Object.keys(d).length : 0;
    }),
    AGE_COLUMN,
  ],
  "/Namespace": [
    NAME_COLUMN,
    col("Status", "string", "The status of the namespace", (o) => str(get(o, "status", "phase"))),
    AGE_COLUMN,
  ],
  // 1.37 prints no SECRETS column (token Secrets are no longer made for ServiceAccounts)
  "/ServiceAccount": [NAME_COLUMN, AGE_COLUMN],
  "/Event": [
    col(
      "Last Seen",
      "string",
      "The time at which the most recent occurrence of this event was recorded.",
      (o, now) => eventTimes(o, now).last,
    ),
    col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future.", (o) =>
      str(get(o, "type")),
    ),
    col(
      "Reason",
      "string",
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      (o) => str(get(o, "reason")),
    ),
    col("Object", "string", "The object that this event is about.", (o) =>
      eventTarget(str(get(o, "involvedObject", "kind")), str(get(o, "involvedObject", "name"))),
    ),
    col(
      "Subobject",
      "string",
      "The subobject this event is about.",
      (o) => str(get(o, "involvedObject", "fieldPath")),
      1,
    ),
    col(
      "Source",
      "string",
      "The component reporting this event.",
      (o) => {
        const c = str(get(o, "source", "component")) || str(get(o, "reportingComponent"));
        const h = str(get(o, "source", "host")) || str(get(o, "reportingInstance"));
        return h ? `${c}, ${h}` : c;
      },
      1,
    ),
    col("Message", "string", "A human-readable description of the status of this operation.", (o) =>
      str(get(o, "message")).trim(),
    ),
    col(
      "First Seen",
      "string",
      "The time at which the event was first recorded.",
      (o, now) => eventTimes(o, now).first,
      1,
    ),
    col("Count", "string", "The number of times this event has occurred.", (o, now) => eventTimes(o, now).count, 1),
    col("Name", "string", NAME_DESCRIPTION, (o) => str(get(o, "metadata", "name")), 1, "name"),
  ],
  "events.k8s.io/Event": [
    col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded.", (o, now) =>
      ageSince(
        str(get(o, "series", "lastObservedTime")) || str(get(o, "deprecatedLastTimestamp")) || str(get(o, "eventTime")),
        now,
      ),
    ),
    col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future.", (o) =>
      str(get(o, "type")),
    ),
    col("Reason", "string", "Why the action was taken.", (o) => str(get(o, "reason"))),
    col(
      "Object",
      "string",
      "The object that this event is about.",
      (o) => `${str(get(o, "regarding", "kind")).toLowerCase()}/${str(get(o, "regarding", "name"))}`,
    ),
    col("Message", "string", "A human-readable description of the status of this operation.", (o) =>
      str(get(o, "note")),
    ),
  ],
  "coordination.k8s.io/Lease": [
    NAME_COLUMN,
    col("Holder", "string", "holderIdentity contains the identity of the holder of a current lease.", (o) =>
      str(get(o, "spec", "holderIdentity")),
    ),
    AGE_COLUMN,
  ],
  "storage.k8s.io/StorageClass": [
    NAME_COLUMN,
    col("Provisioner", "string", "Indicates the type of the provisioner.", (o) => str(get(o, "provisioner"))),
    col("ReclaimPolicy", "string", "Indicates the type of the reclaim policy.", (o) => str(get(o, "reclaimPolicy"))),
    col("VolumeBindingMode", "string", "Indicates the volume binding mode.", (o) => str(get(o, "volumeBindingMode"))),
    col("AllowVolumeExpansion", "string", "Indicates whether the storage class allows volume expansion.", (o) =>
      get(o, "allowVolumeExpansion") === true ? "true" : "false",
    ),
    AGE_COLUMN,
  ],
  "apiextensions.k8s.io/CustomResourceDefinition": CRD_COLUMNS,
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration": WEBHOOK_COLUMNS,
  "admissionregistration.k8s.io/MutatingWebhookConfiguration": WEBHOOK_COLUMNS,
};

/**
 * The columns the real server prints for a built-in kind (`{group: "", kind: "Pod"}`). Built-in kinds without a
 * dedicated printer get the apiserver's default convertor (NAME, CREATED AT); other groups (custom resources
 * without printer columns) get NAME, AGE. Columns with `priority: 1` are the `-o wide` ones.
 */
export function printerColumnsFor(group: string, kind: string): TableColumn[] {
  const known = COLUMNS[`${group}/${kind}`];
  if (known) return known;
  if (BUILTIN_API_GROUPS.has(group)) return DEFAULT_COLUMNS;
  return [NAME_COLUMN, { ...AGE_COLUMN, definition: { ...AGE_COLUMN.definition, type: "date" } }];
}
