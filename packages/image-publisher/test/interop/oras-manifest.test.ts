/**
 * `oras manifest fetch` (and `--descriptor`, `fetch-config`, `blob fetch`) shows the media types and annotations the
 * README promises: the Kaito adapter image (kaito-compat §6.3/§6.6, typescript-stack §5.4: image config with
 * `rootfs.diff_ids`, one tar+gzip layer holding `data/…`, `sh.kaito.model.name`, ORAS title/unpack annotations, no
 * `artifactType`) and ORAS artifacts (empty config, `artifactType`, titled file layers, folder layers with the unpack
 * annotations) — the latter in the very shape `oras push` gives the same inputs.
 * One docker-registry (distribution 2.8.2, no auth) for the file.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ANNOTATION_KAITO_MODEL_NAME,
  ANNOTATION_ORAS_DIGEST,
  ANNOTATION_ORAS_UNPACK,
  ANNOTATION_TITLE,
  type Descriptor,
  EMPTY_JSON_DIGEST,
  type ImageManifest,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_LAYER_TAR,
  OCI_LAYER_TAR_GZIP,
  OCI_MANIFEST,
  OciRegistryClient,
  pushAdapterImage,
  pushOrasArtifact,
  serializeManifest,
  sha256Digest,
} from "../../src/index.ts";
import { listTar, tempFolder, writeAdapterFolder } from "../helpers/fixtures.ts";
import { type RegistryHandle, startRegistry } from "../helpers/registry.ts";
import { kaitoPublish, oras, writeArtifactFixture } from "./helpers.ts";

let registry: RegistryHandle;
let tmp: { path: string; dispose: () => Promise<void> };
let dockerConfigDir: string;
let client: OciRegistryClient;

beforeAll(async () => {
  tmp = await tempFolder("kaito-ip-oras-manifest-");
  dockerConfigDir = join(tmp.path, "docker-config");
  await mkdir(dockerConfigDir);
  registry = await startRegistry();
  client = new OciRegistryClient({ plainHttp: true });
});

afterAll(async () => {
  client?.close();
  await registry?.stop();
  await tmp?.dispose();
});

/** `oras <args> --plain-http`; its stdout as bytes, or the test fails with oras's output. */
async function orasBytes(args: readonly string[]): Promise<Buffer> {
  const r = await oras([...args, "--plain-http"], { dockerConfigDir });
  expect(r.code, `oras ${args.join(" ")}\n${r.stderr}`).toBe(0);
  return r.stdoutBytes;
}

/** `oras manifest fetch <ref>` parsed, with the raw bytes. */
async function orasManifest(ref: string): Promise<{ bytes: string; manifest: ImageManifest }> {
  const bytes = (await orasBytes(["manifest", "fetch", ref])).toString("utf8");
  return { bytes, manifest: JSON.parse(bytes) as ImageManifest };
}

/** `oras blob fetch --output - <repo>@<digest>`: the blob's bytes, checked against the digest. */
async function orasBlob(repo: string, digest: string): Promise<Buffer> {
  const bytes = await orasBytes(["blob", "fetch", "--output", "-", `${repo}@${digest}`]);
  expect(sha256Digest(bytes)).toBe(digest);
  return bytes;
}

describe("a Kaito adapter image, as oras sees it", () => {
  it("has the promised manifest, config, layer, annotations and tar content", async () => {
    const results = join(tmp.path, "results");
    const { config, model } = await writeAdapterFolder(results, { modelBytes: 100_000 });
    const repo = `${registry.host}/interop/adapter`;
    const pushed = await pushAdapterImage(client, results, `${repo}:v1`, {
      modelName: "phi-3-mini-4k-instruct",
      annotations: { "org.opencontainers.image.source": "kaito-ts" },
    });

    const { bytes, manifest } = await orasManifest(`${repo}:v1`);
    // The very bytes we pushed: oras reads the manifest we serialised, not a re-encoding.
    expect(bytes).toBe(serializeManifest(pushed.manifest).bytes.toString("utf8"));
    expect(sha256Digest(Buffer.from(bytes))).toBe(pushed.digest);
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.mediaType).toBe(OCI_MANIFEST);
    // Image-shaped, like Kaito's pusher: no artifactType, so kubelet/containerd pull it as an image.
    expect(manifest.artifactType).toBeUndefined();
    expect(manifest.annotations).toEqual({
      "org.opencontainers.image.source": "kaito-ts",
      [ANNOTATION_KAITO_MODEL_NAME]: "phi-3-mini-4k-instruct",
    });
    expect(manifest.config.mediaType).toBe(OCI_CONFIG);
    expect(manifest.layers).toHaveLength(1);
    const layer = manifest.layers[0] as Descriptor;
    expect(layer.mediaType).toBe(OCI_LAYER_TAR_GZIP);

    const gz = await orasBlob(repo, layer.digest);
    const tar = gunzipSync(gz);
    const diffId = sha256Digest(tar);
    expect(layer.annotations).toEqual({
      [ANNOTATION_TITLE]: "data",
      [ANNOTATION_ORAS_UNPACK]: "true",
      [ANNOTATION_ORAS_DIGEST]: diffId,
    });
    const entries = listTar(tar);
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ["data/", "5"],
      ["data/adapter_config.json", "0"],
      ["data/adapter_model.safetensors", "0"],
    ]);
    expect(entries[1]?.data.toString()).toBe(config);
    expect(Buffer.compare(entries[2]?.data ?? Buffer.alloc(0), model)).toBe(0);
    // Reproducible: no timestamp in the gzip header.
    expect(gz.readUInt32LE(4)).toBe(0);

    const imageConfig = JSON.parse((await orasBytes(["manifest", "fetch-config", `${repo}:v1`])).toString()) as {
      rootfs: { type: string; diff_ids: string[] };
    };
    expect(imageConfig.rootfs).toEqual({ type: "layers", diff_ids: [diffId] });

    const descriptor = JSON.parse(
      (await orasBytes(["manifest", "fetch", "--descriptor", `${repo}:v1`])).toString(),
    ) as Descriptor;
    expect(descriptor).toEqual({ mediaType: OCI_MANIFEST, digest: pushed.digest, size: Buffer.byteLength(bytes) });
  });

  it("carries the kaito-publish CLI's --annotation and the model name from base_model_name_or_path", async () => {
    const results = join(tmp.path, "cli-results");
    await writeAdapterFolder(results, { base: "mistral-7b" });
    const ref = `${registry.host}/interop/cli-adapter:v1`;
    const r = await kaitoPublish(
      ["push", results, ref, "--adapter", "--annotation", "sh.kaito.run=3", "--plain-http"],
      { dockerConfigDir },
    );
    expect(r.code, r.stderr).toBe(0);
    const { manifest } = await orasManifest(ref);
    // The model name defaults to the adapter's base_model_name_or_path.
    expect(manifest.annotations).toEqual({ "sh.kaito.run": "3", [ANNOTATION_KAITO_MODEL_NAME]: "mistral-7b" });
    expect(manifest.config.mediaType).toBe(OCI_CONFIG);
    expect(manifest.layers.map((l) => l.annotations?.[ANNOTATION_TITLE])).toEqual(["data"]);
  });
});

