import { Command, CommanderError, Option } from "commander";
import { runCrds } from "./commands/crds.ts";
import { runPresets } from "./commands/presets.ts";
import { runSkus } from "./commands/skus.ts";
import { runValidate } from "./commands/validate.ts";
import { registerPlanCommand } from "./commands/plan.ts";
import { registerApplyCommand } from "./commands/apply.ts";
import { registerStatusCommand } from "./commands/status.ts";
import { registerDeployCommand } from "./commands/deploy.ts";
import { registerEndpointCommand } from "./commands/endpoint.ts";
import { registerChatCommand } from "./commands/chat.ts";
import { registerOperatorCommand } from "./commands/operator.ts";
import { runManifests } from "./commands/manifests.ts";
import { registerDemoCommand } from "./commands/demo.ts";
import { runClusterUp } from "../playground/cluster-up.ts";
import { isOperatorError } from "../errors.ts";
import type { CliIO } from "./io.ts";

const outputOption = () =>
  new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text");
const cloudOption = () => new Option("--cloud <cloud>", "cloud provider").choices(["azure", "aws", "arc"]);

/**
 * Runs the `kaito` CLI with `argv` (without the node and script paths) and returns the exit code:
 * 0 success, 1 the input is invalid, 2 the command was called wrongly or its input could not be read.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  const program = new Command("kaito")
    .description("kaito-ts: validate Workspaces, browse presets and GPU SKUs, print CRDs")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run with --help for usage)");

  program
    .command("validate")
    .description("validate Workspace YAML/JSON as Kaito's admission webhook would (exit 0 valid, 1 invalid)")
    .argument("<file>", "a Workspace file, or - for stdin; ConfigMap and Node documents in it describe the cluster")
    .option("--old <file>", "the Workspace before the change: check the update rules")
    .addOption(outputOption())
    .addOption(cloudOption().default("azure"))
    .option("--no-node-auto-provisioning", "bring-your-own nodes (Kaito's disableNodeAutoProvisioning)")
    .addOption(
      new Option("--runtime <runtime>", "runtime of Workspaces without kaito.sh/runtime")
        .choices(["vllm", "transformers"])
        .default("vllm"),
    )
    .option("-n, --namespace <namespace>", "namespace of Workspaces that name none", "default")
    .action(async (file: string, o: Record<string, unknown>) => {
      exitCode = await runValidate(io, file, {
        ...(typeof o.old === "string" ? { old: o.old } : {}),
        output: o.output as "text" | "json",
        cloud: o.cloud as "azure" | "aws" | "arc",
        nodeAutoProvisioning: o.nodeAutoProvisioning !== false,
        runtime: o.runtime as "vllm" | "transformers",
        namespace: String(o.namespace),
      });
    });

  program
    .command("presets")
    .description("list the model presets")
    .addOption(outputOption())
    .action((o: Record<string, unknown>) => {
      exitCode = runPresets(io, { output: o.output as "text" | "json" });
    });

  program
    .command("skus")
    .description("list the GPU instance types; with --fit, those that fit a preset, smallest first")
    .addOption(cloudOption())
    .option("--fit <preset>", "only instance types that fit this preset")
    .addOption(
      new Option("--purpose <purpose>", "what the preset runs").choices(["inference", "tuning"]).default("inference"),
    )
    .addOption(new Option("--method <method>", "tuning method").choices(["lora", "qlora"]))
    .option("--include-classic", "with --fit: also the classic SKUs Kaito dropped (V100, T4, M60)", false)
    .addOption(outputOption())
    .action((o: Record<string, unknown>) => {
      exitCode = runSkus(io, {
        ...(typeof o.cloud === "string" ? { cloud: o.cloud as "azure" | "aws" | "arc" } : {}),
        ...(typeof o.fit === "string" ? { fit: o.fit } : {}),
        purpose: o.purpose as "inference" | "tuning",
        ...(typeof o.method === "string" ? { method: o.method as "lora" | "qlora" } : {}),
        includeClassic: o.includeClassic === true,
        output: o.output as "text" | "json",
      });
    });

  program
    .command("crds")
    .description("print the CRDs kaito-ts needs (Workspace, NodeClaim) as multi-document YAML")
    .action(() => {
      exitCode = runCrds(io);
    });

  const cluster = program.command("cluster").description("a local Kaito playground (no cloud, no Docker)");
  cluster
    .command("up")
    .description("start cluster-sim with Kaito's CRDs and simulated GPU nodes; runs until interrupted")
    .option("--port <port>", "TCP port on 127.0.0.1 (0 picks a free one)", "0")
    .option("--kubeconfig <path>", "where to write the kubeconfig (default: a temporary file)")
    .option("--node-delay-ms <ms>", "how long a NodeClaim takes to become a Node", "2000")
    .option(
      "--real",
      "run on a real control plane (@kaito-ts/envtest: kube-apiserver, etcd, controllers) instead of cluster-sim's API server",
    )
    .action(async (o: Record<string, unknown>) => {
      exitCode = await runClusterUp(io, {
        port: Number(o.port),
        nodeDelayMs: Number(o.nodeDelayMs),
        real: o.real === true,
        ...(typeof o.kubeconfig === "string" ? { kubeconfig: o.kubeconfig } : {}),
      });
    });

  program
    .command("manifests")
    .description("print the operator's install manifests (CRD, namespace, RBAC, Deployment, webhook, tuning templates)")
    .option("-n, --namespace <namespace>", "release namespace", "kaito-system")
    .option("--image <image>", "operator image")
    .option("--replicas <n>", "operator replicas (leader election picks one)", "2")
    .action(async (o: Record<string, unknown>) => {
      exitCode = await runManifests(io, {
        namespace: String(o.namespace),
        replicas: Number(o.replicas),
        ...(typeof o.image === "string" ? { image: o.image } : {}),
      });
    });

  registerDemoCommand(program, io, (code) => {
    exitCode = code;
  });

  registerOperatorCommand(program, io, (code) => {
    exitCode = code;
  });

  const setExitCode = (code: number) => {
    exitCode = code;
  };
  registerPlanCommand(program, io, setExitCode);
  registerApplyCommand(program, io, setExitCode);
  registerStatusCommand(program, io, setExitCode);
  registerDeployCommand(program, io, setExitCode);
  registerEndpointCommand(program, io, setExitCode);
  registerChatCommand(program, io, setExitCode);

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      if (error.code === "commander.help") return 0;
      return 2;
    }
    if (isOperatorError(error)) {
      io.stderr(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
