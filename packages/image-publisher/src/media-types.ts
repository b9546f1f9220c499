/** Media types and annotation keys used by OCI images, Docker images and ORAS artifacts. */

/** OCI image manifest. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** OCI image index. */
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** OCI image config. */
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
/** OCI gzipped tar layer. */
export const OCI_LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
/** OCI uncompressed tar layer (ORAS uses it for single files). */
export const OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
/** The empty descriptor's media type (image-spec "Guidance for an Empty Descriptor"). */
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";
/** Docker schema 2 manifest. */
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** Docker manifest list. */
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
/** Docker image config. */
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
/** Docker gzipped layer. */
export const DOCKER_LAYER_TAR_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/** The `artifactType` the ORAS CLI uses when none is given. */
export const ORAS_DEFAULT_ARTIFACT_TYPE = "application/vnd.unknown.artifact.v1";

/** Annotation restoring a layer's file or folder name on pull (`oras pull`). */
export const ANNOTATION_TITLE = "org.opencontainers.image.title";
/** ORAS: the layer is a tar+gzip of a folder to unpack on pull. */
export const ANNOTATION_ORAS_UNPACK = "io.deis.oras.content.unpack";
/** ORAS: digest of the uncompressed tar of a folder layer. */
export const ANNOTATION_ORAS_DIGEST = "io.deis.oras.content.digest";
/** Kaito: the base model of an adapter image. */
export const ANNOTATION_KAITO_MODEL_NAME = "sh.kaito.model.name";

/** The empty JSON object `{}` used as config of artifacts. */
export const EMPTY_JSON_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

/** Manifest media types this client sends in `Accept` when pulling. */
export const MANIFEST_ACCEPT: readonly string[] = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST];
