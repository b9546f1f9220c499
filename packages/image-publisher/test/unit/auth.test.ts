import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { parseTokenResponse, TokenCache } from "../../src/auth/token.ts";
import { normaliseRegistryKey } from "../../src/auth/docker-config.ts";
import {
  chainCredentials,
  dockerConfigCredentials,
  isOciRegistryError,
  parseDockerConfig,
  parseDockerConfigSecret,
  parseWwwAuthenticate,
  repositoryScope,
  staticCredentials,
} from "../../src/index.ts";

describe("parseWwwAuthenticate", () => {
  it("parses a Bearer challenge with a comma inside a quoted scope", () => {
    const [c] = parseWwwAuthenticate(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:samalba/my-app:pull,push"',
    );
    expect(c).toEqual({
      scheme: "bearer",
      params: {
        realm: "https://auth.example/token",
        service: "registry.example",
        scope: "repository:samalba/my-app:pull,push",
      },
    });
  });

  it("parses Basic, unquoted values, escapes, and several challenges", () => {
    const cs = parseWwwAuthenticate(
      'Basic realm="test \\"realm\\"", Bearer realm=https://a/t, error="insufficient_scope"',
    );
    expect(cs).toEqual([
      { scheme: "basic", params: { realm: 'test "realm"' } },
      { scheme: "bearer", params: { realm: "https://a/t", error: "insufficient_scope" } },
    ]);
  });

  it("returns nothing for an empty header", () => {
    expect(parseWwwAuthenticate("")).toEqual([]);
  });

  it("builds scopes", () => {
    expect(repositoryScope("a/b", ["pull", "push"])).toBe("repository:a/b:pull,push");
  });
});

describe("docker config", () => {
  const auth = Buffer.from("user:pa:ss").toString("base64");
  const config = parseDockerConfig(
    JSON.stringify({
      auths: {
        "https://index.docker.io/v1/": { auth },
        "ghcr.io": { username: "u", password: "p" },
        "http://localhost:5000/v2/": { identitytoken: "refresh" },
        "empty.io": {},
      },
      credHelpers: { "gcr.io": "gcloud" },
    }),
  );
  const creds = dockerConfigCredentials(config);

  it("reads auth, username/password and identitytoken entries by host", () => {
    expect(creds("docker.io")).toEqual({ username: "user", password: "pa:ss" });
    expect(creds("ghcr.io")).toEqual({ username: "u", password: "p" });
    expect(creds("localhost:5000")).toEqual({ identityToken: "refresh" });
    expect(creds("empty.io")).toBeUndefined();
    expect(creds("gcr.io")).toBeUndefined();
  });

  it("normalises keys", () => {
    expect(normaliseRegistryKey("https://index.docker.io/v1/")).toBe("docker.io");
    expect(normaliseRegistryKey("HTTP://Localhost:5000/v2/")).toBe("localhost:5000");
  });

  it("reads a legacy .dockercfg map and a dockerconfigjson Secret", () => {
    const legacy = parseDockerConfig(JSON.stringify({ "r.io": { auth } }));
    expect(dockerConfigCredentials(legacy)("r.io")).toEqual({ username: "user", password: "pa:ss" });
    const data = {
      ".dockerconfigjson": Buffer.from(JSON.stringify({ auths: { "r.io": { auth } } })).toString("base64"),
    };
    expect(dockerConfigCredentials(parseDockerConfigSecret(data))("r.io")).toEqual({
      username: "user",
      password: "pa:ss",
    });
  });

  it("rejects bad input with the place named and no secret", () => {
    expect(() => parseDockerConfig("{not json", "/root/.docker/config.json")).toThrow(
      /\/root\/.docker\/config.json: is not valid JSON/,
    );
    expect(() => parseDockerConfig('{"auths": []}')).toThrow(/"auths" must be an object/);
    expect(() => parseDockerConfigSecret({ other: "x" }, "secret ns/s")).toThrow(/secret ns\/s: has neither/);
    const bad = dockerConfigCredentials(
      parseDockerConfig(JSON.stringify({ auths: { "r.io": { auth: Buffer.from("nocolon").toString("base64") } } })),
    );
    expect(() => bad("r.io")).toThrow(/"auth" must be base64 of "user:password"/);
  });

  // Each bad input holds a secret that the parser reads, so a message, a `cause` or a log line (util.inspect shows
  // the cause chain) carries it unless the parser keeps it out.
  it.each([
    // JSON.parse's own message quotes the text around where it stopped: here, the secret.
    [
      "a config.json with an unquoted value",
      () => parseDockerConfig('{"auths":{"r.io":{"auth":S3cr3t-pw}}}', "cfg.json"),
    ],
    [
      "a Secret whose .dockerconfigjson is not JSON",
      () => parseDockerConfigSecret({ ".dockerconfigjson": Buffer.from('{"password":S3cr3t-pw}').toString("base64") }),
    ],
    [
      "an auth without a colon",
      () =>
        dockerConfigCredentials(
          parseDockerConfig(
            JSON.stringify({ auths: { "r.io": { auth: Buffer.from("S3cr3t-pw").toString("base64") } } }),
          ),
        )("r.io"),
    ],
  ])("keeps the secret of %s out of the error and its cause", (_, parse) => {
    let caught: unknown;
    try {
      parse();
    } catch (e) {
      caught = e;
    }
    expect(isOciRegistryError(caught)).toBe(true);
    const shown = `${inspect(caught, { depth: 10 })} ${JSON.stringify(caught)}`;
    expect(shown).not.toContain("S3cr3t-pw");
  });

  it("chains and maps static credentials", () => {
    const a = staticCredentials({ "a.io": { username: "a", password: "1" } });
    const b = staticCredentials({ username: "b", password: "2" });
    expect(chainCredentials(a, b)("a.io")).toEqual({ username: "a", password: "1" });
    expect(chainCredentials(a, b)("z.io")).toEqual({ username: "b", password: "2" });
  });
});

