/**
 * `kaito cluster up --real`: the playground on envtest's real control plane with simulated GPU nodes. A NodeClaim
 * printed by `kaito plan` and applied with the real kubectl becomes a Ready GPU node; without the binaries the
 * command says in one line how to build them.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { kubectlPath } from "@kaito-ts/envtest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../src/cli/io.ts";
import { runCli } from "../src/cli/program.ts";
import { runClusterUp } from "../src/playground/cluster-up.ts";
import { kaito, repoRoot } from "./support.ts";

const run = promisify(execFile);

describe("kaito cluster up --real", () => {
  const dir = mkdtempSync(join(tmpdir(), "kaito-up-real-"));
  const kubeconfig = join(dir, "kubeconfig");
  let output = "";
  let stop: () => void = () => {};
  let exited: Promise<number>;

  const kubectl = async (args: string[], input?: string) => {
    const child = execFile(kubectlPath(), ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), ...args], {
      cwd: repoRoot,
    });
    if (input !== undefined) child.stdin?.end(input);
    return new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
      });
      child.stderr?.on("data", (d: Buffer) => {
        err += d.toString();
      });
      child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
    });
  };

  beforeAll(async () => {
    const interrupted = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const io: CliIO = {
      stdout: (t) => {
        output += t;
      },
      stderr: (t) => {
        output += t;
      },
      readInput: () => Promise.reject(new Error("no input")),
      isTTY: false,
      interrupted: () => interrupted,
    };
    exited = runCli(["cluster", "up", "--real", "--kubeconfig", kubeconfig, "--node-delay-ms", "50"], io);
    for (let i = 0; i < 2400 && !output.includes("press Ctrl-C"); i++) await new Promise((r) => setTimeout(r, 25));
    if (!output.includes(`export KUBECONFIG=${kubeconfig}`))
      throw new Error(`cluster up --real did not start:\n${output}`);
  }, 120_000);

  afterAll(async () => {
    stop();
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves Kaito's CRDs on a real kube-apiserver", async () => {
    expect(output).toMatch(
      /a real control plane \(kube-apiserver, etcd, controller-manager, scheduler\) is serving at https:\/\/127\.0\.0\.1:\d+/,
    );
    const crds = await kubectl(["get", "crd", "-o", "name"]);
    expect(crds).toContain("customresourcedefinition.apiextensions.k8s.io/workspaces.kaito.sh");
    expect(crds).toContain("customresourcedefinition.apiextensions.k8s.io/nodeclaims.karpenter.sh");
    const version = JSON.parse(await kubectl(["version", "-o", "json"])) as { serverVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.37\./);
  });

  it("turns the NodeClaim of kaito plan into a Ready GPU node", async () => {
    const plan = await kaito(["plan", "examples/inference/kaito_workspace_phi_3_mini.yaml"]);
    const claim = plan.stdout.split("\n---\n").find((d) => d.includes("kind: NodeClaim"));
    expect(claim).toBeDefined();
    await kubectl(["apply", "-f", "-"], claim);
    let nodes: {
      items: Array<{ status: { capacity: Record<string, string> }; metadata: { labels: Record<string, string> } }>;
    } = {
      items: [],
    };
    for (let i = 0; i < 400 && nodes.items.length === 0; i++) {
      nodes = JSON.parse(
        await kubectl(["get", "nodes", "-l", "kaito.sh/workspace=workspace-phi-3-mini", "-o", "json"]),
      );
      if (nodes.items.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(nodes.items[0]?.metadata.labels["node.kubernetes.io/instance-type"]).toBe("Standard_NC24ads_A100_v4");
    expect(nodes.items[0]?.status.capacity["nvidia.com/gpu"]).toBe("1");
  });
});

describe("kaito cluster up --real without the binaries", () => {
  it("says in one line how to build them, exit 2", async () => {
    const empty = mkdtempSync(join(tmpdir(), "kaito-nobin-"));
    const saved = process.env.KAITO_TS_BIN_DIR;
    process.env.KAITO_TS_BIN_DIR = empty;
    let err = "";
    try {
      const code = await runClusterUp(
        {
          stdout: () => {},
          stderr: (t) => {
            err += t;
          },
          readInput: () => Promise.reject(new Error("no input")),
          isTTY: false,
          interrupted: () => new Promise(() => {}),
        },
        { port: 0, nodeDelayMs: 50, real: true },
      );
      expect(code).toBe(2);
    } finally {
      if (saved === undefined) delete process.env.KAITO_TS_BIN_DIR;
      else process.env.KAITO_TS_BIN_DIR = saved;
      rmSync(empty, { recursive: true, force: true });
    }
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toMatch(
      /^cluster up --real needs the control-plane binaries \(missing: [^)]*kube-apiserver[^)]*\): build them with npx --yes pnpm@12\.21\.0 test-deps/,
    );
    expect(run).toBeDefined();
  });
});
