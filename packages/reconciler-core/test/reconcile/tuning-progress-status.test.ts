/**
 * `status.tuningProgress`: the pure mapping from the parsed trainer log, the status assembly (kept when only the
 * read time moved, removed for a new Job) and the merge patch that removes what the trainer no longer reports.
 */
import { type WorkspaceTuningProgress, WorkspaceTuningProgressSchema } from "@kaito-ts/workspace-types";
import { describe, expect, it } from "vitest";
import {
  computeStatus,
  parseTrainerLog,
  statusChanged,
  statusPatch,
  type TuningProgress,
  tuningConditions,
  tuningProgressCondition,
  tuningProgressStatus,
  type WorkspaceStatusFields,
} from "../../src/reconcile/index.ts";

const T0 = new Date("2026-01-02T03:04:05.678Z");
const T1 = new Date("2026-01-02T03:04:35Z");

const rows: ReadonlyArray<{ name: string; log: string; want: WorkspaceTuningProgress | undefined }> = [
  {
    name: "nothing printed yet",
    log: "Loading checkpoint shards: 100%|█| 2/2 [00:05<00:00,  2.50s/it]\n",
    want: undefined,
  },
  {
    name: "a bar and a metrics dict",
    log: "{'loss': 1.2345, 'grad_norm': 0.5678, 'learning_rate': 0.0002, 'epoch': 0.5}\n 12%|█▏ | 12/100 [00:10<01:20,  1.10it/s]",
    want: {
      step: 12,
      totalSteps: 100,
      epoch: 0.5,
      loss: 1.2345,
      learningRate: 0.0002,
      gradNorm: 0.5678,
      elapsedSeconds: 10,
      etaSeconds: 80,
      completed: false,
      observedTime: "2026-01-02T03:04:05Z",
    },
  },
  {
    name: "a bar still computing its rate: no ETA",
    log: "  0%|          | 0/300 [00:00<?, ?it/s]",
    want: { step: 0, totalSteps: 300, elapsedSeconds: 0, completed: false, observedTime: "2026-01-02T03:04:05Z" },
  },
  {
    name: "evaluation loss",
    log: "{'eval_loss': 1.5, 'epoch': 1.0}\n",
    want: { epoch: 1, evalLoss: 1.5, completed: false, observedTime: "2026-01-02T03:04:05Z" },
  },
  {
    name: "the final summary",
    log:
      "{'loss': 0.9, 'epoch': 2.97}\n{'train_runtime': 100.5, 'train_loss': 1.05, 'epoch': 3.0}\n" +
      "100%|██████████| 100/100 [01:40<00:00,  1.00it/s]\n",
    want: {
      step: 100,
      totalSteps: 100,
      epoch: 3,
      loss: 0.9,
      trainLoss: 1.05,
      elapsedSeconds: 100,
      etaSeconds: 0,
      completed: true,
      observedTime: "2026-01-02T03:04:05Z",
    },
  },
  {
    name: "a NaN loss is left out (Kubernetes JSON has no NaN); the message still says it",
    log: "{'loss': nan, 'grad_norm': inf, 'epoch': 0.1}\n",
    want: { epoch: 0.1, completed: false, observedTime: "2026-01-02T03:04:05Z" },
  },
];

describe("tuningProgressStatus", () => {
  it.each(rows)("$name", ({ log, want }) => {
    const got = tuningProgressStatus(parseTrainerLog(log), T0);
    expect(got).toEqual(want);
    // what the reconciler writes is what the CRD accepts, and survives JSON unchanged
    if (got !== undefined) {
      expect(WorkspaceTuningProgressSchema.safeParse(got).success).toBe(true);
      expect(JSON.parse(JSON.stringify(got))).toEqual(got);
    }
  });

  it("a NaN loss shows in the condition message, not as a number", () => {
    const p = parseTrainerLog("{'loss': nan, 'epoch': 0.1}\n");
    expect(tuningProgressCondition(p).message).toBe("epoch 0.10, loss NaN");
    expect(tuningProgressStatus(p, T0)).not.toHaveProperty("loss");
  });

  it("drops counts that are not whole numbers ≥ 0 and negative epochs (values no trainer prints)", () => {
    const odd: TuningProgress = { step: -1, totalSteps: Number.NaN, epoch: -0.5, etaSeconds: 2.4, completed: false };
    expect(tuningProgressStatus(odd, "2026-01-02T03:04:05Z")).toEqual({
      etaSeconds: 2,
      completed: false,
      observedTime: "2026-01-02T03:04:05Z",
    });
  });

  it("completed alone is worth reporting", () => {
    expect(tuningProgressStatus({ completed: true }, T0)).toEqual({
      completed: true,
      observedTime: "2026-01-02T03:04:05Z",
    });
  });
});

