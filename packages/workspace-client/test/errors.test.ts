/** Every error code is documented in the README table, and the guard works across copies. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  errorForStatus,
  isWorkspaceClientError,
  WORKSPACE_CLIENT_ERROR_CODES,
  WorkspaceClientError,
} from "../src/index.ts";

const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
const subject = { verb: "get", what: "Workspace default/phi" };
const server = "https://aks.example:443";

describe("WorkspaceClientError", () => {
  it.each(WORKSPACE_CLIENT_ERROR_CODES)("%s has a row in the README's error table", (code) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${code}\` \\|`, "m"));
  });

  it("is recognised by the brand, not the class identity", () => {
    const e = new WorkspaceClientError("TIMEOUT", "x");
    expect(isWorkspaceClientError(e)).toBe(true);
    expect(isWorkspaceClientError(new Error("x"))).toBe(false);
  });

  it.each([
    [401, "", "UNAUTHORIZED", /refused the kubeconfig's credentials/],
    [
      403,
      '{"kind":"Status","message":"workspaces.kaito.sh is forbidden: User \\"bob\\" cannot get"}',
      "FORBIDDEN",
      /RBAC: workspaces\.kaito\.sh is forbidden/,
    ],
    [
      404,
      '{"kind":"Status","reason":"NotFound","message":"the server could not find the requested resource","details":{}}',
      "CRD_NOT_INSTALLED",
      /Workspace CRD is not installed/,
    ],
    [404, "404 page not found", "CRD_NOT_INSTALLED", /does not serve workspaces\.kaito\.sh/],
    [
      404,
      '{"kind":"Status","reason":"NotFound","message":"workspaces.kaito.sh \\"phi\\" not found","details":{"name":"phi"}}',
      "NOT_FOUND",
      /get Workspace default\/phi: workspaces\.kaito\.sh "phi" not found/,
    ],
    [409, '{"kind":"Status","message":"Apply failed with 1 conflict"}', "CONFLICT", /1 conflict/],
    [
      500,
      '{"kind":"Status","reason":"InternalError","message":"etcd down"}',
      "API_ERROR",
      /HTTP 500 InternalError from https:\/\/aks\.example:443: etcd down/,
    ],
  ] as const)("maps HTTP %i to a code a person can act on", (status, body, code, message) => {
    const e = errorForStatus(status, body, subject, server);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.status).toBe(status);
    expect(e.server).toBe(server);
  });
});
