import { ConditionReason } from "@kaito-ts/workspace-types";
import { describe, expect, it } from "vitest";
import {
  classifyPod,
  classifyPods,
  MAX_FAILURE_MESSAGE,
  type NodeLike,
  type PodLike,
} from "../../src/reconcile/index.ts";

function pod(status: NonNullable<PodLike["status"]>, name = "ws-0", nodeName = "node-1"): PodLike {
  return { metadata: { name }, spec: { nodeName }, status };
}

const waiting = (reason: string, message?: string) => ({
  waiting: { reason, ...(message !== undefined ? { message } : {}) },
});

const rows: ReadonlyArray<{
  name: string;
  pod: PodLike;
  nodes?: NodeLike[];
  reason: string | undefined;
  message?: RegExp;
}> = [
  {
    name: "running and fine",
    pod: pod({ phase: "Running", containerStatuses: [{ name: "ws", state: { running: {} } }] }),
    reason: undefined,
  },
  {
    name: "still pulling",
    pod: pod({ phase: "Pending", containerStatuses: [{ name: "ws", state: waiting("ContainerCreating") }] }),
    reason: undefined,
  },
  {
    name: "crash loop",
    pod: pod({
      phase: "Running",
      containerStatuses: [
        {
          name: "ws",
          restartCount: 4,
          state: waiting("CrashLoopBackOff", "back-off 40s"),
          lastState: { terminated: { reason: "Error", exitCode: 1 } },
        },
      ],
    }),
    reason: ConditionReason.ContainerCrashLoopBackOff,
    message:
      /container ws keeps crashing \(last exit code 1, Error\), restarts: 4; see kubectl logs ws-0 -c ws --previous/,
  },
  {
    name: "crash loop after OOM is OOMKilled",
    pod: pod({
      phase: "Running",
      containerStatuses: [
        {
          name: "ws",
          restartCount: 2,
          state: waiting("CrashLoopBackOff"),
          lastState: { terminated: { reason: "OOMKilled", exitCode: 137 } },
        },
      ],
    }),
    reason: ConditionReason.ContainerOOMKilled,
    message: /OOMKilled, restarts: 2/,
  },
  {
    name: "terminated OOMKilled",
    pod: pod({
      phase: "Running",
      containerStatuses: [{ name: "ws", state: { terminated: { reason: "OOMKilled", exitCode: 137 } } }],
    }),
    reason: ConditionReason.ContainerOOMKilled,
  },
  {
    name: "image pull back-off",
    pod: pod({
      phase: "Pending",
      containerStatuses: [{ name: "ws", state: waiting("ImagePullBackOff", 'Back-off pulling image "x"') }],
    }),
    reason: ConditionReason.ImagePullError,
    message:
      /cannot pull its image \(ImagePullBackOff\): Back-off pulling image "x"; check the image name and pull secrets/,
  },
  {
    name: "ErrImagePull of an init container",
    pod: pod({ phase: "Pending", initContainerStatuses: [{ name: "puller-a", state: waiting("ErrImagePull") }] }),
    reason: ConditionReason.ImagePullError,
    message: /init container puller-a/,
  },
  {
    name: "failed init container",
    pod: pod({
      phase: "Pending",
      initContainerStatuses: [{ name: "data-downloader", state: { terminated: { exitCode: 1, reason: "Error" } } }],
    }),
    reason: ConditionReason.ContainerStartError,
    message: /data-downloader failed with exit code 1/,
  },
  {
    name: "config error (missing secret key)",
    pod: pod({
      phase: "Pending",
      containerStatuses: [{ name: "ws", state: waiting("CreateContainerConfigError", 'secret "hf" not found') }],
    }),
    reason: ConditionReason.ContainerStartError,
  },
  {
    name: "evicted",
    pod: pod({ phase: "Failed", reason: "Evicted", message: "The node was low on resource: ephemeral-storage." }),
    reason: ConditionReason.PodEvicted,
    message: /evicted: The node was low on resource/,
  },
  {
    name: "unschedulable",
    pod: pod({
      phase: "Pending",
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
        },
      ],
    }),
    reason: ConditionReason.Unschedulable,
    message: /cannot be scheduled: 0\/3 nodes are available/,
  },
  {
    name: "node disk pressure",
    pod: pod({ phase: "Running", containerStatuses: [{ name: "ws", state: { running: {} } }] }),
    nodes: [{ metadata: { name: "node-1" }, status: { conditions: [{ type: "DiskPressure", status: "True" }] } }],
    reason: ConditionReason.NodeDiskPressure,
  },
  {
    name: "node memory pressure",
    pod: pod({ phase: "Running", containerStatuses: [{ name: "ws", state: { running: {} } }] }),
    nodes: [{ metadata: { name: "node-1" }, status: { conditions: [{ type: "MemoryPressure", status: "True" }] } }],
    reason: ConditionReason.NodeMemoryPressure,
  },
  {
    name: "a pod being deleted is not a failure",
    pod: { metadata: { name: "ws-0", deletionTimestamp: "2026-01-01T00:00:00Z" }, status: { reason: "Evicted" } },
    reason: undefined,
  },
];

