import {
  type Cloud,
  catalogValidationLookups,
  getPreset,
  isPresetCatalogError,
  recommendSkus,
} from "@kaito-ts/preset-catalog";
import { validateWorkspace } from "@kaito-ts/workspace-types";
import { type Command, Option } from "commander";
import { stringify } from "yaml";
import { OperatorError } from "../../errors.ts";
import type { CliIO } from "../io.ts";
import { type ClusterOptions, clientFor, clusterOptionsOf, withClientErrors, withClusterOptions } from "./apply.ts";

/** Options of `kaito deploy`. */
export interface DeployOptions extends ClusterOptions {
  readonly model: string;
  readonly instanceType?: string;
  readonly count?: number;
  readonly cloud: Cloud;
  readonly tuning: boolean;
  readonly method?: "qlora" | "lora";
  readonly inputUrls: readonly string[];
  readonly outputImage?: string;
  readonly outputImageSecret?: string;
  /** `name=image` pairs. */
  readonly adapters: readonly string[];
  readonly dryRun: boolean;
}

/** The instance type `deploy` picked, and why (one line). */
export interface SkuChoice {
  readonly instanceType: string;
  readonly why: string;
}

/**
 * The smallest instance type of the cloud that fits the preset (first of `recommendSkus`), and a line saying why.
 * @throws OperatorError `UNKNOWN_NAME` for a preset not in the catalog, `INVALID_USAGE` when nothing fits.
 */
export function chooseInstanceType(options: Pick<DeployOptions, "model" | "cloud" | "tuning" | "method">): SkuChoice {
  let recs: ReturnType<typeof recommendSkus>;
  try {
    recs = recommendSkus(options.model, {
      cloud: options.cloud,
      purpose: options.tuning ? "tuning" : "inference",
      ...(options.method !== undefined ? { method: options.method } : {}),
    });
  } catch (error) {
    if (isPresetCatalogError(error)) {
      throw new OperatorError(error.code === "UNKNOWN_PRESET" ? "UNKNOWN_NAME" : "INVALID_USAGE", error.message, {
        cause: error,
      });
    }
    throw error;
  }
  const best = recs[0];
  const what = options.tuning ? `tune ${options.model} (${options.method ?? "qlora"})` : `serve ${options.model}`;
  if (best === undefined) {
    throw new OperatorError(
      "INVALID_USAGE",
      `no ${options.cloud} instance type can ${what}; pick one with --instance-type (kaito skus --fit ${options.model} lists the candidates)`,
    );
  }
  const s = best.sku;
  const why = `instance type ${s.name}: the smallest ${options.cloud} SKU that can ${what} (${best.nodes} node${best.nodes === 1 ? "" : "s"} × ${s.gpuCount} ${s.gpuModel}, ${best.totalGpuMemoryGiB}Gi GPU memory in all${best.warnings.length > 0 ? `; ${best.warnings.join("; ")}` : ""}); override with --instance-type`;
  return { instanceType: s.name, why };
}

/**
 * The Workspace (kaito.sh/v1beta1, as a Kaito user writes it) for the flags of `kaito deploy`.
 * @throws OperatorError `INVALID_USAGE` for flags that do not go together.
 */
export function deployWorkspace(name: string, options: DeployOptions, instanceType: string): Record<string, unknown> {
  if (options.tuning) {
    if (options.adapters.length > 0)
      throw new OperatorError("INVALID_USAGE", "--adapters is for inference; drop --tuning or --adapters");
    if (options.inputUrls.length === 0)
      throw new OperatorError("INVALID_USAGE", "--tuning needs --input-urls <url…> (the training data)");
    if (options.outputImage === undefined)
      throw new OperatorError(
        "INVALID_USAGE",
        "--tuning needs --output-image <registry/repo:tag> (where the adapter is pushed)",
      );
  } else if (options.method !== undefined || options.inputUrls.length > 0 || options.outputImage !== undefined) {
    throw new OperatorError("INVALID_USAGE", "--method, --input-urls and --output-image go with --tuning");
  }
  const adapters = options.adapters.map((a) => {
    const eq = a.indexOf("=");
    if (eq <= 0 || eq === a.length - 1) {
      throw new OperatorError(
        "INVALID_USAGE",
        `--adapters ${a}: write each adapter as name=image (e.g. my-lora=myacr.azurecr.io/adapters/my-lora:1)`,
      );
    }
    return { source: { name: a.slice(0, eq), image: a.slice(eq + 1) } };
  });
  const resource: Record<string, unknown> = {
    instanceType,
    ...(options.count !== undefined ? { count: options.count } : {}),
    labelSelector: { matchLabels: { apps: name } },
  };
  const spec = options.tuning
    ? {
        tuning: {
          preset: { name: options.model },
          method: options.method ?? "qlora",
          input: { urls: [...options.inputUrls] },
          output: {
            image: options.outputImage,
            ...(options.outputImageSecret !== undefined ? { imagePushSecret: options.outputImageSecret } : {}),
          },
        },
      }
    : { inference: { preset: { name: options.model }, ...(adapters.length > 0 ? { adapters } : {}) } };
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, ...(options.namespace !== undefined ? { namespace: options.namespace } : {}) },
    resource,
    ...spec,
  };
}

