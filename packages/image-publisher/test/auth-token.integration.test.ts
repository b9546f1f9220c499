import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bytesBlob,
  dockerConfigCredentials,
  OCI_EMPTY,
  OCI_LAYER_TAR,
  OciRegistryClient,
  parseDockerConfig,
  staticCredentials,
} from "../src/index.ts";
import { tempFolder } from "./helpers/fixtures.ts";
import { type RegistryHandle, startRegistry } from "./helpers/registry.ts";
import { startTokenServer, type TokenServer } from "./helpers/token-server.ts";

let registry: RegistryHandle;
let tokens: TokenServer;
let tmp: { path: string; dispose: () => Promise<void> };

beforeAll(async () => {
  tmp = await tempFolder();
  tokens = await startTokenServer(tmp.path, {
    users: { bob: "bobs-password", reader: "reader-password" },
    refreshTokens: { "refresh-abc-123": "bob" },
    pullOnlyUsers: ["reader"],
  });
  registry = await startRegistry({
    kind: "token",
    realm: tokens.realm,
    service: tokens.service,
    issuer: tokens.issuer,
    certFile: join(tmp.path, "cert.pem"),
  });
});

afterAll(async () => {
  await registry?.stop();
  await tokens?.stop();
  await tmp?.dispose();
});

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a failure");
}

describe("token auth (WWW-Authenticate Bearer challenge)", () => {
  it("gets a scoped token with Basic credentials, caches it per scope, and pushes an artifact", async () => {
    const c = new OciRegistryClient({
      plainHttp: true,
      credentials: staticCredentials({ username: "bob", password: "bobs-password" }),
    });
    try {
      tokens.log.length = 0;
      const r = await c.pushImage({
        reference: `${registry.host}/tok/app:v1`,
        config: { source: bytesBlob("{}"), mediaType: OCI_EMPTY },
        layers: [
          { source: bytesBlob("layer one"), mediaType: OCI_LAYER_TAR },
          { source: bytesBlob("layer two"), mediaType: OCI_LAYER_TAR },
        ],
        artifactType: "application/x.test",
      });
      expect(r.digest).toMatch(/^sha256:/);
      const scopes = tokens.log.map((l) => l.scopes.join(" "));
      expect(tokens.log.every((l) => l.method === "GET" && l.account === "bob")).toBe(true);
      // one token per distinct scope set, reused for every blob and the manifest
      expect(new Set(scopes).size).toBe(scopes.length);
      expect(scopes).toContain("repository:tok/app:pull,push");
      // at most a pull token (first HEAD) and a pull,push token, whatever the number of blobs
      expect(tokens.log.length).toBeLessThanOrEqual(2);
      expect(c.session.tokens.size).toBe(scopes.length);
      const before = tokens.log.length;
      expect((await c.getManifest(`${registry.host}/tok/app:v1`)).digest).toBe(r.digest);
      await c.getManifest(`${registry.host}/tok/app:v1`);
      expect(tokens.log.length - before).toBe(0);
    } finally {
      c.close();
    }
  });

  it("exchanges an identitytoken (OAuth2 refresh token) by POST", async () => {
    const config = parseDockerConfig(
      JSON.stringify({ auths: { [registry.host]: { identitytoken: "refresh-abc-123" } } }),
    );
    const c = new OciRegistryClient({ plainHttp: true, credentials: dockerConfigCredentials(config) });
    try {
      tokens.log.length = 0;
      const r = await c.pushBlob(`${registry.host}/tok/refresh`, bytesBlob("via refresh token"));
      expect(r.outcome).toBe("uploaded");
      expect(tokens.log.length).toBeGreaterThan(0);
      expect(tokens.log.every((l) => l.method === "POST" && l.grantType === "refresh_token")).toBe(true);
    } finally {
      c.close();
    }
  });

  it("fails with UNAUTHORIZED for a wrong password and an unknown refresh token, without leaking them", async () => {
    const c = new OciRegistryClient({
      plainHttp: true,
      credentials: staticCredentials({ username: "bob", password: "not-bobs-pw" }),
    });
    const d = new OciRegistryClient({
      plainHttp: true,
      credentials: staticCredentials({ identityToken: "refresh-wrong-999" }),
    });
    try {
      const e1 = await failure(c.pushBlob(`${registry.host}/tok/app`, bytesBlob("x")));
      expect(e1).toMatchObject({ code: "UNAUTHORIZED" });
      expect(e1.message).toContain('user "bob"');
      expect(e1.message).not.toContain("not-bobs-pw");
      const e2 = await failure(d.pushBlob(`${registry.host}/tok/app`, bytesBlob("x")));
      expect(e2).toMatchObject({ code: "UNAUTHORIZED" });
      expect(e2.message).not.toContain("refresh-wrong-999");
    } finally {
      c.close();
      d.close();
    }
  });

  it("maps insufficient scope to DENIED, and anonymous pull of a private repository to an auth error", async () => {
    const reader = new OciRegistryClient({
      plainHttp: true,
      credentials: staticCredentials({ username: "reader", password: "reader-password" }),
    });
    const anon = new OciRegistryClient({ plainHttp: true });
    try {
      await expect(reader.pushBlob(`${registry.host}/tok/app`, bytesBlob("no push for me"))).rejects.toMatchObject({
        code: "DENIED",
      });
      await expect(anon.getManifest(`${registry.host}/tok/app:v1`)).rejects.toMatchObject({
        code: expect.stringMatching(/^(UNAUTHORIZED|DENIED)$/),
      });
    } finally {
      reader.close();
      anon.close();
    }
  });
});
