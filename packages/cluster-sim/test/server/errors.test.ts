/** The error convention: one UPPER_SNAKE_CASE code per Kubernetes Status reason, each documented in the README. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  alreadyExists,
  badRequest,
  CLUSTER_SIM_ERROR_CODES,
  ClusterSimError,
  type ClusterSimErrorCode,
  codeOfReason,
  conflict,
  expired,
  forbidden,
  internalError,
  invalid,
  isClusterSimError,
  methodNotAllowed,
  notFound,
  pathNotFound,
  type StatusReason,
  unsupportedMediaType,
} from "../../src/errors/index.ts";

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../README.md"), "utf8");
const cm = { group: "", resource: "configmaps" };

/** Every factory with the code, reason and HTTP status its error carries. */
const FACTORIES: Array<[string, () => ClusterSimError, ClusterSimErrorCode, StatusReason, number]> = [
  ["notFound", () => notFound(cm, "c"), "NOT_FOUND", "NotFound", 404],
  ["pathNotFound", () => pathNotFound(), "NOT_FOUND", "NotFound", 404],
  ["alreadyExists", () => alreadyExists(cm, "c"), "ALREADY_EXISTS", "AlreadyExists", 409],
  ["conflict", () => conflict(cm, "c"), "CONFLICT", "Conflict", 409],
  [
    "invalid",
    () => invalid("", "ConfigMap", "c", [{ field: "data", reason: "FieldValueInvalid", message: "x" }]),
    "INVALID",
    "Invalid",
    422,
  ],
  ["badRequest", () => badRequest("bad"), "BAD_REQUEST", "BadRequest", 400],
  ["methodNotAllowed", () => methodNotAllowed(), "METHOD_NOT_ALLOWED", "MethodNotAllowed", 405],
  [
    "unsupportedMediaType",
    () => unsupportedMediaType("text/x", ["application/json"]),
    "UNSUPPORTED_MEDIA_TYPE",
    "UnsupportedMediaType",
    415,
  ],
  ["expired", () => expired("5", 9), "EXPIRED", "Expired", 410],
  ["forbidden", () => forbidden(cm, "c", "no"), "FORBIDDEN", "Forbidden", 403],
  ["internalError", () => internalError("boom"), "INTERNAL_ERROR", "InternalError", 500],
];

describe("error codes", () => {
  const codes = Object.keys(CLUSTER_SIM_ERROR_CODES) as ClusterSimErrorCode[];

  it.each(codes)("%s is UPPER_SNAKE_CASE, round-trips through its reason, and is built from either", (code) => {
    const { reason, httpCode } = CLUSTER_SIM_ERROR_CODES[code];
    expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
    expect(codeOfReason(reason)).toBe(code);
    for (const e of [new ClusterSimError(reason, "what failed"), new ClusterSimError(code, "what failed")]) {
      expect(e).toMatchObject({ code, reason, httpCode, name: "ClusterSimError", message: "what failed" });
      expect(e.status).toMatchObject({ kind: "Status", status: "Failure", reason, code: httpCode });
      expect(isClusterSimError(e)).toBe(true);
    }
  });

  it("has one code per reason", () => {
    const reasons = codes.map((c) => CLUSTER_SIM_ERROR_CODES[c].reason);
    expect(new Set(reasons).size).toBe(codes.length);
  });

  it.each(codes)("%s has a row in the README's error table", (code) => {
    const { reason, httpCode } = CLUSTER_SIM_ERROR_CODES[code];
    const row = readme.split("\n").find((l) => l.startsWith(`| \`${code}\` |`));
    expect(row, `README.md: add a row for ${code} to the error table`).toBeDefined();
    expect(row).toContain(`| \`${reason}\` | ${httpCode} |`);
  });

  it("keeps an explicit HTTP status and the cause", () => {
    const cause = new Error("socket hang up");
    const e = new ClusterSimError("InternalError", "injected", { httpCode: 502, cause });
    expect(e.httpCode).toBe(502);
    expect(e.status.code).toBe(502);
    expect(e.cause).toBe(cause);
  });

  it("refuses a reason it does not know, naming it", () => {
    expect(() => codeOfReason("Teapot" as StatusReason)).toThrow('unknown Kubernetes Status reason "Teapot"');
    expect(() => new ClusterSimError("Teapot" as StatusReason, "x")).toThrow(TypeError);
    expect(() => new ClusterSimError("toString" as StatusReason, "x")).toThrow(
      'unknown Kubernetes Status reason "toString"',
    );
  });

  it("is recognised only when branded", () => {
    expect(isClusterSimError(new Error("plain"))).toBe(false);
    expect(isClusterSimError({ code: "NOT_FOUND", status: {} })).toBe(false);
    expect(isClusterSimError(undefined)).toBe(false);
  });
});

describe("factories", () => {
  it.each(FACTORIES)("%s carries its code, reason and HTTP status", (_name, make, code, reason, http) => {
    const e = make();
    expect([e.code, e.reason, e.httpCode, e.status.reason]).toEqual([code, reason, http, reason]);
    expect(e.message.length).toBeGreaterThan(0);
  });

  it("name what failed in the message, as the real server does", () => {
    expect(notFound(cm, "c").message).toBe('configmaps "c" not found');
    expect(notFound({ group: "demo.example.com", resource: "widgets" }, "w").message).toBe(
      'widgets.demo.example.com "w" not found',
    );
    expect(alreadyExists(cm, "c").message).toBe('configmaps "c" already exists');
    expect(forbidden(cm, "c", "namespace is terminating").message).toBe(
      'configmaps "c" is forbidden: namespace is terminating',
    );
    expect(expired("5", 9).message).toBe("too old resource version: 5 (9)");
  });
});
