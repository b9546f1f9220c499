import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { kubectlPath } from "@kaito-ts/envtest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../src/cli/io.ts";
import { runCli } from "../src/cli/program.ts";
import { repoRoot } from "./support.ts";

const run = promisify(execFile);

// The seed's flow, as written, against `kaito cluster up`: real kubectl applies the filled-in example and
// `kubectl get workspace` shows the seed's columns.
describe("kaito cluster up + kubectl (the seed's flow)", () => {
  const dir = mkdtempSync(join(tmpdir(), "kaito-cluster-up-"));
  const kubeconfig = join(dir, "kubeconfig");
  let output = "";
  let stop: () => void = () => {};
  let exited: Promise<number>;

  const kubectl = async (...args: string[]) => {
    const r = await run(kubectlPath(), ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), ...args], {
      cwd: repoRoot,
    });
    return r.stdout;
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
    exited = runCli(["cluster", "up", "--kubeconfig", kubeconfig, "--node-delay-ms", "50"], io);
    for (let i = 0; i < 200 && !output.includes("export KUBECONFIG="); i++) await new Promise((r) => setTimeout(r, 25));
    if (!output.includes(`export KUBECONFIG=${kubeconfig}`)) throw new Error(`cluster up did not start:\n${output}`);
  });

  afterAll(async () => {
    stop();
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves Kaito's CRDs", async () => {
    const crds = await kubectl("get", "crd", "-o", "name");
    expect(crds.split("\n")).toEqual(
      expect.arrayContaining([
        "customresourcedefinition.apiextensions.k8s.io/workspaces.kaito.sh",
        "customresourcedefinition.apiextensions.k8s.io/nodeclaims.karpenter.sh",
      ]),
    );
  });

  it("applies the filled-in seed example and shows the seed's columns", async () => {
    await kubectl("apply", "-f", "examples/fine-tuning/registry-push-secret.yaml");
    const applied = await kubectl("apply", "-f", "examples/fine-tuning/kaito_workspace_tuning_phi_3_local.yaml");
    expect(applied.trim()).toBe("workspace.kaito.sh/workspace-tuning-phi-3 created");
    const table = await kubectl("get", "workspace", "workspace-tuning-phi-3");
    const [header, row] = table.trim().split("\n");
    const columns = header?.split(/\s{2,}/) ?? [];
    expect(columns).toEqual(
      expect.arrayContaining(["NAME", "INSTANCE", "RESOURCEREADY", "INFERENCEREADY", "WORKSPACEREADY", "AGE"]),
    );
    expect(row).toMatch(/^workspace-tuning-phi-3\s+Standard_NC6s_v3\s/);
    // Stored as v1beta1 (the storage version) although applied as v1alpha1, with the CRD defaults.
    const stored = JSON.parse(await kubectl("get", "wk", "workspace-tuning-phi-3", "-o", "json")) as {
      apiVersion: string;
      resource: { count: number };
    };
    expect(stored.apiVersion).toBe("kaito.sh/v1beta1");
    expect(stored.resource.count).toBe(1);
  });

  it("rejects the seed example as written, as Kaito's webhook does", async () => {
    const failed = await kubectl("apply", "-f", "examples/fine-tuning/kaito_workspace_tuning_phi_3.yaml").then(
      () => undefined,
      (e: { stderr: string }) => e.stderr,
    );
    expect(failed).toMatch(/admission webhook "validation\.workspace\.kaito\.sh" denied the request/);
    expect(failed).toMatch(/spec\.tuning\.output\.image: /);
    expect(failed).toMatch(/spec\.tuning\.output\.imagePushSecret: /);
  });
});
