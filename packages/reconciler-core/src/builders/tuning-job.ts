/**
 * The tuning Job `<ws>` (kaito-compat §2.6, §6.1–§6.3): the trainer on `kaito-base`, its input (URL downloader, image
 * puller, or a volume), its output (a volume, or an image pushed by the `kaito-publish` sidecar), volumes, env,
 * tolerations and node affinity.
 *
 * @packageDocumentation
 */
import type { V1Container, V1EnvVar, V1Job, V1PodSpec, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { KaitoLabel, KaitoWrittenAnnotation } from "@kaito-ts/workspace-types";
import { ReconcilerError } from "../errors.ts";
import { INFERENCE_PORT, tuningCommand } from "./commands.ts";
import type { BuildContext } from "./context.ts";
import { resolveGpuConfig } from "./gpu.ts";
import {
  dataDownloaderContainer,
  pullerContainer,
  pusherContainer,
  weightsDownloaderContainer,
} from "./helper-containers.ts";
import type { BuildOptions } from "./options.ts";
import {
  configMapVolume,
  Paths,
  pullSecretsVolume,
  pushSecretVolume,
  requiredNodeAffinity,
  sharedMemoryVolume,
  tuningTolerations,
  userVolume,
  VolumeName,
  type VolumeWithMount,
  weightsVolume,
} from "./pod-parts.ts";
import { requireWorkspacePreset } from "./preset.ts";
import { type TuningConfigResolution, tuningMethod } from "./tuning-config.ts";
import { type BuildWorkspace, ownerReferenceFor, selectorRequirements, workspaceKey } from "./workspace.ts";

/** `data-volume` at `/mnt/data`: the input volume, or an emptyDir filled by an init container. */
function dataVolume(source: Record<string, unknown> | undefined): VolumeWithMount {
  return {
    volume: source === undefined ? { name: VolumeName.Data, emptyDir: {} } : userVolume(VolumeName.Data, source),
    mount: { name: VolumeName.Data, mountPath: Paths.Data },
  };
}

/**
 * The tuning Job. `tuningConfig` is the result of `resolveTuningConfig` (the mounted ConfigMap and the output folder).
 * @throws ReconcilerError `UNKNOWN_PRESET`, `PRESET_NOT_TUNABLE`, `UNKNOWN_INSTANCE_TYPE`, `INVALID_WORKSPACE`.
 */
export function buildTuningJob(
  ws: BuildWorkspace,
  ctx: BuildContext,
  tuningConfig: TuningConfigResolution,
  options: BuildOptions,
): V1Job {
  const tuning = ws.tuning;
  if (tuning === undefined) {
    throw new ReconcilerError("INVALID_WORKSPACE", `Workspace ${workspaceKey(ws)} has no tuning section`);
  }
  const where = `Workspace ${workspaceKey(ws)}`;
  const preset = requireWorkspacePreset(ws, "tuning.preset.name");
  const method = tuningMethod(ws);
  if (!(preset.tuning?.methods ?? []).includes(method)) {
    throw new ReconcilerError(
      "PRESET_NOT_TUNABLE",
      `${where}: preset ${preset.name} cannot be tuned with ${method}` +
        `${preset.tuning ? ` (it supports ${preset.tuning.methods.join(", ")})` : " (it has no tuning support)"}; ` +
        "pick a tunable preset (kaito presets --tunable)",
    );
  }
  const input = tuning.input;
  const sources = [
    (input.urls ?? []).length > 0 ? "urls" : undefined,
    input.image !== undefined && input.image !== "" ? "image" : undefined,
    input.volumeSource !== undefined ? "volumeSource" : undefined,
  ].filter((s) => s !== undefined);
  if (sources.length !== 1) {
    throw new ReconcilerError(
      "INVALID_WORKSPACE",
      `${where}: tuning.input needs exactly one of urls, image, volumeSource (got ${sources.length === 0 ? "none" : sources.join(", ")})`,
    );
  }
  const output = tuning.output;
  const pushImage = output.volumeSource === undefined && output.image !== undefined && output.image !== "";
  if (output.volumeSource === undefined && !pushImage) {
    throw new ReconcilerError("INVALID_WORKSPACE", `${where}: tuning.output needs image or volumeSource`);
  }
  if (pushImage && (output.imagePushSecret === undefined || output.imagePushSecret === "")) {
    throw new ReconcilerError(
      "INVALID_WORKSPACE",
      `${where}: tuning.output.image needs tuning.output.imagePushSecret (a kubernetes.io/dockerconfigjson Secret)`,
    );
  }
  const gpu = resolveGpuConfig(ws, options, ctx.byoGpu);

  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  const initContainers: V1Container[] = [];
  const add = (v: VolumeWithMount): void => {
    volumes.push(v.volume);
    mounts.push(v.mount);
  };
  add(sharedMemoryVolume());
  const weights = weightsVolume();
  add(weights);
  if (!preset.downloadAtRuntime) {
    const image = `${options.presetRegistryName}/${preset.image.name}:${preset.image.tag}`;
    initContainers.push(weightsDownloaderContainer(image, options, weights.mount));
  }
  add(configMapVolume(tuningConfig.configMapName));
  const results: VolumeWithMount = {
    volume:
      output.volumeSource === undefined
        ? { name: VolumeName.Results, emptyDir: {} }
        : userVolume(VolumeName.Results, output.volumeSource),
    mount: { name: VolumeName.Results, mountPath: tuningConfig.outputDir },
  };
  add(results);

  const data = dataVolume(input.volumeSource);
  if (sources[0] === "image") {
    const inputMounts = [data.mount];
    const secrets = input.imagePullSecrets ?? [];
    if (secrets.length > 0) {
      const secretVolume = pullSecretsVolume(`${input.name ?? "input"}-tuning-input`, secrets);
      add(secretVolume);
      inputMounts.unshift(secretVolume.mount);
    }
    initContainers.push(pullerContainer("puller", input.image ?? "", Paths.Data, "folder", options, inputMounts));
  } else if (sources[0] === "urls") {
    initContainers.push(dataDownloaderContainer(input.urls ?? [], options, data.mount));
  }
  add(data);

  const env: V1EnvVar[] = [];
  const modules = preset.tuning?.targetModules;
  if (modules !== undefined && modules.length > 0)
    env.push({ name: "DEFAULT_TARGET_MODULES", value: modules.join(",") });
  env.push({ name: "PYTORCH_CUDA_ALLOC_CONF", value: "expandable_segments:True" });

  const n = String(gpu.gpuCount);
  const containers: V1Container[] = [
    {
      name: ws.metadata.name,
      image: `${options.presetRegistryName}/${options.baseImageName}:${options.baseImageTag}`,
      command: tuningCommand(gpu.gpuCount),
      resources: { requests: { [gpu.resourceName]: n }, limits: { [gpu.resourceName]: n } },
      ports: [{ containerPort: INFERENCE_PORT }],
      env,
      volumeMounts: mounts,
    },
  ];
  const spec: V1PodSpec = { containers, restartPolicy: "Never" };
  if (pushImage) {
    const secret = pushSecretVolume(output.imagePushSecret ?? "");
    volumes.push(secret.volume);
    spec.imagePullSecrets = [{ name: output.imagePushSecret ?? "" }];
    containers.push(
      pusherContainer(tuningConfig.outputDir, output.image ?? "", tuning.preset?.name ?? preset.name, options, [
        secret.mount,
        results.mount,
      ]),
      { name: "pause", image: options.images.pause, imagePullPolicy: "Always" },
    );
  }
  const affinity = requiredNodeAffinity(selectorRequirements(ws));
  const podSpec: V1PodSpec = {
    ...(affinity !== undefined ? { affinity } : {}),
    ...(spec.imagePullSecrets !== undefined ? { imagePullSecrets: spec.imagePullSecrets } : {}),
    ...(initContainers.length > 0 ? { initContainers } : {}),
    containers,
    restartPolicy: "Never",
    ...(containers.length > 1 ? { shareProcessNamespace: true } : {}),
    tolerations: tuningTolerations(options),
    volumes,
  };
  const labels = { [KaitoLabel.Workspace]: ws.metadata.name };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: ws.metadata.name,
      namespace: ws.metadata.namespace,
      labels,
      annotations: { [KaitoWrittenAnnotation.WorkspaceRevision]: String(ctx.revision) },
      ownerReferences: [ownerReferenceFor(ws)],
    },
    spec: { template: { metadata: { labels: { ...labels } }, spec: podSpec } },
  };
}
