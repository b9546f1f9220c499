/**
 * Pod failure classification (Kaito's `InferenceReady` reasons, compat §1.4): read pod and container statuses (and the
 * pressure conditions of their nodes) and say why a workload is not serving, in Kaito's reasons — so a crash-looping
 * or OOM-killed server never shows `InferenceReady=True`. Pure.
 */
import { ConditionReason } from "@kaito-ts/workspace-types";

/** The pod fields the classifier reads. */
export interface PodLike {
  readonly metadata: { readonly name?: string | undefined; readonly deletionTimestamp?: string | undefined };
  readonly spec?: { readonly nodeName?: string | undefined } | undefined;
  readonly status?:
    | {
        readonly phase?: string | undefined;
        readonly reason?: string | undefined;
        readonly message?: string | undefined;
        readonly conditions?:
          | readonly {
              readonly type: string;
              readonly status: string;
              readonly reason?: string | undefined;
              readonly message?: string | undefined;
            }[]
          | undefined;
        readonly initContainerStatuses?: readonly ContainerStatusLike[] | undefined;
        readonly containerStatuses?: readonly ContainerStatusLike[] | undefined;
      }
    | undefined;
}

/** The container status fields the classifier reads. */
export interface ContainerStatusLike {
  readonly name: string;
  readonly restartCount?: number | undefined;
  readonly state?: ContainerStateLike | undefined;
  readonly lastState?: ContainerStateLike | undefined;
}

/** A container state. */
export interface ContainerStateLike {
  readonly waiting?: { readonly reason?: string | undefined; readonly message?: string | undefined } | undefined;
  readonly running?: object | undefined;
  readonly terminated?:
    | {
        readonly reason?: string | undefined;
        readonly message?: string | undefined;
        readonly exitCode?: number | undefined;
        readonly finishedAt?: string | undefined;
      }
    | undefined;
}

/** Options of {@link classifyPod}. */
export interface ClassifyOptions {
  /** Now, in ms since the epoch; enables the flapping rule below. */
  readonly now?: number;
  /**
   * A container that crashed (a non-zero exit of its own, an OOM kill, or a second restart) and has been running for
   * less than this since still counts as crash-looping (default 60 s): a server that passes its probe for a moment
   * between crashes is not ready. A single kill by the kubelet (exit 137/143, e.g. a liveness probe) does not count.
   */
  readonly stableAfterMs?: number;
}

/** The node fields the classifier reads. */
export interface NodeLike {
  readonly metadata: { readonly name?: string | undefined };
  readonly status?:
    | { readonly conditions?: readonly { readonly type: string; readonly status: string }[] | undefined }
    | undefined;
}

/** Why pods are failing: a Kaito reason and a message of at most 256 characters. */
export interface PodFailure {
  readonly reason: string;
  readonly message: string;
  /** The pod it was read from. */
  readonly pod: string;
}

/** Kaito caps these messages at 256 characters. */
export const MAX_FAILURE_MESSAGE = 256;

const IMAGE_PULL_REASONS = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "ErrImageNeverPull",
  "RegistryUnavailable",
]);
const START_REASONS = new Set([
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
  "StartError",
  "ContainerCannotRun",
]);

function cap(message: string): string {
  const m = message.replace(/\s+/g, " ").trim();
  return m.length <= MAX_FAILURE_MESSAGE ? m : `${m.slice(0, MAX_FAILURE_MESSAGE - 3)}...`;
}

function detail(text: string | undefined): string {
  return text !== undefined && text !== "" ? `: ${text}` : "";
}

