/**
 * What we push, the real `oras pull` reads byte for byte: Kaito adapter images (from the `kaito-publish` CLI and from
 * the library) and ORAS artifacts of files and a folder (the folder unpacked by oras through its unpack annotations).
 * One docker-registry (distribution 2.8.2, no auth) for the file.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  isOciRegistryError,
  OciRegistryClient,
  pullOrasArtifact,
  pushAdapterImage,
  pushOrasArtifact,
} from "../../src/index.ts";
import { tempFolder, writeAdapterFolder } from "../helpers/fixtures.ts";
import { type RegistryHandle, startRegistry } from "../helpers/registry.ts";
import { kaitoPublish, oras, readFolders, readTree, treeDifferences, writeArtifactFixture } from "./helpers.ts";

let registry: RegistryHandle;
let tmp: { path: string; dispose: () => Promise<void> };
let dockerConfigDir: string;
let client: OciRegistryClient;

beforeAll(async () => {
  tmp = await tempFolder("kaito-ip-oras-pull-");
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

/** `oras pull --plain-http <ref> -o <out>`; fails the test with oras's own output when it does not exit 0. */
async function orasPull(ref: string, out: string): Promise<void> {
  const r = await oras(["pull", "--plain-http", "--no-tty", ref, "-o", out], { dockerConfigDir });
  expect(r.code, `oras pull ${ref}\n${r.stdout}${r.stderr}`).toBe(0);
}

/** The adapter tree `oras pull` must produce: only the two adapter files, under `data/`. */
function adapterTree(config: string, model: Buffer): Map<string, Buffer> {
  return new Map([
    ["data/adapter_config.json", Buffer.from(config)],
    ["data/adapter_model.safetensors", model],
  ]);
}

describe("oras pull of what we push", () => {
  it("reads an adapter image pushed by the kaito-publish CLI byte for byte", async () => {
    const results = join(tmp.path, "cli-results");
    const { config, model } = await writeAdapterFolder(results, { modelBytes: 200_000 });
    const ref = `${registry.host}/interop/cli-adapter:v1`;
    const pushed = await kaitoPublish(
      ["push", results, ref, "--adapter", "--model-name", "phi-3-mini-4k-instruct", "--plain-http"],
      { dockerConfigDir },
    );
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout.trim()).toMatch(/^sha256:[a-f0-9]{64}$/);

    const out = join(tmp.path, "cli-adapter-out");
    await orasPull(ref, out);
    expect(treeDifferences(await readTree(out), adapterTree(config, model))).toEqual([]);
    expect(await readFolders(out)).toEqual(["data"]);
  });

  it("reads an adapter image pushed by the library byte for byte, by tag and by digest", async () => {
    const results = join(tmp.path, "lib-results");
    const { config, model } = await writeAdapterFolder(results, { modelBytes: 1_500_000 });
    const ref = `${registry.host}/interop/lib-adapter:v1`;
    const pushed = await pushAdapterImage(client, results, ref, { modelName: "falcon-7b", extraTags: ["latest"] });

    for (const [name, pullRef] of [
      ["tag", ref],
      ["extra tag", `${registry.host}/interop/lib-adapter:latest`],
      ["digest", `${registry.host}/interop/lib-adapter@${pushed.digest}`],
    ] as const) {
      const out = join(tmp.path, `lib-adapter-out-${name.replace(" ", "-")}`);
      await orasPull(pullRef, out);
      expect(treeDifferences(await readTree(out), adapterTree(config, model)), name).toEqual([]);
    }
  });

  it("reads an ORAS artifact of files and a folder pushed by the library, unpacking the folder", async () => {
    const src = join(tmp.path, "artifact-src");
    const { files, folder } = await writeArtifactFixture(src);
    const ref = `${registry.host}/interop/lib-artifact:v1`;
    await pushOrasArtifact(client, [...files.map((f) => join(src, f)), join(src, folder)], ref, {
      artifactType: "application/vnd.kaito.eval.v1+json",
      annotations: { "org.opencontainers.image.description": "eval run 7" },
    });

    const out = join(tmp.path, "lib-artifact-out");
    await orasPull(ref, out);
    const expected = await readTree(src);
    expect(expected.size).toBe(7);
    expect(treeDifferences(await readTree(out), expected)).toEqual([]);
    // Folders too, the empty one included (it is an entry of the folder's tar).
    expect(await readFolders(out)).toEqual(await readFolders(src));
  });

  it("reads an ORAS artifact pushed by the kaito-publish CLI", async () => {
    const src = join(tmp.path, "cli-artifact-src");
    const { files, folder } = await writeArtifactFixture(src);
    const ref = `${registry.host}/interop/cli-artifact:v1`;
    const pushed = await kaitoPublish(
      ["push", ...files.map((f) => join(src, f)), join(src, folder), ref, "--plain-http"],
      { dockerConfigDir },
    );
    expect(pushed.code, pushed.stderr).toBe(0);

    const out = join(tmp.path, "cli-artifact-out");
    await orasPull(ref, out);
    expect(treeDifferences(await readTree(out), await readTree(src))).toEqual([]);
  });
});

describe("a reference that was never pushed", () => {
  const cases = [
    ["in a repository that exists", "interop/lib-adapter:never-pushed"],
    ["in a repository that does not exist", "interop/no-such-repo:v1"],
    ["by a digest that was never pushed", `interop/lib-adapter@sha256:${"0".repeat(64)}`],
  ] as const;

  it.each(cases)("%s: oras fails with its error, ours is MANIFEST_UNKNOWN naming the reference", async (_, path) => {
    const ref = `${registry.host}/${path}`;
    const out = join(tmp.path, `missing-${path.replace(/[/:@]/g, "-")}`);
    const theirs = await oras(["pull", "--plain-http", "--no-tty", ref, "-o", out], { dockerConfigDir });
    expect(theirs.code).not.toBe(0);
    // oras 1.3: "Error response from registry: <ref>: not found"
    expect(theirs.stderr).toContain(`${ref}: not found`);

    const ours = await pullOrasArtifact(client, ref, out).catch((e: unknown) => e);
    expect(isOciRegistryError(ours)).toBe(true);
    expect(ours).toMatchObject({ code: "MANIFEST_UNKNOWN", status: 404 });
    expect((ours as Error).message).toContain(`manifest ${ref} not found`);

    const cli = await kaitoPublish(["pull", ref, out, "--plain-http"], { dockerConfigDir });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("MANIFEST_UNKNOWN");
    expect(cli.stderr).toContain(ref);
    expect(cli.stdout).toBe("");
  });
});
