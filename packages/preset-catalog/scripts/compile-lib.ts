/**
 * The compile step as a pure function: the text of the data files under `presets/` in, the validated catalog and the
 * source of `src/generated/catalog.ts` out. `compile.ts` does the file I/O; tests call this in memory.
 */
import { parseDocument } from "yaml";
import type * as z from "zod";
import { PresetCatalogError } from "../src/errors.ts";
import type {
  CatalogData,
  ClassicRequirements,
  ModelArchitecture,
  Preset,
  PresetTuning,
  RuntimeDefaults,
  Sku,
  TuningTemplate,
} from "../src/types.ts";
import { presetFileSchema, runtimeFileSchema, skuFileSchema, tuningTemplateSchema } from "./schema.ts";

/** One data file: its path relative to the repository root (e.g. `presets/models/phi.yaml`) and its text. */
export interface DataFile {
  readonly path: string;
  readonly text: string;
}

/** The result of a successful compile. */
export interface CompileResult {
  readonly catalog: CatalogData;
  /** The TypeScript source of `src/generated/catalog.ts`. */
  readonly source: string;
}

/** Repository-relative path of the generated module. */
export const GENERATED_PATH = "packages/preset-catalog/src/generated/catalog.ts";

type PathSegment = PropertyKey;

function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out === "" ? "(root)" : out;
}

class Problems {
  readonly lines: string[] = [];
  add(file: string, path: readonly PathSegment[] | string, message: string): void {
    const where = typeof path === "string" ? path : formatPath(path);
    this.lines.push(`${file}: ${where}: ${message}`);
  }
  addZod(file: string, error: z.ZodError): void {
    for (const issue of error.issues) this.add(file, issue.path, issue.message);
  }
}

function parseYaml(file: DataFile, problems: Problems): unknown {
  const doc = parseDocument(file.text);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = e.linePos?.[0];
      const where = pos === undefined ? "(yaml)" : `line ${pos.line}, column ${pos.col}`;
      const first = (e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
      problems.add(file.path, where, `invalid YAML: ${first}`);
    }
    return undefined;
  }
  return doc.toJS();
}

function baseName(path: string): string {
  const last = path.split("/").pop() ?? path;
  return last.replace(/\.ya?ml$/, "");
}

function buildPreset(family: string, p: z.output<typeof presetFileSchema>["presets"][number]): Preset {
  let architecture: ModelArchitecture | undefined;
  if (p.architecture !== undefined) {
    const a = p.architecture;
    architecture = {
      class: a.class,
      hiddenSize: a.hiddenSize,
      numHiddenLayers: a.numHiddenLayers,
      numAttentionHeads: a.numAttentionHeads,
      numKeyValueHeads: a.numKeyValueHeads,
      ...(a.headDim === undefined ? {} : { headDim: a.headDim }),
      ...(a.kvLoraRank === undefined ? {} : { kvLoraRank: a.kvLoraRank }),
      ...(a.qkRopeHeadDim === undefined ? {} : { qkRopeHeadDim: a.qkRopeHeadDim }),
      ...(a.quantization === undefined ? {} : { quantization: a.quantization }),
      source: a.source,
    };
  }
  let tuning: PresetTuning | undefined;
  if (p.tuning !== undefined) {
    tuning = {
      methods: p.tuning.methods,
      ...(p.tuning.targetModules === undefined ? {} : { targetModules: p.tuning.targetModules }),
      ...(p.tuning.notes === undefined ? {} : { notes: p.tuning.notes.trim() }),
    };
  }
  let classic: ClassicRequirements | undefined;
  if (p.classicRequirements !== undefined) {
    const c = p.classicRequirements;
    classic = {
      diskStorage: c.diskStorage,
      gpuCount: c.gpuCount,
      totalGpuMemoryGiB: c.totalGpuMemoryGiB,
      ...(c.perGpuMemoryGiB === undefined ? {} : { perGpuMemoryGiB: c.perGpuMemoryGiB }),
      ...(c.vllmDtype === undefined ? {} : { vllmDtype: c.vllmDtype }),
      ...(c.tuning === undefined
        ? {}
        : {
            tuning: {
              totalGpuMemoryGiB: c.tuning.totalGpuMemoryGiB,
              perGpuMemoryGiB: c.tuning.perGpuMemoryGiB,
              ...(c.tuning.qloraTotalGpuMemoryGiB === undefined
                ? {}
                : { qloraTotalGpuMemoryGiB: c.tuning.qloraTotalGpuMemoryGiB }),
            },
          }),
    };
  }
  return {
    name: p.name,
    family,
    huggingFaceId: p.huggingFaceId,
    aliases: p.aliases,
    ...(p.revision === undefined ? {} : { revision: p.revision }),
    availability: p.availability,
    deprecated: p.deprecated,
    ...(p.weightsGiB === undefined ? {} : { weightsGiB: p.weightsGiB }),
    contextLimit: p.contextLimit,
    ...(architecture === undefined ? {} : { architecture }),
    runtimes: p.runtimes,
    distributedInference: p.distributedInference,
    loraInVllm: p.loraInVllm,
    downloadAtRuntime: p.downloadAtRuntime,
    downloadAuthRequired: p.downloadAuthRequired,
    image: { name: p.image.name, tag: p.image.tag },
    runtimeParams: {
      vllm: p.runtimeParams.vllm,
      ...(p.runtimeParams.transformers === undefined ? {} : { transformers: p.runtimeParams.transformers }),
    },
    ...(tuning === undefined ? {} : { tuning }),
    ...(classic === undefined ? {} : { classicRequirements: classic }),
    ...(p.notes === undefined ? {} : { notes: p.notes.trim() }),
  };
}

