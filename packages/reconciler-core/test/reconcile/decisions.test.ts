import { ConditionReason, ConditionType, WorkspaceState } from "@kaito-ts/workspace-types";
import { describe, expect, it } from "vitest";
import {
  badInput,
  byoGpuFromNodes,
  badInputConditions,
  computeStatus,
  decideJob,
  inferenceConditions,
  jobFacts,
  type KubeObject,
  ReconcilerError,
  resourceConditions,
  statefulSetUpdate,
  statusChanged,
  tuningConditions,
  tuningProgressCondition,
} from "../../src/index.ts";

const now = new Date("2026-01-02T03:04:05Z");
const later = new Date("2026-01-02T04:00:00Z");

describe("resourceConditions", () => {
  it("copies the failing NodeClaim verdict (the provider's own message) into ResourceReady", () => {
    const c = resourceConditions({
      ready: false,
      reason: "LaunchFailed",
      message: "quota exceeded",
      nodeClaims: {
        ready: false,
        reason: "LaunchFailed",
        message: "Standard_NC24ads_A100_v4: quota exceeded in eastus",
      },
      nodes: { ready: false, reason: "NodeNotReady", message: "0/1 nodes ready" },
      workerNodes: [],
      events: [],
    });
    expect(c.map((x) => [x.type, x.status, x.reason])).toEqual([
      [ConditionType.NodeClaimReady, "False", "LaunchFailed"],
      [ConditionType.NodesReady, "False", "NodeNotReady"],
      [ConditionType.ResourceReady, "False", "LaunchFailed"],
    ]);
    expect(c[2]?.message).toContain("quota exceeded in eastus");
  });

  it("is True with Kaito's reason when both are ready; BYO has no NodeClaimReady", () => {
    const c = resourceConditions({
      ready: true,
      reason: "NodesReady",
      message: "",
      nodes: { ready: true, reason: "NodesReady", message: "1/1" },
      workerNodes: ["n"],
      events: [],
    });
    expect(c.map((x) => x.type)).toEqual([ConditionType.NodesReady, ConditionType.ResourceReady]);
    expect(c[1]).toMatchObject({ status: "True", reason: ConditionReason.ResourceStatusSuccess });
  });
});

describe("inferenceConditions", () => {
  it("a classified pod failure wins over ready replicas: a crash-looping server is never InferenceReady=True", () => {
    const c = inferenceConditions({
      replicas: 1,
      readyReplicas: 1,
      rolledOut: true,
      failure: { pod: "ws-0", reason: ConditionReason.ContainerCrashLoopBackOff, message: "keeps crashing" },
    });
    expect(c[0]).toMatchObject({
      type: ConditionType.InferenceReady,
      status: "False",
      reason: ConditionReason.ContainerCrashLoopBackOff,
    });
    expect(c[1]).toMatchObject({
      type: ConditionType.WorkspaceSucceeded,
      status: "False",
      reason: ConditionReason.WorkspaceFailed,
    });
  });
  it("ready when every replica is ready and rolled out", () => {
    const c = inferenceConditions({ replicas: 2, readyReplicas: 2, rolledOut: true, failure: undefined });
    expect(c.map((x) => x.status)).toEqual(["True", "True"]);
    expect(c[1]?.message).toBe("workspace succeeds");
  });
  it("pending while replicas start or roll out", () => {
    expect(
      inferenceConditions({ replicas: 2, readyReplicas: 1, rolledOut: true, failure: undefined })[0],
    ).toMatchObject({
      status: "False",
      reason: ConditionReason.InferenceStatusPending,
      message: "inference workload is not ready: 1/2 replicas ready",
    });
    expect(
      inferenceConditions({ replicas: 1, readyReplicas: 1, rolledOut: false, failure: undefined })[0]?.message,
    ).toContain("rolling out");
  });
});

