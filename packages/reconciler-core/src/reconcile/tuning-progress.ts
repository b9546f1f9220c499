/**
 * Tuning progress from the trainer's log (beyond Kaito; Kubeflow Trainer shows it): the Hugging Face trainer prints
 * its metrics as Python dicts (`{'loss': 1.23, 'grad_norm': 0.4, 'learning_rate': 0.0002, 'epoch': 0.5}`, and at the
 * end `{'train_runtime': …, 'train_loss': …, 'epoch': 3.0}`) and tqdm bars (`12/100 [00:10<01:20,  1.10it/s]`, updated
 * in place with carriage returns). {@link parseTrainerLog} reads the latest of each; {@link progressMessage} says it
 * the way a person reads it in `kubectl describe`; {@link tuningProgressStatus} maps it to the Workspace's typed
 * `status.tuningProgress`. Pure.
 */
import { toKubernetesTime, type WorkspaceTuningProgress } from "@kaito-ts/workspace-types";

/** What the log says about training. Every field is the latest value seen. */
export interface TuningProgress {
  /** Optimizer steps done (tqdm `n`). */
  readonly step?: number;
  /** Total steps (tqdm `total`). */
  readonly totalSteps?: number;
  /** Epoch (fractional), from the metrics dict. */
  readonly epoch?: number;
  /** Latest training loss. */
  readonly loss?: number;
  /** Learning rate at the latest logging step. */
  readonly learningRate?: number;
  /** Gradient norm at the latest logging step. */
  readonly gradNorm?: number;
  /** Latest evaluation loss, when the trainer evaluates. */
  readonly evalLoss?: number;
  /** Seconds elapsed, from tqdm. */
  readonly elapsedSeconds?: number;
  /** Seconds remaining, from tqdm (`?` while unknown → absent). */
  readonly etaSeconds?: number;
  /** The final summary (`train_runtime`) was printed. */
  readonly completed: boolean;
  /** `train_loss` of the final summary. */
  readonly trainLoss?: number;
}

const DICT = /\{[^{}]*\}/g;
// Values are numbers, or numbers in quotes (newer trainers format them as strings: `'loss': '1.2340'`).
const ENTRY =
  /['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*:\s*['"]?(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|nan|inf|-inf|NaN|Infinity)['"]?/g;