describe("tokens", () => {
  it("parses token and access_token answers with expiry", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseTokenResponse('{"token":"t","expires_in":300}', "http://r/t", now)).toEqual({
      token: "t",
      expiresAt: now + 300_000 - 10_000,
    });
    expect(parseTokenResponse('{"access_token":"a"}', "http://r/t", now).expiresAt).toBe(now + 60_000 - 6_000);
    expect(() => parseTokenResponse("<html>", "http://r/t?secret=1")).toThrow(
      /token server http:\/\/r\/t answered without/,
    );
  });

  it("caches per key until expiry", () => {
    const cache = new TokenCache();
    const key = TokenCache.key("realm", "svc", ["b", "a"], "u");
    expect(key).toBe(TokenCache.key("realm", "svc", ["a", "b"], "u"));
    cache.set(key, { token: "t", expiresAt: 1000 });
    expect(cache.get(key, 999)?.token).toBe("t");
    expect(cache.get(key, 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});

describe("token scope covering", () => {
  it("serves a pull request from a pull,push token of the same identity", async () => {
    const { scopeCovers } = await import("../../src/auth/token.ts");
    expect(scopeCovers("repository:a/b:pull,push", "repository:a/b:pull")).toBe(true);
    expect(scopeCovers("repository:a/b:pull", "repository:a/b:pull,push")).toBe(false);
    expect(scopeCovers("repository:a/b:*", "repository:a/b:push")).toBe(true);
    expect(scopeCovers("repository:a/c:pull,push", "repository:a/b:pull")).toBe(false);
    const cache = new TokenCache();
    cache.set(TokenCache.key("r", "s", ["repository:a/b:pull,push"], "bob"), { token: "t", expiresAt: 10_000 });
    expect(cache.findCovering("r", "s", ["repository:a/b:pull"], "bob", 0)?.token).toBe("t");
    expect(cache.findCovering("r", "s", ["repository:a/b:pull"], "eve", 0)).toBeUndefined();
    expect(cache.findCovering("r", "s", ["repository:a/b:pull"], "bob", 10_000)).toBeUndefined();
  });
});