describe("tuning conditions and Job facts", () => {
  const job = (status: object): KubeObject => ({
    metadata: { name: "t", annotations: { "workspace.kaito.io/revision": "2" } },
    status,
  });
  it.each([
    [{}, "False", ConditionReason.TuningJobStatusPending, ConditionReason.WorkspacePending],
    [{ active: 1 }, "True", ConditionReason.TuningJobStatusStarted, ConditionReason.WorkspacePending],
    [
      { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] },
      "True",
      ConditionReason.TuningJobStatusStarted,
      ConditionReason.WorkspaceSucceeded,
    ],
    [
      {
        failed: 7,
        conditions: [
          {
            type: "Failed",
            status: "True",
            reason: "BackoffLimitExceeded",
            message: "Job has reached the specified backoff limit",
          },
        ],
      },
      "False",
      ConditionReason.TuningJobStatusFailed,
      ConditionReason.WorkspaceFailed,
    ],
  ])("%j → JobStarted %s %s, WorkspaceSucceeded %s", (status, started, reason, wsReason) => {
    const c = tuningConditions(jobFacts(job(status)), undefined);
    expect(c[0]).toMatchObject({ type: ConditionType.JobStarted, status: started, reason });
    expect(c[1]).toMatchObject({ type: ConditionType.WorkspaceSucceeded, reason: wsReason });
  });
  it("a failed Job says why", () => {
    const c = tuningConditions(
      jobFacts(
        job({ conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "limit" }] }),
      ),
      undefined,
    );
    expect(c[0]?.message).toBe("tuning Job failed: BackoffLimitExceeded: limit");
  });
  it("decideJob: create, keep, recreate on a new revision, wait while deleting", () => {
    expect(decideJob(undefined, "2")).toBe("create");
    expect(decideJob(job({}), "2")).toBe("keep");
    expect(decideJob(job({}), "3")).toBe("recreate");
    expect(decideJob({ metadata: { name: "t", deletionTimestamp: "2026-01-01T00:00:00Z" } }, "3")).toBe(
      "wait-for-deletion",
    );
  });
  it("TuningProgress: Unknown until the trainer reports, then True with a readable message", () => {
    expect(tuningProgressCondition(undefined)).toMatchObject({ status: "Unknown", reason: "TuningProgressUnknown" });
    expect(
      tuningProgressCondition({ completed: false, step: 5, totalSteps: 10, loss: 1, etaSeconds: 5 }),
    ).toMatchObject({
      status: "True",
      reason: "TuningInProgress",
      message: "step 5/10 (50%), loss 1.0000, ETA 5s",
    });
  });
});

describe("statefulSetUpdate (§2.5)", () => {
  const existing: KubeObject = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: {
      name: "ws",
      resourceVersion: "7",
      annotations: { "workspace.kaito.io/revision": "1", "user/keep": "yes" },
    },
    spec: {
      replicas: 1,
      template: {
        spec: {
          containers: [
            {
              name: "ws",
              image: "old-image",
              command: ["old"],
              env: [{ name: "A", value: "1" }],
              volumeMounts: [{ name: "v1", mountPath: "/a" }],
            },
            { name: "user-sidecar", image: "sidecar" },
          ],
          initContainers: [{ name: "puller-old" }],
          volumes: [{ name: "v1" }],
          nodeSelector: { "user-edit": "kept" },
        },
      },
    },
  };
  const desired: KubeObject = {
    metadata: { name: "ws" },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: "ws",
              image: "new-image",
              command: ["new"],
              env: [{ name: "B", value: "2" }],
              volumeMounts: [{ name: "v2", mountPath: "/b" }],
            },
          ],
          initContainers: [{ name: "puller-new" }],
          volumes: [{ name: "v2" }],
        },
      },
    },
  };
  it("replaces only env, volumeMounts, initContainers and volumes, keeps other edits and the resourceVersion", () => {
    const u = statefulSetUpdate(existing, desired, "2", "ws", false) as KubeObject & {
      spec: { template: { spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> } } };
    };
    expect(u.metadata.resourceVersion).toBe("7");
    expect(u.metadata.annotations).toEqual({ "workspace.kaito.io/revision": "2", "user/keep": "yes" });
    const spec = u.spec.template.spec;
    expect(spec.containers[0]).toMatchObject({
      image: "old-image",
      command: ["old"],
      env: [{ name: "B", value: "2" }],
      volumeMounts: [{ name: "v2", mountPath: "/b" }],
    });
    expect(spec.containers[1]).toEqual({ name: "user-sidecar", image: "sidecar" });
    expect(spec.initContainers).toEqual([{ name: "puller-new" }]);
    expect(spec.volumes).toEqual([{ name: "v2" }]);
    expect(spec.nodeSelector).toEqual({ "user-edit": "kept" });
    // the observed object is not changed
    expect(existing.metadata.annotations?.["workspace.kaito.io/revision"]).toBe("1");
  });
  it("nothing to do on the same revision, or for template Workspaces", () => {
    expect(statefulSetUpdate(existing, desired, "1", "ws", false)).toBeUndefined();
    expect(statefulSetUpdate(existing, desired, "2", "ws", true)).toBeUndefined();
  });
});

