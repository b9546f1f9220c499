/**
 * zod schemas of the data files under `presets/` (compile time only: zod is a dev dependency, the runtime package
 * reads the generated tables).
 */
import * as z from "zod";
import { TUNING_CONFIG_SECTIONS } from "@kaito-ts/workspace-types";

const runtimeName = z.enum(["vllm", "transformers"]);
const tuningMethod = z.enum(["lora", "qlora"]);
const positive = z.number().positive();
const positiveInt = z.number().int().positive();
const params = z.record(z.string(), z.string());
const quantity = z.string().regex(/^\d+(\.\d+)?Gi$/, 'expected a size like "80Gi"');

/** One preset as written in `presets/models/<family>.yaml`. */
export const presetSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, "expected a lowercase legacy name like phi-3-mini-4k-instruct"),
    huggingFaceId: z.string().regex(/^[\w.-]+\/[\w.-]+$/, "expected a Hugging Face id like org/model"),
    aliases: z.array(z.string().min(1)).default([]),
    revision: z
      .string()
      .regex(/^[0-9a-f]{40}$/, "expected a 40-hex Hugging Face commit")
      .optional(),
    availability: z.enum(["available", "unresolvable"]).default("available"),
    deprecated: z.boolean().default(false),
    weightsGiB: positive.optional(),
    contextLimit: positiveInt,
    architecture: z
      .strictObject({
        class: z.string().min(1),
        hiddenSize: positiveInt,
        numHiddenLayers: positiveInt,
        numAttentionHeads: positiveInt,
        numKeyValueHeads: positiveInt,
        headDim: positiveInt.optional(),
        kvLoraRank: positiveInt.optional(),
        qkRopeHeadDim: positiveInt.optional(),
        quantization: z.string().min(1).optional(),
        source: z.enum(["kaito-model-catalog", "public-config"]),
      })
      .optional(),
    runtimes: z.array(runtimeName).min(1),
    distributedInference: z.boolean().default(false),
    loraInVllm: z.boolean().default(true),
    downloadAtRuntime: z.boolean().default(false),
    downloadAuthRequired: z.boolean().default(false),
    image: z.strictObject({ name: z.string().min(1), tag: z.string().regex(/^\d+\.\d+\.\d+$/, "expected x.y.z") }),
    runtimeParams: z.strictObject({ vllm: params, transformers: params.optional() }),
    tuning: z
      .strictObject({
        methods: z.array(tuningMethod).min(1),
        targetModules: z.array(z.string().min(1)).min(1).optional(),
        notes: z.string().optional(),
      })
      .optional(),
    classicRequirements: z
      .strictObject({
        diskStorage: quantity,
        gpuCount: positiveInt,
        totalGpuMemoryGiB: positive,
        perGpuMemoryGiB: z.number().nonnegative().optional(),
        vllmDtype: z.string().optional(),
        tuning: z
          .strictObject({
            totalGpuMemoryGiB: positive,
            perGpuMemoryGiB: positive,
            qloraTotalGpuMemoryGiB: positive.optional(),
          })
          .optional(),
      })
      .optional(),
    notes: z.string().optional(),
  })
  .superRefine((p, ctx) => {
    if (p.image.name !== `kaito-${p.name}`) {
      ctx.addIssue({ code: "custom", path: ["image", "name"], message: `expected "kaito-${p.name}"` });
    }
    const hasTf = p.runtimes.includes("transformers");
    if (hasTf && p.runtimeParams.transformers === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["runtimeParams", "transformers"],
        message: "runtimes lists transformers, so transformers parameters are required",
      });
    }
    if (!hasTf && p.runtimeParams.transformers !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["runtimeParams", "transformers"],
        message: "transformers parameters given but runtimes does not list transformers",
      });
    }
    if (!p.runtimes.includes("vllm")) {
      ctx.addIssue({ code: "custom", path: ["runtimes"], message: "every preset runs on vllm" });
    }
    if (p.availability === "available" && !p.deprecated && p.weightsGiB === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["weightsGiB"],
        message: "required for an available preset (the fit check and the node estimator need it)",
      });
    }
    if (p.availability === "available" && !p.deprecated && p.architecture === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["architecture"],
        message: "required for an available preset (BytesPerToken needs the architecture numbers)",
      });
    }
    const a = p.architecture;
    if (a !== undefined && (a.kvLoraRank === undefined) !== (a.qkRopeHeadDim === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["architecture"],
        message: "kvLoraRank and qkRopeHeadDim go together (multi-head latent attention)",
      });
    }
    if (a !== undefined && a.numKeyValueHeads > a.numAttentionHeads) {
      ctx.addIssue({
        code: "custom",
        path: ["architecture", "numKeyValueHeads"],
        message: "cannot exceed numAttentionHeads",
      });
    }
    if (p.tuning !== undefined && new Set(p.tuning.methods).size !== p.tuning.methods.length) {
      ctx.addIssue({ code: "custom", path: ["tuning", "methods"], message: "methods must be unique" });
    }
  });

