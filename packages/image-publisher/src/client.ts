import { fetchBlobBytes, type PullBlobOptions, pullBlobToFile } from "./blobs/pull.ts";
import { headBlob, type PushBlobOptions, type PushedBlob, pushBlob } from "./blobs/push.ts";
import type { BlobSource } from "./blobs/source.ts";
import { OciRegistryError } from "./errors.ts";
import {
  type Descriptor,
  type FetchedManifest,
  fetchManifest,
  type ImageIndex,
  type ImageManifest,
  pushManifestBytes,
  serializeManifest,
} from "./manifests/manifests.ts";
import { OCI_MANIFEST } from "./media-types.ts";
import type { ProgressListener } from "./progress/events.ts";
import { formatReference, type ImageReference, parseReference } from "./reference/reference.ts";
import { RegistrySession, type SessionOptions } from "./transport/session.ts";

/** Options of {@link OciRegistryClient}. */
export interface OciClientOptions extends SessionOptions {
  /** Blobs up to this size with a known digest are uploaded in one PUT (default 64 MiB). */
  readonly monolithicThreshold?: number;
  /** PATCH size of chunked uploads (default 256 MiB). */
  readonly chunkSize?: number;
  /** Progress events of every blob transfer. */
  readonly onProgress?: ProgressListener;
}

/** A blob to put in an image or artifact: its content and its descriptor fields. */
export interface LayerInput {
  /** The content. */
  readonly source: BlobSource;
  /** Media type of the descriptor. */
  readonly mediaType: string;
  /** Annotations of the descriptor. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What {@link OciRegistryClient.pushImage} pushes. */
export interface PushImageInput {
  /** Target reference; its tag (or digest) names the manifest. */
  readonly reference: string | ImageReference;
  /** More tags for the same manifest. */
  readonly extraTags?: readonly string[];
  /** The config blob. */
  readonly config: LayerInput;
  /** The layers, in order. */
  readonly layers: readonly LayerInput[];
  /** Manifest annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Manifest `artifactType` (required by the image spec when the config is the empty descriptor). */
  readonly artifactType?: string;
  /** Mount blobs from this repository of the same registry when possible. */
  readonly mountFrom?: string;
  /** Cancels the push. */
  readonly signal?: AbortSignal;
}

/** Result of {@link OciRegistryClient.pushImage}. */
export interface PushImageResult {
  /** The manifest digest. */
  readonly digest: string;
  /** The target as `registry/repository@digest`. */
  readonly pinned: string;
  /** The tags pushed. */
  readonly tags: readonly string[];
  /** The manifest as pushed. */
  readonly manifest: ImageManifest;
  /** What happened to each blob (config first). */
  readonly blobs: readonly PushedBlob[];
}

function toRef(ref: string | ImageReference): ImageReference {
  return typeof ref === "string" ? parseReference(ref) : ref;
}

/**
 * An OCI distribution client: blobs (dedup, mount, monolithic or chunked resumable uploads, verified streaming
 * downloads), manifests (exact bytes, checked digests, several tags), and whole images or artifacts pushed blobs
 * first so that a manifest never points at a missing blob.
 */
export class OciRegistryClient {
  /** The transport (auth, retries, connections); shared by all calls of this client. */
  readonly session: RegistrySession;
  private readonly options: OciClientOptions;

  /** Creates a client; call {@link close} when done to free keep-alive connections. */
  constructor(options: OciClientOptions = {}) {
    this.options = options;
    this.session = new RegistrySession(options);
  }

  /** Frees keep-alive connections. */
  close(): void {
    this.session.close();
  }

  private blobOptions(o: PushBlobOptions): PushBlobOptions {
    return {
      monolithicThreshold: this.options.monolithicThreshold,
      chunkSize: this.options.chunkSize,
      onProgress: this.options.onProgress,
      ...o,
    };
  }

  /** Pushes one blob into the repository of `reference` (its tag is ignored). */
  pushBlob(reference: string | ImageReference, source: BlobSource, options: PushBlobOptions = {}): Promise<PushedBlob> {
    return pushBlob(this.session, toRef(reference), source, this.blobOptions(options));
  }

  /** True when the blob is in the repository of `reference`. */
  async blobExists(reference: string | ImageReference, digest: string, signal?: AbortSignal): Promise<boolean> {
    return (await headBlob(this.session, toRef(reference), digest, signal)) !== undefined;
  }

