import { statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { bytesBlob, fileBlob } from "../blobs/source.ts";
import type { LayerInput, OciRegistryClient, PushImageResult } from "../client.ts";
import { OciRegistryError } from "../errors.ts";
import {
  ANNOTATION_ORAS_DIGEST,
  ANNOTATION_ORAS_UNPACK,
  ANNOTATION_TITLE,
  EMPTY_JSON_DIGEST,
  OCI_EMPTY,
  OCI_LAYER_TAR,
  OCI_LAYER_TAR_GZIP,
  ORAS_DEFAULT_ARTIFACT_TYPE,
} from "../media-types.ts";
import type { ImageReference } from "../reference/reference.ts";
import { packTarGz } from "../tar/pack.ts";
import { safeEntryPath } from "../tar/safe-path.ts";
import { directoryEntries } from "../tar/writer.ts";
import { extractLayerFile, isGzipLayer, resolveImageManifest, tempDir } from "./common.ts";

/** Options of {@link pushOrasArtifact}. */
export interface OrasPushOptions {
  /** The manifest's `artifactType` (default `application/vnd.unknown.artifact.v1`, as the ORAS CLI). */
  readonly artifactType?: string;
  /** Manifest annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Media type of file layers (default `application/vnd.oci.image.layer.v1.tar`, as the ORAS CLI). */
  readonly fileMediaType?: string;
  /** More tags. */
  readonly extraTags?: readonly string[];
  /** Where to write temporary folder archives (default: the OS temp folder). */
  readonly workDir?: string;
  /** Cancels the push. */
  readonly signal?: AbortSignal;
}

/**
 * Pushes files and folders as an ORAS-style artifact: each file is a layer titled with its name
 * (`org.opencontainers.image.title`); each folder is a tar+gzip layer with `io.deis.oras.content.unpack: "true"`
 * and `io.deis.oras.content.digest` (digest of the uncompressed tar); the config is the empty descriptor `{}` and
 * the manifest carries an `artifactType` — what `oras push` produces and `oras pull` reads.
 */
export async function pushOrasArtifact(
  client: OciRegistryClient,
  paths: readonly string[],
  reference: string | ImageReference,
  options: OrasPushOptions = {},
): Promise<PushImageResult> {
  if (paths.length === 0)
    throw new OciRegistryError("INVALID_INPUT", "nothing to push: give at least one file or folder");
  const titles = new Set<string>();
  const kinds: { path: string; title: string; dir: boolean }[] = [];
  for (const p of paths) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      throw new OciRegistryError("INVALID_INPUT", `${p} does not exist; check the path of the file or folder to push`);
    }
    if (!st.isFile() && !st.isDirectory())
      throw new OciRegistryError("INVALID_INPUT", `${p} is neither a file nor a folder`);
    const title = basename(resolve(p));
    if (titles.has(title))
      throw new OciRegistryError("INVALID_INPUT", `two inputs are named "${title}"; layer titles must be unique`);
    titles.add(title);
    kinds.push({ path: p, title, dir: st.isDirectory() });
  }
  const tmp = await tempDir(options.workDir);
  try {
    const layers: LayerInput[] = [];
    for (const k of kinds) {
      if (k.dir) {
        const packed = await packTarGz(
          await directoryEntries(k.path, k.title),
          join(tmp.path, `${layers.length}.tar.gz`),
        );
        layers.push({
          source: fileBlob(packed.path, { digest: packed.digest, label: k.title }),
          mediaType: OCI_LAYER_TAR_GZIP,
          annotations: {
            [ANNOTATION_TITLE]: k.title,
            [ANNOTATION_ORAS_UNPACK]: "true",
            [ANNOTATION_ORAS_DIGEST]: packed.diffId,
          },
        });
      } else {
        layers.push({
          source: fileBlob(k.path, { label: k.title }),
          mediaType: options.fileMediaType ?? OCI_LAYER_TAR,
          annotations: { [ANNOTATION_TITLE]: k.title },
        });
      }
    }
    return await client.pushImage({
      reference,
      ...(options.extraTags !== undefined ? { extraTags: options.extraTags } : {}),
      config: { source: bytesBlob("{}", { digest: EMPTY_JSON_DIGEST, label: "config" }), mediaType: OCI_EMPTY },
      layers,
      artifactType: options.artifactType ?? ORAS_DEFAULT_ARTIFACT_TYPE,
      ...(options.annotations !== undefined ? { annotations: options.annotations } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
  } finally {
    await tmp.dispose();
  }
}

/** Result of {@link pullOrasArtifact}. */
export interface PulledArtifact {
  /** Manifest digest. */
  readonly digest: string;
  /** The manifest's `artifactType`, if any. */
  readonly artifactType?: string;
  /** Paths written (relative to the target folder): titled files, and the files of unpacked folders. */
  readonly files: readonly string[];
}

/**
 * Pulls an artifact into `target` the way `oras pull` does: each titled layer becomes a file of that name, folder
 * layers (`io.deis.oras.content.unpack`) are unpacked safely and checked against `io.deis.oras.content.digest`.
 * Layers without a title (plain image layers) are unpacked as tar archives into `target`.
 */
export async function pullOrasArtifact(
  client: OciRegistryClient,
  reference: string | ImageReference,
  target: string,
  options: { workDir?: string; signal?: AbortSignal } = {},
): Promise<PulledArtifact> {
  const { ref, fetched, manifest } = await resolveImageManifest(client, reference, options.signal);
  await mkdir(target, { recursive: true });
  const tmp = await tempDir(options.workDir ?? dirname(resolve(target)));
  const files: string[] = [];
  const signalOpt = options.signal !== undefined ? { signal: options.signal } : {};
  try {
    for (const [i, layer] of manifest.layers.entries()) {
      const rawTitle = layer.annotations?.[ANNOTATION_TITLE];
      const unpack = layer.annotations?.[ANNOTATION_ORAS_UNPACK] === "true";
      if (rawTitle !== undefined && !unpack) {
        const title = safeEntryPath(rawTitle);
        if (title === "") throw new OciRegistryError("UNSAFE_ARCHIVE", `layer ${layer.digest} has an empty title`);
        const dest = join(target, title);
        await mkdir(dirname(dest), { recursive: true });
        await client.pullBlob(ref, layer.digest, dest, { size: layer.size, label: title, ...signalOpt });
        files.push(title);
        continue;
      }
      if (rawTitle !== undefined) safeEntryPath(rawTitle);
      if (!layer.mediaType.includes("tar")) continue;
      const file = join(tmp.path, `layer-${i}`);
      await client.pullBlob(ref, layer.digest, file, {
        size: layer.size,
        label: rawTitle ?? `layer ${i + 1}`,
        ...signalOpt,
      });
      const diffId = unpack ? layer.annotations?.[ANNOTATION_ORAS_DIGEST] : undefined;
      const gzip = isGzipLayer(layer.mediaType);
      files.push(...(await extractLayerFile(file, gzip, target, diffId !== undefined ? { diffId } : {})));
    }
    return {
      digest: fetched.digest,
      ...(manifest.artifactType !== undefined ? { artifactType: manifest.artifactType } : {}),
      files,
    };
  } finally {
    await tmp.dispose();
  }
}