/** A model family file. */
export const presetFileSchema = z.strictObject({
  family: z.string().regex(/^[a-z0-9-]+$/),
  presets: z.array(presetSchema).min(1),
});

/** One SKU as written in `presets/skus/<cloud>.yaml`. */
export const skuSchema = z
  .strictObject({
    name: z.string().min(1),
    gpuCount: positiveInt,
    gpuModel: z.string().min(1),
    vendor: z.enum(["nvidia", "amd", "aws-neuron"]),
    totalGpuMemoryGiB: positive,
    computeCapability: z.number().min(1).max(20).optional(),
    bf16: z.boolean().optional(),
    nvme: z.boolean(),
    classic: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    if (s.vendor === "nvidia" && s.computeCapability === undefined) {
      ctx.addIssue({ code: "custom", path: ["computeCapability"], message: "required for NVIDIA GPUs" });
    }
    if (s.vendor !== "nvidia" && s.computeCapability !== undefined) {
      ctx.addIssue({ code: "custom", path: ["computeCapability"], message: "only NVIDIA GPUs have one" });
    }
    if (s.computeCapability !== undefined && s.bf16 !== undefined && s.bf16 !== s.computeCapability >= 8) {
      ctx.addIssue({
        code: "custom",
        path: ["bf16"],
        message: `contradicts compute capability ${s.computeCapability} (bf16 needs >= 8.0); leave it out`,
      });
    }
  });

/** A cloud's SKU file. */
export const skuFileSchema = z.strictObject({
  cloud: z.enum(["azure", "aws", "arc"]),
  skus: z.array(skuSchema).min(1),
});

/** `presets/runtime.yaml`. */
export const runtimeFileSchema = z.strictObject({
  base: z.strictObject({
    imageName: z.string().min(1),
    tag: z.string().regex(/^\d+\.\d+\.\d+$/),
    runtimeVersions: z.strictObject({ vllm: z.string().min(1), transformers: z.string().min(1) }),
  }),
  vllm: z.strictObject({
    baseCommand: z.string().min(1),
    defaultParams: params,
    gpuMemoryUtilization: z.strictObject({
      default: z.number().gt(0).lte(1),
      byGpuModel: z.record(z.string(), z.number().gt(0).lte(1)),
    }),
  }),
  transformers: z.strictObject({
    baseCommand: z.string().min(1),
    mainFile: z.string().min(1),
    acceleratorParams: params,
  }),
});

/** A tuning template's `training_config.yaml`, as Kaito's webhook checks a tuning ConfigMap (§1.6). */
export function tuningTemplateSchema(method: "lora" | "qlora") {
  return z
    .strictObject({
      training_config: z.partialRecord(z.enum(TUNING_CONFIG_SECTIONS), z.record(z.string(), z.unknown())),
    })
    .superRefine((doc, ctx) => {
      const q = doc.training_config.QuantizationConfig ?? {};
      const four = q.load_in_4bit ?? false;
      const eight = q.load_in_8bit ?? false;
      if (typeof four !== "boolean" || typeof eight !== "boolean") {
        ctx.addIssue({
          code: "custom",
          path: ["training_config", "QuantizationConfig"],
          message: "load_in_4bit / load_in_8bit must be booleans",
        });
        return;
      }
      if (four && eight) {
        ctx.addIssue({
          code: "custom",
          path: ["training_config", "QuantizationConfig"],
          message: "load_in_4bit and load_in_8bit cannot both be true",
        });
      }
      if (method === "lora" && (four || eight)) {
        ctx.addIssue({
          code: "custom",
          path: ["training_config", "QuantizationConfig"],
          message: "a lora template must not quantize (load_in_4bit / load_in_8bit false)",
        });
      }
      if (method === "qlora" && !four && !eight) {
        ctx.addIssue({
          code: "custom",
          path: ["training_config", "QuantizationConfig"],
          message: "a qlora template needs load_in_4bit or load_in_8bit true",
        });
      }
      const out = doc.training_config.TrainingArguments?.output_dir;
      if (typeof out !== "string" || !out.startsWith("/mnt/") || out.length <= "/mnt/".length) {
        ctx.addIssue({
          code: "custom",
          path: ["training_config", "TrainingArguments", "output_dir"],
          message: "must be a directory under /mnt",
        });
      }
    });
}