function buildSku(
  cloud: z.output<typeof skuFileSchema>["cloud"],
  s: z.output<typeof skuFileSchema>["skus"][number],
): Sku {
  const supportsBf16 = s.bf16 ?? (s.computeCapability !== undefined && s.computeCapability >= 8);
  return {
    name: s.name,
    cloud,
    gpuCount: s.gpuCount,
    gpuModel: s.gpuModel,
    vendor: s.vendor,
    totalGpuMemoryGiB: s.totalGpuMemoryGiB,
    gpuMemoryPerGpuGiB: s.totalGpuMemoryGiB / s.gpuCount,
    ...(s.computeCapability === undefined ? {} : { computeCapability: s.computeCapability }),
    supportsBf16,
    nvme: s.nvme,
    classic: s.classic,
  };
}

/**
 * Validate and compile the data files. Throws a {@link PresetCatalogError} with code `INVALID_DATA` whose message has
 * one line per problem, each naming the file and the path inside it.
 */
export function compileCatalog(files: readonly DataFile[]): CompileResult {
  const problems = new Problems();
  const presets: Preset[] = [];
  const skus: Sku[] = [];
  const templates: TuningTemplate[] = [];
  let runtime: RuntimeDefaults | undefined;
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  for (const file of sorted) {
    const parts = file.path.split("/");
    if (!file.path.endsWith(".yaml") && !file.path.endsWith(".yml")) continue;
    const kind = parts.length === 3 ? parts[1] : parts.length === 2 ? "root" : "other";
    const name = baseName(file.path);

    if (kind === "root" && name === "runtime") {
      const raw = parseYaml(file, problems);
      if (raw === undefined) continue;
      const r = runtimeFileSchema.safeParse(raw);
      if (!r.success) problems.addZod(file.path, r.error);
      else runtime = r.data;
    } else if (kind === "models") {
      const raw = parseYaml(file, problems);
      if (raw === undefined) continue;
      const r = presetFileSchema.safeParse(raw);
      if (!r.success) {
        problems.addZod(file.path, r.error);
        continue;
      }
      if (r.data.family !== name) {
        problems.add(file.path, "family", `must equal the file name "${name}"`);
      }
      for (const p of r.data.presets) presets.push(buildPreset(r.data.family, p));
    } else if (kind === "skus") {
      const raw = parseYaml(file, problems);
      if (raw === undefined) continue;
      const r = skuFileSchema.safeParse(raw);
      if (!r.success) {
        problems.addZod(file.path, r.error);
        continue;
      }
      if (r.data.cloud !== name) problems.add(file.path, "cloud", `must equal the file name "${name}"`);
      const seen = new Map<string, number>();
      r.data.skus.forEach((s, i) => {
        const key = s.name.toLowerCase();
        const first = seen.get(key);
        if (first !== undefined) problems.add(file.path, ["skus", i, "name"], `duplicate of skus[${first}] ${s.name}`);
        else seen.set(key, i);
        skus.push(buildSku(r.data.cloud, s));
      });
    } else if (kind === "tuning") {
      const method = /^(lora|qlora)-params$/.exec(name)?.[1];
      if (method !== "lora" && method !== "qlora") {
        problems.add(file.path, "(file)", "tuning templates are named lora-params.yaml or qlora-params.yaml");
        continue;
      }
      const raw = parseYaml(file, problems);
      if (raw === undefined) continue;
      const r = tuningTemplateSchema(method).safeParse(raw);
      if (!r.success) {
        problems.addZod(file.path, r.error);
        continue;
      }
      templates.push({
        method,
        configMapName: `${method}-params-template`,
        key: "training_config.yaml",
        trainingConfigYaml: file.text,
      });
    } else {
      problems.add(file.path, "(file)", "unexpected data file (expected runtime.yaml, models/, skus/ or tuning/)");
    }
  }

  // Cross-file rules: every lookup key is unique across the catalog.
  const keys = new Map<string, string>();
  presets.forEach((p) => {
    const file = `presets/models/${p.family}.yaml`;
    for (const key of [p.name, p.huggingFaceId, ...p.aliases]) {
      const k = key.toLowerCase();
      const owner = keys.get(k);
      if (owner !== undefined && owner !== p.name) {
        problems.add(file, `presets(${p.name})`, `lookup key "${key}" is already used by preset ${owner}`);
      } else keys.set(k, p.name);
    }
  });
  if (runtime === undefined && !problems.lines.some((l) => l.startsWith("presets/runtime.yaml"))) {
    problems.add("presets/runtime.yaml", "(file)", "missing");
  }
  for (const m of ["lora", "qlora"] as const) {
    if (!templates.some((t) => t.method === m) && !problems.lines.some((l) => l.includes(`${m}-params`))) {
      problems.add(`presets/tuning/${m}-params.yaml`, "(file)", "missing");
    }
  }
  if (presets.length === 0) problems.add("presets/models", "(dir)", "no preset files");
  if (skus.length === 0) problems.add("presets/skus", "(dir)", "no SKU files");

  if (problems.lines.length > 0 || runtime === undefined) {
    throw new PresetCatalogError(
      "INVALID_DATA",
      `presets/ has ${problems.lines.length} problem(s):\n${problems.lines.map((l) => `  ${l}`).join("\n")}`,
    );
  }
  templates.sort((a, b) => (a.method < b.method ? -1 : 1));
  const catalog: CatalogData = { presets, skus, tuningTemplates: templates, runtime };
  return { catalog, source: renderSource(catalog) };
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Render the generated module. Deterministic: the same data always gives the same text. */
export function renderSource(catalog: CatalogData): string {
  return [
    "// Generated by packages/preset-catalog/scripts/compile.ts from the reviewed data in presets/. Do not edit:",
    "// change the YAML and run `node --conditions=@kaito-ts/source packages/preset-catalog/scripts/compile.ts`.",
    'import type { Preset, RuntimeDefaults, Sku, TuningTemplate } from "../types.ts";',
    "",
    "/** Every preset of presets/models/, in file order. */",
    `export const PRESETS: readonly Preset[] = ${json(catalog.presets)};`,
    "",
    "/** Every SKU of presets/skus/. */",
    `export const SKUS: readonly Sku[] = ${json(catalog.skus)};`,
    "",
    "/** The default tuning templates of presets/tuning/. */",
    `export const TUNING_TEMPLATES: readonly TuningTemplate[] = ${json(catalog.tuningTemplates)};`,
    "",
    "/** presets/runtime.yaml. */",
    `export const RUNTIME_DEFAULTS: RuntimeDefaults = ${json(catalog.runtime)};`,
    "",
  ].join("\n");
}
