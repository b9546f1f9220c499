/** `kaito status`: the tuning progress line, from `status.tuningProgress`. */
import { formatAge } from "@kaito-ts/workspace-client";
import type { WorkspaceTuningProgress } from "@kaito-ts/workspace-types";
import { describe, expect, it } from "vitest";
import { tuningProgressLine } from "../src/cli/commands/status.ts";

const now = new Date("2026-01-02T03:05:00Z");
const observedTime = "2026-01-02T03:04:40Z";

const rows: ReadonlyArray<{ name: string; p: WorkspaceTuningProgress | undefined; want: string | undefined }> = [
  { name: "no progress yet", p: undefined, want: undefined },
  { name: "nothing but the read time", p: { completed: false, observedTime }, want: undefined },
  {
    name: "running: step/total, epoch, loss, ETA, and how old the reading is",
    p: { step: 120, totalSteps: 400, epoch: 0.9, loss: 1.20314, etaSeconds: 720, completed: false, observedTime },
    want: "step 120/400 (30%)  epoch 0.90  loss 1.2031  ETA 12m00s  (read 20s ago)",
  },
  {
    name: "hours of ETA, an eval loss",
    p: { step: 5, totalSteps: 1000, evalLoss: 1.5, etaSeconds: 3723, completed: false },
    want: "step 5/1000 (0%)  eval loss 1.5000  ETA 1h02m03s",
  },
  {
    name: "finished: the train loss instead of the ETA",
    p: { step: 400, totalSteps: 400, epoch: 3, loss: 0.9, trainLoss: 1.05, etaSeconds: 0, completed: true },
    want: "step 400/400 (100%)  epoch 3.00  loss 0.9000  train loss 1.0500  finished",
  },
  {
    name: "a loss gone NaN is absent from the status: the line shows what is known",
    p: { step: 7, totalSteps: 10, epoch: 0.7, etaSeconds: 3, completed: false },
    want: "step 7/10 (70%)  epoch 0.70  ETA 3s",
  },
  { name: "a step without a total", p: { step: 7, completed: false }, want: "step 7" },
];

describe("tuningProgressLine", () => {
  it.each(rows)("$name", ({ p, want }) => {
    expect(tuningProgressLine({ formatAge }, p, now)).toBe(want);
  });
});
