/**
 * The runtime commands of Kaito's base image (kaito-compat §5.2, §6.1, §7.2–§7.4): the vLLM server, the transformers
 * server, multi-node vLLM with Ray, and the trainer. Kaito builds flags from Go maps (random order); kaito-ts emits
 * them in one fixed order so the objects are deterministic.
 *
 * @packageDocumentation
 */
import { type Preset, runtimeDefaults, type Sku, vllmParallelism } from "@kaito-ts/preset-catalog";
import { PerformanceModeValue, WorkspaceAnnotation } from "@kaito-ts/workspace-types";
import type { GpuConfig } from "./gpu.ts";
import { commandLine, Paths, shellCommand } from "./pod-parts.ts";
import type { BuildWorkspace } from "./workspace.ts";

/** Port of the inference server in the pod. */
export const INFERENCE_PORT = 5000;
/** Ray head port. */
export const RAY_PORT = 6379;
/** vLLM KV-cache events (ZMQ) port. */
export const KV_EVENTS_PORT = 5557;

/** The vLLM entry point of the base image. */
export const VLLM_MULTI_NODE_SCRIPT = "/workspace/vllm/multi-node-serving.sh";
/** The multi-node health check of the base image. */
export const VLLM_MULTI_NODE_HEALTH_CHECK = "python3 /workspace/vllm/multi-node-health-check.py";
/** The trainer entry point. */
export const TUNING_MAIN_FILE = "/workspace/tfs/fine_tuning.py";

/** Architectures whose FP8 GEMMs need DeepGEMM (`VLLM_USE_DEEP_GEMM=1`). */
export const DEEP_GEMM_ARCHITECTURES: readonly string[] = [
  "DeepseekV32ForCausalLM",
  "DeepseekV4ForCausalLM",
  "GlmMoeDsaForCausalLM",
];
/** Architectures for which Kaito turns LMCache CPU offload off. */
const LMCACHE_DISABLED_ARCHITECTURES: readonly string[] = ["GptOssForCausalLM"];

/** The name the server answers to: the lowercased last path segment of the Hugging Face id. */
export function servedModelName(preset: Preset, ws: BuildWorkspace): string {
  const createdBy = ws.metadata.labels?.["inferenceset.kaito.sh/created-by"];
  if (createdBy !== undefined && createdBy !== "") return createdBy;
  const id = preset.huggingFaceId;
  return id.slice(id.lastIndexOf("/") + 1).toLowerCase();
}

/** `/opt/kaito/models/<lowercased preset name, '/' → '-'>` when `kaito.sh/use-local-weights: "true"`. */
export function localWeightsPath(ws: BuildWorkspace): string | undefined {
  if (ws.metadata.annotations?.[WorkspaceAnnotation.UseLocalWeights] !== "true") return undefined;
  const name = ws.inference?.preset?.name ?? "";
  return `${Paths.LocalWeightsPrefix}/${name.toLowerCase().replaceAll("/", "-")}`;
}

/** Ray leader address: `<ws>-0.<ws>-headless.<ns>.svc.cluster.local`. */
export function rayLeaderAddress(ws: BuildWorkspace): string {
  const { name, namespace } = ws.metadata;
  return `${name}-0.${name}-headless.${namespace}.svc.cluster.local`;
}

/** What the vLLM command depends on. */
export interface VllmCommandInput {
  readonly preset: Preset;
  readonly gpu: GpuConfig;
  readonly nodes: number;
  /** `inference.config` is set: pass `--kaito-config-file`. */
  readonly hasConfig: boolean;
  readonly adapters: boolean;
}

class Params {
  readonly list: Array<[string, string]> = [];
  set(key: string, value: string): void {
    const i = this.list.findIndex(([k]) => k === key);
    if (i >= 0) this.list[i] = [key, value];
    else this.list.push([key, value]);
  }
  delete(key: string): void {
    const i = this.list.findIndex(([k]) => k === key);
    if (i >= 0) this.list.splice(i, 1);
  }
}

function skuForParallelism(gpu: GpuConfig): Sku {
  if (gpu.sku !== undefined) return gpu.sku;
  return {
    name: "byo",
    cloud: "azure",
    vendor: "nvidia",
    gpuCount: gpu.gpuCount,
    gpuModel: "unknown",
    totalGpuMemoryGiB: gpu.totalGpuMemoryGiB,
    gpuMemoryPerGpuGiB: gpu.totalGpuMemoryGiB / gpu.gpuCount,
    supportsBf16: true,
    nvme: false,
    classic: false,
  };
}

/** True when vLLM serves the preset across several nodes with Ray (§7.4). */
export function isMultiNodeVllm(preset: Preset, nodes: number): boolean {
  return preset.distributedInference && nodes > 1;
}

