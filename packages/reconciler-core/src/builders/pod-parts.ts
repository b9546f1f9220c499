/**
 * The pieces Kaito's pod specs share: volumes and their mounts, tolerations, node affinity, shell quoting
 * (kaito-compat §2.4, §6.1–§6.3, §6.6).
 *
 * @packageDocumentation
 */
import type {
  V1Affinity,
  V1NodeSelectorRequirement,
  V1Toleration,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import type { BuildOptions } from "./options.ts";

/** Well-known paths inside Kaito's pods. */
export const Paths = {
  SharedMemory: "/dev/shm",
  Config: "/mnt/config",
  Data: "/mnt/data",
  Adapters: "/mnt/adapter",
  Weights: "/workspace/weights",
  DockerConfig: "/root/.docker",
  DockerConfigDir: "/root/.docker/config.d",
  LocalWeightsPrefix: "/opt/kaito/models",
} as const;

/** Names of the volumes Kaito creates. */
export const VolumeName = {
  SharedMemory: "dshm",
  Config: "config-volume",
  Weights: "model-weights-volume",
  LocalWeights: "model-weights-hostpath",
  Adapters: "adapter-volume",
  Results: "results-volume",
  Data: "data-volume",
  PushSecret: "docker-config",
} as const;

/** A volume with the mount the container uses. */
export interface VolumeWithMount {
  readonly volume: V1Volume;
  readonly mount: V1VolumeMount;
}

/** `dshm`: a memory-backed emptyDir at `/dev/shm` (cross-process shared memory for the runtimes). */
export function sharedMemoryVolume(): VolumeWithMount {
  return {
    volume: { name: VolumeName.SharedMemory, emptyDir: { medium: "Memory" } },
    mount: { name: VolumeName.SharedMemory, mountPath: Paths.SharedMemory },
  };
}

/** `config-volume`: a ConfigMap at `/mnt/config`. */
export function configMapVolume(configMapName: string): VolumeWithMount {
  return {
    volume: { name: VolumeName.Config, configMap: { name: configMapName } },
    mount: { name: VolumeName.Config, mountPath: Paths.Config },
  };
}

/** `model-weights-volume` mounted at `/workspace/weights` (an emptyDir volume, or an NVMe claim template). */
export function weightsVolume(): VolumeWithMount {
  return {
    volume: { name: VolumeName.Weights, emptyDir: {} },
    mount: { name: VolumeName.Weights, mountPath: Paths.Weights },
  };
}

/** `adapter-volume`: the emptyDir image adapters are pulled into, at `/mnt/adapter`. */
export function adapterVolume(): VolumeWithMount {
  return {
    volume: { name: VolumeName.Adapters, emptyDir: {} },
    mount: { name: VolumeName.Adapters, mountPath: Paths.Adapters },
  };
}

/**
 * `docker-config-<suffix>`: the `.dockerconfigjson` of each pull secret projected as `<secret>.json` under
 * `/root/.docker/config.d/<suffix>` (the puller tries each in turn).
 */
export function pullSecretsVolume(suffix: string, secrets: readonly string[]): VolumeWithMount {
  const name = `docker-config-${suffix}`;
  return {
    volume: {
      name,
      projected: {
        sources: secrets.map((s) => ({
          secret: { name: s, items: [{ key: ".dockerconfigjson", path: `${s}.json` }] },
        })),
      },
    },
    mount: { name, mountPath: `${Paths.DockerConfigDir}/${suffix}` },
  };
}

/** `docker-config`: the push secret's `.dockerconfigjson` as `/root/.docker/config.json`. */
export function pushSecretVolume(secret: string): VolumeWithMount {
  return {
    volume: {
      name: VolumeName.PushSecret,
      projected: {
        sources: [{ secret: { name: secret, items: [{ key: ".dockerconfigjson", path: "config.json" }] } }],
      },
    },
    mount: { name: VolumeName.PushSecret, mountPath: Paths.DockerConfig },
  };
}

/** A user's VolumeSource (schemaless in the Workspace) under a volume name. */
export function userVolume(name: string, source: Record<string, unknown>): V1Volume {
  const { name: _ignored, ...rest } = structuredClone(source) as Omit<V1Volume, "name"> & { name?: unknown };
  return { name, ...rest };
}

const NO_SCHEDULE = "NoSchedule";
const AZURE_SPOT: V1Toleration = {
  key: "kubernetes.azure.com/scalesetpriority",
  operator: "Equal",
  value: "spot",
  effect: NO_SCHEDULE,
};

/** Inference tolerations: `nvidia.com/gpu` Exists, `sku=gpu`, and on Azure the spot taint. */
export function inferenceTolerations(options: BuildOptions): V1Toleration[] {
  const t: V1Toleration[] = [
    { key: "nvidia.com/gpu", operator: "Exists", effect: NO_SCHEDULE },
    { key: "sku", operator: "Equal", value: "gpu", effect: NO_SCHEDULE },
  ];
  if (options.cloud === "azure") t.push({ ...AZURE_SPOT });
  return t;
}

/** Tuning tolerations: key `gpu` (Equal, no value), `sku=gpu`, and on Azure the spot taint. */
export function tuningTolerations(options: BuildOptions): V1Toleration[] {
  const t: V1Toleration[] = [
    { key: "gpu", operator: "Equal", effect: NO_SCHEDULE },
    { key: "sku", value: "gpu", effect: NO_SCHEDULE },
  ];
  if (options.cloud === "azure") t.push({ ...AZURE_SPOT });
  return t;
}

/** Required node affinity with one term of `requirements`; `undefined` when there are none (an empty term is invalid). */
export function requiredNodeAffinity(requirements: readonly V1NodeSelectorRequirement[]): V1Affinity | undefined {
  if (requirements.length === 0) return undefined;
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: requirements.map((r) => ({ ...r, values: [...(r.values ?? [])] })) }],
      },
    },
  };
}

const SHELL_SAFE = /^[A-Za-z0-9_./:=,@%+-]+$/;

/** A word for `/bin/sh -c`: as is when it has no shell metacharacters, else single-quoted. */
export function shellWord(s: string): string {
  if (SHELL_SAFE.test(s)) return s;
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}

/** `base --key=value --flag …` (a `""` value is a bare flag), values quoted for the shell. */
export function commandLine(base: string, params: ReadonlyArray<readonly [string, string]>): string {
  let out = base;
  for (const [key, value] of params) out += value === "" ? ` --${key}` : ` --${key}=${shellWord(value)}`;
  return out;
}

/** `["/bin/sh", "-c", command]`. */
export function shellCommand(command: string): string[] {
  return ["/bin/sh", "-c", command];
}
