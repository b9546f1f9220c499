/**
 * The cluster scenarios of `kaito apply`, `status`, `deploy` and `endpoint`, written once and run on both backends
 * (`cli-cluster.envtest.test.ts`, `cli-cluster.cluster-sim.test.ts`): each starts its backend WITHOUT the
 * Workspace CRD, so the first check sees `CRD_NOT_INSTALLED`, then installs it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeTransport } from "@kaito-ts/workspace-client";
import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../src/cli/io.ts";
import { runCli } from "../src/cli/program.ts";
import { kaito, repoRoot } from "./support.ts";

/** A started backend for the CLI scenarios. */
export interface CliBackend {
  readonly kubeConfig: KubeConfig;
  readonly kubeconfigPath: string;
  installWorkspaceCrd(): Promise<void>;
  stop(): Promise<void>;
}

/** Plays Kaito's controller: merge-patches the Workspace's status conditions. */
export async function setConditions(
  kc: KubeConfig,
  namespace: string,
  name: string,
  conditions: Array<{ type: string; status: string; reason: string; message: string }>,
): Promise<void> {
  const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  await new KubeTransport(kc).send(
    `/apis/kaito.sh/v1beta1/namespaces/${namespace}/workspaces/${name}/status`,
    { verb: "patch", what: "status" },
    {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { status: { conditions: conditions.map((c) => ({ ...c, lastTransitionTime: at })) } },
    },
  );
}

/** Records a core/v1 Event about a Workspace, as Kaito's controller does. */
export async function recordEvent(kc: KubeConfig, namespace: string, name: string, reason: string, message: string) {
  const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  await new KubeTransport(kc).send(
    `/api/v1/namespaces/${namespace}/events`,
    { verb: "create", what: "event" },
    {
      method: "POST",
      body: {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: `${name}.${reason.toLowerCase()}`, namespace },
        involvedObject: { apiVersion: "kaito.sh/v1beta1", kind: "Workspace", name, namespace },
        reason,
        message,
        type: "Normal",
        count: 1,
        firstTimestamp: at,
        lastTimestamp: at,
        source: { component: "workspace-controller" },
      },
    },
  );
}

/** The CLI scenarios on one backend. */
/** A CLI I/O for `status --watch`: both streams collected in one text, and an interrupt (Ctrl-C) to end the watch. */
function watchIO(isTTY: boolean): { io: CliIO; output(): string; interrupt(): void } {
  let out = "";
  let interrupt: () => void = () => {};
  const interrupted = new Promise<void>((r) => {
    interrupt = r;
  });
  const collect = (t: string) => {
    out += t;
  };
  return {
    io: {
      stdout: collect,
      stderr: collect,
      readInput: () => Promise.reject(new Error("no input")),
      isTTY,
      interrupted: () => interrupted,
    },
    output: () => out,
    interrupt: () => interrupt(),
  };
}

