import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { createHash } from "node:crypto";
import { createGunzip } from "node:zlib";
import type { OciRegistryClient } from "../client.ts";
import { OciRegistryError } from "../errors.ts";
import { isImageIndex, type FetchedManifest, type ImageManifest } from "../manifests/manifests.ts";
import { formatReference, type ImageReference, parseReference } from "../reference/reference.ts";
import { type ExtractOptions, extractTar } from "../tar/reader.ts";

/** Creates a private temporary folder; `dispose` removes it. */
export async function tempDir(base?: string): Promise<{ path: string; dispose: () => Promise<void> }> {
  const path = await mkdtemp(join(base ?? tmpdir(), "kaito-publish-"));
  return { path, dispose: () => rm(path, { recursive: true, force: true }) };
}

/** Fetches the image manifest of a reference; an index is resolved to its linux/amd64 (or first) manifest. */
export async function resolveImageManifest(
  client: OciRegistryClient,
  reference: string | ImageReference,
  signal?: AbortSignal,
): Promise<{ ref: ImageReference; fetched: FetchedManifest; manifest: ImageManifest }> {
  const ref = typeof reference === "string" ? parseReference(reference) : reference;
  let fetched = await client.getManifest(ref, signal);
  if (isImageIndex(fetched.manifest)) {
    const entries = fetched.manifest.manifests;
    const pick = entries.find((m) => m.platform?.os === "linux" && m.platform?.architecture === "amd64") ?? entries[0];
    if (pick === undefined) {
      throw new OciRegistryError("MANIFEST_INVALID", `${formatReference(ref)} is an empty image index`);
    }
    fetched = await client.getManifest(
      { registry: ref.registry, repository: ref.repository, digest: pick.digest },
      signal,
    );
    if (isImageIndex(fetched.manifest)) {
      throw new OciRegistryError("UNSUPPORTED", `${formatReference(ref)}: nested image indexes are not supported`);
    }
  }
  return { ref, fetched, manifest: fetched.manifest as ImageManifest };
}

/** True for gzipped layer media types. */
export function isGzipLayer(mediaType: string): boolean {
  return mediaType.endsWith("gzip");
}

/**
 * Extracts a downloaded (already digest-verified) tar or tar+gzip file into `target`, safely. When `diffId` is
 * given, the uncompressed tar is hashed on the way and must match it.
 */
export async function extractLayerFile(
  file: string,
  gzip: boolean,
  target: string,
  options: ExtractOptions & { diffId?: string } = {},
): Promise<string[]> {
  const h = createHash("sha256");
  const hasher = new Transform({
    transform(chunk: Buffer, _e, cb) {
      h.update(chunk);
      cb(null, chunk);
    },
  });
  const raw = createReadStream(file, { highWaterMark: 64 * 1024 });
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  raw.on("error", (e) => hasher.destroy(e));
  stream.on("error", (e: Error) =>
    hasher.destroy(
      new OciRegistryError("INVALID_INPUT", `layer ${file} is not valid gzip: ${e.message}`, { cause: e }),
    ),
  );
  stream.pipe(hasher);
  const files = await extractTar(
    hasher,
    target,
    options.stripPrefix !== undefined ? { stripPrefix: options.stripPrefix } : {},
  );
  if (options.diffId?.startsWith("sha256:") && `sha256:${h.digest("hex")}` !== options.diffId) {
    throw new OciRegistryError("DIGEST_MISMATCH", `uncompressed layer digest differs from ${options.diffId}`);
  }
  return files;
}
