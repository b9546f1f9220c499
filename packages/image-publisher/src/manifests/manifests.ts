import { repositoryScope } from "../auth/challenge.ts";
import { isDigest, sha256Digest } from "../digest.ts";
import { isOciRegistryError, OciRegistryError, redactUrl } from "../errors.ts";
import { MANIFEST_ACCEPT, OCI_INDEX, OCI_MANIFEST } from "../media-types.ts";
import type { BlobTarget } from "../blobs/push.ts";
import { drain, header, readBytes } from "../transport/http.ts";
import type { RegistrySession } from "../transport/session.ts";

/** An OCI content descriptor. */
export interface Descriptor {
  /** Media type of the content. */
  readonly mediaType: string;
  /** Digest of the content. */
  readonly digest: string;
  /** Size in bytes. */
  readonly size: number;
  /** Annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Type of an artifact (on index entries and referrers). */
  readonly artifactType?: string;
  /** Embedded content, base64 (the empty descriptor uses `e30=`). */
  readonly data?: string;
  /** Platform of an index entry. */
  readonly platform?: Readonly<Record<string, unknown>>;
}

/** An OCI image manifest (also the shape of Docker schema 2 manifests). */
export interface ImageManifest {
  /** Always 2. */
  readonly schemaVersion: 2;
  /** `application/vnd.oci.image.manifest.v1+json` (or the Docker type). */
  readonly mediaType: string;
  /** Type of an artifact whose config is the empty descriptor. */
  readonly artifactType?: string;
  /** The config blob. */
  readonly config: Descriptor;
  /** The layer blobs. */
  readonly layers: readonly Descriptor[];
  /** A manifest this one refers to. */
  readonly subject?: Descriptor;
  /** Annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An OCI image index (or Docker manifest list). */
export interface ImageIndex {
  /** Always 2. */
  readonly schemaVersion: 2;
  /** `application/vnd.oci.image.index.v1+json` (or the Docker type). */
  readonly mediaType: string;
  /** Type of an artifact. */
  readonly artifactType?: string;
  /** The manifests. */
  readonly manifests: readonly Descriptor[];
  /** Annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A manifest fetched from a registry: the exact bytes, their digest, and the parsed content. */
export interface FetchedManifest {
  /** Digest of `bytes`. */
  readonly digest: string;
  /** Media type (from the body, or the Content-Type). */
  readonly mediaType: string;
  /** The exact bytes served. */
  readonly bytes: Buffer;
  /** The parsed manifest or index. */
  readonly manifest: ImageManifest | ImageIndex;
}

/** Largest manifest accepted (4 MiB, the distribution spec's minimum that registries must handle). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Serialises a manifest once; push exactly these bytes so that the digest matches what the registry stores. */
export function serializeManifest(m: ImageManifest | ImageIndex): { bytes: Buffer; digest: string } {
  const bytes = Buffer.from(JSON.stringify(m), "utf8");
  return { bytes, digest: sha256Digest(bytes) };
}

/** True when the parsed manifest is an index (has `manifests`). */
export function isImageIndex(m: ImageManifest | ImageIndex): m is ImageIndex {
  return Array.isArray((m as ImageIndex).manifests);
}

/**
 * Pushes manifest bytes under each of `references` (tags, or the digest), with `Content-Type` equal to the
 * manifest's media type, and checks the `Docker-Content-Digest` the registry answers. Returns the digest.
 */
export async function pushManifestBytes(
  session: RegistrySession,
  target: BlobTarget,
  bytes: Uint8Array,
  mediaType: string,
  references: readonly string[],
  signal?: AbortSignal,
): Promise<string> {
  const digest = sha256Digest(bytes);
  const refs = references.length === 0 ? [digest] : references;
  for (const ref of refs) {
    const res = await session.send({
      registry: target.registry,
      method: "PUT",
      path: `/v2/${target.repository}/manifests/${ref}`,
      headers: { "content-type": mediaType },
      body: bytes,
      scopes: [repositoryScope(target.repository, ["pull", "push"])],
      expect: [201],
      signal,
    });
    await drain(res);
    const got = header(res, "docker-content-digest");
    if (got !== undefined && got !== digest) {
      throw new OciRegistryError(
        "DIGEST_MISMATCH",
        `the registry stored the manifest for ${target.repository}:${ref} as ${got}, but the bytes sent hash to ${digest}`,
        { status: res.status, url: redactUrl(res.url) },
      );
    }
  }
  return digest;
}

function invalidManifest(where: string, why: string): OciRegistryError {
  return new OciRegistryError("INVALID_RESPONSE", `manifest ${where}: ${why}`);
}

/** Parses and checks manifest bytes (JSON object, schemaVersion 2, layers/config or manifests). */
export function parseManifestBytes(bytes: Buffer, contentType: string | undefined, where: string): FetchedManifest {
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw invalidManifest(where, "the registry answered with something that is not JSON");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw invalidManifest(where, "is not a JSON object");
  }
  const m = data as Record<string, unknown>;
  const ct = contentType?.split(";")[0]?.trim();
  const bodyType = typeof m.mediaType === "string" ? m.mediaType : undefined;
  if (bodyType !== undefined && ct !== undefined && ct !== "" && ct !== bodyType && !ct.endsWith("/json")) {
    throw invalidManifest(where, `Content-Type ${ct} differs from the body's mediaType ${bodyType}`);
  }
  const mediaType = bodyType ?? ct ?? OCI_MANIFEST;
  if (m.schemaVersion !== 2) throw invalidManifest(where, "schemaVersion is not 2");
  if (Array.isArray(m.manifests)) {
    return {
      digest: sha256Digest(bytes),
      mediaType: bodyType ?? OCI_INDEX,
      bytes,
      manifest: m as unknown as ImageIndex,
    };
  }
  const config = m.config as Record<string, unknown> | undefined;
  if (typeof config !== "object" || config === null || typeof config.digest !== "string" || !Array.isArray(m.layers)) {
    throw invalidManifest(where, "has no config descriptor or layers");
  }
  for (const l of m.layers as unknown[]) {
    const d = l as Record<string, unknown>;
    if (
      typeof d !== "object" ||
      d === null ||
      typeof d.digest !== "string" ||
      !isDigest(d.digest) ||
      typeof d.size !== "number"
    ) {
      throw invalidManifest(where, "has a layer descriptor without a valid digest and size");
    }
  }
  return { digest: sha256Digest(bytes), mediaType, bytes, manifest: m as unknown as ImageManifest };
}

/**
 * Fetches a manifest by tag or digest with `Accept` for OCI and Docker types; verifies the digest (against the
 * reference when it is a digest, else against `Docker-Content-Digest`) and the media type.
 */
export async function fetchManifest(
  session: RegistrySession,
  target: BlobTarget,
  reference: string,
  signal?: AbortSignal,
): Promise<FetchedManifest> {
  const where = `${target.registry}/${target.repository}${isDigest(reference) ? "@" : ":"}${reference}`;
  let res: Awaited<ReturnType<RegistrySession["send"]>>;
  try {
    res = await session.send({
      registry: target.registry,
      method: "GET",
      path: `/v2/${target.repository}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT.join(", ") },
      scopes: [repositoryScope(target.repository, ["pull"])],
      expect: [200],
      notFoundCode: "MANIFEST_UNKNOWN",
      followRedirects: true,
      signal,
    });
  } catch (e) {
    // Name the reference as the user wrote it, not only the URL: "manifest <ref> not found: GET … returned 404 …".
    if (isOciRegistryError(e) && (e.code === "MANIFEST_UNKNOWN" || e.code === "NAME_UNKNOWN")) {
      throw new OciRegistryError(e.code, `manifest ${where} not found: ${e.message}`, {
        ...(e.status !== undefined ? { status: e.status } : {}),
        ...(e.url !== undefined ? { url: e.url } : {}),
        registryErrors: e.registryErrors,
        cause: e,
      });
    }
    throw e;
  }
  const bytes = await readBytes(res, MAX_MANIFEST_BYTES, true);
  const fetched = parseManifestBytes(bytes, header(res, "content-type"), where);
  const expected = isDigest(reference) ? reference : header(res, "docker-content-digest");
  if (expected?.startsWith("sha256:") && expected !== fetched.digest) {
    throw new OciRegistryError(
      "DIGEST_MISMATCH",
      `manifest ${where}: the bytes hash to ${fetched.digest}, the registry says ${expected}`,
    );
  }
  return fetched;
}
