/**
 * Options of the builders: what Kaito reads from its Helm values and environment (`PRESET_REGISTRY_NAME`,
 * `CLOUD_PROVIDER`, the node provisioner, feature gates), plus the images kaito-ts chooses (the `kaito-publish`
 * pusher). Defaults are Kaito's chart defaults (kaito-compat §2.1).
 *
 * @packageDocumentation
 */
import { runtimeDefaults } from "@kaito-ts/preset-catalog";
import type { Cloud, RuntimeName } from "@kaito-ts/workspace-types";

/** Kaito's chart default of `PRESET_REGISTRY_NAME`. */
export const DEFAULT_PRESET_REGISTRY = "mcr.microsoft.com/aks/kaito";

/**
 * The default tuning pusher image: `kaito-publish` built from `packages/image-publisher/Dockerfile` (its entrypoint is
 * the `kaito-publish` CLI). Override with {@link BuildOptions.pusherImage} when you publish it elsewhere.
 */
export const DEFAULT_PUSHER_IMAGE = "ghcr.io/kaito-ts/kaito-publish:0.1.0";

/** Images of the helper containers Kaito uses (kaito-compat §2.4, §6.1–§6.3). */
export interface HelperImages {
  /** `model-weights-downloader` init container (`oras pull`). */
  readonly oras: string;
  /** Image pullers (`puller` / `puller-<adapter>` init containers, skopeo). */
  readonly puller: string;
  /** `data-downloader` init container (curl). */
  readonly dataDownloader: string;
  /** The `pause` container of a tuning pod that pushes its output. */
  readonly pause: string;
}

/** Kaito's helper images (HEAD). */
export const DEFAULT_HELPER_IMAGES: HelperImages = Object.freeze({
  oras: "mcr.microsoft.com/oss/v2/oras-project/oras:v1.2.3",
  puller: "mcr.microsoft.com/aks/skopeo:1.14.4-6",
  dataDownloader: "curlimages/curl",
  pause: "registry.k8s.io/pause:latest",
});

/** How nodes are provisioned (Kaito's `nodeProvisioner` chart value; `byo` = NAP disabled). */
export type NodeProvisionerMode = "azure-gpu-provisioner" | "karpenter" | "byo";

/** The feature gates the builders read (Kaito chart `featureGates`). */
export interface FeatureGates {
  /** `vLLM` (default `true`): vLLM is the default runtime; when off every Workspace uses transformers. */
  readonly vLLM: boolean;
  /** `disableNodeAutoProvisioning` (default `false`): BYO nodes; GPU details come from node labels. */
  readonly disableNodeAutoProvisioning: boolean;
  /** `enableMIG` (default `false`): `resource.partition.mode: mig` requests `nvidia.com/mig-<profile>`. */
  readonly enableMIG: boolean;
}

/** Everything the builders need besides the Workspace and the catalog. */
export interface BuildOptions {
  /** Registry of Kaito's images (`<registry>/kaito-base:<tag>`, `<registry>/kaito-<preset>:<tag>`). */
  readonly presetRegistryName: string;
  /** `CLOUD_PROVIDER`: selects the SKU table and the Azure spot toleration. */
  readonly cloud: Cloud;
  /** The node provisioner; `karpenter`/`azure-gpu-provisioner` add the `kaito.sh/workspace*` node-affinity terms. */
  readonly nodeProvisioner: NodeProvisionerMode;
  /** Runtime when the Workspace has no `kaito.sh/runtime` annotation (Kaito: `vllm` while the `vLLM` gate is on). */
  readonly defaultRuntime: RuntimeName;
  readonly featureGates: FeatureGates;
  /** The tuning pusher image (`kaito-publish`). */
  readonly pusherImage: string;
  /** Tag of `kaito-base` (the catalog's `base` entry, `0.5.0`). */
  readonly baseImageTag: string;
  /** Name of the runtime image in the registry (`kaito-base`). */
  readonly baseImageName: string;
  /** Helper container images. */
  readonly images: HelperImages;
  /**
   * Registries the pusher talks plain HTTP to (`kaito-publish --plain-http`). Loopback registries (`localhost:5000`,
   * `127.0.0.1:…`) are always plain HTTP.
   */
  readonly insecureRegistries: readonly string[];
}

/** Options as a caller may give them: any subset, nested objects too. */
export type BuildOptionsInput = Partial<Omit<BuildOptions, "featureGates" | "images">> & {
  readonly featureGates?: Partial<FeatureGates>;
  readonly images?: Partial<HelperImages>;
};

/** Kaito's chart defaults. */
export const DEFAULT_BUILD_OPTIONS: BuildOptions = Object.freeze({
  presetRegistryName: DEFAULT_PRESET_REGISTRY,
  cloud: "azure",
  nodeProvisioner: "azure-gpu-provisioner",
  defaultRuntime: "vllm",
  featureGates: Object.freeze({ vLLM: true, disableNodeAutoProvisioning: false, enableMIG: false }),
  pusherImage: DEFAULT_PUSHER_IMAGE,
  baseImageTag: runtimeDefaults().base.tag,
  baseImageName: runtimeDefaults().base.imageName,
  images: DEFAULT_HELPER_IMAGES,
  insecureRegistries: Object.freeze([]) as readonly string[],
});

/**
 * Fill in defaults. `nodeProvisioner: "byo"` and `featureGates.disableNodeAutoProvisioning` imply each other (Kaito
 * picks the no-op provisioner when the gate is on).
 */
export function resolveBuildOptions(input: BuildOptionsInput = {}): BuildOptions {
  const gates: FeatureGates = { ...DEFAULT_BUILD_OPTIONS.featureGates, ...input.featureGates };
  const byo = input.nodeProvisioner === "byo" || gates.disableNodeAutoProvisioning;
  return {
    ...DEFAULT_BUILD_OPTIONS,
    ...input,
    nodeProvisioner: byo ? "byo" : (input.nodeProvisioner ?? DEFAULT_BUILD_OPTIONS.nodeProvisioner),
    featureGates: { ...gates, disableNodeAutoProvisioning: byo },
    images: { ...DEFAULT_HELPER_IMAGES, ...input.images },
  };
}

/** `<registry>/kaito-base:<tag>`. */
export function baseImage(options: BuildOptions): string {
  return `${options.presetRegistryName}/${options.baseImageName}:${options.baseImageTag}`;
}
