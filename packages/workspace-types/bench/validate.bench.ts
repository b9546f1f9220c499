/**
 * Parse + validate 100,000 Workspaces (a deterministic mix of valid and invalid objects, generated in memory) and
 * compare with zod's plain `safeParse` of the structural schema alone, measured in the same run.
 *
 *   node --conditions=@kaito-ts/source packages/workspace-types/bench/validate.bench.ts [count]
 *
 * Figures: validations per second of each pipeline and its cost relative to the safeParse baseline (ratio > 1 =
 * slower than the baseline). The YAML text parse is measured separately on a smaller sample.
 */
import { stringify } from "yaml";
import * as z from "zod";
import {
  baseWorkspaceSchemaFor,
  type PresetInfo,
  type PresetLookup,
  parseWorkspace,
  parseWorkspaceDocuments,
  type SkuInfo,
  type SkuLookup,
  type ValidationContext,
  validateWorkspace,
  type WorkspaceV1alpha1Schema,
  type WorkspaceV1beta1Schema,
} from "../src/index.ts";

const COUNT = Number(process.argv[2] ?? 100_000);

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRESETS = [
  "phi-3-mini-4k-instruct",
  "phi-3-mini-128k-instruct",
  "mistral-7b-instruct",
  "qwen2.5-coder-7b-instruct",
];

function makeWorkspace(i: number, r: () => number): Record<string, unknown> {
  const apiVersion = r() < 0.5 ? "kaito.sh/v1alpha1" : "kaito.sh/v1beta1";
  const preset = PRESETS[i % PRESETS.length] as string;
  const base: Record<string, unknown> = {
    apiVersion,
    kind: "Workspace",
    metadata: {
      name: `ws-${i}`,
      namespace: "default",
      annotations: { "kaito.sh/runtime": r() < 0.8 ? "vllm" : "transformers" },
    },
    resource: {
      instanceType: r() < 0.7 ? "Standard_NC24ads_A100_v4" : "Standard_NC6s_v3",
      labelSelector: { matchLabels: { app: `app-${i % 50}` } },
    },
  };
  const kind = r();
  if (kind < 0.35) base.inference = { preset: { name: preset } };
  else if (kind < 0.5)
    base.inference = {
      preset: { name: preset },
      adapters: [{ source: { name: "adapter-a", image: "registry.example.com/adapters/a:0.0.1" } }],
    };
  else if (kind < 0.6)
    base.inference = {
      template: {
        spec: { containers: [{ name: "c", image: "ghcr.io/example/llm:1.0", ports: [{ containerPort: 5000 }] }] },
      },
    };
  else if (kind < 0.8)
    base.tuning = {
      preset: { name: preset },
      method: r() < 0.5 ? "lora" : "qlora",
      input: {
        urls: ["https://huggingface.co/datasets/philschmid/dolly-15k-oai-style/resolve/main/data/train.parquet"],
      },
      output: { image: `registry.example.com/adapters/ws-${i}:0.0.1`, imagePushSecret: "push-secret" },
    };
  else
    base.tuning = {
      preset: { name: preset },
      method: "qlora",
      input: { image: "registry.example.com/datasets/dolly:1.0" },
      output: { volumeSource: { persistentVolumeClaim: { claimName: "results" } } },
    };
  // about a third are invalid, in different ways
  const bad = r();
  if (bad < 0.05) (base.resource as Record<string, unknown>).count = "two";
  else if (bad < 0.1)
    base.inference = { preset: { name: preset } }; // may add both inference and tuning
  else if (bad < 0.15 && base.tuning)
    base.tuning = {
      ...(base.tuning as object),
      output: { image: "ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1" },
    };
  else if (bad < 0.2 && base.tuning)
    base.tuning = { ...(base.tuning as object), input: { urls: ["http://169.254.169.254/latest"] } };
  else if (bad < 0.25) (base.metadata as Record<string, unknown>).name = `WS_${i}.bad`;
  else if (bad < 0.3) (base.resource as Record<string, unknown>).instancetype = "typo";
  else if (bad < 0.33) delete base.resource;
  return base;
}

const preset = (name: string): PresetInfo => ({
  name,
  huggingFaceId: `org/${name}`,
  weightsGiB: 8,
  contextLimit: 4096,
  supportsTransformers: true,
  supportsDistributedInference: false,
  loraAllowedInVllm: true,
  downloadAtRuntime: true,
  downloadAuthRequired: false,
  deprecated: false,
  tuningMethods: ["lora", "qlora"],
});
const presetTable = new Map(PRESETS.map((p) => [p, preset(p)]));
const presets: PresetLookup = {
  resolvePreset(name) {
    const p = presetTable.get(name.toLowerCase());
    if (p) return { kind: "preset", preset: p };
    return name.includes("/") ? { kind: "huggingface", huggingFaceId: name } : { kind: "unknown", suggestions: [] };
  },
};
const skuTable: Record<string, SkuInfo> = {
  standard_nc24ads_a100_v4: {
    name: "Standard_NC24ads_A100_v4",
    cloud: "azure",
    gpuCount: 1,
    gpuModel: "A100",
    totalGpuMemoryGiB: 80,
    computeCapability: 8,
    supportsBf16: true,
    nvme: true,
    classic: false,
  },
  standard_nc6s_v3: {
    name: "Standard_NC6s_v3",
    cloud: "azure",
    gpuCount: 1,
    gpuModel: "V100",
    totalGpuMemoryGiB: 16,
    computeCapability: 7,
    supportsBf16: false,
    nvme: false,
    classic: true,
  },
};
const skus: SkuLookup = { getSku: (name) => skuTable[name.toLowerCase()] };
const catalogCtx: Partial<ValidationContext> = { presets, skus };

