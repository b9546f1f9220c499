/**
 * Parse + validate 100,000 Workspaces (a deterministic mix of valid and invalid objects, generated in memory) and
 * compare with zod's plain `safeParse` of the structural schema alone, measured in the same run.
 *
 *   node --conditions=@kaito-ts/source --expose-gc packages/workspace-types/bench/validate.bench.ts [count] [--only=<text>]
 *
 * The machine this runs on is usually shared, so wall-clock time mostly measures the wait for a core. The headline
 * figure is validations per CPU-second of this process (user + system time from `process.cpuUsage()`), taken from
 * the best of several rounds over all objects (within a round the pipelines take turns every few thousand objects,
 * so load from other processes hits them alike); the ratio to the baseline is the median of the per-round ratios. The
 * wall-clock rate over all rounds is printed too. No forced `gc()` between rounds: a forced full collection shrinks
 * the young generation and leaves background work, which made every pipeline look 1.5-2.5x slower than in steady
 * state (the collections a pipeline causes itself are still counted). `--only=<text>` runs just the pipelines whose label contains
 * the text (for `node --cpu-prof`). The YAML text parse is measured separately on a smaller sample.
 */
import { stringify } from "yaml";
import * as z from "zod";
import {
  parseWorkspace,
  parseWorkspaceDocuments,
  validateWorkspace,
  type WorkspaceV1alpha1Schema,
  type WorkspaceV1beta1Schema,
} from "../src/index.ts";
import { baseWorkspaceSchemaFor } from "../src/schema/workspace.ts";
import { catalogCtx, makeWorkspaces } from "./workload.ts";

const args = process.argv.slice(2);
const COUNT = Number(args.find((a) => !a.startsWith("--")) ?? 100_000);
const ONLY = args.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const ROUNDS = 5;
const TARGET = 100_000;

interface Row {
  readonly label: string;
  readonly fn: (o: unknown) => boolean;
  /** Wall time over all rounds, ms. */
  wallMs: number;
  /** CPU time (user + system) over all rounds, ms. */
  cpuMs: number;
  /** Best (lowest) CPU time per object of any round, ms. */
  bestCpuPerObj: number;
  /** CPU time of each round, ms (for the per-round ratios). */
  readonly roundCpuMs: number[];
  ok: number;
}

const row = (label: string, fn: (o: unknown) => boolean): Row => ({
  label,
  fn,
  wallMs: 0,
  cpuMs: 0,
  bestCpuPerObj: Number.POSITIVE_INFINITY,
  roundCpuMs: [],
  ok: 0,
});

/** Objects per interleaving step: each pipeline takes its turn on one chunk before the next chunk starts. */
const CHUNK = 5_000;

/**
 * Run every pipeline over all objects, `rounds` times. Within a round the pipelines take turns chunk by chunk, so
 * that load from other processes, which changes by the second on a shared machine, hits all of them alike; the
 * CPU time of a pipeline's round is the sum over its chunks (long enough to be measured accurately).
 */
function measure(objs: readonly unknown[], rows: Row[], rounds: number): void {
  for (const r of rows) for (let i = 0; i < Math.min(5000, objs.length); i++) r.fn(objs[i]); // warm-up, tier-up
  for (let k = 0; k < rounds; k++) {
    const cpu = rows.map(() => 0);
    for (let start = 0; start < objs.length; start += CHUNK) {
      const end = Math.min(start + CHUNK, objs.length);
      rows.forEach((r, j) => {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        let ok = 0;
        for (let i = start; i < end; i++) if (r.fn(objs[i])) ok++;
        r.wallMs += performance.now() - t0;
        const c = process.cpuUsage(c0);
        cpu[j] = (cpu[j] as number) + (c.user + c.system) / 1000;
        r.ok += ok;
      });
    }
    rows.forEach((r, j) => {
      const roundCpu = cpu[j] as number;
      r.cpuMs += roundCpu;
      r.roundCpuMs.push(roundCpu);
      r.bestCpuPerObj = Math.min(r.bestCpuPerObj, roundCpu / objs.length);
    });
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const objs = makeWorkspaces(COUNT);

const alpha = baseWorkspaceSchemaFor("kaito.sh/v1alpha1") as typeof WorkspaceV1alpha1Schema;
const beta = baseWorkspaceSchemaFor("kaito.sh/v1beta1") as typeof WorkspaceV1beta1Schema;
const alphaC = z.compile(alpha);
const betaC = z.compile(beta);
const BASELINE = "zod safeParse (structural schema only) [baseline]";
const FULL = "validateWorkspace (+ preset & SKU lookups)";
const all: Row[] = [
  row(BASELINE, (o) => {
    const v = (o as { apiVersion?: unknown }).apiVersion;
    return (v === "kaito.sh/v1alpha1" ? alpha : beta).safeParse(o).success;
  }),
  row("zod safeParse, z.compile'd schema", (o) => {
    const v = (o as { apiVersion?: unknown }).apiVersion;
    return (v === "kaito.sh/v1alpha1" ? alphaC : betaC).safeParse(o).success;
  }),
  row("parseWorkspace (+ unknown fields, CRD defaults)", (o) => parseWorkspace(o).success),
  row("validateWorkspace (default context)", (o) => validateWorkspace(o).valid),
  row(FULL, (o) => validateWorkspace(o, catalogCtx).valid),
];
const rows = ONLY === undefined ? all : all.filter((r) => r.label.includes(ONLY));
measure(objs, rows, ROUNDS);

const perCpuSecond = (r: Row): number => Math.round(1000 / r.bestCpuPerObj);
const base = rows.find((r) => r.label === BASELINE);
console.log(`Workspaces: ${COUNT} (generated in memory; valid/invalid mix), ${ROUNDS} interleaved rounds`);
console.log(
  `${"pipeline".padEnd(52)} ${"CPU /s".padStart(9)} ${"wall /s".padStart(9)}   ${"vs baseline".padStart(13)}   valid`,
);
for (const r of rows) {
  const ratio =
    base === undefined
      ? ""
      : `${median(r.roundCpuMs.map((c, k) => c / (base.roundCpuMs[k] as number))).toFixed(2)}× CPU`;
  console.log(
    `${r.label.padEnd(52)} ${String(perCpuSecond(r)).padStart(9)} ${String(Math.round(((COUNT * ROUNDS) / r.wallMs) * 1000)).padStart(9)}   ${ratio.padStart(13)}   ${((r.ok / (COUNT * ROUNDS)) * 100).toFixed(1)}%`,
  );
}
const full = rows.find((r) => r.label === FULL);
if (full !== undefined) {
  const rate = perCpuSecond(full);
  console.log(
    `target >= ${TARGET} validations per CPU-second (one core, with lookups, best round): ${rate >= TARGET ? "met" : "NOT met"} (${rate}/s; median round ${Math.round((COUNT / median(full.roundCpuMs)) * 1000)}/s)`,
  );
}

if (ONLY === undefined) {
  // YAML text → documents, on a smaller sample (the text parse dominates when reading files)
  const sample = objs.slice(0, Math.min(10_000, COUNT));
  const texts = sample.map((o) => stringify(o));
  const yaml = row(
    "parseWorkspaceDocuments (YAML text)",
    (t) => (parseWorkspaceDocuments(t as string)[0]?.errors.length ?? 1) === 0,
  );
  measure(texts, [yaml], 2);
  console.log(
    `${yaml.label.padEnd(52)} ${String(perCpuSecond(yaml)).padStart(9)} ${String(Math.round(((sample.length * 2) / yaml.wallMs) * 1000)).padStart(9)}   (${sample.length} documents)`,
  );
}
