import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bytesBlob,
  dockerConfigCredentials,
  isOciRegistryError,
  OciRegistryClient,
  parseDockerConfigSecret,
  readDockerConfigFile,
  staticCredentials,
} from "../src/index.ts";
import { tempFolder } from "./helpers/fixtures.ts";
import { type RegistryHandle, startRegistry, writeHtpasswd } from "./helpers/registry.ts";

let registry: RegistryHandle;
let tmp: { path: string; dispose: () => Promise<void> };
const PASSWORD = "s3cret-Pa55word";

beforeAll(async () => {
  tmp = await tempFolder();
  const file = join(tmp.path, "htpasswd");
  await writeHtpasswd(file, { alice: PASSWORD });
  registry = await startRegistry({ kind: "htpasswd", file });
});

afterAll(async () => {
  await registry?.stop();
  await tmp?.dispose();
});

describe("htpasswd Basic auth", () => {
  it("pushes and pulls with the right password given in code", async () => {
    const c = new OciRegistryClient({
      plainHttp: true,
      credentials: staticCredentials({ username: "alice", password: PASSWORD }),
    });
    try {
      const r = await c.pushBlob(`${registry.host}/basic/app`, bytesBlob("basic auth works"));
      expect(r.outcome).toBe("uploaded");
      expect(await c.blobExists(`${registry.host}/basic/app`, r.digest)).toBe(true);
    } finally {
      c.close();
    }
  });

  it("fails with UNAUTHORIZED naming the user, never the password", async () => {
    const c = new OciRegistryClient({
      plainHttp: true,
      credentials: staticCredentials({ username: "alice", password: "wrong-password-123" }),
    });
    try {
      const err = await c.pushBlob(`${registry.host}/basic/app`, bytesBlob("x")).catch((e: unknown) => e);
      expect(isOciRegistryError(err)).toBe(true);
      expect(err).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
      const text = `${(err as Error).message} ${JSON.stringify(err)}`;
      expect(text).toContain('user "alice"');
      expect(text).not.toContain("wrong-password-123");
      expect(text).not.toContain(Buffer.from("alice:wrong-password-123").toString("base64"));
    } finally {
      c.close();
    }
  });

  it("fails with UNAUTHORIZED and a hint when no credentials are given", async () => {
    const c = new OciRegistryClient({ plainHttp: true });
    try {
      await expect(c.getManifest(`${registry.host}/basic/app:v1`)).rejects.toMatchObject({
        code: "UNAUTHORIZED",
        message: expect.stringContaining("requires a user name and password"),
      });
    } finally {
      c.close();
    }
  });

  it("reads credentials from a docker config.json (auth and username/password forms)", async () => {
    const authForm = join(tmp.path, "auth-form.json");
    await writeFile(
      authForm,
      JSON.stringify({
        auths: { [`http://${registry.host}`]: { auth: Buffer.from(`alice:${PASSWORD}`).toString("base64") } },
      }),
    );
    const plainForm = join(tmp.path, "plain-form");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(plainForm);
    await writeFile(
      join(plainForm, "config.json"),
      JSON.stringify({ auths: { [registry.host]: { username: "alice", password: PASSWORD } } }),
    );
    for (const path of [authForm, plainForm]) {
      const c = new OciRegistryClient({
        plainHttp: true,
        credentials: dockerConfigCredentials(readDockerConfigFile(path)),
      });
      try {
        const r = await c.pushBlob(`${registry.host}/basic/cfg`, bytesBlob(`from ${path}`));
        expect(r.outcome).toBe("uploaded");
      } finally {
        c.close();
      }
    }
  });

  it("reads credentials from a kubernetes.io/dockerconfigjson Secret's data", async () => {
    const configJson = JSON.stringify({ auths: { [registry.host]: { username: "alice", password: PASSWORD } } });
    const secretData = { ".dockerconfigjson": Buffer.from(configJson).toString("base64") };
    const c = new OciRegistryClient({
      plainHttp: true,
      credentials: dockerConfigCredentials(parseDockerConfigSecret(secretData, "secret default/push")),
    });
    try {
      const r = await c.pushBlob(`${registry.host}/basic/secret`, bytesBlob("from a secret"));
      expect(r.outcome).toBe("uploaded");
    } finally {
      c.close();
    }
  });
});
