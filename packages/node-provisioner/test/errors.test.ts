import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  describeError,
  isNodeProvisionerError,
  NODE_PROVISIONER_ERROR_CODES,
  NodeProvisionerError,
  redactSecrets,
} from "../src/index.ts";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("NodeProvisionerError", () => {
  it.each(NODE_PROVISIONER_ERROR_CODES)("%s has a row in the README table", (code) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${code}\` \\|`, "m"));
  });

  it("codes are UPPER_SNAKE_CASE", () => {
    for (const code of NODE_PROVISIONER_ERROR_CODES) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
  });

  it("carries code, status, retryAfterMs and cause, and is recognised by the guard", () => {
    const cause = new Error("inner");
    const e = new NodeProvisionerError("AZURE_REQUEST_FAILED", "listing pools failed", {
      status: 429,
      retryAfterMs: 5000,
      cause,
    });
    expect(e).toMatchObject({
      name: "NodeProvisionerError",
      code: "AZURE_REQUEST_FAILED",
      status: 429,
      retryAfterMs: 5000,
    });
    expect(e.cause).toBe(cause);
    expect(isNodeProvisionerError(e)).toBe(true);
    expect(isNodeProvisionerError(new Error("x"))).toBe(false);
    expect(isNodeProvisionerError(null)).toBe(false);
  });

  it("never carries a token in its message", () => {
    const e = new NodeProvisionerError("AZURE_AUTH_FAILED", "refused: Authorization: Bearer abc.def-ghi");
    expect(e.message).not.toContain("abc.def-ghi");
    expect(inspect(e)).not.toContain("abc.def-ghi");
  });
});

describe("redactSecrets", () => {
  const rows = [
    { what: "bearer header", input: "Authorization: Bearer s3cr3t.t0k3n", secret: "s3cr3t.t0k3n" },
    {
      what: "JWT",
      input: "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln in text",
      secret: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0",
    },
    { what: "query token", input: "https://x/y?sig=AbC123&se=1", secret: "AbC123" },
    { what: "client_secret", input: '{"client_secret":"hunter2"}', secret: "hunter2" },
    { what: "access_token", input: "access_token=zzz999", secret: "zzz999" },
  ];
  it.each(rows)("removes a $what", ({ input, secret }) => {
    const out = redactSecrets(input);
    expect(out).not.toContain(secret);
    expect(out).toContain("[REDACTED]");
  });
  it("leaves ordinary ARM messages alone", () => {
    const text = "Operation could not be completed as it results in exceeding approved Total Regional Cores quota.";
    expect(redactSecrets(text)).toBe(text);
    expect(describeError(new Error(text))).toBe(text);
  });
});