/** Runs `kaito deploy`. */
export async function runDeploy(io: CliIO, name: string, options: DeployOptions): Promise<number> {
  if (getPreset(options.model) === undefined && !options.model.includes("/")) {
    throw new OperatorError(
      "UNKNOWN_NAME",
      `--model ${options.model}: not a preset of the catalog (kaito presets lists them)`,
    );
  }
  let instanceType = options.instanceType;
  if (instanceType === undefined) {
    const choice = chooseInstanceType(options);
    instanceType = choice.instanceType;
    io.stderr(`${choice.why}\n`);
  }
  const ws = deployWorkspace(name, options, instanceType);
  const result = validateWorkspace(ws, {
    cloud: options.cloud,
    nodeAutoProvisioning: true,
    defaultRuntime: "vllm",
    namespace: options.namespace ?? "default",
    ...catalogValidationLookups(),
  });
  if (!result.valid) {
    for (const e of result.errors)
      io.stderr(`${e.path}: ${e.message}${e.hint !== undefined ? ` (hint: ${e.hint})` : ""}\n`);
    io.stderr(`error: the Workspace these flags describe is invalid; fix the flags named above\n`);
    return 1;
  }
  if (options.dryRun) {
    io.stdout(stringify(ws, { lineWidth: 0 }));
    return 0;
  }
  return withClientErrors(io, async () => {
    const client = await clientFor(options);
    const applied = await client.apply(ws as never);
    io.stdout(`workspace.kaito.sh/${applied.metadata.name} serverside-applied in ${applied.metadata.namespace}\n`);
    io.stderr(`watch it: kaito status ${name} -n ${applied.metadata.namespace} --watch\n`);
    return 0;
  });
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(",").filter((v) => v !== "")];

/** Registers `kaito deploy`. */
export function registerDeployCommand(program: Command, io: CliIO, setExitCode: (code: number) => void): void {
  withClusterOptions(
    program
      .command("deploy")
      .description(
        "create a Workspace from flags (no YAML): inference of a preset, or --tuning; picks the smallest SKU that fits when --instance-type is not given",
      )
      .argument("<name>", "name of the Workspace")
      .requiredOption("--model <preset>", "model preset (kaito presets lists them)")
      .option("--instance-type <sku>", "GPU instance type (default: the smallest that fits)")
      .option("--count <n>", "number of nodes")
      .addOption(
        new Option("--cloud <cloud>", "cloud of the SKU table for the pick")
          .choices(["azure", "aws", "arc"])
          .default("azure"),
      )
      .option("--tuning", "fine-tune the preset instead of serving it", false)
      .addOption(new Option("--method <method>", "tuning method (default qlora)").choices(["qlora", "lora"]))
      .option("--input-urls <url...>", "training data URLs (repeat or comma-separate)", collect)
      .option("--output-image <image>", "where the trained adapter is pushed (registry/repo:tag)")
      .option("--output-image-secret <secret>", "Secret with the push credentials of the output registry")
      .option("--adapters <name=image...>", "LoRA adapters to serve (repeat or comma-separate)", collect)
      .option("--dry-run", "print the Workspace YAML instead of applying it", false),
  ).action(async (name: string, o: Record<string, unknown>) => {
    let count: number | undefined;
    if (o.count !== undefined) {
      count = Number(o.count);
      if (!Number.isInteger(count) || count < 1)
        throw new OperatorError("INVALID_USAGE", `--count ${String(o.count)}: give a whole number ≥ 1`);
    }
    setExitCode(
      await runDeploy(io, name, {
        ...clusterOptionsOf(o),
        model: String(o.model),
        ...(typeof o.instanceType === "string" ? { instanceType: o.instanceType } : {}),
        ...(count !== undefined ? { count } : {}),
        cloud: o.cloud as Cloud,
        tuning: o.tuning === true,
        ...(typeof o.method === "string" ? { method: o.method as "qlora" | "lora" } : {}),
        inputUrls: (o.inputUrls as string[] | undefined) ?? [],
        ...(typeof o.outputImage === "string" ? { outputImage: o.outputImage } : {}),
        ...(typeof o.outputImageSecret === "string" ? { outputImageSecret: o.outputImageSecret } : {}),
        adapters: (o.adapters as string[] | undefined) ?? [],
        dryRun: o.dryRun === true,
      }),
    );
  });
}