function classifyContainer(
  pod: string,
  c: ContainerStatusLike,
  init: boolean,
  opts: ClassifyOptions,
): PodFailure | undefined {
  const what = `pod ${pod} ${init ? "init container" : "container"} ${c.name}`;
  const waiting = c.state?.waiting;
  const lastTerm = c.lastState?.terminated;
  const term = c.state?.terminated;
  if (waiting?.reason !== undefined && IMAGE_PULL_REASONS.has(waiting.reason)) {
    return {
      pod,
      reason: ConditionReason.ImagePullError,
      message: cap(
        `${what} cannot pull its image (${waiting.reason})${detail(waiting.message)}; check the image name and pull secrets`,
      ),
    };
  }
  if (waiting?.reason !== undefined && START_REASONS.has(waiting.reason)) {
    return {
      pod,
      reason: ConditionReason.ContainerStartError,
      message: cap(`${what} cannot start (${waiting.reason})${detail(waiting.message)}`),
    };
  }
  if (term?.reason === "OOMKilled" || (waiting?.reason === "CrashLoopBackOff" && lastTerm?.reason === "OOMKilled")) {
    return {
      pod,
      reason: ConditionReason.ContainerOOMKilled,
      message: cap(
        `${what} was killed for running out of memory (OOMKilled, restarts: ${c.restartCount ?? 0}); use a larger instance type or lower the memory use (e.g. max-model-len)`,
      ),
    };
  }
  if (waiting?.reason === "CrashLoopBackOff") {
    const last =
      lastTerm !== undefined
        ? ` (last exit code ${lastTerm.exitCode ?? "?"}${lastTerm.reason !== undefined ? `, ${lastTerm.reason}` : ""})`
        : "";
    return {
      pod,
      reason: ConditionReason.ContainerCrashLoopBackOff,
      message: cap(
        `${what} keeps crashing${last}, restarts: ${c.restartCount ?? 0}; see kubectl logs ${pod} -c ${c.name} --previous`,
      ),
    };
  }
  const finished = lastTerm?.finishedAt !== undefined ? Date.parse(lastTerm.finishedAt) : Number.NaN;
  if (
    !init &&
    opts.now !== undefined &&
    c.state?.running !== undefined &&
    (c.restartCount ?? 0) > 0 &&
    lastTerm !== undefined &&
    (lastTerm.exitCode ?? 0) !== 0 &&
    // One kill by the kubelet (137/143: a liveness probe during a slow start) is not a loop; a crash of its own is.
    ((c.restartCount ?? 0) >= 2 || lastTerm.reason === "OOMKilled" || ![137, 143].includes(lastTerm.exitCode ?? 0)) &&
    Number.isFinite(finished) &&
    opts.now - finished < (opts.stableAfterMs ?? 60_000)
  ) {
    const oom = lastTerm.reason === "OOMKilled";
    return {
      pod,
      reason: oom ? ConditionReason.ContainerOOMKilled : ConditionReason.ContainerCrashLoopBackOff,
      message: cap(
        `${what} restarted ${c.restartCount ?? 0} times (last exit code ${lastTerm.exitCode ?? "?"}${lastTerm.reason !== undefined ? `, ${lastTerm.reason}` : ""}) and has not stayed up yet; see kubectl logs ${pod} -c ${c.name} --previous`,
      ),
    };
  }
  if (init && term !== undefined && (term.exitCode ?? 0) !== 0) {
    return {
      pod,
      reason: ConditionReason.ContainerStartError,
      message: cap(`${what} failed with exit code ${term.exitCode ?? "?"}${detail(term.message ?? term.reason)}`),
    };
  }
  return undefined;
}

/** Classify one pod; `undefined` when nothing is wrong with it (it may still be starting). */
export function classifyPod(
  pod: PodLike,
  nodes: ReadonlyMap<string, NodeLike> = new Map(),
  opts: ClassifyOptions = {},
): PodFailure | undefined {
  const name = pod.metadata.name ?? "";
  const st = pod.status;
  if (pod.metadata.deletionTimestamp !== undefined) return undefined;
  if (st?.reason === "Evicted") {
    return {
      pod: name,
      reason: ConditionReason.PodEvicted,
      message: cap(`pod ${name} was evicted${detail(st.message)}`),
    };
  }
  const scheduled = st?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return {
      pod: name,
      reason: ConditionReason.Unschedulable,
      message: cap(`pod ${name} cannot be scheduled${detail(scheduled.message)}`),
    };
  }
  for (const c of st?.initContainerStatuses ?? []) {
    const f = classifyContainer(name, c, true, opts);
    if (f !== undefined) return f;
  }
  for (const c of st?.containerStatuses ?? []) {
    const f = classifyContainer(name, c, false, opts);
    if (f !== undefined) return f;
  }
  const nodeName = pod.spec?.nodeName;
  const node = nodeName !== undefined ? nodes.get(nodeName) : undefined;
  for (const cond of node?.status?.conditions ?? []) {
    if (cond.status !== "True") continue;
    if (cond.type === "DiskPressure") {
      return {
        pod: name,
        reason: ConditionReason.NodeDiskPressure,
        message: cap(`node ${nodeName} of pod ${name} is under disk pressure`),
      };
    }
    if (cond.type === "MemoryPressure") {
      return {
        pod: name,
        reason: ConditionReason.NodeMemoryPressure,
        message: cap(`node ${nodeName} of pod ${name} is under memory pressure`),
      };
    }
  }
  return undefined;
}

/** The first failure among `pods` (in name order, so the answer is stable), or `undefined`. */
export function classifyPods(
  pods: readonly PodLike[],
  nodes: ReadonlyMap<string, NodeLike> = new Map(),
  opts: ClassifyOptions = {},
): PodFailure | undefined {
  const sorted = [...pods].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  for (const p of sorted) {
    const f = classifyPod(p, nodes, opts);
    if (f !== undefined) return f;
  }
  return undefined;
}
