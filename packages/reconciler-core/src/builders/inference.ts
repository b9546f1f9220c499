/**
 * The inference StatefulSet `<ws>` (kaito-compat §2.4, §6.6, §7): the full pod spec of a preset Workspace, or the
 * user's pod template with Kaito's label, affinity and tolerations.
 *
 * @packageDocumentation
 */
import type {
  V1Container,
  V1EnvVar,
  V1LocalObjectReference,
  V1PersistentVolumeClaim,
  V1PodSpec,
  V1PodTemplateSpec,
  V1ResourceRequirements,
  V1StatefulSet,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import { diskStorageRequirement, type Preset } from "@kaito-ts/preset-catalog";
import { KaitoLabel, KaitoWrittenAnnotation, WorkspaceAnnotation } from "@kaito-ts/workspace-types";
import { ReconcilerError } from "../errors.ts";
import {
  DEEP_GEMM_ARCHITECTURES,
  INFERENCE_PORT,
  isMultiNodeVllm,
  KV_EVENTS_PORT,
  localWeightsPath,
  transformersCommand,
  vllmCommand,
} from "./commands.ts";
import { type BuildContext, LOCAL_NVME_STORAGE_CLASS } from "./context.ts";
import { type GpuConfig, NVIDIA_GPU_RESOURCE, resolveGpuConfig } from "./gpu.ts";
import { pullerContainer } from "./helper-containers.ts";
import type { BuildOptions } from "./options.ts";
import {
  adapterVolume,
  configMapVolume,
  inferenceTolerations,
  Paths,
  pullSecretsVolume,
  requiredNodeAffinity,
  sharedMemoryVolume,
  userVolume,
  VolumeName,
  weightsVolume,
} from "./pod-parts.ts";
import { requireWorkspacePreset } from "./preset.ts";
import { benchmarkStartupProbe, multiNodeProbes, readinessTimeoutSeconds, singleNodeProbes } from "./probes.ts";
import {
  type BuildWorkspace,
  ownerReferenceFor,
  provisionerRequirements,
  selectorRequirements,
  workspaceKey,
  workspaceRuntime,
  workspaceSelectorLabels,
} from "./workspace.ts";

/** The StatefulSet pod label with the pod's ordinal (Kubernetes ≥ 1.28). */
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

/**
 * The inference StatefulSet: from the preset (full pod spec), or from `inference.template`.
 * @throws ReconcilerError `UNKNOWN_PRESET`, `UNKNOWN_INSTANCE_TYPE`, `UNSUPPORTED_RUNTIME`, `INVALID_WORKSPACE`.
 */
export function buildInferenceStatefulSet(ws: BuildWorkspace, ctx: BuildContext, options: BuildOptions): V1StatefulSet {
  if (ws.inference?.template !== undefined) return buildTemplateStatefulSet(ws, ctx, options);
  if (ws.inference?.preset === undefined) {
    throw new ReconcilerError(
      "INVALID_WORKSPACE",
      `Workspace ${workspaceKey(ws)} has neither inference.preset nor inference.template; set one of them`,
    );
  }
  return buildPresetStatefulSet(ws, ctx, options);
}

function checkRuntime(ws: BuildWorkspace, preset: Preset, runtime: string): void {
  const where = `Workspace ${workspaceKey(ws)}`;
  if (runtime === "transformers" && preset.runtimeParams.transformers === undefined) {
    throw new ReconcilerError(
      "UNSUPPORTED_RUNTIME",
      `${where}: preset ${preset.name} cannot run on the transformers runtime; remove the annotation ` +
        `${WorkspaceAnnotation.Runtime}: transformers to serve it with vLLM`,
    );
  }
  const adapters = ws.inference?.adapters ?? [];
  if (runtime === "vllm" && adapters.length > 0) {
    if (!preset.loraInVllm) {
      throw new ReconcilerError(
        "UNSUPPORTED_RUNTIME",
        `${where}: vLLM cannot load LoRA adapters for ${preset.name}; remove inference.adapters or use the ` +
          `transformers runtime (${WorkspaceAnnotation.Runtime}: transformers)`,
      );
    }
    const i = adapters.findIndex((a) => a.strength !== undefined);
    if (i >= 0) {
      throw new ReconcilerError(
        "UNSUPPORTED_RUNTIME",
        `${where}: vLLM does not support adapter strength (inference.adapters[${i}].strength); remove it or use ` +
          `the transformers runtime (${WorkspaceAnnotation.Runtime}: transformers)`,
      );
    }
  }
}

interface AdapterParts {
  readonly initContainers: V1Container[];
  readonly volumes: V1Volume[];
  readonly mounts: V1VolumeMount[];
  readonly env: V1EnvVar[];
  readonly pullSecrets: V1LocalObjectReference[];
}

/** Adapters (§6.6): image adapters pulled into `/mnt/adapter/<name>`, volume adapters mounted there directly. */
function adapterParts(ws: BuildWorkspace, options: BuildOptions): AdapterParts {
  const parts: AdapterParts = { initContainers: [], volumes: [], mounts: [], env: [], pullSecrets: [] };
  const adapters = ws.inference?.adapters ?? [];
  if (adapters.length === 0) return parts;
  const images = adapters.filter((a) => a.source?.volumeSource === undefined);
  const volumes = adapters.filter((a) => a.source?.volumeSource !== undefined);
  adapters.forEach((a, i) => {
    if (a.source?.name === undefined || a.source.name === "") {
      throw new ReconcilerError(
        "INVALID_WORKSPACE",
        `Workspace ${workspaceKey(ws)}: inference.adapters[${i}].source.name is empty; name every adapter`,
      );
    }
    if (a.source.volumeSource === undefined && (a.source.image === undefined || a.source.image === "")) {
      throw new ReconcilerError(
        "INVALID_WORKSPACE",
        `Workspace ${workspaceKey(ws)}: inference.adapters[${i}] (${a.source.name}) has neither source.image nor ` +
          "source.volumeSource; give the adapter image or a volume holding it",
      );
    }
  });
  if (images.length > 0) {
    const shared = adapterVolume();
    parts.volumes.push(shared.volume);
    parts.mounts.push(shared.mount);
    for (const a of images) {
      const source = a.source as NonNullable<typeof a.source> & { name: string; image: string };
      const mounts = [shared.mount];
      const secrets = source.imagePullSecrets ?? [];
      if (secrets.length > 0) {
        const secretVolume = pullSecretsVolume(`${source.name}-inference-adapter`, secrets);
        parts.volumes.push(secretVolume.volume);
        mounts.push(secretVolume.mount);
      }
      parts.initContainers.push(
        pullerContainer(
          `puller-${source.name}`,
          source.image,
          `${Paths.Adapters}/${source.name}`,
          "contents",
          options,
          mounts,
        ),
      );
      if (a.strength !== undefined) parts.env.push({ name: source.name, value: a.strength });
    }
  }
  for (const a of volumes) {
    const source = a.source as NonNullable<typeof a.source> & { name: string; volumeSource: Record<string, unknown> };
    const name = `adapter-volume-${source.name}`;
    parts.volumes.push(userVolume(name, source.volumeSource));
    parts.mounts.push({ name, mountPath: `${Paths.Adapters}/${source.name}` });
    if (a.strength !== undefined) parts.env.push({ name: source.name, value: a.strength });
  }
  for (const a of adapters) {
    for (const s of a.source?.imagePullSecrets ?? []) parts.pullSecrets.push({ name: s });
  }
  return parts;
}

function gpuResources(gpu: GpuConfig): V1ResourceRequirements {
  const n = String(gpu.gpuCount);
  return { requests: { [gpu.resourceName]: n }, limits: { [gpu.resourceName]: n } };
}

function statefulSetShell(
  ws: BuildWorkspace,
  ctx: BuildContext,
  template: V1PodTemplateSpec,
  extra: Partial<NonNullable<V1StatefulSet["spec"]>>,
  annotate: boolean,
): V1StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: {
      name: ws.metadata.name,
      namespace: ws.metadata.namespace,
      ...(annotate ? { annotations: { [KaitoWrittenAnnotation.WorkspaceRevision]: String(ctx.revision) } } : {}),
      ownerReferences: [ownerReferenceFor(ws)],
    },
    spec: {
      replicas: ctx.targetNodeCount,
      ...extra,
      selector: { matchLabels: workspaceSelectorLabels(ws) },
      template,
    },
  };
}

