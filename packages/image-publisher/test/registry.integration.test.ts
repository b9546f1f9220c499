import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ANNOTATION_KAITO_MODEL_NAME,
  ANNOTATION_ORAS_DIGEST,
  ANNOTATION_ORAS_UNPACK,
  ANNOTATION_TITLE,
  type BlobProgressEvent,
  bytesBlob,
  EMPTY_JSON_DIGEST,
  extractAdapterImage,
  fileBlob,
  isOciRegistryError,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_LAYER_TAR,
  OCI_LAYER_TAR_GZIP,
  OCI_MANIFEST,
  OciRegistryClient,
  pullOrasArtifact,
  pushAdapterImage,
  pushOrasArtifact,
  sha256Digest,
} from "../src/index.ts";
import { listTar, tempFolder, writeAdapterFolder } from "./helpers/fixtures.ts";
import { type RegistryHandle, startRegistry } from "./helpers/registry.ts";

let registry: RegistryHandle;
let tmp: { path: string; dispose: () => Promise<void> };
let client: OciRegistryClient;
const events: BlobProgressEvent[] = [];

beforeAll(async () => {
  registry = await startRegistry();
  tmp = await tempFolder();
  client = new OciRegistryClient({ plainHttp: true, onProgress: (e) => events.push(e), retry: { baseDelayMs: 20 } });
});

afterAll(async () => {
  client?.close();
  await registry?.stop();
  await tmp?.dispose();
});

async function rawGet(path: string, accept?: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(`http://${registry.host}${path}`, accept ? { headers: { accept } } : {});
  return { status: res.status, type: res.headers.get("content-type"), body: Buffer.from(await res.arrayBuffer()) };
}

describe("Kaito adapter image", () => {
  it("pushes the exact adapter layout and extracts it back", async () => {
    const dir = join(tmp.path, "adapter");
    const { config, model } = await writeAdapterFolder(dir, { modelBytes: 100_000 });
    const ref = `${registry.host}/kaito/adapter:v1`;
    const result = await pushAdapterImage(client, dir, ref, {
      modelName: "phi-3-mini-4k-instruct",
      extraTags: ["latest"],
    });
    expect(result.digest).toMatch(/^sha256:[a-f0-9]{64}$/);

    const m = await rawGet(`/v2/kaito/adapter/manifests/v1`, OCI_MANIFEST);
    expect(m.status).toBe(200);
    expect(m.type).toBe(OCI_MANIFEST);
    expect(sha256Digest(m.body)).toBe(result.digest);
    const manifest = JSON.parse(m.body.toString());
    expect(manifest.mediaType).toBe(OCI_MANIFEST);
    expect(manifest.config.mediaType).toBe(OCI_CONFIG);
    expect(manifest.annotations[ANNOTATION_KAITO_MODEL_NAME]).toBe("phi-3-mini-4k-instruct");
    expect(manifest.layers).toHaveLength(1);
    const layer = manifest.layers[0];
    expect(layer.mediaType).toBe(OCI_LAYER_TAR_GZIP);
    expect(layer.annotations[ANNOTATION_TITLE]).toBe("data");

    const layerBytes = (await rawGet(`/v2/kaito/adapter/blobs/${layer.digest}`)).body;
    expect(sha256Digest(layerBytes)).toBe(layer.digest);
    expect(layerBytes.length).toBe(layer.size);
    const { gunzipSync } = await import("node:zlib");
    const tar = gunzipSync(layerBytes);
    const configBlob = JSON.parse((await rawGet(`/v2/kaito/adapter/blobs/${manifest.config.digest}`)).body.toString());
    expect(configBlob.rootfs.diff_ids).toEqual([sha256Digest(tar)]);
    expect(layer.annotations[ANNOTATION_ORAS_DIGEST]).toBe(sha256Digest(tar));
    expect(layer.annotations[ANNOTATION_ORAS_UNPACK]).toBe("true");
    const entries = listTar(tar);
    expect(entries.map((e) => e.name)).toEqual(["data/", "data/adapter_config.json", "data/adapter_model.safetensors"]);
    expect(entries[1]?.data.toString()).toBe(config);
    expect(Buffer.compare(entries[2]?.data ?? Buffer.alloc(0), model)).toBe(0);

    // Both tags point at the same manifest.
    const latest = await client.getManifest(`${registry.host}/kaito/adapter:latest`);
    expect(latest.digest).toBe(result.digest);

    const out = join(tmp.path, "extracted");
    const extracted = await extractAdapterImage(client, ref, out);
    expect(extracted.files).toEqual(["adapter_config.json", "adapter_model.safetensors"]);
    expect(extracted.modelName).toBe("phi-3-mini-4k-instruct");
    expect(await readFile(join(out, "adapter_config.json"), "utf8")).toBe(config);
    expect(Buffer.compare(await readFile(join(out, "adapter_model.safetensors")), model)).toBe(0);
  });

  it("is reproducible: the same folder gives the same digest, and the second push skips every blob", async () => {
    const dir = join(tmp.path, "adapter-repro");
    await writeAdapterFolder(dir);
    const a = await pushAdapterImage(client, dir, `${registry.host}/kaito/repro:a`);
    const b = await pushAdapterImage(client, dir, `${registry.host}/kaito/repro:b`);
    expect(b.digest).toBe(a.digest);
    expect(a.blobs.map((x) => x.outcome)).toEqual(["uploaded", "uploaded"]);
    expect(b.blobs.map((x) => x.outcome)).toEqual(["exists", "exists"]);
    expect(a.manifest.annotations?.[ANNOTATION_KAITO_MODEL_NAME]).toBe("phi-3-mini-4k-instruct");
  });

  it("refuses a folder without adapter_config.json, and extracting a non-adapter image", async () => {
    const dir = join(tmp.path, "no-config");
    await writeAdapterFolder(dir, { withConfig: false });
    await expect(pushAdapterImage(client, dir, `${registry.host}/kaito/bad:v1`)).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: expect.stringContaining("adapter_config.json is missing"),
    });
    await expect(client.getManifest(`${registry.host}/kaito/bad:v1`)).rejects.toMatchObject({
      code: expect.stringMatching(/^(NAME|MANIFEST)_UNKNOWN$/),
    });

    const f = join(tmp.path, "plain.txt");
    await writeFile(f, "hello");
    await pushOrasArtifact(client, [f], `${registry.host}/kaito/not-adapter:v1`);
    await expect(
      extractAdapterImage(client, `${registry.host}/kaito/not-adapter:v1`, join(tmp.path, "never")),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("not a Kaito adapter image") });
  });
});

