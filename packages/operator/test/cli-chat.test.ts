/**
 * `kaito chat` and `kaito endpoint` against a served Workspace on cluster-sim: the Workspace is applied, the objects
 * the reconciler builds for it (NodeClaim, Services, StatefulSet) are created, and the runtime image runs as a real
 * local process — a tiny OpenAI-compatible server (and Kaito's classic `/chat`) — reached through the API server's
 * service proxy with the kubeconfig's credentials, as from a laptop.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { type Cluster, startCluster } from "@kaito-ts/cluster-sim";
import { nodeNameFor, resolveNodeRequest } from "@kaito-ts/node-provisioner";
import { buildNodeClaim } from "@kaito-ts/node-provisioner/karpenter";
import { listSkus } from "@kaito-ts/preset-catalog";
import { buildWorkspaceObjects, resolveBuildOptions } from "@kaito-ts/reconciler-core";
import { createWorkspaceClient, KubeTransport } from "@kaito-ts/workspace-client";
import { workspaceCrd } from "@kaito-ts/workspace-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulatedSku } from "../src/playground/cluster-up.ts";
import { kaito, repoRoot } from "./support.ts";

/** The model server: streams "echo: <last user message>" word by word; `/chat` answers the classic way. */
const SERVER = `
const http = require("node:http");
const send = (res, code, body) => { res.writeHead(code, { "content-type": "application/json" }); res.end(JSON.stringify(body)); };
http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    if (req.url === "/health") return send(res, 200, { status: "ok" });
    if (req.url === "/v1/models") return send(res, 200, { object: "list", data: [{ id: "phi-3-mini-4k-instruct", object: "model", owned_by: "kaito" }] });
    if (req.url === "/chat") return send(res, 200, { Result: "classic: " + JSON.parse(body).prompt });
    if (req.url === "/v1/chat/completions") {
      const p = JSON.parse(body);
      if (p.model !== "phi-3-mini-4k-instruct") return send(res, 404, { object: "error", message: "The model " + p.model + " does not exist.", type: "NotFoundError", code: 404 });
      const users = p.messages.filter((m) => m.role === "user");
      const words = ("echo(" + users.length + "): " + users[users.length - 1].content).split(" ");
      res.writeHead(200, { "content-type": "text/event-stream" });
      words.forEach((w, i) => res.write("data: " + JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: p.model, choices: [{ index: 0, delta: { content: (i ? " " : "") + w }, finish_reason: null }] }) + "\\n\\n"));
      res.write("data: [DONE]\\n\\n");
      return res.end();
    }
    send(res, 404, { detail: "Not Found" });
  });
}).listen(Number(process.env.PORT));
`;

let cluster: Cluster;
let k: string[];

beforeAll(async () => {
  cluster = await startCluster({
    crds: [structuredClone(workspaceCrd) as never],
    skus: listSkus({ includeClassic: true }).map(simulatedSku),
    nodeDelayMs: 50,
    simulation: {
      podDelays: { pullMs: 5, readyMs: 5, completionMs: 5 },
      processRuntime: {
        images: [{ image: "mcr.microsoft.com/aks/kaito/kaito-base:*", command: ["node", "-e", SERVER] }],
      },
    },
  });
  k = ["--kubeconfig", cluster.kubeconfigPath];
  // What the operator would do for the Workspace: the objects of reconciler-core's builders and its NodeClaim.
  const client = createWorkspaceClient(cluster.kubeConfig);
  const ws = await client.apply(
    (await import("node:fs")).readFileSync(
      join(repoRoot, "examples/inference/kaito_workspace_phi_3_mini.yaml"),
      "utf8",
    ),
  );
  const plan = buildWorkspaceObjects(ws, {}, resolveBuildOptions());
  const t = new KubeTransport(cluster.kubeConfig);
  const req = resolveNodeRequest(
    { workspace: plan.workspace as never, targetNodeCount: 1 },
    { uid: true, instanceType: true },
  );
  const claim = buildNodeClaim(req, nodeNameFor(ws.metadata.uid ?? "", 0), { cloud: "azure" });
  const post = (path: string, body: unknown) => t.send(path, { verb: "create", what: path }, { method: "POST", body });
  await post("/apis/karpenter.sh/v1/nodeclaims", claim);
  for (const o of plan.objects) {
    const kind = (o as { kind: string }).kind;
    const path =
      kind === "Service"
        ? "/api/v1/namespaces/default/services"
        : kind === "StatefulSet"
          ? "/apis/apps/v1/namespaces/default/statefulsets"
          : "/apis/apps/v1/namespaces/default/controllerrevisions";
    await post(path, o);
  }
  // served once the pod is Ready
  for (let i = 0; i < 600; i++) {
    const r = await kaito(["chat", "workspace-phi-3-mini", "ping", ...k]);
    if (r.code === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the Workspace's server did not come up");
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("kaito chat", () => {
  it("streams the answer to one prompt through the service proxy", async () => {
    const r = await kaito(["chat", "workspace-phi-3-mini", "What is Kaito?", ...k]);
    expect(r).toMatchObject({ code: 0, stdout: "echo(1): What is Kaito?\n", stderr: "" });
  });

  it("runs an interactive session from standard input, keeping the history, until /exit", async () => {
    const child = spawn(
      process.execPath,
      [
        "--conditions=@kaito-ts/source",
        join(repoRoot, "packages/operator/src/cli/main.ts"),
        "chat",
        "workspace-phi-3-mini",
        ...k,
      ],
      { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.stdin.write("hello there\n");
    child.stdin.write("second question\n");
    child.stdin.write("/exit\n");
    child.stdin.write("never sent\n");
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(err).toMatch(/^chatting with default\/workspace-phi-3-mini \(model phi-3-mini-4k-instruct\); \/exit ends/);
    expect(out).toBe("echo(1): hello there\necho(2): second question\n");
    expect(code).toBe(0);
  });

  it("a model the server does not know: exit 1 with the server's message", async () => {
    const r = await kaito(["chat", "workspace-phi-3-mini", "hi", "--model", "no-such-adapter", ...k]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: chat with default\/workspace-phi-3-mini: .*no-such-adapter does not exist/m);
  });

  it("a missing Workspace: exit 1, not found", async () => {
    const r = await kaito(["chat", "nope", "hi", ...k]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: get Workspace default\/nope: .*not found/m);
  });

  it("the service-proxy URL printed by kaito endpoint answers /chat with the kubeconfig's token", async () => {
    const e = await kaito(["endpoint", "workspace-phi-3-mini", ...k]);
    const proxy = /service proxy URL: {2}(\S+)/.exec(e.stdout)?.[1];
    expect(proxy).toBe(`${cluster.url}/api/v1/namespaces/default/services/workspace-phi-3-mini:80/proxy/`);
    const res = await fetch(`${proxy}chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${cluster.token}`, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "hi" }),
    });
    expect(await res.json()).toEqual({ Result: "classic: hi" });
  });
});