describe("status.tuningProgress in computeStatus / statusChanged / statusPatch", () => {
  const ws = (status?: WorkspaceStatusFields) => ({ metadata: { generation: 1 }, tuning: {}, status });
  const log = (step: number) => `{'loss': 1.5, 'epoch': 0.5}\n ${step}%|█| ${step}/100 [00:10<01:20,  1.10it/s]`;
  const conditions = [
    ...tuningConditions({ started: true, succeeded: false, failed: false, failedPods: 0, active: 1 }, undefined),
  ];

  it("is set with the condition in one status, and a re-read that found nothing new changes nothing", () => {
    const p1 = parseTrainerLog(log(12));
    const s1 = computeStatus({
      workspace: ws(),
      conditions: [...conditions, tuningProgressCondition(p1)],
      tuningProgress: tuningProgressStatus(p1, T0),
      now: T0,
    });
    expect(s1.tuningProgress).toMatchObject({ step: 12, totalSteps: 100, loss: 1.5, epoch: 0.5 });
    expect(s1.conditions?.find((c) => c.type === "TuningProgress")?.message).toMatch(/^step 12\/100/);
    expect(statusChanged(undefined, s1)).toBe(true);
    // the same values read 30 s later: the old observedTime is kept, so there is nothing to write
    const s2 = computeStatus({
      workspace: ws(s1),
      conditions: [...conditions, tuningProgressCondition(p1)],
      tuningProgress: tuningProgressStatus(p1, T1),
      now: T1,
    });
    expect(s2.tuningProgress?.observedTime).toBe("2026-01-02T03:04:05Z");
    expect(statusChanged(s1, s2)).toBe(false);
    // new values: written, with the new read time
    const p3 = parseTrainerLog(log(13));
    const s3 = computeStatus({
      workspace: ws(s1),
      conditions: [...conditions, tuningProgressCondition(p3)],
      tuningProgress: tuningProgressStatus(p3, T1),
      now: T1,
    });
    expect(s3.tuningProgress).toMatchObject({ step: 13, observedTime: "2026-01-02T03:04:35Z" });
    expect(statusChanged(s1, s3)).toBe(true);
  });

  it("undefined leaves it; null (a new Job) removes it", () => {
    const status: WorkspaceStatusFields = { tuningProgress: { step: 5, completed: false } };
    expect(computeStatus({ workspace: ws(status), conditions, now: T0 }).tuningProgress).toEqual({
      step: 5,
      completed: false,
    });
    const cleared = computeStatus({ workspace: ws(status), conditions, tuningProgress: null, now: T0 });
    expect(cleared).not.toHaveProperty("tuningProgress");
    expect(statusChanged(status, cleared)).toBe(true);
    expect(statusPatch(status, cleared).status.tuningProgress).toBeNull();
  });

  it("the merge patch removes fields the trainer no longer reports (ETA back to unknown, a loss gone NaN)", () => {
    const before: WorkspaceStatusFields = {
      state: "Running",
      performance: { metrics: {} },
      tuningProgress: { step: 12, etaSeconds: 80, loss: 1.5, completed: false, observedTime: "2026-01-02T03:04:05Z" },
    };
    const after: WorkspaceStatusFields = {
      ...before,
      tuningProgress: { step: 13, completed: false, observedTime: "2026-01-02T03:04:35Z" },
    };
    expect(statusPatch(before, after)).toEqual({
      status: {
        state: "Running",
        performance: { metrics: {} },
        tuningProgress: {
          step: 13,
          etaSeconds: null,
          loss: null,
          completed: false,
          observedTime: "2026-01-02T03:04:35Z",
        },
      },
    });
    expect(statusPatch(undefined, after)).toEqual({ status: after });
  });

  it("lists are replaced whole (a merge patch cannot delete list items one by one)", () => {
    const before: WorkspaceStatusFields = { workerNodes: ["a", "b"] };
    expect(statusPatch(before, { workerNodes: ["a"] })).toEqual({ status: { workerNodes: ["a"] } });
  });
});
