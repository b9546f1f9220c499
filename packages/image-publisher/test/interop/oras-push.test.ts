/**
 * What the real `oras push` writes, our client reads: artifacts with an `artifactType`, annotations, files (one with
 * its own media type) and a folder (oras's tar+gzip, written by Go's archive/tar), and a Kaito adapter image made the
 * way Kaito's own pusher makes it (`tar` + `gzip -9`, `oras push --config … --oci-layout`, then `oras cp`).
 * One docker-registry (distribution 2.8.2, no auth) for the file.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ANNOTATION_KAITO_MODEL_NAME,
  ANNOTATION_TITLE,
  extractAdapterImage,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_LAYER_TAR_GZIP,
  OciRegistryClient,
  ORAS_DEFAULT_ARTIFACT_TYPE,
  pullOrasArtifact,
  sha256Digest,
} from "../../src/index.ts";
import { tempFolder, writeAdapterFolder } from "../helpers/fixtures.ts";
import { type RegistryHandle, startRegistry } from "../helpers/registry.ts";
import {
  fetchImageManifest,
  kaitoPublish,
  oras,
  readFolders,
  readTree,
  treeDifferences,
  writeArtifactFixture,
} from "./helpers.ts";

const exec = promisify(execFile);
let registry: RegistryHandle;
let tmp: { path: string; dispose: () => Promise<void> };
let dockerConfigDir: string;
let client: OciRegistryClient;

beforeAll(async () => {
  tmp = await tempFolder("kaito-ip-oras-push-");
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

/** Runs `oras <args>` in `cwd` (oras takes relative paths) and fails the test with its output unless it exits 0. */
async function orasOk(args: readonly string[], cwd?: string): Promise<string> {
  const r = await oras(args, { dockerConfigDir, ...(cwd !== undefined ? { cwd } : {}) });
  expect(r.code, `oras ${args.join(" ")}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

describe("our client pulls what oras pushes", () => {
  it("reads an artifact with artifactType, annotations, files and a folder", async () => {
    const src = join(tmp.path, "artifact-src");
    const { files, folder } = await writeArtifactFixture(src);
    await writeFile(join(src, "report.json"), JSON.stringify({ f1: 0.88 }));
    const ref = `${registry.host}/interop/oras-artifact:v1`;
    await orasOk(
      [
        "push",
        "--plain-http",
        "--no-tty",
        "--artifact-type",
        "application/vnd.kaito.eval.v1+json",
        "--annotation",
        "org.opencontainers.image.description=eval run 7",
        "--annotation",
        "sh.kaito.run=7",
        ref,
        ...files,
        "report.json:application/json",
        folder,
      ],
      src,
    );

    const out = join(tmp.path, "artifact-out");
    const pulled = await pullOrasArtifact(client, ref, out);
    expect(pulled.artifactType).toBe("application/vnd.kaito.eval.v1+json");
    expect(treeDifferences(await readTree(out), await readTree(src))).toEqual([]);
    expect(await readFolders(out)).toEqual(await readFolders(src));
    expect([...pulled.files].sort()).toEqual([...(await readTree(src)).keys()].sort());

    const { digest, manifest } = await fetchImageManifest(client, ref);
    expect(digest).toBe(pulled.digest);
    expect(manifest.annotations).toMatchObject({
      "org.opencontainers.image.description": "eval run 7",
      "sh.kaito.run": "7",
    });
    // oras stamps the creation time itself.
    expect(manifest.annotations?.["org.opencontainers.image.created"]).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("reads the same artifact through the kaito-publish CLI", async () => {
    const src = join(tmp.path, "artifact-src");
    const out = join(tmp.path, "artifact-out-cli");
    const r = await kaitoPublish(["pull", `${registry.host}/interop/oras-artifact:v1`, out, "--plain-http"], {
      dockerConfigDir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(treeDifferences(await readTree(out), await readTree(src))).toEqual([]);
  });

  it("reads a 5 MiB file pushed without --artifact-type as oras's default artifactType", async () => {
    const src = join(tmp.path, "big-src");
    await mkdir(src);
    const bytes = randomBytes(5 * 1024 * 1024 + 11);
    await writeFile(join(src, "model.bin"), bytes);
    const ref = `${registry.host}/interop/oras-big:v1`;
    await orasOk(["push", "--plain-http", "--no-tty", ref, "model.bin"], src);

    const out = join(tmp.path, "big-out");
    const pulled = await pullOrasArtifact(client, ref, out);
    expect(pulled.artifactType).toBe(ORAS_DEFAULT_ARTIFACT_TYPE);
    expect(pulled.files).toEqual(["model.bin"]);
    expect(sha256Digest(await readFile(join(out, "model.bin")))).toBe(sha256Digest(bytes));
    const { manifest } = await fetchImageManifest(client, ref);
    expect(manifest.config.mediaType).toBe(OCI_EMPTY);
  });
});

describe("a Kaito adapter image made the way Kaito's pusher makes it", () => {
  /**
   * Kaito's `pusher.sh`: copy the two adapter files into `data/`, `tar c` it, record the tar's sha256 as
   * `rootfs.diff_ids`, `gzip -9`, `oras push --disable-path-validation --annotation-file … --config
   * config.json:application/vnd.oci.image.config.v1+json --oci-layout <layout>:latest layer.tar.gz:<tar+gzip>`, then
   * `oras cp --from-oci-layout <layout>:latest <ref>`. Its layer is titled `layer.tar.gz` with no unpack annotation.
   */
  async function kaitoPusher(results: string, ref: string, modelName: string): Promise<void> {
    const work = join(tmp.path, `kaito-pusher-${ref.split(":").pop()}`);
    await mkdir(join(work, "data"), { recursive: true });
    for (const f of ["adapter_config.json", "adapter_model.safetensors"])
      await cp(join(results, f), join(work, "data", f));
    await exec("tar", ["c", "-f", join(work, "layer.tar"), "-C", work, "data"]);
    const diffId = sha256Digest(await readFile(join(work, "layer.tar")));
    await exec("gzip", ["-9", join(work, "layer.tar")]);
    await writeFile(join(work, "config.json"), JSON.stringify({ rootfs: { diff_ids: [diffId] } }));
    await writeFile(
      join(work, "annotations.json"),
      JSON.stringify({ $manifest: { [ANNOTATION_KAITO_MODEL_NAME]: modelName } }),
    );
    await orasOk(
      [
        "push",
        "--no-tty",
        "--disable-path-validation",
        "--annotation-file",
        join(work, "annotations.json"),
        "--config",
        `${join(work, "config.json")}:${OCI_CONFIG}`,
        "--oci-layout",
        `${join(work, "layout")}:latest`,
        `layer.tar.gz:${OCI_LAYER_TAR_GZIP}`,
      ],
      work,
    );
    await orasOk(["cp", "--no-tty", "--to-plain-http", "--from-oci-layout", `${join(work, "layout")}:latest`, ref]);
  }

  it("is an image-shaped manifest whose titled tar+gzip layer extractAdapterImage unpacks", async () => {
    const results = join(tmp.path, "kaito-results");
    const { config, model } = await writeAdapterFolder(results, { modelBytes: 300_000 });
    const ref = `${registry.host}/interop/kaito-pusher:v1`;
    await kaitoPusher(results, ref, "phi-3-mini-4k-instruct");

    const { manifest } = await fetchImageManifest(client, ref);
    expect(manifest.config.mediaType).toBe(OCI_CONFIG);
    expect(manifest.artifactType).toBeUndefined();
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.layers[0]?.mediaType).toBe(OCI_LAYER_TAR_GZIP);
    expect(manifest.layers[0]?.annotations?.[ANNOTATION_TITLE]).toBe("layer.tar.gz");

    const target = join(tmp.path, "kaito-adapter-out");
    const extracted = await extractAdapterImage(client, ref, target);
    expect(extracted.modelName).toBe("phi-3-mini-4k-instruct");
    expect(extracted.files).toEqual(["adapter_config.json", "adapter_model.safetensors"]);
    expect(
      treeDifferences(
        await readTree(target),
        new Map([
          ["adapter_config.json", Buffer.from(config)],
          ["adapter_model.safetensors", model],
        ]),
      ),
    ).toEqual([]);

    const cliTarget = join(tmp.path, "kaito-adapter-out-cli");
    const r = await kaitoPublish(["pull", ref, cliTarget, "--adapter", "--plain-http"], { dockerConfigDir });
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.compare(await readFile(join(cliTarget, "adapter_model.safetensors")), model)).toBe(0);
  });
});