/** The single-node vLLM server command line (without `/bin/sh -c`). */
export function vllmServerCommandLine(ws: BuildWorkspace, input: VllmCommandInput): string {
  const { preset, gpu, nodes } = input;
  const defaults = runtimeDefaults().vllm;
  const multiNode = isMultiNodeVllm(preset, nodes);
  const p = new Params();
  p.set("served-model-name", servedModelName(preset, ws));
  const local = localWeightsPath(ws);
  if (local !== undefined) {
    p.set("model", local);
    p.set("load-format", "runai_streamer");
  } else {
    p.set("model", preset.huggingFaceId);
    if (preset.revision !== undefined) p.set("code-revision", preset.revision);
  }
  for (const [k, v] of Object.entries(defaults.defaultParams)) p.set(k, v);
  for (const [k, v] of Object.entries(preset.runtimeParams.vllm)) p.set(k, v);
  if (local !== undefined) {
    p.delete("download-dir");
    p.delete("load_format");
  }
  const par = vllmParallelism({ preset, sku: skuForParallelism(gpu), nodes: multiNode ? nodes : 1 });
  for (const [k, v] of Object.entries(par.args)) p.set(k, v);
  if (input.adapters && preset.loraInVllm) p.set("enable-lora", "");
  if (input.hasConfig) p.set("kaito-config-file", `${Paths.Config}/inference_config.yaml`);
  const mode = ws.metadata.annotations?.[WorkspaceAnnotation.PerformanceMode];
  if (mode !== undefined && mode !== "" && mode !== PerformanceModeValue.Balanced) p.set("performance-mode", mode);
  const arch = preset.architecture?.class ?? "";
  const dataParallel = (par.dataParallelSize ?? 1) > 1;
  if (
    dataParallel ||
    multiNode ||
    LMCACHE_DISABLED_ARCHITECTURES.includes(arch) ||
    gpu.resourceName !== "nvidia.com/gpu"
  ) {
    p.set("kaito-kv-cache-cpu-memory-utilization", "0");
  }
  return commandLine(defaults.baseCommand, p.list);
}

/** The vLLM container command: single node, or the Ray leader/worker branch on `$POD_INDEX` (§7.4). */
export function vllmCommand(ws: BuildWorkspace, input: VllmCommandInput): string[] {
  const server = vllmServerCommandLine(ws, input);
  if (!isMultiNodeVllm(input.preset, input.nodes)) return shellCommand(server);
  const leader = commandLine(`${VLLM_MULTI_NODE_SCRIPT} leader`, [
    ["ray_cluster_size", String(input.nodes)],
    ["ray_port", String(RAY_PORT)],
  ]);
  const worker = commandLine(`${VLLM_MULTI_NODE_SCRIPT} worker`, [
    ["ray_address", rayLeaderAddress(ws)],
    ["ray_port", String(RAY_PORT)],
  ]);
  return shellCommand(`if [ "\${POD_INDEX}" = "0" ]; then ${leader}; ${server}; else ${worker}; fi`);
}

/** The transformers server command (§7.3): `accelerate launch … /workspace/tfs/inference_api.py …`. */
export function transformersCommand(ws: BuildWorkspace, preset: Preset): string[] {
  const defaults = runtimeDefaults().transformers;
  const accelerate = commandLine(defaults.baseCommand, Object.entries(defaults.acceleratorParams));
  const p = new Params();
  for (const [k, v] of Object.entries(preset.runtimeParams.transformers ?? {})) p.set(k, v);
  p.set("served_model_name", servedModelName(preset, ws));
  p.set("pretrained_model_name_or_path", preset.huggingFaceId);
  if (preset.revision !== undefined) p.set("revision", preset.revision);
  p.delete("allow_remote_files");
  p.set("allow_remote_files", "");
  return shellCommand(`${accelerate} ${commandLine(defaults.mainFile, p.list)}`);
}

/** The trainer command (§6.1): metrics server in the background, then `accelerate launch --num_processes=<GPUs>`. */
export function tuningCommand(gpuCount: number): string[] {
  const launch = commandLine(runtimeDefaults().transformers.baseCommand, [["num_processes", String(gpuCount)]]);
  return shellCommand(`cd /workspace/tfs/ && python3 metrics_server.py & ${launch} ${TUNING_MAIN_FILE}`);
}

/** Multi-node probe command: `python3 …/multi-node-health-check.py <kind> --leader-address=… --<port flag>=…`. */
export function multiNodeHealthCheck(ws: BuildWorkspace, kind: "liveness" | "readiness"): string[] {
  const portFlag: [string, string] =
    kind === "liveness" ? ["ray-port", String(RAY_PORT)] : ["vllm-port", String(INFERENCE_PORT)];
  return shellCommand(
    commandLine(`${VLLM_MULTI_NODE_HEALTH_CHECK} ${kind}`, [["leader-address", rayLeaderAddress(ws)], portFlag]),
  );
}