  /** Streams a blob to a file, verifying its digest (the file appears only when verified). */
  pullBlob(
    reference: string | ImageReference,
    digest: string,
    path: string,
    options: PullBlobOptions = {},
  ): Promise<{ digest: string; size: number }> {
    return pullBlobToFile(this.session, toRef(reference), digest, path, {
      ...(this.options.onProgress !== undefined ? { onProgress: this.options.onProgress } : {}),
      ...options,
    });
  }

  /** Fetches a small blob (e.g. a config) into memory, verified; at most `limit` bytes. */
  fetchBlob(reference: string | ImageReference, digest: string, limit?: number, signal?: AbortSignal): Promise<Buffer> {
    return fetchBlobBytes(this.session, toRef(reference), digest, limit, signal);
  }

  /** Fetches the manifest (or index) named by the reference's digest or tag. */
  getManifest(reference: string | ImageReference, signal?: AbortSignal): Promise<FetchedManifest> {
    const ref = toRef(reference);
    return fetchManifest(this.session, ref, ref.digest ?? ref.tag ?? "latest", signal);
  }

  /**
   * Pushes a manifest or index (serialised once) under the reference's tag and `extraTags` (or its digest);
   * returns the digest, checked against the registry's answer.
   */
  async pushManifest(
    reference: string | ImageReference,
    manifest: ImageManifest | ImageIndex,
    options: { extraTags?: readonly string[]; signal?: AbortSignal } = {},
  ): Promise<string> {
    const ref = toRef(reference);
    const { bytes, digest } = serializeManifest(manifest);
    if (ref.digest !== undefined && ref.digest !== digest) {
      throw new OciRegistryError(
        "DIGEST_MISMATCH",
        `${formatReference(ref)}: the manifest hashes to ${digest}, not to the digest in the reference`,
      );
    }
    const tags = [...(ref.tag !== undefined ? [ref.tag] : []), ...(options.extraTags ?? [])];
    return pushManifestBytes(this.session, ref, bytes, manifest.mediaType, tags, options.signal);
  }

  /**
   * Pushes an image or artifact: every blob first (deduplicated, mounted or uploaded), then checks that every blob
   * is present with its size, then the manifest under each tag. On any failure no manifest is pushed.
   */
  async pushImage(input: PushImageInput): Promise<PushImageResult> {
    const ref = toRef(input.reference);
    const signal = input.signal;
    const pushOne = async (l: LayerInput): Promise<{ pushed: PushedBlob; descriptor: Descriptor }> => {
      const pushed = await this.pushBlob(ref, l.source, {
        ...(input.mountFrom !== undefined ? { mountFrom: input.mountFrom } : {}),
        ...(signal !== undefined ? { signal } : {}),
      });
      const descriptor: Descriptor = {
        mediaType: l.mediaType,
        digest: pushed.digest,
        size: pushed.size,
        ...(l.annotations !== undefined && Object.keys(l.annotations).length > 0 ? { annotations: l.annotations } : {}),
      };
      return { pushed, descriptor };
    };
    const layers: { pushed: PushedBlob; descriptor: Descriptor }[] = [];
    for (const l of input.layers) layers.push(await pushOne(l));
    const config = await pushOne(input.config);
    for (const { descriptor } of [config, ...layers]) {
      const size = await headBlob(this.session, ref, descriptor.digest, signal);
      if (size === undefined || (size >= 0 && size !== descriptor.size)) {
        throw new OciRegistryError(
          "BLOB_UNKNOWN",
          `${ref.registry}/${ref.repository}: blob ${descriptor.digest} is ${size === undefined ? "missing" : `${size} bytes, not ${descriptor.size}`} after upload; the manifest was not pushed`,
        );
      }
    }
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(input.artifactType !== undefined ? { artifactType: input.artifactType } : {}),
      config: config.descriptor,
      layers: layers.map((l) => l.descriptor),
      ...(input.annotations !== undefined && Object.keys(input.annotations).length > 0
        ? { annotations: input.annotations }
        : {}),
    };
    const digest = await this.pushManifest(ref, manifest, {
      ...(input.extraTags !== undefined ? { extraTags: input.extraTags } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
    const tags = [...(ref.tag !== undefined ? [ref.tag] : []), ...(input.extraTags ?? [])];
    return {
      digest,
      pinned: `${ref.registry}/${ref.repository}@${digest}`,
      tags,
      manifest,
      blobs: [config.pushed, ...layers.map((l) => l.pushed)],
    };
  }
}