// The trainer's bar has no description before the percentage: ` 12%|█▏   | 12/100 [00:10<01:20,  1.10it/s]`,
// `  0%|     | 0/100 [00:00<?, ?it/s]`. Bars with a description (`Map:`, `Loading checkpoint shards:`) are not training.
const TQDM = /^\s*\d+%\|[^|]*\|\s*(\d+)\/(\d+)\s*\[((?:\d+:)?\d+:\d+)<((?:\d+:)?\d+:\d+|\?)/;

function clockToSeconds(s: string): number {
  return s.split(":").reduce((acc, part) => acc * 60 + Number(part), 0);
}

function num(v: string): number {
  if (v === "nan" || v === "NaN") return Number.NaN;
  if (v === "inf" || v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-inf") return Number.NEGATIVE_INFINITY;
  return Number(v);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Read the trainer's progress from log text (any amount of it; the latest values win).
 * @example
 * parseTrainerLog("{'loss': 1.5, 'epoch': 0.5}\n 50/100 [00:10<00:10, 5.00it/s]")
 * // { step: 50, totalSteps: 100, epoch: 0.5, loss: 1.5, elapsedSeconds: 10, etaSeconds: 10, completed: false }
 */
export function parseTrainerLog(text: string): TuningProgress {
  const p: Mutable<TuningProgress> = { completed: false };
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.includes("{")) {
      for (const dict of line.match(DICT) ?? []) {
        const entries = new Map<string, number>();
        for (const m of dict.matchAll(ENTRY)) entries.set(m[1] as string, num(m[2] as string));
        if (entries.size === 0) continue;
        const loss = entries.get("loss");
        if (loss !== undefined) p.loss = loss;
        const epoch = entries.get("epoch");
        if (epoch !== undefined) p.epoch = epoch;
        const lr = entries.get("learning_rate");
        if (lr !== undefined) p.learningRate = lr;
        const gn = entries.get("grad_norm");
        if (gn !== undefined) p.gradNorm = gn;
        const ev = entries.get("eval_loss");
        if (ev !== undefined) p.evalLoss = ev;
        if (entries.has("train_runtime")) {
          p.completed = true;
          const tl = entries.get("train_loss");
          if (tl !== undefined) p.trainLoss = tl;
        }
      }
    }
    if (line.includes("%|")) {
      const m = TQDM.exec(line);
      if (m !== null) {
        const step = Number(m[1]);
        const total = Number(m[2]);
        // Evaluation bars (same shape, fewer steps) may interleave: the training total, the largest, is kept.
        if (total > 0 && step <= total && (p.totalSteps === undefined || total >= p.totalSteps)) {
          p.step = step;
          p.totalSteps = total;
          p.elapsedSeconds = clockToSeconds(m[3] as string);
          if (m[4] === "?") delete p.etaSeconds;
          else p.etaSeconds = clockToSeconds(m[4] as string);
        }
      }
    }
  }
  if (p.completed && p.totalSteps !== undefined) {
    p.step = p.totalSteps;
    p.etaSeconds = 0;
  }
  return p;
}

/** `1h02m03s`, `1m20s`, `45s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m${String(sec).padStart(2, "0")}s`;
  if (m > 0) return `${m}m${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

function fmt(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}

/**
 * A one-line summary: `step 12/100 (12%), epoch 0.50, loss 1.2340, ETA 1m20s`; `undefined` when the log said nothing
 * yet.
 */
export function progressMessage(p: TuningProgress): string | undefined {
  const parts: string[] = [];
  if (p.step !== undefined && p.totalSteps !== undefined) {
    const pct = p.totalSteps > 0 ? Math.floor((100 * p.step) / p.totalSteps) : 0;
    parts.push(`step ${p.step}/${p.totalSteps} (${pct}%)`);
  }
  if (p.epoch !== undefined) parts.push(`epoch ${fmt(p.epoch, 2)}`);
  if (p.completed && p.trainLoss !== undefined) parts.push(`train loss ${fmt(p.trainLoss, 4)}`);
  else if (p.loss !== undefined) parts.push(`loss ${fmt(p.loss, 4)}`);
  if (p.evalLoss !== undefined) parts.push(`eval loss ${fmt(p.evalLoss, 4)}`);
  if (p.completed) parts.push("training finished");
  else if (p.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  return parts.length === 0 ? undefined : parts.join(", ");
}

/** The `TuningProgress` condition type (kaito-ts; not in Kaito). */
export const TUNING_PROGRESS_CONDITION = "TuningProgress";

/** Reasons of the `TuningProgress` condition. */
export const TuningProgressReason = {
  /** The trainer is running and reported progress. */
  InProgress: "TuningInProgress",
  /** The trainer printed its final summary. */
  Completed: "TuningCompleted",
  /** The trainer has not printed progress yet (loading the model, downloading data). */
  Waiting: "TuningProgressUnknown",
} as const;

const COUNT_FIELDS = ["step", "totalSteps", "elapsedSeconds", "etaSeconds"] as const;
const NUMBER_FIELDS = ["epoch", "loss", "learningRate", "gradNorm", "evalLoss", "trainLoss"] as const;

/**
 * The Workspace's `status.tuningProgress` for what the log said, read at `observedTime`; `undefined` when the log
 * said nothing yet (the `TuningProgress` condition then says "waiting"). Counts are whole numbers ≥ 0 (CRD
 * `integer`), the others JSON numbers. A value the trainer printed as `nan` or `inf` is left out: Kubernetes JSON
 * cannot carry it (it would be written as `null`, which a merge patch reads as "delete"), so a diverging loss shows
 * as an absent `loss` here and as `loss NaN` in the condition message — never as a stale earlier value.
 * @example
 * tuningProgressStatus(parseTrainerLog("{'loss': 1.5, 'epoch': 0.5}"), new Date(0))
 * // { epoch: 0.5, loss: 1.5, completed: false, observedTime: "1970-01-01T00:00:00Z" }
 */
export function tuningProgressStatus(
  p: TuningProgress,
  observedTime: Date | string,
): WorkspaceTuningProgress | undefined {
  const out: Mutable<WorkspaceTuningProgress> = {};
  for (const k of COUNT_FIELDS) {
    const v = p[k];
    if (v !== undefined && Number.isFinite(v) && v >= 0) out[k] = Math.round(v);
  }
  for (const k of NUMBER_FIELDS) {
    const v = p[k];
    if (v !== undefined && Number.isFinite(v) && !(k === "epoch" && v < 0)) out[k] = v;
  }
  if (Object.keys(out).length === 0 && !p.completed) return undefined;
  out.completed = p.completed;
  out.observedTime = toKubernetesTime(observedTime);
  return out;
}
