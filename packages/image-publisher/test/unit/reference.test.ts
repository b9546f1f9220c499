import { describe, expect, it } from "vitest";
import { formatReference, isLoopbackRegistry, isOciRegistryError, parseReference } from "../../src/index.ts";

const D = `sha256:${"a".repeat(64)}`;

describe("parseReference", () => {
  it.each([
    ["ubuntu", { registry: "docker.io", repository: "library/ubuntu", tag: "latest" }],
    ["ubuntu:22.04", { registry: "docker.io", repository: "library/ubuntu", tag: "22.04" }],
    ["kaito/adapter:v1", { registry: "docker.io", repository: "kaito/adapter", tag: "v1" }],
    ["index.docker.io/library/redis", { registry: "docker.io", repository: "library/redis", tag: "latest" }],
    ["ghcr.io/org/team/adapter:v1.0_rc-1", { registry: "ghcr.io", repository: "org/team/adapter", tag: "v1.0_rc-1" }],
    ["localhost:5000/a/b", { registry: "localhost:5000", repository: "a/b", tag: "latest" }],
    ["localhost/a", { registry: "localhost", repository: "a", tag: "latest" }],
    ["127.0.0.1:5901/x/y:t", { registry: "127.0.0.1:5901", repository: "x/y", tag: "t" }],
    ["[::1]:5000/x", { registry: "[::1]:5000", repository: "x", tag: "latest" }],
    [`myacr.azurecr.io/a@${D}`, { registry: "myacr.azurecr.io", repository: "a", digest: D }],
    [`myacr.azurecr.io/a:v2@${D}`, { registry: "myacr.azurecr.io", repository: "a", tag: "v2", digest: D }],
    ["r.io/a__b/c-d--e/f.g", { registry: "r.io", repository: "a__b/c-d--e/f.g", tag: "latest" }],
  ])("%s", (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it.each([
    ["", "empty"],
    ["r.io/UPPER", "must be lowercase"],
    ["r.io/a//b", "empty path component"],
    ["r.io/a/", "empty path component"],
    ["r.io/-a", "must match"],
    ["r.io/a_-b", "must match"],
    ["r.io/a:-bad", "tag"],
    [`r.io/a:${"t".repeat(129)}`, "tag"],
    ["r.io/a@sha256:xyz", "not a digest"],
    ["r.io:99999/a", "out of range"],
    ["r.io/a b", "whitespace"],
    ["r.io/", "repository"],
  ])("rejects %j (%s)", (input, why) => {
    let err: unknown;
    try {
      parseReference(input);
    } catch (e) {
      err = e;
    }
    expect(isOciRegistryError(err)).toBe(true);
    expect(err).toMatchObject({ code: "INVALID_REFERENCE" });
    expect((err as Error).message).toContain(why);
  });

  it("formats references back", () => {
    expect(formatReference(parseReference("localhost:5000/a/b:v1"))).toBe("localhost:5000/a/b:v1");
    expect(formatReference(parseReference(`r.io/a@${D}`))).toBe(`r.io/a@${D}`);
  });

  it("recognises loopback registries", () => {
    expect(isLoopbackRegistry("localhost:5000")).toBe(true);
    expect(isLoopbackRegistry("127.0.0.1:1")).toBe(true);
    expect(isLoopbackRegistry("[::1]:5000")).toBe(true);
    expect(isLoopbackRegistry("ghcr.io")).toBe(false);
  });
});
