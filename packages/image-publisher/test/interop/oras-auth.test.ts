/**
 * The same interoperability behind htpasswd (Basic) auth: `oras login` writes a docker config into a temporary folder
 * (never `~/.docker`), our client and `kaito-publish` read that file, and oras reads the same credentials to pull what
 * we push, push what we pull, and fetch manifests. Wrong and missing credentials fail on both sides.
 * One docker-registry (distribution 2.8.2, htpasswd) for the file.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ANNOTATION_KAITO_MODEL_NAME,
  dockerConfigCredentials,
  isOciRegistryError,
  OCI_CONFIG,
  OCI_LAYER_TAR_GZIP,
  OCI_MANIFEST,
  OciRegistryClient,
  pullOrasArtifact,
  pushAdapterImage,
  pushOrasArtifact,
  readDockerConfigFile,
} from "../../src/index.ts";
import { tempFolder, writeAdapterFolder } from "../helpers/fixtures.ts";
import { type RegistryHandle, startRegistry, writeHtpasswd } from "../helpers/registry.ts";
import { fetchImageManifest, kaitoPublish, oras, readTree, treeDifferences, writeArtifactFixture } from "./helpers.ts";

const USER = "dana";
const PASSWORD = "oras-Interop-pw-41";
const WRONG = "Wrong-pw-for-dana-99";

let registry: RegistryHandle;
let tmp: { path: string; dispose: () => Promise<void> };
/** The folder oras logs in to (`DOCKER_CONFIG`), and its config.json. */
let loginDir: string;
let loginConfig: string;
/** An empty DOCKER_CONFIG folder: no credentials at all. */
let emptyDir: string;
let client: OciRegistryClient;
/** `~/.docker/config.json` before the tests: it must be untouched after them. */
const homeConfig = join(homedir(), ".docker", "config.json");
const homeBefore = existsSync(homeConfig)
  ? { bytes: readFileSync(homeConfig, "utf8"), mtimeMs: statSync(homeConfig).mtimeMs }
  : undefined;

beforeAll(async () => {
  tmp = await tempFolder("kaito-ip-oras-auth-");
  const htpasswd = join(tmp.path, "htpasswd");
  await writeHtpasswd(htpasswd, { [USER]: PASSWORD });
  registry = await startRegistry({ kind: "htpasswd", file: htpasswd });
  loginDir = join(tmp.path, "oras-login");
  loginConfig = join(loginDir, "config.json");
  emptyDir = join(tmp.path, "no-credentials");
  await mkdir(loginDir);
  await mkdir(emptyDir);
});

afterAll(async () => {
  client?.close();
  await registry?.stop();
  await tmp?.dispose();
});

