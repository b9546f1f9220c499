import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANNOTATION_KAITO_MODEL_NAME, OciRegistryClient, staticCredentials } from "../src/index.ts";
import { tempFolder, writeAdapterFolder } from "./helpers/fixtures.ts";
import { freePort } from "./helpers/net.ts";
import { type RegistryHandle, startRegistry, writeHtpasswd } from "./helpers/registry.ts";

const MAIN = join(import.meta.dirname, "..", "src", "cli", "main.ts");
let registry: RegistryHandle;
let tmp: { path: string; dispose: () => Promise<void> };
let dockerConfig: string;
let wrongConfig: string;
const PASSWORD = "cli-Secret-pw";

function cli(
  args: string[],
  onStderr?: (text: string) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=@kaito-ts/source", MAIN, ...args], {
      env: { ...process.env, DOCKER_CONFIG: join(tmp.path, "no-docker-config") },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  tmp = await tempFolder();
  const htpasswd = join(tmp.path, "htpasswd");
  await writeHtpasswd(htpasswd, { carol: PASSWORD });
  registry = await startRegistry({ kind: "htpasswd", file: htpasswd });
  dockerConfig = join(tmp.path, "config.json");
  await writeFile(
    dockerConfig,
    JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`carol:${PASSWORD}`).toString("base64") } } }),
  );
  wrongConfig = join(tmp.path, "wrong.json");
  await writeFile(
    wrongConfig,
    JSON.stringify({ auths: { [registry.host]: { username: "carol", password: "Wrong-Pw-777" } } }),
  );
});

afterAll(async () => {
  await registry?.stop();
  await tmp?.dispose();
});

describe("kaito-publish push/pull", () => {
  it("waits for the sentinel, pushes an adapter image, prints its digest, and pulls it back", async () => {
    const out = join(tmp.path, "results");
    const { config, model } = await writeAdapterFolder(out, { modelBytes: 50_000 });
    const sentinel = join(out, "fine_tuning_completed.txt");
    const ref = `${registry.host}/cli/adapter:v1`;
    let created = false;
    // The sentinel appears only once the CLI has said it is waiting, plus a delay.
    const whenWaiting = (text: string) => {
      if (!created && text.includes("waiting for")) {
        created = true;
        setTimeout(() => void writeFile(sentinel, "done"), 400);
      }
    };
    const r = await cli(
      [
        "push",
        out,
        ref,
        "--adapter",
        "--wait-for",
        sentinel,
        "--wait-interval-ms",
        "100",
        "--annotation",
        "org.opencontainers.image.source=kaito-ts",
        "--model-name",
        "falcon-7b",
        "--tag",
        "stable",
        "--docker-config",
        dockerConfig,
        "--plain-http",
      ],
      whenWaiting,
    );
    expect(r.stderr).toContain(`waiting for ${sentinel}`);
    expect(r.stderr).toContain(`found ${sentinel}`);
    expect(r.code).toBe(0);
    const digest = r.stdout.trim();
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(r.stderr).toContain("pushing adapter layer");

    const c = new OciRegistryClient({
      plainHttp: true,
      credentials: staticCredentials({ username: "carol", password: PASSWORD }),
    });
    try {
      const m = await c.getManifest(`${registry.host}/cli/adapter:stable`);
      expect(m.digest).toBe(digest);
      expect(m.manifest.annotations?.[ANNOTATION_KAITO_MODEL_NAME]).toBe("falcon-7b");
      expect(m.manifest.annotations?.["org.opencontainers.image.source"]).toBe("kaito-ts");
    } finally {
      c.close();
    }

    const pulled = join(tmp.path, "adapter-pulled");
    const p = await cli(["pull", ref, pulled, "--adapter", "--docker-config", dockerConfig, "--plain-http"]);
    expect(p.code).toBe(0);
    expect(p.stdout.trim()).toBe(digest);
    expect(await readFile(join(pulled, "adapter_config.json"), "utf8")).toBe(config);
    expect(Buffer.compare(await readFile(join(pulled, "adapter_model.safetensors")), model)).toBe(0);

    const orasStyle = join(tmp.path, "oras-pulled");
    const q = await cli(["pull", ref, orasStyle, "--docker-config", dockerConfig, "--plain-http"]);
    expect(q.code).toBe(0);
    expect(await readFile(join(orasStyle, "data", "adapter_config.json"), "utf8")).toBe(config);
  });

  it("pushes files and folders as an ORAS artifact", async () => {
    const dir = join(tmp.path, "files");
    await mkdir(join(dir, "folder"), { recursive: true });
    await writeFile(join(dir, "one.txt"), "one");
    await writeFile(join(dir, "folder", "two.txt"), "two");
    const ref = `${registry.host}/cli/files:v1`;
    const r = await cli([
      "push",
      join(dir, "one.txt"),
      join(dir, "folder"),
      ref,
      "--docker-config",
      dockerConfig,
      "--plain-http",
    ]);
    expect(r.code).toBe(0);
    const target = join(tmp.path, "files-out");
    const p = await cli(["pull", ref, target, "--docker-config", dockerConfig, "--plain-http"]);
    expect(p.code).toBe(0);
    expect(await readFile(join(target, "one.txt"), "utf8")).toBe("one");
    expect(await readFile(join(target, "folder", "two.txt"), "utf8")).toBe("two");
  });
});

describe("kaito-publish errors", () => {
  it("exits 3 for a missing folder and for an adapter folder without adapter_config.json", async () => {
    const missing = await cli([
      "push",
      join(tmp.path, "does-not-exist"),
      `${registry.host}/cli/x:v1`,
      "--adapter",
      "--plain-http",
    ]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("does not exist");
    const missingFile = await cli(["push", join(tmp.path, "nope.txt"), `${registry.host}/cli/x:v1`, "--plain-http"]);
    expect(missingFile.code).toBe(3);
    expect(missingFile.stderr).toContain("nope.txt does not exist");

    const noConfig = join(tmp.path, "no-config");
    await writeAdapterFolder(noConfig, { withConfig: false });
    const r = await cli([
      "push",
      noConfig,
      `${registry.host}/cli/x:v1`,
      "--adapter",
      "--docker-config",
      dockerConfig,
      "--plain-http",
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("adapter_config.json is missing");
    expect(r.stdout).toBe("");
  });

  it("exits 2 for a malformed reference and bad usage", async () => {
    const r = await cli(["push", tmp.path, "Registry.io/UPPER/Case:v1", "--plain-http"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid image reference");
    expect(r.stderr).toContain("must be lowercase");
    const bad = await cli(["push", "--bogus-flag"]);
    expect(bad.code).toBe(2);
    const unknown = await cli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("kaito-publish push");
  });

  it("exits 4 for a wrong password, without printing it", async () => {
    const dir = join(tmp.path, "adapter-wrong-pw");
    await writeAdapterFolder(dir);
    const r = await cli([
      "push",
      dir,
      `${registry.host}/cli/x:v1`,
      "--adapter",
      "--docker-config",
      wrongConfig,
      "--plain-http",
    ]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("UNAUTHORIZED");
    expect(r.stderr).toContain('user "carol"');
    expect(r.stderr).not.toContain("Wrong-Pw-777");
  });

  it("exits 5 when the registry is unreachable", async () => {
    const dir = join(tmp.path, "adapter-unreachable");
    await writeAdapterFolder(dir);
    const port = await freePort();
    const r = await cli(["push", dir, `127.0.0.1:${port}/cli/x:v1`, "--adapter", "--plain-http"]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("UNREACHABLE");
    expect(r.stderr).toContain("ECONNREFUSED");
  });
});
