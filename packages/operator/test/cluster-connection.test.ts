/**
 * Where `kaito operator` finds its API server (`loadClusterConnection`): a kubeconfig file, `KUBECONFIG`, or — in a
 * pod — the ServiceAccount through reconciler-core's `inClusterAccess` (no client-node loaded). Bad input names the
 * file or what is missing and how to point the operator at a cluster.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isClusterAccess } from "@kaito-ts/reconciler-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOperatorError } from "../src/errors.ts";
import { loadClusterConnection } from "../src/operator/run.ts";

let dir: string;
let kubeconfig: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kaito-operator-connection-"));
  kubeconfig = join(dir, "config");
  writeFileSync(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]",
      "users: [{name: u, user: {token: abc}}]",
      "contexts: [{name: x, context: {cluster: c, user: u}}]",
      "current-context: x",
    ].join("\n"),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isOperatorError(e)) throw new Error(`expected an OperatorError, got ${String(e)}`);
  return { code: e.code, message: e.message };
}

describe("loadClusterConnection", () => {
  it("a kubeconfig file → client-node's KubeConfig of its current context", async () => {
    const c = await loadClusterConnection(kubeconfig, {});
    expect(isClusterAccess(c)).toBe(false);
  });

  it("KUBECONFIG wins over the pod's variables (as client-go does when it is set)", async () => {
    const c = await loadClusterConnection(undefined, {
      KUBECONFIG: kubeconfig,
      KUBERNETES_SERVICE_HOST: "10.0.0.1",
      KUBERNETES_SERVICE_PORT: "443",
    });
    expect(isClusterAccess(c)).toBe(false);
  });

  const bad: Array<{ name: string; path?: string; env: Record<string, string>; message: RegExp }> = [
    {
      name: "a kubeconfig file that does not exist",
      path: "/nonexistent/kubeconfig",
      env: {},
      message: /cannot load the kubeconfig \/nonexistent\/kubeconfig: .*pass --kubeconfig <file> or set KUBECONFIG/,
    },
    {
      name: "in a pod without the ServiceAccount mounted",
      env: { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" },
      message:
        /cannot use the pod's ServiceAccount: cannot read the ServiceAccount CA .*ca\.crt.*or pass --kubeconfig <file>/,
    },
  ];
  it.each(bad)("$name → INPUT_UNREADABLE saying what to do", async ({ path, env, message }) => {
    const e = await failure(loadClusterConnection(path, env));
    expect(e.code).toBe("INPUT_UNREADABLE");
    expect(e.message).toMatch(message);
  });
});

describe("the operator's modules without client-node", () => {
  it("the CLI program and the operator's composition root load no module of @kubernetes/client-node", () => {
    // A child process records every module it loads (Node's synchronous module hooks); client-node may only come
    // through the dynamic import of the kubeconfig branch, which in a pod is never taken.
    const script = `
      import { registerHooks } from "node:module";
      const loaded = [];
      registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
      await import("./src/cli/program.ts");
      await import("./src/operator/run.ts");
      console.log(JSON.stringify({ total: loaded.length, clientNode: loaded.filter((u) => /@kubernetes[+/]client-node/.test(u)) }));
    `;
    const out = spawnSync(process.execPath, ["--conditions=@kaito-ts/source", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(out.stderr).toBe("");
    const result = JSON.parse(out.stdout) as { total: number; clientNode: string[] };
    expect(result.total).toBeGreaterThan(100);
    expect(result.clientNode).toEqual([]);
  });
});
