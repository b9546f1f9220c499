import { describe, expect, it } from "vitest";
import { runSkus } from "../src/cli/commands/skus.ts";
import { runValidate } from "../src/cli/commands/validate.ts";
import { type CliIO, readInputOrExplain } from "../src/cli/io.ts";
import { isOperatorError, OperatorError, type OperatorErrorCode } from "../src/errors.ts";
import { loadClusterSim } from "../src/playground/cluster-sim-loader.ts";
import { runClusterUp } from "../src/playground/cluster-up.ts";

const io = (files: Record<string, string> = {}, interruptible = true): CliIO => ({
  stdout: () => {},
  stderr: () => {},
  readInput: async (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
    return text;
  },
  isTTY: false,
  ...(interruptible ? { interrupted: () => new Promise<void>(() => {}) } : {}),
});

const workspace = (name: string) => `apiVersion: kaito.sh/v1beta1
kind: Workspace
metadata:
  name: ${name}
resource:
  instanceType: Standard_NC24ads_A100_v4
  labelSelector:
    matchLabels:
      apps: phi-3
inference:
  preset:
    name: phi-3-mini-4k-instruct
`;
const validateOptions = {
  output: "text",
  cloud: "azure",
  nodeAutoProvisioning: true,
  runtime: "vllm",
  namespace: "default",
} as const;

// One row per code: how a user meets it. The last test fails when a code has no row.
const rows: Record<OperatorErrorCode, [what: string, run: () => Promise<unknown>, message: RegExp]> = {
  INVALID_USAGE: [
    "validate --old with two Workspaces in a file",
    () =>
      runValidate(io({ new: workspace("a"), old: `${workspace("a")}---\n${workspace("b")}` }), "new", {
        ...validateOptions,
        old: "old",
      }),
    /^--old compares one Workspace with one Workspace/,
  ],
  INPUT_UNREADABLE: ["a missing input file", () => readInputOrExplain(io(), "nope.yaml"), /^nope\.yaml: no such file/],
  UNKNOWN_NAME: [
    "skus --fit with a preset the catalog does not have",
    async () => runSkus(io(), { fit: "no-such-model", purpose: "inference", includeClassic: false, output: "text" }),
    /no-such-model/,
  ],
  MISSING_DEPENDENCY: [
    "cluster up without @kaito-ts/cluster-sim installed",
    () => loadClusterSim("kaito cluster up", (s) => import(s), "@kaito-ts/not-installed-anywhere"),
    /install it next to the operator \(npm install @kaito-ts\/cluster-sim\)/,
  ],
  UNSUPPORTED_ENVIRONMENT: [
    "cluster up where nothing can interrupt it",
    () => runClusterUp(io({}, false), { port: 0, nodeDelayMs: 10 }),
    /runs until interrupted/,
  ],
};

describe("OperatorError codes", () => {
  it.each(Object.entries(rows).map(([code, [what, run, message]]) => ({ code, what, run, message })))(
    "$code: $what",
    async ({ code, run, message }) => {
      const error = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OperatorError);
      expect(isOperatorError(error) && error.code).toBe(code);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain("\n");
    },
  );

  it("has a row for every code in the README table", async () => {
    const { readFileSync } = await import("node:fs");
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const documented = [...readme.matchAll(/^\| `([A-Z_]+)` +\|/gm)].map((m) => m[1]);
    expect(Object.keys(rows).sort()).toEqual([...documented].sort());
  });

  it("is recognised across copies by its brand, not by instanceof", () => {
    const e = new OperatorError("INVALID_USAGE", "x", { cause: new Error("y") });
    expect(isOperatorError(e)).toBe(true);
    // Another copy of the package has another class but the same Symbol.for brand.
    expect(isOperatorError({ [Symbol.for("@kaito-ts/operator/OperatorError")]: true })).toBe(true);
    expect(isOperatorError({ code: "INVALID_USAGE", message: "x" })).toBe(false);
    expect(isOperatorError(new Error("x"))).toBe(false);
    expect(e.cause).toBeInstanceOf(Error);
    expect(e.name).toBe("OperatorError");
  });
});