/** oras with the logged-in config given explicitly (`--registry-config`), `DOCKER_CONFIG` at an empty folder. */
async function orasAuthed(args: readonly string[], cwd?: string): Promise<string> {
  const r = await oras([...args, "--plain-http", "--registry-config", loginConfig], {
    dockerConfigDir: emptyDir,
    ...(cwd !== undefined ? { cwd } : {}),
  });
  expect(r.code, `oras ${args.join(" ")}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

describe("oras login, then both clients share its docker config", () => {
  it("oras login refuses a wrong password and writes nothing", async () => {
    const r = await oras(
      ["login", "--plain-http", "--registry-config", loginConfig, "-u", USER, "--password-stdin", registry.host],
      { dockerConfigDir: emptyDir, input: WRONG },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/401|unauthorized/i);
    expect(r.stderr).not.toContain(WRONG);
    expect(existsSync(loginConfig)).toBe(false);
  });

  it("oras login writes the credentials into the temporary folder, which our client reads", async () => {
    const r = await oras(
      ["login", "--plain-http", "--registry-config", loginConfig, "-u", USER, "--password-stdin", registry.host],
      { dockerConfigDir: emptyDir, input: PASSWORD },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Login Succeeded");
    const written = JSON.parse(await readFile(loginConfig, "utf8")) as { auths: Record<string, { auth?: string }> };
    expect(Buffer.from(written.auths[registry.host]?.auth ?? "", "base64").toString()).toBe(`${USER}:${PASSWORD}`);

    client = new OciRegistryClient({
      plainHttp: true,
      credentials: dockerConfigCredentials(readDockerConfigFile(loginConfig)),
    });
    // The folder form (what DOCKER_CONFIG names) reads the same file.
    expect(readDockerConfigFile(loginDir)).toEqual(readDockerConfigFile(loginConfig));
  });

  it("oras pulls, with those credentials, an adapter image and an artifact our library pushed", async () => {
    const results = join(tmp.path, "results");
    const { config, model } = await writeAdapterFolder(results, { modelBytes: 120_000 });
    const adapterRef = `${registry.host}/auth/adapter:v1`;
    await pushAdapterImage(client, results, adapterRef, { modelName: "phi-3-mini-4k-instruct" });
    const adapterOut = join(tmp.path, "adapter-out");
    await orasAuthed(["pull", "--no-tty", adapterRef, "-o", adapterOut]);
    expect(
      treeDifferences(
        await readTree(adapterOut),
        new Map([
          ["data/adapter_config.json", Buffer.from(config)],
          ["data/adapter_model.safetensors", model],
        ]),
      ),
    ).toEqual([]);

    const src = join(tmp.path, "artifact-src");
    const { files, folder } = await writeArtifactFixture(src);
    const artifactRef = `${registry.host}/auth/artifact:v1`;
    await pushOrasArtifact(client, [...files.map((f) => join(src, f)), join(src, folder)], artifactRef);
    const artifactOut = join(tmp.path, "artifact-out");
    await orasAuthed(["pull", "--no-tty", artifactRef, "-o", artifactOut]);
    expect(treeDifferences(await readTree(artifactOut), await readTree(src))).toEqual([]);
  });

  it("kaito-publish pushes with the config oras wrote (DOCKER_CONFIG, then --docker-config), and oras pulls it", async () => {
    const results = join(tmp.path, "cli-results");
    const { model } = await writeAdapterFolder(results, { modelBytes: 60_000 });
    const ref = `${registry.host}/auth/cli-adapter:v1`;
    // No --docker-config: the CLI reads $DOCKER_CONFIG/config.json, the folder oras logged in to.
    const pushed = await kaitoPublish(["push", results, ref, "--adapter", "--plain-http"], {
      dockerConfigDir: loginDir,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    const explicit = await kaitoPublish(
      [
        "push",
        results,
        `${registry.host}/auth/cli-adapter:v2`,
        "--adapter",
        "--docker-config",
        loginConfig,
        "--plain-http",
      ],
      { dockerConfigDir: emptyDir },
    );
    expect(explicit.code, explicit.stderr).toBe(0);
    expect(explicit.stdout).toBe(pushed.stdout);

    const out = join(tmp.path, "cli-adapter-out");
    await orasAuthed(["pull", "--no-tty", ref, "-o", out]);
    expect(Buffer.compare(await readFile(join(out, "data", "adapter_model.safetensors")), model)).toBe(0);
  });

  it("our client and kaito-publish pull an artifact oras pushed with annotations", async () => {
    const src = join(tmp.path, "oras-src");
    const { files, folder } = await writeArtifactFixture(src);
    const ref = `${registry.host}/auth/oras-artifact:v1`;
    await orasAuthed(
      [
        "push",
        "--no-tty",
        "--artifact-type",
        "application/vnd.kaito.eval.v1+json",
        "--annotation",
        "sh.kaito.run=11",
        ref,
        ...files,
        folder,
      ],
      src,
    );

    const out = join(tmp.path, "oras-artifact-out");
    const pulled = await pullOrasArtifact(client, ref, out);
    expect(pulled.artifactType).toBe("application/vnd.kaito.eval.v1+json");
    expect(treeDifferences(await readTree(out), await readTree(src))).toEqual([]);
    expect((await fetchImageManifest(client, ref)).manifest.annotations?.["sh.kaito.run"]).toBe("11");

    const cliOut = join(tmp.path, "oras-artifact-out-cli");
    const r = await kaitoPublish(["pull", ref, cliOut, "--docker-config", loginConfig, "--plain-http"], {
      dockerConfigDir: emptyDir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(pulled.digest);
    expect(treeDifferences(await readTree(cliOut), await readTree(src))).toEqual([]);
  });

  it("oras manifest fetch, logged in, shows the adapter image's media types and annotation", async () => {
    const raw = await orasAuthed(["manifest", "fetch", `${registry.host}/auth/adapter:v1`]);
    const m = JSON.parse(raw) as {
      mediaType: string;
      config: { mediaType: string };
      layers: { mediaType: string }[];
      annotations: Record<string, string>;
    };
    expect(m.mediaType).toBe(OCI_MANIFEST);
    expect(m.config.mediaType).toBe(OCI_CONFIG);
    expect(m.layers.map((l) => l.mediaType)).toEqual([OCI_LAYER_TAR_GZIP]);
    expect(m.annotations[ANNOTATION_KAITO_MODEL_NAME]).toBe("phi-3-mini-4k-instruct");
  });
});

describe("missing or wrong credentials", () => {
  it("oras without the login, and our client without credentials, are both refused", async () => {
    const ref = `${registry.host}/auth/adapter:v1`;
    const theirs = await oras(["manifest", "fetch", "--plain-http", ref], { dockerConfigDir: emptyDir });
    expect(theirs.code).not.toBe(0);
    // oras 1.3: `failed to fetch the content of "<ref>": basic credential not found`
    expect(theirs.stderr).toContain(`"${ref}": basic credential not found`);

    const anonymous = new OciRegistryClient({ plainHttp: true });
    try {
      const err = await anonymous.getManifest(ref).catch((e: unknown) => e);
      expect(isOciRegistryError(err)).toBe(true);
      expect(err).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
      expect((err as Error).message).toContain("requires a user name and password");
    } finally {
      anonymous.close();
    }
  });

  it("a docker config with a wrong password fails both, and neither prints the password", async () => {
    const wrongDir = join(tmp.path, "wrong");
    await mkdir(wrongDir);
    await writeFile(
      join(wrongDir, "config.json"),
      JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${USER}:${WRONG}`).toString("base64") } } }),
    );
    const ref = `${registry.host}/auth/adapter:v1`;
    const theirs = await oras(["manifest", "fetch", "--plain-http", ref], { dockerConfigDir: wrongDir });
    expect(theirs.code).not.toBe(0);
    expect(theirs.stderr).toMatch(/401|unauthorized/i);
    expect(theirs.stderr).not.toContain(WRONG);

    const r = await kaitoPublish(["pull", ref, join(tmp.path, "never"), "--plain-http"], { dockerConfigDir: wrongDir });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("UNAUTHORIZED");
    expect(r.stderr).toContain(`user "${USER}"`);
    expect(r.stderr).not.toContain(WRONG);
  });

  it("left ~/.docker/config.json as it was", () => {
    const after = existsSync(homeConfig)
      ? { bytes: readFileSync(homeConfig, "utf8"), mtimeMs: statSync(homeConfig).mtimeMs }
      : undefined;
    expect(after).toEqual(homeBefore);
  });
});