function buildPresetStatefulSet(ws: BuildWorkspace, ctx: BuildContext, options: BuildOptions): V1StatefulSet {
  const preset = requireWorkspacePreset(ws, "inference.preset.name");
  const runtime = workspaceRuntime(ws, options);
  checkRuntime(ws, preset, runtime);
  const gpu = resolveGpuConfig(ws, options, ctx.byoGpu);
  const nodes = ctx.targetNodeCount;
  const vllm = runtime === "vllm";
  const multiNode = vllm && isMultiNodeVllm(preset, nodes);
  const config = ws.inference?.config;
  const hasConfig = config !== undefined && config !== "";
  const local = localWeightsPath(ws);
  const nvme = local === undefined && gpu.nvme && ctx.nvmeStorageClass === true;

  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  if (hasConfig) {
    const c = configMapVolume(config);
    volumes.push(c.volume);
    mounts.push(c.mount);
  }
  if (local === undefined) {
    mounts.push(weightsVolume().mount);
  } else {
    volumes.push({ name: VolumeName.LocalWeights, hostPath: { path: local } });
    mounts.push({ name: VolumeName.LocalWeights, mountPath: local });
  }
  const shm = sharedMemoryVolume();
  volumes.push(shm.volume);
  mounts.push(shm.mount);

  const env: V1EnvVar[] = [];
  if (vllm) {
    const deepGemm = DEEP_GEMM_ARCHITECTURES.includes(preset.architecture?.class ?? "");
    env.push({ name: "VLLM_USE_FLASHINFER_SAMPLER", value: "0" });
    env.push({ name: "VLLM_USE_DEEP_GEMM", value: deepGemm ? "1" : "0" });
  }
  const secret = ws.inference?.preset?.presetOptions?.modelAccessSecret;
  if (secret !== undefined && secret !== "") {
    env.push({ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: secret, key: "HF_TOKEN", optional: true } } });
  }
  const adapters = adapterParts(ws, options);
  volumes.push(...adapters.volumes);
  mounts.push(...adapters.mounts);
  env.push(...adapters.env);
  if (multiNode) {
    env.push({ name: "POD_INDEX", valueFrom: { fieldRef: { fieldPath: `metadata.labels['${POD_INDEX_LABEL}']` } } });
  }
  if (local === undefined && !nvme) volumes.push(weightsVolume().volume);

  const timeout = readinessTimeoutSeconds(preset);
  const probes = multiNode ? multiNodeProbes(ws, timeout) : singleNodeProbes(timeout);
  const benchmark = vllm && ws.metadata.annotations?.[WorkspaceAnnotation.DisableBenchmark] !== "true";
  const command = vllm
    ? vllmCommand(ws, { preset, gpu, nodes, hasConfig, adapters: (ws.inference?.adapters ?? []).length > 0 })
    : transformersCommand(ws, preset);
  const ports: NonNullable<V1Container["ports"]> = [{ name: "http", containerPort: INFERENCE_PORT }];
  if (vllm) ports.push({ name: "kv-events", containerPort: KV_EVENTS_PORT });

  const main: V1Container = {
    name: ws.metadata.name,
    image: `${options.presetRegistryName}/${options.baseImageName}:${options.baseImageTag}`,
    command,
    resources: gpuResources(gpu),
    ports,
    startupProbe: benchmark ? benchmarkStartupProbe(timeout, multiNode) : probes.startupProbe,
    livenessProbe: probes.livenessProbe,
    readinessProbe: probes.readinessProbe,
    volumeMounts: mounts,
    env,
  };
  const affinity = requiredNodeAffinity([...selectorRequirements(ws), ...provisionerRequirements(ws, options)]);
  const spec: V1PodSpec = {
    ...(affinity !== undefined ? { affinity } : {}),
    ...(adapters.pullSecrets.length > 0 ? { imagePullSecrets: adapters.pullSecrets } : {}),
    ...(adapters.initContainers.length > 0 ? { initContainers: adapters.initContainers } : {}),
    containers: [main],
    tolerations:
      gpu.resourceName === NVIDIA_GPU_RESOURCE
        ? inferenceTolerations(options)
        : [...inferenceTolerations(options), { key: gpu.resourceName, operator: "Exists", effect: "NoSchedule" }],
    volumes,
  };
  const labels = workspaceSelectorLabels(ws);
  const claims: V1PersistentVolumeClaim[] = nvme
    ? [
        {
          metadata: { name: VolumeName.Weights, labels: { [KaitoLabel.Workspace]: ws.metadata.name } },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: LOCAL_NVME_STORAGE_CLASS,
            resources: { requests: { storage: diskStorageRequirement(preset) } },
          },
        },
      ]
    : [];
  return statefulSetShell(
    ws,
    ctx,
    { metadata: { labels }, spec },
    {
      podManagementPolicy: "Parallel",
      persistentVolumeClaimRetentionPolicy: { whenScaled: "Retain", whenDeleted: "Delete" },
      serviceName: `${ws.metadata.name}-headless`,
      ...(claims.length > 0 ? { volumeClaimTemplates: claims } : {}),
    },
    true,
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A template Workspace (§2.4): the user's pod template with `kaito.sh/workspace` forced, the node affinity overwritten
 * from the label selector (+ the provisioner's terms) and Kaito's tolerations appended.
 */
function buildTemplateStatefulSet(ws: BuildWorkspace, ctx: BuildContext, options: BuildOptions): V1StatefulSet {
  const raw: unknown = structuredClone(ws.inference?.template);
  if (
    !isRecord(raw) ||
    !isRecord(raw.spec) ||
    !Array.isArray(raw.spec.containers) ||
    raw.spec.containers.length === 0
  ) {
    throw new ReconcilerError(
      "INVALID_WORKSPACE",
      `Workspace ${workspaceKey(ws)}: inference.template must be a pod template with spec.containers ` +
        "(at least one container)",
    );
  }
  const given = raw as unknown as V1PodTemplateSpec & { spec: V1PodSpec };
  const metadata = given.metadata ?? {};
  metadata.labels = { ...metadata.labels, ...workspaceSelectorLabels(ws) };
  const { metadata: _old, spec: givenSpec, ...rest } = given;
  const template: V1PodTemplateSpec & { spec: V1PodSpec } = { metadata, spec: givenSpec, ...rest };
  const affinity = requiredNodeAffinity([...selectorRequirements(ws), ...provisionerRequirements(ws, options)]);
  if (affinity === undefined) delete template.spec.affinity;
  else template.spec.affinity = affinity;
  template.spec.tolerations = [...(template.spec.tolerations ?? []), ...inferenceTolerations(options)];
  return statefulSetShell(ws, ctx, template, {}, false);
}
