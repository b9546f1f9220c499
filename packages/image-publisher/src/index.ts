/**
 * `@kaito-ts/image-publisher`: an OCI distribution client (push, pull, auth, streaming, resumable chunked uploads,
 * retries), the Kaito adapter-image layout, ORAS-compatible artifacts. The `kaito-publish` CLI is the package's bin.
 * @packageDocumentation
 */
export { type AuthChallenge, parseWwwAuthenticate, repositoryScope } from "./auth/challenge.ts";
export {
  type CredentialProvider,
  chainCredentials,
  type RegistryCredentials,
  staticCredentials,
} from "./auth/credentials.ts";
export {
  type DockerAuthEntry,
  type DockerConfig,
  dockerConfigCredentials,
  parseDockerConfig,
  parseDockerConfigSecret,
  readDockerConfigFile,
} from "./auth/docker-config.ts";
export type { PullBlobOptions } from "./blobs/pull.ts";
export type { BlobPushOutcome, BlobTarget, PushBlobOptions, PushedBlob } from "./blobs/push.ts";
export { type BlobSource, bytesBlob, fileBlob } from "./blobs/source.ts";
export {
  type LayerInput,
  type OciClientOptions,
  OciRegistryClient,
  type PushImageInput,
  type PushImageResult,
} from "./client.ts";
export { type Digest, isDigest, sha256Digest } from "./digest.ts";
export {
  isOciRegistryError,
  type OciErrorCode,
  OciRegistryError,
  type OciRegistryErrorOptions,
  REGISTRY_ERROR_CODES,
  type RegistryErrorCode,
  type RegistryErrorDetail,
} from "./errors.ts";
export {
  ADAPTER_DATA_DIR,
  ADAPTER_FILES,
  type AdapterImageOptions,
  adapterImageConfig,
  type BuiltAdapterImage,
  buildAdapterImage,
  type ExtractedAdapter,
  extractAdapterImage,
  pushAdapterImage,
  validateAdapterFolder,
} from "./layout/adapter.ts";
export { type OrasPushOptions, type PulledArtifact, pullOrasArtifact, pushOrasArtifact } from "./layout/oras.ts";
export {
  type Descriptor,
  type FetchedManifest,
  type ImageIndex,
  type ImageManifest,
  isImageIndex,
  serializeManifest,
} from "./manifests/manifests.ts";
export {
  ANNOTATION_KAITO_MODEL_NAME,
  ANNOTATION_ORAS_DIGEST,
  ANNOTATION_ORAS_UNPACK,
  ANNOTATION_TITLE,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  EMPTY_JSON_DIGEST,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_LAYER_TAR,
  OCI_LAYER_TAR_GZIP,
  OCI_MANIFEST,
  ORAS_DEFAULT_ARTIFACT_TYPE,
} from "./media-types.ts";
export type { BlobPhase, BlobProgressEvent, ProgressListener } from "./progress/events.ts";
export {
  DOCKER_HUB,
  formatReference,
  type ImageReference,
  isLoopbackRegistry,
  parseReference,
} from "./reference/reference.ts";
export { extractTar, type ExtractOptions, readTar, type TarReadEntry } from "./tar/reader.ts";
export { directoryEntries, fileEntry, type TarWriteEntry, writeTar } from "./tar/writer.ts";
export type { RetryOptions } from "./transport/retry.ts";
export type { SessionOptions } from "./transport/session.ts";
