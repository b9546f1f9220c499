/**
 * The seed's flow on both API servers — cluster-sim and the real kube-apiserver v1.37 (`@kaito-ts/envtest`) — with
 * the same real kubectl, the generated Workspace CRD, and Kaito's admission rules served over HTTPS by reconciler-core's
 * handler behind a real `ValidatingWebhookConfiguration` (URL + caBundle): the seed's tuning example as written is
 * denied, the filled-in copy is created, `kubectl get workspace` prints the same columns on both, and label, patch and
 * watch work on Workspaces. (This is the cross-package part of cluster-sim's parity suite,
 * `packages/cluster-sim/test/parity/`: cluster-sim's own tests may not import the Workspace rules.)
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startCluster } from "@kaito-ts/cluster-sim";
import { kubectlPath, startControlPlane, webhookServerCertificate } from "@kaito-ts/envtest";
import { createAdmissionHandler } from "@kaito-ts/reconciler-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support.ts";

const SEED = join(repoRoot, "examples/fine-tuning/kaito_workspace_tuning_phi_3.yaml");
const SEED_FILLED = join(repoRoot, "examples/fine-tuning/kaito_workspace_tuning_phi_3_local.yaml");
const CRD = fileURLToPath(import.meta.resolve("@kaito-ts/workspace-types/crds/kaito.sh_workspaces.yaml"));
const WEBHOOK = "validation.workspace.kaito.sh";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real kubectl bound to one kubeconfig, with its own cache. */
function kubectlFor(kubeconfigPath: string) {
  const cacheDir = mkdtempSync(join(tmpdir(), "seed-flow-kubectl-"));
  const base = ["--kubeconfig", kubeconfigPath, "--cache-dir", cacheDir];
  const env = { ...process.env, HOME: cacheDir, KUBECTL_KUBERC: "false" };
  const run = (args: string[], input?: string): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(kubectlPath(), [...base, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(input);
    });
  return {
    run,
    async ok(args: string[], input?: string): Promise<string> {
      const r = await run(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    },
    spawn: (args: string[]) => spawn(kubectlPath(), [...base, ...args], { env, stdio: ["ignore", "pipe", "pipe"] }),
  };
}

type Kubectl = ReturnType<typeof kubectlFor>;

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Kaito's webhook: reconciler-core's admission handler behind node:https on 127.0.0.1. */
async function startWebhook(): Promise<{ server: Server; url: string; caBundle: string; reviews: string[] }> {
  const tls = await webhookServerCertificate();
  const handle = createAdmissionHandler({
    context: { cloud: "azure", nodeAutoProvisioning: true, defaultRuntime: "vllm" },
  });
  const reviews: string[] = [];
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const review = JSON.parse(body) as { request?: { operation?: string; name?: string } };
      reviews.push(`${review.request?.operation} ${review.request?.name}`);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(handle(review)));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return { server, url: `https://127.0.0.1:${port}/validate-workspace`, caBundle: tls.caBundleBase64, reviews };
}

const webhookConfiguration = (url: string, caBundle: string) =>
  JSON.stringify({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: "kaito-validating-webhook" },
    webhooks: [
      {
        name: WEBHOOK,
        clientConfig: { url, caBundle },
        rules: [
          {
            apiGroups: ["kaito.sh"],
            apiVersions: ["v1alpha1", "v1beta1"],
            operations: ["CREATE", "UPDATE"],
            resources: ["workspaces"],
          },
        ],
        admissionReviewVersions: ["v1"],
        sideEffects: "None",
        failurePolicy: "Fail",
        timeoutSeconds: 30,
      },
    ],
  });

const BACKENDS = [
  {
    name: "cluster-sim",
    async start() {
      const cluster = await startCluster({ simulation: false });
      return { kubeconfigPath: cluster.kubeconfigPath, stop: () => cluster.stop() };
    },
  },
  {
    name: "kube-apiserver",
    async start() {
      const cp = await startControlPlane();
      return { kubeconfigPath: cp.kubeconfigPath, stop: () => cp.stop() };
    },
  },
] as const;

/** What each backend printed, compared at the end. */
const printed = new Map<string, Record<string, string>>();

