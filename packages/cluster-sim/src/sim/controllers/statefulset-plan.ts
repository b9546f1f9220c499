/**
 * Pure StatefulSet decisions, following the real controller's order: replace failed pods, create missing ordinals
 * (one at a time for OrderedReady), remove condemned ordinals (highest first), then roll pods to the update
 * revision from the highest ordinal down to the partition, one unavailable pod at a time.
 */

/** What the planner needs to know about an existing pod. */
export interface StsPodView {
  ordinal: number;
  name: string;
  /** The pod's `controller-revision-hash` label (a ControllerRevision name). */
  revision: string;
  /** Running and Ready. */
  ready: boolean;
  /** Has a deletionTimestamp. */
  terminating: boolean;
  /** Phase Succeeded or Failed. */
  finished: boolean;
}

/** The inputs of {@link planStatefulSet}. */
export interface StsPlanInput {
  setName: string;
  replicas: number;
  podManagementPolicy: "OrderedReady" | "Parallel";
  updateStrategy: "RollingUpdate" | "OnDelete";
  partition: number;
  currentRevision: string;
  updateRevision: string;
  pods: readonly StsPodView[];
}

/** Pods to create (ordinal + the revision they get) and pods to delete (by name). */
export interface StsPlan {
  create: Array<{ ordinal: number; name: string; revision: string }>;
  delete: string[];
}

/** The name of ordinal `i` of a StatefulSet. */
export function statefulPodName(setName: string, ordinal: number): string {
  return `${setName}-${ordinal}`;
}

/** Decides the next pod creations and deletions for one reconcile. */
export function planStatefulSet(input: StsPlanInput): StsPlan {
  const plan: StsPlan = { create: [], delete: [] };
  const ordered = input.podManagementPolicy === "OrderedReady";
  const byOrdinal = new Map(input.pods.map((p) => [p.ordinal, p]));
  const revisionFor = (ordinal: number) =>
    input.updateStrategy === "RollingUpdate" && ordinal < input.partition
      ? input.currentRevision
      : input.updateRevision;
  // Replicas [0, replicas).
  let blocked = false;
  for (let i = 0; i < input.replicas && !blocked; i++) {
    const pod = byOrdinal.get(i);
    if (pod === undefined) {
      plan.create.push({ ordinal: i, name: statefulPodName(input.setName, i), revision: revisionFor(i) });
      if (ordered) blocked = true;
      continue;
    }
    if (pod.finished && !pod.terminating) {
      plan.delete.push(pod.name);
      if (ordered) blocked = true;
      continue;
    }
    if (ordered && (pod.terminating || !pod.ready)) blocked = true;
  }
  if (blocked) return plan;
  // Condemned ordinals [replicas, …): highest first; OrderedReady one at a time once every replica is healthy.
  const condemned = input.pods.filter((p) => p.ordinal >= input.replicas).sort((a, b) => b.ordinal - a.ordinal);
  const replicasHealthy = input.pods.filter((p) => p.ordinal < input.replicas).every((p) => p.ready && !p.terminating);
  for (const pod of condemned) {
    if (pod.terminating) {
      if (ordered) return plan;
      continue;
    }
    if (ordered && !replicasHealthy) return plan;
    plan.delete.push(pod.name);
    if (ordered) return plan;
  }
  if (plan.create.length > 0 || (ordered && condemned.length > 0)) return plan;
  // Rolling update: highest ordinal first, stop at the first pod that is not yet healthy.
  if (input.updateStrategy !== "RollingUpdate") return plan;
  for (let i = input.replicas - 1; i >= input.partition; i--) {
    const pod = byOrdinal.get(i);
    if (pod === undefined) return plan;
    if (pod.revision !== input.updateRevision && !pod.terminating) {
      if (!plan.delete.includes(pod.name)) plan.delete.push(pod.name);
      return plan;
    }
    if (!pod.ready || pod.terminating) return plan;
  }
  return plan;
}

/** The status counts of a StatefulSet from its pods. */
export function statefulSetCounts(
  pods: readonly StsPodView[],
  currentRevision: string,
  updateRevision: string,
): { replicas: number; readyReplicas: number; currentReplicas: number; updatedReplicas: number } {
  const live = pods.filter((p) => !p.terminating && !p.finished);
  return {
    replicas: live.length,
    readyReplicas: live.filter((p) => p.ready).length,
    currentReplicas: live.filter((p) => p.revision === currentRevision).length,
    updatedReplicas: live.filter((p) => p.revision === updateRevision).length,
  };
}
