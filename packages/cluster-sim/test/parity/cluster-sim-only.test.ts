/**
 * What only cluster-sim does (FIDELITY.md, "What only one of them does"): a real API server reaches pods through the
 * kubelet and the pod network, which the attached simulation does not provide. End to end through cluster-sim: a Deployment whose image is mapped to a real local process, a Service in front
 * of it, and requests through `/api/v1/namespaces/<ns>/services/<name>:<port>/proxy/<path>` (kubectl get --raw and a
 * plain fetch with the bearer token), plus the pod proxy and `kubectl logs`; fault injection and request counters.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../src/index.ts";
import { eventually, type Kubectl, kubectlFor } from "../clients/kubectl-runner.ts";

let cluster: Cluster;
let kubectl: Kubectl;

const SERVER = [
  "const http = require('node:http');",
  "const port = Number(process.env.PORT);",
  "http.createServer((req, res) => {",
  "  let body = '';",
  "  req.on('data', (c) => (body += c));",
  "  req.on('end', () => {",
  "    res.writeHead(200, { 'Content-Type': 'application/json' });",
  "    res.end(JSON.stringify({ method: req.method, url: req.url, body, pod: process.env.HOSTNAME }));",
  "  });",
  "}).listen(port, '127.0.0.1', () => console.log('listening on ' + port));",
].join("\n");

beforeAll(async () => {
  cluster = await startCluster({
    skus: [{ name: "Standard_D4s_v3", gpuCount: 0 }],
    nodeDelayMs: 20,
    simulation: { processRuntime: { images: [{ image: "example.com/chat:*", command: ["node", "-e", SERVER] }] } },
  });
  kubectl = kubectlFor(cluster.kubeconfigPath);
  cluster.store.create(
    { group: "karpenter.sh", version: "v1", resource: "nodeclaims" },
    {
      apiVersion: "karpenter.sh/v1",
      kind: "NodeClaim",
      metadata: { name: "cpu-a", labels: { "node.kubernetes.io/instance-type": "Standard_D4s_v3" } },
      spec: {
        requirements: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: ["Standard_D4s_v3"] }],
        nodeClassRef: { group: "karpenter.azure.com", kind: "AKSNodeClass", name: "default" },
      },
    },
  );
});

afterAll(async () => {
  await cluster?.stop();
});

describe("service proxy to a real process", () => {
  it("reaches the process behind a Service through the API server", async () => {
    await kubectl.ok(["apply", "-f", "-"], {
      input: [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata: {name: chat}",
        "spec:",
        "  replicas: 1",
        "  selector: {matchLabels: {app: chat}}",
        "  template:",
        "    metadata: {labels: {app: chat}}",
        "    spec:",
        "      containers:",
        "      - name: server",
        "        image: example.com/chat:1.0",
        "        ports: [{containerPort: 5000}]",
        "---",
        "apiVersion: v1",
        "kind: Service",
        "metadata: {name: chat}",
        "spec:",
        "  selector: {app: chat}",
        "  ports: [{port: 80, targetPort: 5000}]",
        "",
      ].join("\n"),
    });
    const raw = await eventually(
      async () => {
        const r = await kubectl.run([
          "get",
          "--raw",
          "/api/v1/namespaces/default/services/chat:80/proxy/v1/models?x=1",
        ]);
        return r.code === 0 ? r.stdout : undefined;
      },
      30_000,
      "the service proxy to answer",
    );
    expect(JSON.parse(raw ?? "{}")).toMatchObject({ method: "GET", url: "/v1/models?x=1" });

    const res = await fetch(`${cluster.url}/api/v1/namespaces/default/services/chat:80/proxy/chat`, {
      method: "POST",
      headers: { Authorization: `Bearer ${cluster.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ prompt: "hello" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ method: "POST", url: "/chat", body: '{"prompt":"hello"}' });
  });

  it("proxies to the pod and shows its logs", async () => {
    const pod = (
      await kubectl.ok(["get", "pods", "-l", "app=chat", "-o", "jsonpath={.items[0].metadata.name}"])
    ).trim();
    const raw = await kubectl.ok(["get", "--raw", `/api/v1/namespaces/default/pods/${pod}:5000/proxy/ping`]);
    expect(JSON.parse(raw)).toMatchObject({ url: "/ping", pod });
    const logs = await kubectl.ok(["logs", pod]);
    expect(logs).toMatch(/listening on \d+/);
  });
});

describe("faults and counters", () => {
  it("injects 429 with Retry-After once, then recovers; counts the requests", async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "faulty" } } });
    const before = cluster.counters.get({ verb: "get", resource: "configmaps" });
    const remove = cluster.faults.add({
      verb: "get",
      resource: "configmaps",
      status: 429,
      retryAfterSeconds: 2,
      times: 1,
    });
    const e = (await core
      .readNamespacedConfigMap({ namespace: "default", name: "faulty" })
      .catch((err: unknown) => err)) as {
      code: number;
      headers: Record<string, string>;
    };
    expect(e.code).toBe(429);
    expect(e.headers["retry-after"]).toBe("2");
    const ok = await core.readNamespacedConfigMap({ namespace: "default", name: "faulty" });
    expect(ok.metadata?.name).toBe("faulty");
    remove();
    expect(cluster.counters.get({ verb: "get", resource: "configmaps" }) - before).toBe(2);
  });
});
