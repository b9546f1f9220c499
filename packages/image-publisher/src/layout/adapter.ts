import { readFileSync, statSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { bytesBlob, fileBlob } from "../blobs/source.ts";
import type { OciRegistryClient, PushImageResult } from "../client.ts";
import { sha256Digest } from "../digest.ts";
import { OciRegistryError } from "../errors.ts";
import {
  ANNOTATION_KAITO_MODEL_NAME,
  ANNOTATION_ORAS_DIGEST,
  ANNOTATION_ORAS_UNPACK,
  ANNOTATION_TITLE,
  DOCKER_CONFIG,
  OCI_CONFIG,
} from "../media-types.ts";
import { formatReference, type ImageReference } from "../reference/reference.ts";
import { type PackedTarGz, packTarGz } from "../tar/pack.ts";
import { fileEntry } from "../tar/writer.ts";
import { extractLayerFile, isGzipLayer, resolveImageManifest, tempDir } from "./common.ts";
import { OCI_LAYER_TAR_GZIP } from "../media-types.ts";

/** The two files of a Kaito adapter, in the order they are archived under `data/`. */
export const ADAPTER_FILES = ["adapter_config.json", "adapter_model.safetensors"] as const;
/** The folder inside the image that holds the adapter files. */
export const ADAPTER_DATA_DIR = "data";

/** Options of {@link buildAdapterImage} and {@link pushAdapterImage}. */
export interface AdapterImageOptions {
  /** Base model name for the `sh.kaito.model.name` annotation; default: the annotation given, else
   * `base_model_name_or_path` from adapter_config.json, else `unknown`. */
  readonly modelName?: string;
  /** More manifest annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Where to write the temporary layer (default: the OS temp folder). */
  readonly workDir?: string;
}

/** A built adapter image, ready to push: config bytes, the layer file, annotations. */
export interface BuiltAdapterImage {
  /** Image config JSON, serialised once. */
  readonly config: Buffer;
  /** The gzipped tar layer on disk, with its digests. */
  readonly layer: PackedTarGz;
  /** Layer annotations (ORAS title and unpack annotations, so that `oras pull` restores `data/`). */
  readonly layerAnnotations: Readonly<Record<string, string>>;
  /** Manifest annotations (with `sh.kaito.model.name`). */
  readonly annotations: Readonly<Record<string, string>>;
  /** Removes the temporary layer file. */
  dispose(): Promise<void>;
}

/**
 * Checks that `dir` is a folder holding `adapter_config.json` (a JSON object) and `adapter_model.safetensors`;
 * throws `INVALID_INPUT` saying which is missing. Returns the parsed adapter config.
 */
export function validateAdapterFolder(dir: string): Record<string, unknown> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(dir);
  } catch {
    throw new OciRegistryError("INVALID_INPUT", `adapter folder ${dir} does not exist`);
  }
  if (!st.isDirectory())
    throw new OciRegistryError(
      "INVALID_INPUT",
      `${dir} is not a folder; --adapter needs the folder holding adapter_config.json and adapter_model.safetensors`,
    );
  for (const f of ADAPTER_FILES) {
    const p = join(dir, f);
    let fst: ReturnType<typeof statSync> | undefined;
    try {
      fst = statSync(p);
    } catch {
      fst = undefined;
    }
    if (fst === undefined || !fst.isFile()) {
      throw new OciRegistryError(
        "INVALID_INPUT",
        `${p} is missing: a Kaito adapter folder must hold ${ADAPTER_FILES.join(" and ")} (the tuning job writes them to its output folder)`,
      );
    }
  }
  const configPath = join(dir, "adapter_config.json");
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(configPath, "utf8"));
  } catch (e) {
    throw new OciRegistryError("INVALID_INPUT", `${configPath} is not valid JSON`, { cause: e });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new OciRegistryError("INVALID_INPUT", `${configPath} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** The image config of an adapter image: `rootfs.diff_ids` holds the digest of the uncompressed tar. */
export function adapterImageConfig(diffId: string): Buffer {
  return Buffer.from(
    JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [diffId] } }),
    "utf8",
  );
}

/**
 * Builds a Kaito adapter image from a folder: one gzipped tar layer holding `data/adapter_config.json` and
 * `data/adapter_model.safetensors` (reproducible: fixed times and owners), an OCI image config whose
 * `rootfs.diff_ids` is the digest of the uncompressed tar, and the `sh.kaito.model.name` annotation.
 */
export async function buildAdapterImage(dir: string, options: AdapterImageOptions = {}): Promise<BuiltAdapterImage> {
  const adapterConfig = validateAdapterFolder(dir);
  const tmp = await tempDir(options.workDir);
  try {
    const entries = [
      { path: ADAPTER_DATA_DIR, type: "directory" as const },
      ...(await Promise.all(ADAPTER_FILES.map((f) => fileEntry(`${ADAPTER_DATA_DIR}/${f}`, join(dir, f))))),
    ];
    const layer = await packTarGz(entries, join(tmp.path, "adapter.tar.gz"));
    const base = adapterConfig.base_model_name_or_path;
    const modelName =
      options.modelName ??
      options.annotations?.[ANNOTATION_KAITO_MODEL_NAME] ??
      (typeof base === "string" && base !== "" ? base : "unknown");
    return {
      config: adapterImageConfig(layer.diffId),
      layer,
      layerAnnotations: {
        [ANNOTATION_TITLE]: ADAPTER_DATA_DIR,
        [ANNOTATION_ORAS_UNPACK]: "true",
        [ANNOTATION_ORAS_DIGEST]: layer.diffId,
      },
      annotations: { ...options.annotations, [ANNOTATION_KAITO_MODEL_NAME]: modelName },
      dispose: tmp.dispose,
    };
  } catch (e) {
    await tmp.dispose();
    throw e;
  }
}

/**
 * Builds and pushes a Kaito adapter image (blobs first, then the manifest, under the reference's tag and
 * `extraTags`). Returns the push result with the manifest digest.
 */
export async function pushAdapterImage(
  client: OciRegistryClient,
  dir: string,
  reference: string | ImageReference,
  options: AdapterImageOptions & { extraTags?: readonly string[]; signal?: AbortSignal } = {},
): Promise<PushImageResult> {
  const built = await buildAdapterImage(dir, options);
  try {
    return await client.pushImage({
      reference,
      ...(options.extraTags !== undefined ? { extraTags: options.extraTags } : {}),
      config: {
        source: bytesBlob(built.config, { digest: sha256Digest(built.config), label: "config" }),
        mediaType: OCI_CONFIG,
      },
      layers: [
        {
          source: fileBlob(built.layer.path, { digest: built.layer.digest, label: "adapter layer" }),
          mediaType: OCI_LAYER_TAR_GZIP,
          annotations: built.layerAnnotations,
        },
      ],
      annotations: built.annotations,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
  } finally {
    await built.dispose();
  }
}

/** Result of {@link extractAdapterImage}. */
export interface ExtractedAdapter {
  /** Manifest digest pulled. */
  readonly digest: string;
  /** `sh.kaito.model.name`, when the image has it. */
  readonly modelName?: string;
  /** Files written under the target folder. */
  readonly files: readonly string[];
}

/**
 * Pulls an adapter image and extracts its `data/` folder into `target` (as Kaito's adapter puller does:
 * `target/adapter_config.json`, `target/adapter_model.safetensors`). Layers are verified by digest before
 * unpacking, unpacking is safe, and the files appear in `target` only when both adapter files were found.
 */
export async function extractAdapterImage(
  client: OciRegistryClient,
  reference: string | ImageReference,
  target: string,
  options: { workDir?: string; signal?: AbortSignal } = {},
): Promise<ExtractedAdapter> {
  const { ref, fetched, manifest } = await resolveImageManifest(client, reference, options.signal);
  await mkdir(dirname(resolve(target)), { recursive: true });
  const tmp = await tempDir(options.workDir ?? dirname(resolve(target)));
  try {
    const staging = join(tmp.path, "out");
    await mkdir(staging);
    // In an image (an image config, as Kaito's pusher writes) every tar layer is a filesystem layer, titled or not:
    // Kaito's pusher pushes its `layer.tar.gz` with `oras push`, which titles it. In an artifact, a titled layer
    // without the unpack annotation is a file that ORAS pushed as is under a tar media type: not an archive.
    const image = manifest.config.mediaType === OCI_CONFIG || manifest.config.mediaType === DOCKER_CONFIG;
    for (const [i, layer] of manifest.layers.entries()) {
      if (!layer.mediaType.includes("tar")) continue;
      const titled = layer.annotations?.[ANNOTATION_TITLE] !== undefined;
      if (!image && titled && layer.annotations?.[ANNOTATION_ORAS_UNPACK] !== "true") continue;
      const file = join(tmp.path, `layer-${i}`);
      await client.pullBlob(ref, layer.digest, file, {
        size: layer.size,
        label: `layer ${i + 1}`,
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      });
      await extractLayerFile(file, isGzipLayer(layer.mediaType), staging, { stripPrefix: ADAPTER_DATA_DIR });
      await rm(file, { force: true });
    }
    const found = await readdir(staging);
    const missing = ADAPTER_FILES.filter((f) => !found.includes(f));
    if (missing.length > 0) {
      throw new OciRegistryError(
        "INVALID_INPUT",
        `${formatReference(ref)} is not a Kaito adapter image: ${missing.map((m) => `data/${m}`).join(", ")} not found in its layers`,
      );
    }
    await mkdir(target, { recursive: true });
    for (const name of found) {
      await rm(join(target, name), { recursive: true, force: true });
      await rename(join(staging, name), join(target, name));
    }
    const modelName = manifest.annotations?.[ANNOTATION_KAITO_MODEL_NAME];
    return { digest: fetched.digest, ...(modelName !== undefined ? { modelName } : {}), files: found.sort() };
  } finally {
    await tmp.dispose();
  }
}