describe("ORAS artifacts", () => {
  it("pushes files and a folder the ORAS way and pulls them back", async () => {
    const src = join(tmp.path, "oras-src");
    await mkdir(join(src, "folder", "sub"), { recursive: true });
    await writeFile(join(src, "a.txt"), "file a");
    await writeFile(join(src, "folder", "b.json"), '{"b":1}');
    await writeFile(join(src, "folder", "sub", "c.bin"), randomBytes(3000));
    const ref = `${registry.host}/oras/artifact:v1`;
    const r = await pushOrasArtifact(client, [join(src, "a.txt"), join(src, "folder")], ref, {
      artifactType: "application/vnd.kaito.test.v1",
      annotations: { "org.opencontainers.image.description": "test" },
    });
    const m = JSON.parse((await rawGet(`/v2/oras/artifact/manifests/v1`, OCI_MANIFEST)).body.toString());
    expect(m.artifactType).toBe("application/vnd.kaito.test.v1");
    expect(m.config).toEqual({ mediaType: OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 });
    expect(m.layers[0].mediaType).toBe(OCI_LAYER_TAR);
    expect(m.layers[0].annotations).toEqual({ [ANNOTATION_TITLE]: "a.txt" });
    expect(m.layers[1].mediaType).toBe(OCI_LAYER_TAR_GZIP);
    expect(m.layers[1].annotations[ANNOTATION_TITLE]).toBe("folder");
    expect(m.layers[1].annotations[ANNOTATION_ORAS_UNPACK]).toBe("true");
    expect(m.layers[1].annotations[ANNOTATION_ORAS_DIGEST]).toMatch(/^sha256:/);
    const folderTar = listTar((await rawGet(`/v2/oras/artifact/blobs/${m.layers[1].digest}`)).body);
    expect(folderTar.map((e) => e.name)).toEqual(["folder/", "folder/b.json", "folder/sub/", "folder/sub/c.bin"]);

    const out = join(tmp.path, "oras-out");
    const pulled = await pullOrasArtifact(client, ref, out);
    expect(pulled.digest).toBe(r.digest);
    expect(pulled.artifactType).toBe("application/vnd.kaito.test.v1");
    expect(await readFile(join(out, "a.txt"), "utf8")).toBe("file a");
    expect(await readFile(join(out, "folder", "b.json"), "utf8")).toBe('{"b":1}');
    expect(await readFile(join(out, "folder", "sub", "c.bin"))).toEqual(
      await readFile(join(src, "folder", "sub", "c.bin")),
    );
  });

  it("refuses missing inputs and duplicate names", async () => {
    await expect(
      pushOrasArtifact(client, [join(tmp.path, "nope")], `${registry.host}/oras/x:v1`),
    ).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: expect.stringContaining("does not exist"),
    });
    await mkdir(join(tmp.path, "d1"), { recursive: true });
    await mkdir(join(tmp.path, "d2", "d1"), { recursive: true });
    await expect(
      pushOrasArtifact(client, [join(tmp.path, "d1"), join(tmp.path, "d2", "d1")], `${registry.host}/oras/x:v1`),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
});

describe("hostile artifacts", () => {
  async function pushRaw(
    repo: string,
    layers: { content: Buffer; mediaType: string; annotations: Record<string, string> }[],
  ) {
    const descriptors = [];
    for (const l of layers) {
      const b = await client.pushBlob(`${registry.host}/${repo}`, bytesBlob(l.content));
      descriptors.push({ mediaType: l.mediaType, digest: b.digest, size: b.size, annotations: l.annotations });
    }
    await client.pushBlob(`${registry.host}/${repo}`, bytesBlob("{}"));
    await client.pushManifest(`${registry.host}/${repo}:v1`, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: "application/x.test",
      config: { mediaType: OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 },
      layers: descriptors,
    });
  }

  it("refuses a file layer titled with a path that leaves the target folder", async () => {
    await pushRaw("hostile/title", [
      { content: Buffer.from("evil"), mediaType: OCI_LAYER_TAR, annotations: { [ANNOTATION_TITLE]: "../escaped.txt" } },
    ]);
    const out = join(tmp.path, "hostile-title", "out");
    await expect(pullOrasArtifact(client, `${registry.host}/hostile/title:v1`, out)).rejects.toMatchObject({
      code: "UNSAFE_ARCHIVE",
    });
    await expect(stat(join(tmp.path, "hostile-title", "escaped.txt"))).rejects.toThrow();
  });

  it("refuses a folder layer whose tar escapes the target folder", async () => {
    const { encodeHeader } = await import("../src/tar/header.ts");
    const { gzipSync } = await import("node:zlib");
    const data = Buffer.from("evil");
    const tar = Buffer.concat([
      encodeHeader({ path: "dir/../../escaped.txt", typeflag: "0", size: data.length, mode: 0o644, mtime: 0 }),
      data,
      Buffer.alloc(512 - data.length),
      Buffer.alloc(1024),
    ]);
    await pushRaw("hostile/tar", [
      {
        content: gzipSync(tar),
        mediaType: OCI_LAYER_TAR_GZIP,
        annotations: { [ANNOTATION_TITLE]: "dir", [ANNOTATION_ORAS_UNPACK]: "true" },
      },
    ]);
    const out = join(tmp.path, "hostile-tar", "out");
    await expect(pullOrasArtifact(client, `${registry.host}/hostile/tar:v1`, out)).rejects.toMatchObject({
      code: "UNSAFE_ARCHIVE",
    });
    await expect(stat(join(tmp.path, "hostile-tar", "escaped.txt"))).rejects.toThrow();
  });
});

