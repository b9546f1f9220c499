import { describe, expect, it } from "vitest";
import { formatDuration, parseTrainerLog, progressMessage, type TuningProgress } from "../../src/reconcile/index.ts";

const rows: ReadonlyArray<{ name: string; log: string; want: Partial<TuningProgress>; message: string | undefined }> = [
  {
    name: "nothing yet",
    log: "Loading checkpoint shards: 100%|██████████| 2/2 [00:05<00:00,  2.50s/it]\n",
    want: { completed: false },
    message: undefined,
  },
  {
    name: "a metrics dict",
    log: "{'loss': 1.2345, 'grad_norm': 0.5678, 'learning_rate': 0.0002, 'epoch': 0.5}\n",
    want: { loss: 1.2345, gradNorm: 0.5678, learningRate: 0.0002, epoch: 0.5, completed: false },
    message: "epoch 0.50, loss 1.2345",
  },
  {
    name: "metrics formatted as strings (newer trainers)",
    log: "{'loss': '0.6543', 'grad_norm': '1.234', 'learning_rate': '1e-05', 'epoch': '0.25'}\n",
    want: { loss: 0.6543, learningRate: 0.00001, epoch: 0.25 },
    message: "epoch 0.25, loss 0.6543",
  },
  {
    name: "a tqdm bar updated in place with carriage returns (latest wins)",
    log: "  0%|          | 0/100 [00:00<?, ?it/s]\r  1%|          | 1/100 [00:01<01:39,  1.00s/it]\r 12%|█▏        | 12/100 [00:10<01:20,  1.10it/s]",
    want: { step: 12, totalSteps: 100, elapsedSeconds: 10, etaSeconds: 80 },
    message: "step 12/100 (12%), ETA 1m20s",
  },
  {
    name: "a bar still computing its rate has no ETA",
    log: "  0%|          | 0/300 [00:00<?, ?it/s]",
    want: { step: 0, totalSteps: 300 },
    message: "step 0/300 (0%)",
  },
  {
    name: "hours in the bar",
    log: " 50%|█████     | 500/1000 [1:02:03<1:02:03,  7.45s/it]",
    want: { step: 500, totalSteps: 1000, elapsedSeconds: 3723, etaSeconds: 3723 },
    message: "step 500/1000 (50%), ETA 1h02m03s",
  },
  {
    name: "dataset and download bars (with a description) are not training",
    log: "Map: 100%|██████████| 1000/1000 [00:00<00:00, 5000.00 examples/s]\nGenerating train split: 15011 examples [00:01, 9000.00 examples/s]\n",
    want: { completed: false },
    message: undefined,
  },
  {
    name: "an evaluation bar does not move the training total backwards",
    log: " 40%|████      | 40/100 [00:40<01:00,  1.00it/s]\n 50%|█████     | 5/10 [00:01<00:01,  5.00it/s]\n{'eval_loss': 1.5, 'epoch': 1.0}\n",
    want: { step: 40, totalSteps: 100, evalLoss: 1.5, epoch: 1 },
    message: "step 40/100 (40%), epoch 1.00, eval loss 1.5000, ETA 1m00s",
  },
  {
    name: "the final summary: finished, train loss, step = total",
    log:
      " 99%|█████████▉| 99/100 [01:39<00:01,  1.00it/s]{'loss': 0.9, 'epoch': 2.97}\n" +
      "{'train_runtime': 100.5, 'train_samples_per_second': 3.0, 'train_steps_per_second': 1.0, 'train_loss': 1.05, 'epoch': 3.0}\n" +
      "100%|██████████| 100/100 [01:40<00:00,  1.00it/s]\n",
    want: { completed: true, trainLoss: 1.05, step: 100, totalSteps: 100, etaSeconds: 0, epoch: 3, loss: 0.9 },
    message: "step 100/100 (100%), epoch 3.00, train loss 1.0500, training finished",
  },
  {
    name: "nan and inf losses are reported as such",
    log: "{'loss': nan, 'epoch': 0.1}\n",
    want: { epoch: 0.1 },
    message: "epoch 0.10, loss NaN",
  },
  {
    name: "unrelated braces are ignored",
    log: "config: {'r': 8, 'lora_alpha': 8}\n{not a dict}\nplain text line\n",
    want: { completed: false },
    message: undefined,
  },
];

describe("parseTrainerLog", () => {
  it.each(rows)("$name", ({ log, want, message }) => {
    const p = parseTrainerLog(log);
    expect(p).toMatchObject(want);
    expect(progressMessage(p)).toBe(message);
  });

  it("takes the latest values of a long log", () => {
    const lines: string[] = [];
    for (let i = 1; i <= 50; i++) {
      lines.push(
        ` ${i * 2}%|█| ${i}/50 [00:${String(i).padStart(2, "0")}<00:${String(50 - i).padStart(2, "0")},  1.00it/s]`,
      );
      if (i % 10 === 0) lines.push(`{'loss': ${(2 - i / 50).toFixed(3)}, 'epoch': ${(i / 50).toFixed(2)}}`);
    }
    const p = parseTrainerLog(lines.join("\n"));
    expect(p).toMatchObject({ step: 50, totalSteps: 50, loss: 1, epoch: 1, etaSeconds: 0 });
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [45, "45s"],
    [80, "1m20s"],
    [3723, "1h02m03s"],
    [-5, "0s"],
  ])("%d s → %s", (s, want) => {
    expect(formatDuration(s)).toBe(want);
  });
});
