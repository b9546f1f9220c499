import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/program.ts";
import { isOperatorError, OperatorError } from "../src/errors.ts";
import { CLUSTER_SIM_PACKAGE, loadClusterSim } from "../src/playground/cluster-sim-loader.ts";
import { runClusterUp } from "../src/playground/cluster-up.ts";

// A production install of @kaito-ts/operator has no @kaito-ts/cluster-sim (an optional peer dependency): the
// playground commands must then say what to install in one line, not crash with a module-resolution stack trace.
describe("loading cluster-sim on demand", () => {
  // A real dynamic import of a package that is not installed, so the error is the one Node gives.
  const missing = "@kaito-ts/not-installed-playground-package";

  it("loads the real package in this repository", async () => {
    const mod = await loadClusterSim("kaito cluster up");
    expect(typeof mod.startCluster).toBe("function");
  });

  it("turns a missing package into a one-line MISSING_DEPENDENCY error that names what to install", async () => {
    const error = await loadClusterSim("kaito cluster up", (s) => import(s), missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperatorError);
    expect(isOperatorError(error) && error.code).toBe("MISSING_DEPENDENCY");
    const message = (error as Error).message;
    expect(message).toBe(
      `kaito cluster up needs ${CLUSTER_SIM_PACKAGE}, which is an optional dependency of @kaito-ts/operator: install it next to the operator (npm install ${CLUSTER_SIM_PACKAGE}) and run again`,
    );
    expect(message).not.toContain("\n");
  });

  it("passes other load failures through unchanged", async () => {
    const broken = new Error("SyntaxError in cluster-sim");
    await expect(loadClusterSim("kaito cluster up", () => Promise.reject(broken))).rejects.toBe(broken);
    // A dependency of cluster-sim that is missing is not "cluster-sim is missing".
    const deep = Object.assign(new Error("Cannot find package '@peculiar/x509' imported from cluster-sim"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    await expect(loadClusterSim("kaito cluster up", () => Promise.reject(deep))).rejects.toBe(deep);
  });

  it("kaito cluster up exits 2 with that line when the package is missing", async () => {
    let stderr = "";
    const io = {
      stdout: () => {},
      stderr: (t: string) => {
        stderr += t;
      },
      readInput: () => Promise.reject(new Error("no input")),
      isTTY: false,
      interrupted: () => new Promise<void>(() => {}),
    };
    const error = await runClusterUp(io, { port: 0, nodeDelayMs: 10 }, () =>
      loadClusterSim("kaito cluster up", (s) => import(s), missing),
    ).catch((e: unknown) => e);
    expect(isOperatorError(error) && error.code).toBe("MISSING_DEPENDENCY");
    expect((error as Error).message).toMatch(
      /^kaito cluster up needs @kaito-ts\/cluster-sim, .*npm install @kaito-ts\/cluster-sim/,
    );
    // Through the CLI, an OperatorError is one line on stderr and exit code 2.
    expect(await runCli(["cluster", "up", "--port", "70000"], io)).toBe(2);
    expect(stderr).toBe("error: --port 70000: give a TCP port between 0 and 65535 (0 picks a free one)\n");
  });
});