describe.each(BACKENDS.map((b) => ({ backend: b, name: b.name })))("the seed's flow — $name", ({ backend, name }) => {
  let stop: (() => Promise<void>) | undefined;
  let webhook: Awaited<ReturnType<typeof startWebhook>> | undefined;
  let kubectl: Kubectl;
  const out: Record<string, string> = {};
  printed.set(name, out);

  beforeAll(async () => {
    const started = await backend.start();
    stop = started.stop;
    kubectl = kubectlFor(started.kubeconfigPath);
    await kubectl.ok(["create", "-f", CRD]);
    await kubectl.ok(["wait", "--for=condition=Established", "--timeout=60s", "crd/workspaces.kaito.sh"]);
    webhook = await startWebhook();
    await kubectl.ok(["create", "-f", "-"], webhookConfiguration(webhook.url, webhook.caBundle));
  }, 180_000);

  afterAll(async () => {
    webhook?.server.close();
    await stop?.();
  });

  it("denies the seed's tuning example as written, through the webhook", async () => {
    // the API server picks up a new webhook configuration a moment after it is created
    const denied = await until("the webhook to deny", async () => {
      const r = await kubectl.run(["apply", "-f", SEED]);
      if (r.code === 0) await kubectl.ok(["delete", "-f", SEED, "--wait"]);
      return r.code !== 0 ? r : undefined;
    });
    expect(denied.stderr).toContain(
      `Error from server (BadRequest): error when creating "${SEED}": admission webhook "${WEBHOOK}" denied the request: validation failed: spec.tuning.output.image: `,
    );
    expect(denied.stderr).toContain("spec.tuning.output.imagePushSecret: ");
    expect(denied.stderr).toMatch(/placeholder/);
    const lines = denied.stderr.trim().split("\n");
    out.denial = lines.filter((l) => !l.startsWith("Warning: ")).join("\n");
    // both servers relay the webhook's warnings, also with a denial
    const warnings = lines.filter((l) => l.startsWith("Warning: "));
    expect(warnings.filter((l) => l.startsWith("Warning: spec.resource.instanceType: ")).length).toBe(2);
    out.denialWarnings = warnings.join("\n");
    expect(webhook?.reviews).toContain("CREATE workspace-tuning-phi-3");
    const none = await kubectl.run(["get", "workspace", "workspace-tuning-phi-3"]);
    expect(none.stderr.trim()).toBe(
      'Error from server (NotFound): workspaces.kaito.sh "workspace-tuning-phi-3" not found',
    );
  });

  it("creates the filled-in copy, with the webhook's warning", async () => {
    const r = await kubectl.run(["apply", "-f", SEED_FILLED]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("workspace.kaito.sh/workspace-tuning-phi-3 created");
    out.created = r.stdout.trim();
    expect(r.stderr).toMatch(/^Warning: spec\.resource\.instanceType: .*bfloat16/m);
    out.createdWarnings = r.stderr.trim();
  });

  it("kubectl get workspace prints the Workspace columns", async () => {
    const table = await kubectl.ok(["get", "workspace"]);
    const [header, row] = table.trim().split("\n");
    expect(header?.split(/\s+/)).toEqual([
      "NAME",
      "INSTANCE",
      "RESOURCEREADY",
      "INFERENCEREADY",
      "JOBSTARTED",
      "WORKSPACESUCCEEDED",
      "WORKSPACEREADY",
      "TARGETNODECOUNT",
      "STATE",
      "AGE",
    ]);
    expect(row).toMatch(/^workspace-tuning-phi-3\s+Standard_NC6s_v3\s+\d+s$/);
    // the classic columns, as the v1alpha1 version prints them
    const classic = await kubectl.ok(["get", "workspaces.v1alpha1.kaito.sh"]);
    expect(classic.trim().split("\n")[0]?.split(/\s+/)).toEqual([
      "NAME",
      "INSTANCE",
      "RESOURCEREADY",
      "INFERENCEREADY",
      "JOBSTARTED",
      "WORKSPACESUCCEEDED",
      "WORKSPACEREADY",
      "AGE",
    ]);
    const now = `${new Date().toISOString().slice(0, 19)}Z`;
    const conditions = ["ResourceReady", "JobStarted", "WorkspaceSucceeded"].map((type) => ({
      type,
      status: "True",
      reason: "Done",
      message: "",
      lastTransitionTime: now,
    }));
    await kubectl.ok([
      "patch",
      "workspace",
      "workspace-tuning-phi-3",
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status: { conditions } }),
    ]);
    const ready = await kubectl.ok(["get", "wk", "-o", "wide"]);
    expect(ready).toMatch(/^workspace-tuning-phi-3\s+Standard_NC6s_v3\s+True\s+True\s+True\s+True\s+\d+s$/m);
    out.wide = ready.replace(/\d+s$/gm, "<age>");
  });

  it("label and patch go through the webhook; a change Kaito forbids is denied", async () => {
    expect((await kubectl.ok(["label", "workspace", "workspace-tuning-phi-3", "team=ml"])).trim()).toBe(
      "workspace.kaito.sh/workspace-tuning-phi-3 labeled",
    );
    expect(
      (
        await kubectl.ok([
          "patch",
          "workspace",
          "workspace-tuning-phi-3",
          "--type=merge",
          "-p",
          '{"tuning":{"output":{"image":"localhost:5000/tuning/phi-3-mini-128k-adapter:0.0.2"}}}',
        ])
      ).trim(),
    ).toBe("workspace.kaito.sh/workspace-tuning-phi-3 patched");
    expect(webhook?.reviews.filter((r) => r === "UPDATE workspace-tuning-phi-3").length).toBeGreaterThanOrEqual(2);
    const bad = await kubectl.run([
      "patch",
      "workspace",
      "workspace-tuning-phi-3",
      "--type=merge",
      "-p",
      '{"tuning":{"output":{"image":"ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1"}}}',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      `Error from server (BadRequest): admission webhook "${WEBHOOK}" denied the request: validation failed: spec.tuning.output.image: `,
    );
    out.updateDenial = bad.stderr.trim();
  });

  it("a watch of Workspaces sees the label change", async () => {
    const child = kubectl.spawn([
      "get",
      "workspaces",
      "-w",
      "-l",
      "team",
      "-o",
      "custom-columns=NAME:.metadata.name,TEAM:.metadata.labels.team",
    ]);
    let seen = "";
    child.stdout?.on("data", (d: Buffer) => {
      seen += d.toString();
    });
    try {
      await until("the initial row", async () => /workspace-tuning-phi-3\s+ml/.test(seen));
      await kubectl.ok(["label", "workspace", "workspace-tuning-phi-3", "team=research", "--overwrite"]);
      await until("the changed row", async () => /workspace-tuning-phi-3\s+research/.test(seen));
    } finally {
      child.kill();
    }
    out.watch = seen.trim();
  });
});

describe("the backends agree", () => {
  it("on what kubectl printed", () => {
    const sim = printed.get("cluster-sim") ?? {};
    const real = printed.get("kube-apiserver") ?? {};
    expect(sim).toEqual(real);
    expect(Object.keys(real).length).toBe(7);
  });
});