describe("blobs and manifests", () => {
  it("deduplicates with HEAD, mounts across repositories, and reports progress", async () => {
    const data = randomBytes(10_000);
    const first = await client.pushBlob(`${registry.host}/blobs/one`, bytesBlob(data, { label: "data" }));
    expect(first.outcome).toBe("uploaded");
    const again = await client.pushBlob(`${registry.host}/blobs/one`, bytesBlob(data, { label: "data" }));
    expect(again.outcome).toBe("exists");
    const mounted = await client.pushBlob(`${registry.host}/blobs/two`, bytesBlob(data), { mountFrom: "blobs/one" });
    expect(mounted.outcome).toBe("mounted");
    expect(await client.blobExists(`${registry.host}/blobs/two`, first.digest)).toBe(true);
    // a mount from a repository without the blob falls back to an upload
    const other = randomBytes(500);
    const fallback = await client.pushBlob(`${registry.host}/blobs/three`, bytesBlob(other), {
      mountFrom: "blobs/one",
    });
    expect(fallback.outcome).toBe("uploaded");
    const phases = events.filter((e) => e.label === "data").map((e) => e.phase);
    expect(phases).toContain("start");
    expect(phases).toContain("done");
    expect(phases).toContain("exists");
  });

  it("uploads in chunks with the digest computed on the worker meanwhile, and pulls to disk verified", async () => {
    const file = join(tmp.path, "big.bin");
    const data = randomBytes(3 * 1024 * 1024 + 123);
    await writeFile(file, data);
    const chunked = new OciRegistryClient({
      plainHttp: true,
      chunkSize: 1024 * 1024,
      monolithicThreshold: 1024 * 1024,
    });
    try {
      const seen: BlobProgressEvent[] = [];
      const r = await chunked.pushBlob(`${registry.host}/blobs/big`, fileBlob(file), {
        onProgress: (e) => seen.push(e),
      });
      expect(r.digest).toBe(sha256Digest(data));
      expect(r.outcome).toBe("uploaded");
      expect(seen.at(-1)).toMatchObject({ phase: "done", bytesDone: data.length, digest: r.digest });
      const out = join(tmp.path, "big.out");
      await chunked.pullBlob(`${registry.host}/blobs/big`, r.digest, out, { size: data.length });
      expect(
        createHash("sha256")
          .update(await readFile(out))
          .digest("hex"),
      ).toBe(r.digest.slice(7));
      // a wrong expected size is caught
      await expect(
        chunked.pullBlob(`${registry.host}/blobs/big`, r.digest, join(tmp.path, "big2.out"), { size: 10 }),
      ).rejects.toMatchObject({ code: "SIZE_INVALID" });
      await expect(stat(join(tmp.path, "big2.out"))).rejects.toThrow();
    } finally {
      chunked.close();
    }
  });

  it("deduplicates a large blob whose digest is not given: the upload stops once the worker has the digest", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const big = new OciRegistryClient({ plainHttp: true, chunkSize: 1024 * 1024, monolithicThreshold: 1024 * 1024 });
    try {
      const first = await big.pushBlob(`${registry.host}/blobs/large-dedup`, bytesBlob(data));
      expect(first).toMatchObject({ outcome: "uploaded", digest: sha256Digest(data) });
      // The same bytes again, without a digest: the first stream (the digest's) is fast, the upload's trickles.
      let opened = 0;
      let uploaded = 0;
      const source = {
        size: data.length,
        label: "trickle",
        open(start: number, end = data.length) {
          if (opened++ === 0) return Readable.from([data.subarray(start, end)]);
          return Readable.from(
            (async function* () {
              for (let at = start; at < end; at += 64 * 1024) {
                await new Promise((r) => setTimeout(r, 20));
                const piece = data.subarray(at, Math.min(end, at + 64 * 1024));
                uploaded += piece.length;
                yield piece;
              }
            })(),
          );
        },
      };
      const phases: string[] = [];
      const again = await big.pushBlob(`${registry.host}/blobs/large-dedup`, source, {
        onProgress: (e) => phases.push(e.phase),
      });
      expect(again).toMatchObject({ outcome: "exists", digest: first.digest, size: data.length });
      expect(uploaded).toBeLessThan(data.length);
      expect(phases.at(-1)).toBe("exists");
      expect(await big.blobExists(`${registry.host}/blobs/large-dedup`, first.digest)).toBe(true);
    } finally {
      big.close();
    }
  });

  it("pushes a manifest under several tags and by digest, pulls an index, and maps unknown names", async () => {
    const layer = await client.pushBlob(`${registry.host}/m/app`, bytesBlob("layer"));
    const cfg = await client.pushBlob(`${registry.host}/m/app`, bytesBlob("{}"));
    const manifest = {
      schemaVersion: 2 as const,
      mediaType: OCI_MANIFEST,
      artifactType: "application/vnd.kaito.test.v1",
      config: { mediaType: OCI_EMPTY, digest: cfg.digest, size: cfg.size },
      layers: [
        {
          mediaType: OCI_LAYER_TAR,
          digest: layer.digest,
          size: layer.size,
          annotations: { [ANNOTATION_TITLE]: "layer.txt" },
        },
      ],
    };
    const digest = await client.pushManifest(`${registry.host}/m/app:one`, manifest, { extraTags: ["two", "three"] });
    for (const t of ["one", "two", "three"])
      expect((await client.getManifest(`${registry.host}/m/app:${t}`)).digest).toBe(digest);
    const byDigest = await client.getManifest(`${registry.host}/m/app@${digest}`);
    expect(byDigest.manifest).toEqual(manifest);
    const index = {
      schemaVersion: 2 as const,
      mediaType: OCI_INDEX,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest,
          size: byDigest.bytes.length,
          platform: { os: "linux", architecture: "amd64" },
        },
      ],
    };
    const indexDigest = await client.pushManifest(`${registry.host}/m/app:index`, index);
    const gotIndex = await client.getManifest(`${registry.host}/m/app:index`);
    expect(gotIndex.digest).toBe(indexDigest);
    expect(gotIndex.mediaType).toBe(OCI_INDEX);
    // pulling through the index resolves the image
    const out = join(tmp.path, "via-index");
    const pulled = await pullOrasArtifact(client, `${registry.host}/m/app:index`, out);
    expect(pulled.digest).toBe(digest);
    expect(await readFile(join(out, "layer.txt"), "utf8")).toBe("layer");

    await expect(client.getManifest(`${registry.host}/m/app:missing`)).rejects.toMatchObject({
      code: "MANIFEST_UNKNOWN",
    });
    // distribution 2.8.2 answers MANIFEST_UNKNOWN for an unknown repository too
    await expect(client.getManifest(`${registry.host}/m/nothing-here:v1`)).rejects.toMatchObject({
      code: expect.stringMatching(/^(NAME|MANIFEST)_UNKNOWN$/),
    });
    await expect(
      client.pullBlob(`${registry.host}/m/app`, sha256Digest("nope"), join(tmp.path, "x")),
    ).rejects.toMatchObject({
      code: "BLOB_UNKNOWN",
    });
  });

  it("rejects a manifest pointing at a missing blob with MANIFEST_BLOB_UNKNOWN", async () => {
    const manifest = {
      schemaVersion: 2 as const,
      mediaType: OCI_MANIFEST,
      artifactType: "application/x.test",
      config: { mediaType: OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 },
      layers: [],
    };
    const err = await client.pushManifest(`${registry.host}/m/orphan:v1`, manifest).catch((e: unknown) => e);
    expect(isOciRegistryError(err)).toBe(true);
    expect(err).toMatchObject({ code: "MANIFEST_BLOB_UNKNOWN", status: 400 });
  });

  it("never pushes the manifest when a blob fails (nothing half-published)", async () => {
    const broken = {
      size: 100,
      digest: undefined,
      label: "broken",
      open: () => {
        throw new Error("disk gone");
      },
    };
    await expect(
      client.pushImage({
        reference: `${registry.host}/m/half:v1`,
        config: { source: bytesBlob("{}"), mediaType: OCI_EMPTY },
        layers: [
          { source: bytesBlob("ok"), mediaType: OCI_LAYER_TAR },
          { source: broken, mediaType: OCI_LAYER_TAR },
        ],
        artifactType: "application/x.test",
      }),
    ).rejects.toThrow();
    await expect(client.getManifest(`${registry.host}/m/half:v1`)).rejects.toMatchObject({
      code: expect.stringMatching(/^(NAME|MANIFEST)_UNKNOWN$/),
    });
  });

  it("reports a file that vanished before its upload as INVALID_INPUT", async () => {
    const file = join(tmp.path, "vanishing.bin");
    await writeFile(file, randomBytes(2048));
    const source = fileBlob(file, { digest: sha256Digest("not the content") });
    const { rm } = await import("node:fs/promises");
    await rm(file);
    await expect(client.pushBlob(`${registry.host}/m/vanish`, source)).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: expect.stringContaining("cannot read the content to upload"),
    });
  });

  it("rejects a manifest push whose digest differs from the reference's digest", async () => {
    await expect(
      client.pushManifest(`${registry.host}/m/app@${sha256Digest("x")}`, {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 },
        layers: [],
      }),
    ).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
  });
});
