import { describe, expect, it } from "vitest";
import {
  type Condition,
  ConditionReason,
  ConditionType,
  conditionsEqual,
  deriveWorkspaceState,
  getCondition,
  isConditionFalse,
  isConditionTrue,
  removeCondition,
  setCondition,
  toKubernetesTime,
  withReconcileError,
  WorkspaceState,
} from "../src/index.ts";

const T0 = "2026-01-01T00:00:00Z";
const T1 = new Date("2026-01-01T00:05:00.123Z");

describe("setCondition", () => {
  it("appends a new condition with observedGeneration and the current time", () => {
    const out = setCondition(
      [],
      { type: "ResourceReady", status: "False", reason: "r", message: "m" },
      { generation: 3, now: T0 },
    );
    expect(out).toEqual([
      {
        type: "ResourceReady",
        status: "False",
        observedGeneration: 3,
        lastTransitionTime: T0,
        reason: "r",
        message: "m",
      },
    ]);
  });
  it("keeps lastTransitionTime when the status does not flip, even if reason/message/generation change", () => {
    const a = setCondition(
      undefined,
      { type: "X", status: "False", reason: "a", message: "1" },
      { generation: 1, now: T0 },
    );
    const b = setCondition(a, { type: "X", status: "False", reason: "b", message: "2" }, { generation: 2, now: T1 });
    expect(b[0]).toEqual({
      type: "X",
      status: "False",
      observedGeneration: 2,
      lastTransitionTime: T0,
      reason: "b",
      message: "2",
    });
    expect(a[0]?.reason).toBe("a"); // input untouched
  });
  it("moves lastTransitionTime when the status flips, at second precision", () => {
    const a = setCondition([], { type: "X", status: "False", reason: "a", message: "" }, { generation: 1, now: T0 });
    const b = setCondition(a, { type: "X", status: "True", reason: "a", message: "" }, { generation: 1, now: T1 });
    expect(b[0]?.lastTransitionTime).toBe("2026-01-01T00:05:00Z");
    const c = setCondition(
      b,
      { type: "X", status: "Unknown", reason: "a", message: "" },
      { now: "2026-02-01T00:00:00Z" },
    );
    expect(c[0]?.lastTransitionTime).toBe("2026-02-01T00:00:00Z");
    expect(c[0]?.observedGeneration).toBe(1); // kept when no generation is given
  });
  it("replaces in place and leaves other conditions alone", () => {
    let list: Condition[] = [];
    list = setCondition(list, { type: "A", status: "True", reason: "r", message: "" }, { now: T0 });
    list = setCondition(list, { type: "B", status: "True", reason: "r", message: "" }, { now: T0 });
    list = setCondition(list, { type: "A", status: "False", reason: "r2", message: "" }, { now: T1 });
    expect(list.map((c) => `${c.type}=${c.status}`)).toEqual(["A=False", "B=True"]);
    expect(getCondition(list, "B")?.lastTransitionTime).toBe(T0);
    expect(isConditionTrue(list, "B")).toBe(true);
    expect(isConditionFalse(list, "A")).toBe(true);
    expect(isConditionTrue(list, "C")).toBe(false);
    expect(removeCondition(list, "A").map((c) => c.type)).toEqual(["B"]);
    expect(conditionsEqual(list, [...list].reverse())).toBe(true);
    expect(conditionsEqual(list, removeCondition(list, "A"))).toBe(false);
  });
  it("formats times like metav1.Time and appends the reconcile-error suffix once", () => {
    expect(toKubernetesTime(new Date(0))).toBe("1970-01-01T00:00:00Z");
    expect(withReconcileError("waiting", "quota")).toBe("waiting (last reconcile error: quota)");
    expect(withReconcileError("waiting (last reconcile error: quota)", "quota")).toBe(
      "waiting (last reconcile error: quota)",
    );
    expect(withReconcileError("waiting", undefined)).toBe("waiting");
  });
});

function cond(type: string, status: "True" | "False" | "Unknown", reason = "r"): Condition {
  return { type, status, reason, message: "", lastTransitionTime: T0 };
}

describe("deriveWorkspaceState", () => {
  const tuning = { input: {}, output: {} };
  const inference = { preset: { name: "p" } };
  it.each([
    ["no conditions", [], WorkspaceState.Pending],
    [
      "job pending",
      [cond(ConditionType.JobStarted, "False", ConditionReason.TuningJobStatusPending)],
      WorkspaceState.Pending,
    ],
    [
      "job started",
      [cond(ConditionType.JobStarted, "True", ConditionReason.TuningJobStatusStarted)],
      WorkspaceState.Running,
    ],
    [
      "job succeeded",
      [
        cond(ConditionType.JobStarted, "True"),
        cond(ConditionType.WorkspaceSucceeded, "True", ConditionReason.WorkspaceSucceeded),
      ],
      WorkspaceState.Succeeded,
    ],
    [
      "job failed",
      [cond(ConditionType.JobStarted, "False", ConditionReason.TuningJobStatusFailed)],
      WorkspaceState.Failed,
    ],
    [
      "workspace failed",
      [
        cond(ConditionType.JobStarted, "True"),
        cond(ConditionType.WorkspaceSucceeded, "False", ConditionReason.WorkspaceFailed),
      ],
      WorkspaceState.Failed,
    ],
  ] as const)("tuning: %s → %s", (_, conditions, expected) => {
    expect(deriveWorkspaceState({ tuning, status: { conditions: [...conditions] } })).toBe(expected);
  });

  it("tuning: an observed job wins over the conditions", () => {
    expect(deriveWorkspaceState({ tuning }, { failed: true })).toBe(WorkspaceState.Failed);
    expect(deriveWorkspaceState({ tuning }, { succeeded: true })).toBe(WorkspaceState.Succeeded);
    expect(deriveWorkspaceState({ tuning }, { started: true })).toBe(WorkspaceState.Running);
  });

  const ready = [cond(ConditionType.InferenceReady, "True"), cond(ConditionType.WorkspaceSucceeded, "True")];
  it.each([
    ["nothing yet", undefined, [], WorkspaceState.Pending],
    ["both true", undefined, ready, WorkspaceState.Ready],
    ["only inference ready", undefined, [cond(ConditionType.InferenceReady, "True")], WorkspaceState.Pending],
    [
      "was ready, now not",
      WorkspaceState.Ready,
      [cond(ConditionType.InferenceReady, "False")],
      WorkspaceState.NotReady,
    ],
    ["stays not ready", WorkspaceState.NotReady, [], WorkspaceState.NotReady],
    ["pending stays pending", WorkspaceState.Pending, [], WorkspaceState.Pending],
    [
      "benchmark failed",
      undefined,
      [
        cond(ConditionType.InferenceReady, "True"),
        cond(ConditionType.WorkspaceSucceeded, "False", ConditionReason.BenchmarkFailed),
      ],
      WorkspaceState.NotReady,
    ],
    [
      "benchmark condition failed",
      WorkspaceState.Pending,
      [cond(ConditionType.BenchmarkCompleted, "False", ConditionReason.BenchmarkFailed)],
      WorkspaceState.NotReady,
    ],
    ["recovers to ready", WorkspaceState.NotReady, ready, WorkspaceState.Ready],
  ] as const)("inference: %s (was %s) → %s", (_, state, conditions, expected) => {
    expect(deriveWorkspaceState({ inference, status: { state, conditions: [...conditions] } })).toBe(expected);
  });
});