/** Every reason the classifier can produce must have a row above. */
const CLASSIFIED = [
  ConditionReason.ContainerCrashLoopBackOff,
  ConditionReason.ContainerOOMKilled,
  ConditionReason.ImagePullError,
  ConditionReason.ContainerStartError,
  ConditionReason.PodEvicted,
  ConditionReason.Unschedulable,
  ConditionReason.NodeDiskPressure,
  ConditionReason.NodeMemoryPressure,
];

describe("classifyPod", () => {
  it.each(rows)("$name", ({ pod: p, nodes, reason, message }) => {
    const m = new Map((nodes ?? []).map((n) => [n.metadata.name ?? "", n]));
    const f = classifyPod(p, m);
    expect(f?.reason).toBe(reason);
    if (message !== undefined) expect(f?.message).toMatch(message);
    if (f !== undefined) expect(f.message.length).toBeLessThanOrEqual(MAX_FAILURE_MESSAGE);
  });

  it("has a row for every reason it can produce", () => {
    const covered = new Set(rows.map((r) => r.reason).filter((r) => r !== undefined));
    expect([...CLASSIFIED].filter((r) => !covered.has(r))).toEqual([]);
  });

  it("a container that restarted and runs again counts as crash-looping until it stayed up for a while", () => {
    const flapping = pod({
      phase: "Running",
      containerStatuses: [
        {
          name: "ws",
          restartCount: 3,
          state: { running: {} },
          lastState: { terminated: { reason: "Error", exitCode: 1, finishedAt: "2026-01-01T00:00:00Z" } },
        },
      ],
    });
    const t = Date.parse("2026-01-01T00:00:00Z");
    expect(classifyPod(flapping, new Map(), { now: t + 10_000 })).toMatchObject({
      reason: ConditionReason.ContainerCrashLoopBackOff,
      message: expect.stringMatching(/restarted 3 times \(last exit code 1, Error\) and has not stayed up yet/),
    });
    expect(classifyPod(flapping, new Map(), { now: t + 61_000 })).toBeUndefined();
    expect(classifyPod(flapping, new Map(), { now: t + 10_000, stableAfterMs: 5000 })).toBeUndefined();
    expect(classifyPod(flapping)).toBeUndefined(); // without a clock the rule is off
    // one kill by the kubelet (a liveness probe during a slow start) is not a loop; a second one is
    const killedOnce = pod({
      phase: "Running",
      containerStatuses: [
        {
          name: "ws",
          restartCount: 1,
          state: { running: {} },
          lastState: { terminated: { reason: "Error", exitCode: 137, finishedAt: "2026-01-01T00:00:00Z" } },
        },
      ],
    });
    expect(classifyPod(killedOnce, new Map(), { now: t + 1000 })).toBeUndefined();
    const killedTwice = pod({
      phase: "Running",
      containerStatuses: [
        {
          name: "ws",
          restartCount: 2,
          state: { running: {} },
          lastState: { terminated: { reason: "Error", exitCode: 137, finishedAt: "2026-01-01T00:00:00Z" } },
        },
      ],
    });
    expect(classifyPod(killedTwice, new Map(), { now: t + 1000 })?.reason).toBe(
      ConditionReason.ContainerCrashLoopBackOff,
    );
  });

  it("caps long messages at 256 characters", () => {
    const f = classifyPod(
      pod({ phase: "Pending", containerStatuses: [{ name: "ws", state: waiting("ErrImagePull", "x".repeat(1000)) }] }),
    );
    expect(f?.message.length).toBe(MAX_FAILURE_MESSAGE);
    expect(f?.message.endsWith("...")).toBe(true);
  });

  it("classifyPods reports the first failing pod in name order", () => {
    const ok = pod({ phase: "Running", containerStatuses: [{ name: "ws", state: { running: {} } }] }, "ws-0");
    const bad1 = pod(
      { phase: "Running", containerStatuses: [{ name: "ws", state: waiting("CrashLoopBackOff") }] },
      "ws-2",
    );
    const bad2 = pod(
      { phase: "Pending", containerStatuses: [{ name: "ws", state: waiting("ImagePullBackOff") }] },
      "ws-1",
    );
    expect(classifyPods([bad1, ok, bad2])).toMatchObject({ pod: "ws-1", reason: ConditionReason.ImagePullError });
    expect(classifyPods([ok])).toBeUndefined();
  });
});