describe("an ORAS artifact, as oras sees it", () => {
  it("has an empty config, the artifactType, titled file layers and an unpackable folder layer — oras push's shape", async () => {
    const src = join(tmp.path, "artifact-src");
    const { files, folder } = await writeArtifactFixture(src);
    const artifactType = "application/vnd.kaito.eval.v1+json";
    const ours = `${registry.host}/interop/artifact:ours`;
    const theirs = `${registry.host}/interop/artifact:theirs`;
    const pushed = await pushOrasArtifact(client, [...files.map((f) => join(src, f)), join(src, folder)], ours, {
      artifactType,
      annotations: { "org.opencontainers.image.description": "eval run 7" },
    });
    const r = await oras(
      ["push", "--plain-http", "--no-tty", "--artifact-type", artifactType, theirs, ...files, folder],
      { cwd: src, dockerConfigDir },
    );
    expect(r.code, r.stderr).toBe(0);

    const { bytes, manifest } = await orasManifest(ours);
    expect(sha256Digest(Buffer.from(bytes))).toBe(pushed.digest);
    expect(manifest.mediaType).toBe(OCI_MANIFEST);
    expect(manifest.artifactType).toBe(artifactType);
    expect(manifest.annotations).toEqual({ "org.opencontainers.image.description": "eval run 7" });
    expect(manifest.config).toMatchObject({ mediaType: OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 });
    expect(manifest.layers.map((l) => [l.mediaType, l.annotations?.[ANNOTATION_TITLE]])).toEqual([
      [OCI_LAYER_TAR, "notes.txt"],
      [OCI_LAYER_TAR, "weights.bin"],
      [OCI_LAYER_TAR_GZIP, "eval"],
    ]);
    const folderLayer = manifest.layers[2] as Descriptor;
    expect(folderLayer.annotations).toEqual({
      [ANNOTATION_TITLE]: "eval",
      [ANNOTATION_ORAS_UNPACK]: "true",
      [ANNOTATION_ORAS_DIGEST]: sha256Digest(
        gunzipSync(await orasBlob(`${registry.host}/interop/artifact`, folderLayer.digest)),
      ),
    });

    // The same shape as oras push of the same inputs: media types, config, annotation keys; file layers are the
    // same bytes, so the same digests (the folder's tar differs: other mtimes, owners and writer).
    const reference = (await orasManifest(theirs)).manifest;
    const shape = (m: ImageManifest) => ({
      mediaType: m.mediaType,
      artifactType: m.artifactType,
      config: { mediaType: m.config.mediaType, digest: m.config.digest, size: m.config.size },
      layers: m.layers.map((l) => ({
        mediaType: l.mediaType,
        title: l.annotations?.[ANNOTATION_TITLE],
        annotationKeys: Object.keys(l.annotations ?? {}).sort(),
        ...(l.mediaType === OCI_LAYER_TAR ? { digest: l.digest, size: l.size } : {}),
      })),
    });
    expect(shape(manifest)).toEqual(shape(reference));

    const descriptor = JSON.parse(
      (await orasBytes(["manifest", "fetch", "--descriptor", ours])).toString(),
    ) as Descriptor;
    expect(descriptor).toEqual({
      mediaType: OCI_MANIFEST,
      digest: pushed.digest,
      size: Buffer.byteLength(bytes),
    });
  });
});
