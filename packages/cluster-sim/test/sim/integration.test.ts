/**
 * The simulation against the real store and HTTP server (`startCluster`): objects are created over HTTP as a client
 * would, the simulation reacts through the store, and a real process is reached through the service proxy.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../src/cluster.ts";
import { R } from "../../src/sim/shared/resources.ts";
import type { KubeObject } from "../../src/store/api.ts";
import { cond, eventsFor, nodeClaim, SKUS, status, waitFor } from "./helpers.ts";

let cluster: Cluster;
const errors: unknown[] = [];

async function api(
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<{ code: number; json: KubeObject }> {
  const res = await fetch(`${cluster.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${cluster.token}`, "content-type": contentType },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { code: res.status, json: (text.startsWith("{") ? JSON.parse(text) : { raw: text }) as KubeObject };
}

beforeAll(async () => {
  try {
    cluster = await startCluster({
      skus: SKUS,
      nodeDelayMs: 20,
      simulation: {
        podDelays: { pullMs: 5, readyMs: 5, probeIntervalMs: 30, killGraceMs: 2000 },
        processRuntime: {
          images: [
            { image: "sim/node:*" },
            {
              image: "mcr.microsoft.com/aks/kaito/kaito-base:*",
              spawn: () => ({
                command: [
                  process.execPath,
                  "-e",
                  `require("node:http").createServer((q, s) => { s.setHeader("content-type", "application/json"); s.end(JSON.stringify({ path: q.url, pod: process.env.HOSTNAME })); }).listen(Number(process.env.PORT), "127.0.0.1")`,
                ],
              }),
            },
          ],
        },
        onError: (e) => errors.push(e),
      },
    });
  } catch (error) {
    throw new Error(
      `startCluster failed, so the simulation cannot be tested against the real server: ${String(error)}`,
    );
  }
});

afterAll(async () => {
  await cluster?.stop();
});

describe("simulation behind the real API server", () => {
  it("turns a NodeClaim created over HTTP into a Ready GPU node", async () => {
    const created = await api(
      "POST",
      "/apis/karpenter.sh/v1/nodeclaims",
      nodeClaim("wsint00001", "Standard_NC96ads_A100_v4", "int"),
    );
    expect(created.code, JSON.stringify(created.json)).toBe(201);
    const nc = await waitFor("NodeClaim Ready", () => {
      const o = cluster.store.get(R.nodeclaims, undefined, "wsint00001");
      return cond(o, "Ready") === "True" ? o : undefined;
    });
    const node = await api("GET", `/api/v1/nodes/${String(status(nc).nodeName)}`);
    expect(node.code).toBe(200);
    expect((status(node.json).capacity as Record<string, string>)["nvidia.com/gpu"]).toBe("4");
    expect(node.json.metadata.labels?.["node.kubernetes.io/instance-type"]).toBe("Standard_NC96ads_A100_v4");
    expect(cond(node.json, "Ready")).toBe("True");
  });

  it("runs a StatefulSet pod as a process reachable through the service proxy", async () => {
    const ns = "default";
    const sts = await api("POST", `/apis/apps/v1/namespaces/${ns}/statefulsets`, {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "phi" },
      spec: {
        replicas: 1,
        podManagementPolicy: "Parallel",
        serviceName: "phi-headless",
        selector: { matchLabels: { "kaito.sh/workspace": "phi" } },
        template: {
          metadata: { labels: { "kaito.sh/workspace": "phi" } },
          spec: {
            tolerations: [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
            containers: [
              {
                name: "phi",
                image: "mcr.microsoft.com/aks/kaito/kaito-base:0.5.0",
                command: ["/bin/sh", "-c", "python3 /workspace/vllm/inference_api.py"],
                ports: [{ name: "http", containerPort: 5000 }],
                resources: { requests: { "nvidia.com/gpu": "4" }, limits: { "nvidia.com/gpu": "4" } },
                startupProbe: { httpGet: { path: "/health", port: 5000 }, periodSeconds: 10, failureThreshold: 180 },
                livenessProbe: { httpGet: { path: "/health", port: 5000 }, periodSeconds: 10, failureThreshold: 3 },
                readinessProbe: {
                  httpGet: { path: "/health", port: 5000 },
                  initialDelaySeconds: 30,
                  periodSeconds: 10,
                },
                env: [
                  { name: "VLLM_USE_FLASHINFER_SAMPLER", value: "0" },
                  {
                    name: "HF_TOKEN",
                    valueFrom: { secretKeyRef: { name: "no-such-secret", key: "HF_TOKEN", optional: true } },
                  },
                ],
                volumeMounts: [{ name: "dshm", mountPath: "/dev/shm" }],
              },
            ],
            volumes: [{ name: "dshm", emptyDir: { medium: "Memory" } }],
          },
        },
      },
    });
    expect(sts.code, JSON.stringify(sts.json)).toBe(201);
    const svc = await api("POST", `/api/v1/namespaces/${ns}/services`, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "phi" },
      spec: {
        selector: { "kaito.sh/workspace": "phi", "statefulset.kubernetes.io/pod-name": "phi-0" },
        ports: [{ name: "http", port: 80, targetPort: 5000 }],
        publishNotReadyAddresses: true,
      },
    });
    expect(svc.code, JSON.stringify(svc.json)).toBe(201);
    await waitFor("StatefulSet ready", () => status(cluster.store.get(R.statefulsets, ns, "phi")).readyReplicas === 1);
    const ep = await api("GET", `/api/v1/namespaces/${ns}/endpoints/phi`);
    const subsets = ep.json.subsets as Array<{ addresses: Array<{ targetRef: { name: string } }> }>;
    expect(subsets[0]?.addresses[0]?.targetRef.name).toBe("phi-0");
    const proxied = await api("GET", `/api/v1/namespaces/${ns}/services/phi:http/proxy/v1/models`);
    expect(proxied.code, JSON.stringify(proxied.json)).toBe(200);
    expect(proxied.json).toMatchObject({ path: "/v1/models", pod: "phi-0" });
    const svcObj = cluster.store.get(R.services, ns, "phi");
    expect(String((svcObj?.spec as { clusterIP?: string } | undefined)?.clusterIP)).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it("leaves a pod that needs more GPUs than exist Pending with FailedScheduling", async () => {
    const res = await api("POST", "/api/v1/namespaces/default/pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "too-big" },
      spec: {
        containers: [{ name: "c", image: "busybox", resources: { limits: { "nvidia.com/gpu": "8" } } }],
        tolerations: [{ operator: "Exists" }],
      },
    });
    expect(res.code, JSON.stringify(res.json)).toBe(201);
    const pod = await waitFor("Unschedulable", () => {
      const o = cluster.store.get(R.pods, "default", "too-big");
      return cond(o, "PodScheduled") === "False" ? o : undefined;
    });
    const c = (status(pod).conditions as Array<Record<string, string>>).find((x) => x.type === "PodScheduled");
    expect(c?.message).toBe("0/1 nodes are available: 1 Insufficient nvidia.com/gpu.");
    expect(eventsFor(cluster.store, "default", "too-big").some((e) => e.startsWith("FailedScheduling"))).toBe(true);
  });

  it("completes a Job whose process reads a ConfigMap volume", async () => {
    await api("POST", "/api/v1/namespaces/default/configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "params" },
      data: { "training_config.yaml": "epochs: 1\n" },
    });
    const res = await api("POST", "/apis/batch/v1/namespaces/default/jobs", {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "tune" },
      spec: {
        template: {
          spec: {
            restartPolicy: "Never",
            tolerations: [{ operator: "Exists" }],
            containers: [
              {
                name: "tune",
                image: "sim/node:24",
                command: [
                  "node",
                  "-e",
                  "console.log(require('fs').readFileSync('/mnt/config/training_config.yaml', 'utf8'))",
                ],
                volumeMounts: [{ name: "config-volume", mountPath: "/mnt/config" }],
              },
            ],
            volumes: [{ name: "config-volume", configMap: { name: "params" } }],
          },
        },
      },
    });
    expect(res.code, JSON.stringify(res.json)).toBe(201);
    const job = await waitFor("Job finished", () => {
      const o = cluster.store.get(R.jobs, "default", "tune");
      return cond(o, "Complete") === "True" || cond(o, "Failed") === "True" ? o : undefined;
    });
    expect(cond(job, "Complete")).toBe("True");
    const pod = cluster.store.list(R.pods, { namespace: "default" }).find((p) => p.metadata.name?.startsWith("tune-"));
    expect(cluster.simulation?.logs("default", pod?.metadata.name ?? "", "tune")).toContain("epochs: 1");
  });

  it("rolls a Deployment to a new template through ReplicaSets", async () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { tolerations: [{ operator: "Exists" }], containers: [{ name: "web", image: "nginx:1.26" }] },
        },
      },
    };
    expect((await api("POST", "/apis/apps/v1/namespaces/default/deployments", deployment)).code).toBe(201);
    await waitFor(
      "available",
      () => status(cluster.store.get(R.deployments, "default", "web")).availableReplicas === 2,
    );
    const patched = await api(
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/web",
      { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } } },
      "application/strategic-merge-patch+json",
    );
    expect(patched.code, JSON.stringify(patched.json)).toBe(200);
    const d = await waitFor("rolled out", () => {
      const o = cluster.store.get(R.deployments, "default", "web");
      const s = status(o);
      return s.observedGeneration === 2 && s.updatedReplicas === 2 && s.replicas === 2 && s.availableReplicas === 2
        ? o
        : undefined;
    });
    expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    expect(cond(d, "Available")).toBe("True");
    const rs = cluster.store.list(R.replicasets, { namespace: "default" });
    expect(rs.map((r) => (r.spec as { replicas: number }).replicas).sort()).toEqual([0, 2]);
  });

  it("lets the kubelet finish a graceful pod deletion: SIGTERM handling completes before the pod is removed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cluster-sim-grace-"));
    try {
      const script = [
        "const fs = require('node:fs');",
        "const dir = process.env.MARKER_DIR;",
        "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');",
        "process.on('SIGTERM', () => {",
        "  fs.writeFileSync(dir + '/term', '');",
        "  setTimeout(() => { fs.writeFileSync(dir + '/done', ''); process.exit(0); }, 150);",
        "});",
        "fs.writeFileSync(dir + '/started', '');",
      ].join("\n");
      const res = await api("POST", "/api/v1/namespaces/default/pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "graceful" },
        spec: {
          terminationGracePeriodSeconds: 30,
          tolerations: [{ operator: "Exists" }],
          containers: [
            {
              name: "main",
              image: "sim/node:24",
              command: ["node", "-e", script],
              env: [{ name: "MARKER_DIR", value: dir }],
              ports: [{ containerPort: 8080 }],
            },
          ],
        },
      });
      expect(res.code, JSON.stringify(res.json)).toBe(201);
      await waitFor("process started", () => existsSync(join(dir, "started")));
      await waitFor("pod Running", () => status(cluster.store.get(R.pods, "default", "graceful")).phase === "Running");
      let doneAtDeletion: boolean | undefined;
      const unsubscribe = cluster.store.subscribe((e) => {
        if (e.type === "DELETED" && e.resource.resource === "pods" && e.object.metadata.name === "graceful")
          doneAtDeletion = existsSync(join(dir, "done"));
      });
      try {
        const del = await api("DELETE", "/api/v1/namespaces/default/pods/graceful");
        expect(del.code).toBe(200);
        expect(del.json.metadata.deletionTimestamp).toBeDefined();
        expect(del.json.metadata.deletionGracePeriodSeconds).toBe(30);
        await waitFor("pod removed", () => doneAtDeletion !== undefined);
      } finally {
        unsubscribe();
      }
      expect(existsSync(join(dir, "term"))).toBe(true);
      // the store's 50 ms timer would have removed the pod (and killed the process) before its SIGTERM handler ended
      expect(doneAtDeletion).toBe(true);
      expect((await api("GET", "/api/v1/namespaces/default/pods/graceful")).code).toBe(404);
      expect(eventsFor(cluster.store, "default", "graceful").some((e) => e.startsWith("Killing"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("deletes the Node when the NodeClaim is deleted over HTTP", async () => {
    const nc = cluster.store.get(R.nodeclaims, undefined, "wsint00001");
    const nodeName = String(status(nc).nodeName);
    const del = await api("DELETE", "/apis/karpenter.sh/v1/nodeclaims/wsint00001");
    expect([200, 202]).toContain(del.code);
    await waitFor("NodeClaim gone", () => cluster.store.get(R.nodeclaims, undefined, "wsint00001") === undefined);
    expect((await api("GET", `/api/v1/nodes/${nodeName}`)).code).toBe(404);
    expect(errors).toEqual([]);
  });
});