describe("computeStatus / statusChanged", () => {
  const ws = { metadata: { generation: 3 }, inference: {}, status: undefined };
  it("sets observedGeneration, state and targetNodeCount; a second identical pass changes nothing", () => {
    const conditions = [...inferenceConditions({ replicas: 1, readyReplicas: 1, rolledOut: true, failure: undefined })];
    const s1 = computeStatus({ workspace: ws, conditions, targetNodeCount: 1, workerNodes: ["b", "a"], now });
    expect(s1.state).toBe(WorkspaceState.Ready);
    expect(s1.workerNodes).toEqual(["a", "b"]);
    expect(
      s1.conditions?.every((c) => c.observedGeneration === 3 && c.lastTransitionTime === "2026-01-02T03:04:05Z"),
    ).toBe(true);
    expect(statusChanged(undefined, s1)).toBe(true);
    const s2 = computeStatus({
      workspace: { ...ws, status: s1 },
      conditions,
      targetNodeCount: 1,
      workerNodes: ["a", "b"],
      now: later,
    });
    expect(statusChanged(s1, s2)).toBe(false);
  });
  it("moves lastTransitionTime only on a flip, and appends Kaito's last-reconcile-error suffix", () => {
    const s1 = computeStatus({
      workspace: ws,
      conditions: inferenceConditions({ replicas: 1, readyReplicas: 0, rolledOut: true, failure: undefined }),
      now,
    });
    const s2 = computeStatus({
      workspace: { ...ws, status: s1 },
      conditions: inferenceConditions({ replicas: 1, readyReplicas: 0, rolledOut: true, failure: undefined }),
      error: "etcdserver: request timed out",
      now: later,
    });
    const c = s2.conditions?.find((x) => x.type === ConditionType.InferenceReady);
    expect(c?.lastTransitionTime).toBe("2026-01-02T03:04:05Z");
    expect(c?.message).toBe(
      "inference workload is not ready: 0/1 replicas ready (last reconcile error: etcdserver: request timed out)",
    );
    expect(statusChanged(s1, s2)).toBe(true);
    expect(s2.state).toBe(WorkspaceState.Pending);
  });
  it("an inference Workspace that was Ready and then fails is NotReady", () => {
    const ready = computeStatus({
      workspace: ws,
      conditions: inferenceConditions({ replicas: 1, readyReplicas: 1, rolledOut: true, failure: undefined }),
      now,
    });
    const failing = computeStatus({
      workspace: { ...ws, status: ready },
      conditions: inferenceConditions({
        replicas: 1,
        readyReplicas: 1,
        rolledOut: true,
        failure: { pod: "p", reason: ConditionReason.ContainerOOMKilled, message: "oom" },
      }),
      now: later,
    });
    expect(failing.state).toBe(WorkspaceState.NotReady);
  });
});

describe("bad input", () => {
  it.each([
    ["UNKNOWN_PRESET", "UnsupportedPreset", ConditionType.WorkspaceSucceeded],
    ["UNKNOWN_INSTANCE_TYPE", "UnsupportedInstanceType", ConditionType.ResourceReady],
    ["TUNING_CONFIG_INVALID", "InvalidTuningConfig", ConditionType.JobStarted],
    ["SECRET_NOT_FOUND", "SecretNotFound", ConditionType.JobStarted],
    ["INFERENCE_CONFIG_INVALID", "InvalidInferenceConfig", ConditionType.InferenceReady],
    ["NODE_ESTIMATE_FAILED", "NodeEstimateFailed", ConditionType.ResourceReady],
  ] as const)("%s → %s on %s and WorkspaceSucceeded=False", (code, reason, type) => {
    const b = badInput(new ReconcilerError(code, "what to change"));
    expect(b).toEqual({ reason, condition: type, message: "what to change" });
    const conds = badInputConditions(b as NonNullable<typeof b>);
    expect(conds[0]).toMatchObject({ type, status: "False", reason, message: "what to change" });
    expect(conds.at(-1)).toMatchObject({ type: ConditionType.WorkspaceSucceeded, status: "False" });
  });
  it("API errors are transient, not bad input", () => {
    expect(badInput(new ReconcilerError("CONFLICT", "x"))).toBeUndefined();
    expect(badInput(new Error("x"))).toBeUndefined();
  });
});

describe("byoGpuFromNodes", () => {
  it("reads the NVIDIA GPU-feature-discovery labels of the first labelled node", () => {
    const nodes: KubeObject[] = [
      { metadata: { name: "cpu", labels: { pool: "gpu" } } },
      {
        metadata: {
          name: "gpu",
          labels: {
            "nvidia.com/gpu.count": "2",
            "nvidia.com/gpu.memory": "81920",
            "nvidia.com/gpu.product": "NVIDIA-A100-PCIE-80GB",
          },
        },
      },
    ];
    expect(byoGpuFromNodes(nodes)).toEqual({ gpuCount: 2, totalGpuMemoryGiB: 160, product: "NVIDIA-A100-PCIE-80GB" });
  });
  it("is undefined without usable labels (the builders then say which labels to add)", () => {
    expect(byoGpuFromNodes([{ metadata: { name: "x", labels: { "nvidia.com/gpu.count": "zero" } } }])).toBeUndefined();
    expect(byoGpuFromNodes([])).toBeUndefined();
  });
});