interface Row {
  readonly label: string;
  readonly fn: (o: unknown) => boolean;
  ms: number;
  /** CPU time of this process (user + system), ms: unlike wall time it does not count time spent waiting for a core. */
  cpuMs: number;
  ok: number;
}

/**
 * Run every pipeline over the same objects in interleaved rounds (each round: each pipeline over one slice), so
 * that load from other processes hits all pipelines alike and the ratios stay meaningful on a busy machine.
 */
function measure(objs: readonly unknown[], rows: Row[], rounds = 10): void {
  for (const row of rows) for (let i = 0; i < Math.min(3000, objs.length); i++) row.fn(objs[i]); // warm-up (and tier-up)
  const slice = Math.ceil(objs.length / rounds);
  for (let r = 0; r < rounds; r++) {
    const part = objs.slice(r * slice, (r + 1) * slice);
    for (const row of rows) {
      (globalThis as { gc?: () => void }).gc?.();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let ok = 0;
      for (const o of part) if (row.fn(o)) ok++;
      row.ms += performance.now() - t0;
      const c = process.cpuUsage(c0);
      row.cpuMs += (c.user + c.system) / 1000;
      row.ok += ok;
    }
  }
}

const row = (label: string, fn: (o: unknown) => boolean): Row => ({ label, fn, ms: 0, cpuMs: 0, ok: 0 });

const r = rng(42);
const objs = Array.from({ length: COUNT }, (_, i) => makeWorkspace(i, r));

const alpha = baseWorkspaceSchemaFor("kaito.sh/v1alpha1") as typeof WorkspaceV1alpha1Schema;
const beta = baseWorkspaceSchemaFor("kaito.sh/v1beta1") as typeof WorkspaceV1beta1Schema;
const alphaC = z.compile(alpha);
const betaC = z.compile(beta);
const rows: Row[] = [
  row("zod safeParse (structural schema only) [baseline]", (o) => {
    const v = (o as { apiVersion?: unknown }).apiVersion;
    return (v === "kaito.sh/v1alpha1" ? alpha : beta).safeParse(o).success;
  }),
  row("zod safeParse, z.compile'd schema", (o) => {
    const v = (o as { apiVersion?: unknown }).apiVersion;
    return (v === "kaito.sh/v1alpha1" ? alphaC : betaC).safeParse(o).success;
  }),
  row("parseWorkspace (+ unknown fields, CRD defaults)", (o) => parseWorkspace(o).success),
  row("validateWorkspace (default context)", (o) => validateWorkspace(o).valid),
  row("validateWorkspace (+ preset & SKU lookups)", (o) => validateWorkspace(o, catalogCtx).valid),
];
measure(objs, rows);

const base = rows[0] as Row;
console.log(`Workspaces: ${COUNT} (generated in memory; valid/invalid mix), interleaved rounds`);
console.log(`${"pipeline".padEnd(52)} ${"wall /s".padStart(9)} ${"CPU /s".padStart(9)}   vs baseline   valid`);
for (const r of rows) {
  const wall = Math.round((COUNT / r.ms) * 1000);
  const cpu = Math.round((COUNT / r.cpuMs) * 1000);
  console.log(
    `${r.label.padEnd(52)} ${String(wall).padStart(9)} ${String(cpu).padStart(9)}   ${(r.ms / base.ms).toFixed(2).padStart(5)}× time   ${((r.ok / COUNT) * 100).toFixed(1)}%`,
  );
}
const full = rows[4] as Row;
const cpuRate = (COUNT / full.cpuMs) * 1000;
console.log(
  `target >= 100000 validations per second of one core (CPU time, with lookups): ${cpuRate >= 100_000 ? "met" : "NOT met"} (${Math.round(cpuRate)}/s; wall-clock rates drop when other processes share the cores, CPU-time rates and the ratios much less)`,
);

// YAML text → documents, on a smaller sample (the text parse dominates when reading files)
const sample = objs.slice(0, Math.min(10_000, COUNT));
const texts = sample.map((o) => stringify(o));
const yaml = row(
  "parseWorkspaceDocuments (YAML text)",
  (t) => (parseWorkspaceDocuments(t as string)[0]?.errors.length ?? 1) === 0,
);
measure(texts, [yaml], 2);
console.log(
  `${yaml.label.padEnd(52)} ${String(Math.round((sample.length / yaml.ms) * 1000)).padStart(9)} /s   (${sample.length} documents)`,
);