export function cliClusterScenarios(start: () => Promise<CliBackend>): void {
  let backend: CliBackend;
  let k: string[];
  let beforeCrd: Awaited<ReturnType<typeof kaito>>;

  beforeAll(async () => {
    backend = await start();
    k = ["--kubeconfig", backend.kubeconfigPath];
    beforeCrd = await kaito(["status", ...k]);
    await backend.installWorkspaceCrd();
  }, 120_000);

  afterAll(async () => {
    await backend?.stop();
  });

  it("CRD not installed: exit 2, saying so and how to install it", () => {
    expect(beforeCrd.code).toBe(2);
    expect(beforeCrd.stderr).toMatch(/^error: list Workspaces in default: .* the Workspace CRD is not installed/m);
  });

  it("apply: server-side applies a Workspace file; an invalid one exits 1 with the field paths", async () => {
    const ok = await kaito(["apply", "examples/inference/kaito_workspace_phi_3_mini.yaml", ...k]);
    expect(ok.stderr).toMatch(/watch it: kaito status workspace-phi-3-mini/);
    expect(ok).toMatchObject({ code: 0, stdout: "workspace.kaito.sh/workspace-phi-3-mini serverside-applied\n" });
    const bad = await kaito(["apply", "examples/fine-tuning/kaito_workspace_tuning_phi_3.yaml", ...k]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^spec\.tuning\.output\.image: /m);
    expect(bad.stderr).toMatch(/^error: Workspace workspace-tuning-phi-3 is invalid/m);
    const missing = await kaito(["apply", "nope.yaml", ...k]);
    expect(missing.code).toBe(2);
  });

  it("status: the kubectl columns, the latest conditions and recent events", async () => {
    const fresh = await kaito(["status", "workspace-phi-3-mini", ...k]);
    expect(fresh.code).toBe(0);
    const [header, row] = fresh.stdout.split("\n");
    expect(header?.split(/\s{3,}/)).toEqual([
      "NAME",
      "INSTANCE",
      "RESOURCEREADY",
      "INFERENCEREADY",
      "WORKSPACEREADY",
      "AGE",
    ]);
    expect(row).toMatch(/^workspace-phi-3-mini\s+Standard_NC24ads_A100_v4\s+\d+s$/);
    expect(fresh.stdout).toMatch(/Conditions:\n {2}\(none yet: is the Kaito operator running\?\)/);
    await setConditions(backend.kubeConfig, "default", "workspace-phi-3-mini", [
      { type: "ResourceReady", status: "True", reason: "workspaceResourceStatusSuccess", message: "nodes are ready" },
      {
        type: "InferenceReady",
        status: "False",
        reason: "WorkspaceInferenceStatusPending",
        message: "waiting for pods",
      },
    ]);
    await recordEvent(
      backend.kubeConfig,
      "default",
      "workspace-phi-3-mini",
      "NodeClaimCreated",
      "created NodeClaim ws1",
    );
    const later = await kaito(["status", "workspace-phi-3-mini", ...k]);
    expect(later.stdout).toMatch(/^workspace-phi-3-mini\s+Standard_NC24ads_A100_v4\s+True\s+False\s+\d+s$/m);
    expect(later.stdout).toContain("InferenceReady=False  WorkspaceInferenceStatusPending: waiting for pods");
    expect(later.stdout).toMatch(/Recent events:\n {2}\d+s ago {2}Normal {2}NodeClaimCreated: created NodeClaim ws1/);
    const list = await kaito(["status", ...k, "-n", "default"]);
    expect(list.stdout).toMatch(/^workspace-phi-3-mini\s+Standard_NC24ads_A100_v4\s+True\s+False\s+\d+s$/m);
    expect(list.stdout).toMatch(/^workspace-phi-3-mini: (ResourceReady|InferenceReady)=/m);
    const none = await kaito(["status", "nope", ...k]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error: get Workspace default\/nope: .*not found/m);
  });

  it("status --watch prints a new block per change (non-TTY) and ends on interrupt", async () => {
    const { io, output, interrupt } = watchIO(false);
    const done = runCli(["status", "workspace-phi-3-mini", "--watch", ...k], io);
    for (let i = 0; i < 200 && !output().includes("Conditions:"); i++) await new Promise((r) => setTimeout(r, 25));
    await setConditions(backend.kubeConfig, "default", "workspace-phi-3-mini", [
      { type: "ResourceReady", status: "True", reason: "workspaceResourceStatusSuccess", message: "nodes are ready" },
      { type: "InferenceReady", status: "True", reason: "WorkspaceInferenceStatusSuccess", message: "served" },
      { type: "WorkspaceSucceeded", status: "True", reason: "workspaceSucceeded", message: "ready" },
    ]);
    for (let i = 0; i < 400 && !output().includes("WorkspaceSucceeded=True"); i++)
      await new Promise((r) => setTimeout(r, 25));
    interrupt();
    expect(await done).toBe(0);
    expect(output()).toMatch(/\n--- \d{4}-\d\d-\d\dT[^\n]+\nNAME/);
    expect(output()).toMatch(/^workspace-phi-3-mini\s+Standard_NC24ads_A100_v4\s+True\s+True\s+True\s+\d+s$/m);
  });

  it("status --watch on a terminal clears and redraws the view on each change", async () => {
    const { io, output, interrupt } = watchIO(true);
    const done = runCli(["status", "workspace-phi-3-mini", "-w", ...k], io);
    for (let i = 0; i < 200 && !output().includes("Recent events:"); i++) await new Promise((r) => setTimeout(r, 25));
    await recordEvent(backend.kubeConfig, "default", "workspace-phi-3-mini", "WorkspaceSucceeded", "all done");
    await setConditions(backend.kubeConfig, "default", "workspace-phi-3-mini", [
      { type: "ResourceReady", status: "True", reason: "workspaceResourceStatusSuccess", message: "nodes are ready" },
      { type: "InferenceReady", status: "True", reason: "WorkspaceInferenceStatusSuccess", message: "served again" },
    ]);
    for (let i = 0; i < 400 && !(output().includes("served again") && output().includes("all done")); i++)
      await new Promise((r) => setTimeout(r, 25));
    interrupt();
    expect(await done).toBe(0);
    const frames = output()
      .split("\x1b[H\x1b[2J")
      .filter((f) => f !== "");
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames[0]).toMatch(/^NAME\s+INSTANCE/);
    expect(frames.at(-1)).toContain("InferenceReady=True  WorkspaceInferenceStatusSuccess: served again");
    expect(frames.at(-1)).toContain("WorkspaceSucceeded: all done");
  });

  it("deploy: a Workspace from flags, with the SKU picked and said; endpoint prints its URLs", async () => {
    const d = await kaito(["deploy", "phi-cli", "--model", "phi-3-mini-4k-instruct", ...k]);
    expect(d.code).toBe(0);
    expect(d.stderr).toMatch(
      /^instance type Standard_NV36ads_A10_v5: the smallest azure SKU that can serve phi-3-mini-4k-instruct/m,
    );
    expect(d.stdout).toBe("workspace.kaito.sh/phi-cli serverside-applied in default\n");
    const e = await kaito(["endpoint", "phi-cli", ...k]);
    expect(e.code).toBe(0);
    const server = backend.kubeConfig.getCurrentCluster()?.server.replace(/\/$/, "");
    expect(e.stdout).toContain("in-cluster URL:     http://phi-cli.default.svc.cluster.local:80");
    expect(e.stdout).toContain(`service proxy URL:  ${server}/api/v1/namespaces/default/services/phi-cli:80/proxy/`);
    expect(e.stdout).toMatch(/POST v1\/chat\/completions/);
    expect(e.stdout).toMatch(/POST chat \{"prompt": …\}/);
    const missing = await kaito(["endpoint", "nope", ...k]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not found/);
    const badFlags = await kaito(["deploy", "x", "--model", "phi-3-mini-4k-instruct", "--tuning", ...k]);
    expect(badFlags.code).toBe(2);
    expect(badFlags.stderr).toMatch(/error: --tuning needs --input-urls/);
  });

  it("endpoint of a tuning Workspace says it serves none (exit 1)", async () => {
    await new KubeTransport(backend.kubeConfig).send(
      "/api/v1/namespaces/default/secrets",
      { verb: "create", what: "secret" },
      {
        method: "POST",
        body: { apiVersion: "v1", kind: "Secret", metadata: { name: "regcred" }, type: "Opaque", data: {} },
      },
    );
    const t = await kaito([
      "deploy",
      "tune-cli",
      "--model",
      "phi-3-mini-128k-instruct",
      "--tuning",
      "--input-urls",
      "https://example.com/data.parquet",
      "--output-image",
      "myregistry.azurecr.io/adapters/phi:1",
      "--output-image-secret",
      "regcred",
      ...k,
    ]);
    expect(t.stderr).toMatch(/can tune phi-3-mini-128k-instruct \(qlora\)/);
    expect(t.code).toBe(0);
    const e = await kaito(["endpoint", "tune-cli", ...k]);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/is a tuning Workspace: it serves no endpoint/);
  });

  it("status of a tuning Workspace shows status.tuningProgress; the CRD keeps its numbers typed", async () => {
    const path = "/apis/kaito.sh/v1beta1/namespaces/default/workspaces/tune-cli/status";
    const patch = (tuningProgress: Record<string, unknown>) =>
      new KubeTransport(backend.kubeConfig).send(
        path,
        { verb: "patch", what: "status" },
        { method: "PATCH", contentType: "application/merge-patch+json", body: { status: { tuningProgress } } },
      );
    const observedTime = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    await patch({ step: 12, totalSteps: 100, epoch: 0.5, loss: 1.234, etaSeconds: 80, completed: false, observedTime });
    const s = await kaito(["status", "tune-cli", ...k]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(
      /\nTuning progress:\n {2}step 12\/100 \(12%\) {2}epoch 0\.50 {2}loss 1\.2340 {2}ETA 1m20s {2}\(read \d+s ago\)\n\nConditions:/,
    );
    // a float where the CRD says integer, and a string where it says number, are refused by the API server
    await expect(patch({ step: 1.5 })).rejects.toThrow(/tuningProgress\.step/);
    await expect(patch({ loss: "NaN" })).rejects.toThrow(/tuningProgress\.loss/);
    const list = await kaito(["status", ...k]);
    expect(list.stdout).toMatch(/^tune-cli: tuning step 12\/100 \(12%\) {2}epoch 0\.50 {2}loss 1\.2340 {2}ETA 1m20s/m);
    const inference = await kaito(["status", "workspace-phi-3-mini", ...k]);
    expect(inference.stdout).not.toContain("Tuning progress:");
  });

  it("an unreachable cluster: exit 2 naming the server URL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kaito-cli-"));
    const file = join(dir, "kubeconfig");
    writeFileSync(
      file,
      "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:9\n    insecure-skip-tls-verify: true\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: t0ps3cret\n",
    );
    for (const argv of [
      ["status"],
      ["apply", "examples/inference/kaito_workspace_phi_3_mini.yaml"],
      ["endpoint", "x"],
      ["chat", "x", "hi"],
    ]) {
      const r = await kaito([...argv, "--kubeconfig", file]);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/the API server http:\/\/127\.0\.0\.1:9 is unreachable \(connection refused\)/);
      expect(r.stderr).not.toContain("t0ps3cret");
    }
    expect(repoRoot).toBeTruthy();
  });
}

/** Describes one backend's CLI scenarios. */
export function describeCliOn(name: string, start: () => Promise<CliBackend>): void {
  describe(`kaito apply/status/deploy/endpoint on ${name}`, () => cliClusterScenarios(start));
}
