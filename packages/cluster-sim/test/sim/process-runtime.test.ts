import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulation, type Simulation } from "../../src/sim/index.ts";
import { R } from "../../src/sim/shared/resources.ts";
import type { KubeObject } from "../../src/store/api.ts";
import { cond, eventsFor, nodeClaim, SKUS, status, waitFor } from "./helpers.ts";
import { StoreDouble } from "./store-double.ts";

const store = new StoreDouble();
const errors: unknown[] = [];
let sim: Simulation;

const gpuToleration = [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }];

function job(name: string, podSpec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "default" },
    spec: {
      template: {
        metadata: { labels: { "kaito.sh/workspace": name } },
        spec: { restartPolicy: "Never", tolerations: gpuToleration, ...podSpec },
      },
      ...extra,
    },
  };
}

function jobPod(name: string): KubeObject | undefined {
  return store.list(R.pods, { namespace: "default", labelSelector: `job-name=${name}` })[0];
}

beforeAll(async () => {
  sim = createSimulation(store, {
    skus: SKUS,
    nodeDelayMs: 10,
    podDelays: { pullMs: 5, readyMs: 5, backoffMs: 20, maxBackoffMs: 100, probeIntervalMs: 30, killGraceMs: 500 },
    processRuntime: {
      images: [
        { image: "sim/node:*" },
        { image: "sim/sh" },
        { image: "sim/pause", command: [process.execPath, "-e", "setInterval(() => {}, 1000)"], sidecar: true },
        {
          image: "sim/sick",
          command: [
            process.execPath,
            "-e",
            `let n = 0; require("node:http").createServer((q, s) => { s.statusCode = q.url === "/healthz" && ++n > 2 ? 500 : 200; s.end("x"); }).listen(Number(process.env.PORT), "127.0.0.1")`,
          ],
        },
        {
          image: "sim/server",
          spawn: (ctx) => ({
            command: [
              process.execPath,
              "-e",
              `require("node:http").createServer((q, s) => s.end("hello from " + process.env.HOSTNAME + " " + q.url)).listen(Number(process.env.PORT), "127.0.0.1")`,
            ],
            env: { EXTRA: ctx.argv.join(" ") },
          }),
        },
      ],
    },
    onError: (e) => errors.push(e),
  });
  store.create(R.nodeclaims, nodeClaim("wsproc0001", "Standard_NC96ads_A100_v4", "proc"));
  await waitFor("node", () => cond(store.get(R.nodeclaims, undefined, "wsproc0001"), "Ready") === "True");
});

afterAll(async () => {
  await sim.stop();
});

describe("process runtime", () => {
  it("runs a Job's container as a real process with a configMap volume and env from a secret", async () => {
    store.create(R.configmaps, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "tuning-params", namespace: "default" },
      data: { "training_config.yaml": "training_config:\n  epochs: 3\n" },
    });
    store.create(R.secrets, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "hf", namespace: "default" },
      data: { HF_TOKEN: Buffer.from("s3cr3t-token").toString("base64") },
    });
    const script = [
      `const fs = require("node:fs");`,
      `const cfg = fs.readFileSync("/mnt/config/training_config.yaml", "utf8");`,
      `console.log("config:" + cfg.split("\\n")[1].trim());`,
      `console.log("token-length:" + process.env.HF_TOKEN.length);`,
      `console.log("pod:" + process.env.POD_NAME + " ns:" + process.env.POD_NS + " ip:" + process.env.POD_IP);`,
      `console.log("expanded:" + process.env.GREETING);`,
      `fs.writeFileSync(process.env.KAITO_SIM_MOUNT_RESULTS_VOLUME + "/done.txt", "ok");`,
    ].join("\n");
    store.create(
      R.jobs,
      job("tune", {
        containers: [
          {
            name: "tune",
            image: "sim/node:24",
            command: ["node", "-e", script, "/mnt/config/training_config.yaml"],
            env: [
              { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "hf", key: "HF_TOKEN" } } },
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "POD_NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
              { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
              { name: "GREETING", value: "hi-$(POD_NS)" },
            ],
            volumeMounts: [
              { name: "config-volume", mountPath: "/mnt/config" },
              { name: "results-volume", mountPath: "/mnt/results" },
            ],
            resources: { limits: { "nvidia.com/gpu": "1" } },
          },
        ],
        volumes: [
          { name: "config-volume", configMap: { name: "tuning-params" } },
          { name: "results-volume", emptyDir: {} },
        ],
      }),
    );
    const j = await waitFor("job Complete", () => {
      const o = store.get(R.jobs, "default", "tune");
      return cond(o, "Complete") === "True" || cond(o, "Failed") === "True" ? o : undefined;
    });
    const pod = jobPod("tune") as KubeObject;
    const logs = sim.logs("default", pod.metadata.name ?? "", "tune") ?? "";
    expect(cond(j, "Complete"), logs).toBe("True");
    expect(status(pod).phase).toBe("Succeeded");
    expect(logs).toContain("config:epochs: 3");
    expect(logs).toContain(`token-length:${"s3cr3t-token".length}`);
    expect(logs).toContain(`pod:${pod.metadata.name} ns:default ip:10.244.`);
    expect(logs).toContain("expanded:hi-default");
    expect(logs).not.toContain("s3cr3t-token");
    const cs = (status(pod).containerStatuses as Array<{ state: { terminated: Record<string, unknown> } }>)[0];
    expect(cs?.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
  });

  it("counts a failing process against backoffLimit and fails the Job", async () => {
    store.create(
      R.jobs,
      job(
        "crash",
        {
          containers: [
            { name: "c", image: "sim/node:24", command: ["node", "-e", "console.error('boom'); process.exit(7)"] },
          ],
        },
        { backoffLimit: 1 },
      ),
    );
    const j = await waitFor("job Failed", () => {
      const o = store.get(R.jobs, "default", "crash");
      return cond(o, "Failed") === "True" ? o : undefined;
    });
    expect(status(j)).toMatchObject({ failed: 2, succeeded: 0 });
    const pods = store.list(R.pods, { namespace: "default", labelSelector: "job-name=crash" });
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(status(p).phase).toBe("Failed");
      const cs = (status(p).containerStatuses as Array<{ state: { terminated: Record<string, unknown> } }>)[0];
      expect(cs?.state.terminated).toMatchObject({ exitCode: 7, reason: "Error" });
      expect(sim.logs("default", p.metadata.name ?? "")).toContain("boom");
    }
  });

  it("reports a missing executable as StartError", async () => {
    store.create(
      R.jobs,
      job(
        "noexe",
        { containers: [{ name: "c", image: "sim/node:24", command: ["/nonexistent/kaito-binary"] }] },
        { backoffLimit: 0 },
      ),
    );
    await waitFor("job Failed", () => cond(store.get(R.jobs, "default", "noexe"), "Failed") === "True");
    const cs = (
      status(jobPod("noexe")).containerStatuses as Array<{ state: { terminated: Record<string, unknown> } }>
    )[0];
    expect(cs?.state.terminated).toMatchObject({ exitCode: 128, reason: "StartError" });
    expect(String(cs?.state.terminated.message)).toContain("executable file not found");
  });

  it("runs init containers first, then main and a sidecar; the pod succeeds when the main container exits 0", async () => {
    store.create(
      R.jobs,
      job("pipeline", {
        shareProcessNamespace: true,
        initContainers: [
          {
            name: "downloader",
            image: "sim/node:24",
            command: ["node", "-e", "require('fs').writeFileSync('/mnt/data/input.txt', 'dataset')"],
            volumeMounts: [{ name: "data-volume", mountPath: "/mnt/data" }],
          },
        ],
        containers: [
          {
            name: "trainer",
            image: "sim/node:24",
            command: ["node", "-e", "console.log('read:' + require('fs').readFileSync('/mnt/data/input.txt', 'utf8'))"],
            volumeMounts: [{ name: "data-volume", mountPath: "/mnt/data" }],
          },
          { name: "pause", image: "sim/pause" },
        ],
        volumes: [{ name: "data-volume", emptyDir: {} }],
      }),
    );
    const j = await waitFor("pipeline done", () => {
      const o = store.get(R.jobs, "default", "pipeline");
      return cond(o, "Complete") === "True" || cond(o, "Failed") === "True" ? o : undefined;
    });
    const pod = jobPod("pipeline") as KubeObject;
    expect(cond(j, "Complete"), JSON.stringify(status(pod))).toBe("True");
    expect(sim.logs("default", pod.metadata.name ?? "", "trainer")).toContain("read:dataset");
    const init = (status(pod).initContainerStatuses as Array<{ state: { terminated: Record<string, unknown> } }>)[0];
    expect(init?.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    const main = status(pod).containerStatuses as Array<{
      name: string;
      state: { terminated?: Record<string, unknown> };
    }>;
    expect(main.map((c) => c.state.terminated?.exitCode)).toEqual([0, 0]);
  });

  it("runs a Kaito-style tuning pod: trainer, a shell pusher waiting on the results volume, and pause", async () => {
    const trainer = [
      `const fs = require("node:fs");`,
      `setTimeout(() => {`,
      `  fs.writeFileSync("/mnt/results/adapter_config.json", JSON.stringify({ r: 8 }));`,
      `  fs.writeFileSync("/mnt/results/fine_tuning_completed.txt", "done");`,
      `}, 150);`,
    ].join("\n");
    store.create(
      R.jobs,
      job("tuning", {
        shareProcessNamespace: true,
        containers: [
          {
            name: "tuning",
            image: "sim/node:24",
            command: ["node", "-e", trainer],
            volumeMounts: [{ name: "results-volume", mountPath: "/mnt/results" }],
          },
          {
            name: "pusher",
            image: "sim/sh",
            command: ["/bin/sh", "-c"],
            args: [
              "while [ ! -f /mnt/results/fine_tuning_completed.txt ]; do sleep 0.05; done; echo pushing $(cat /mnt/results/adapter_config.json)",
            ],
            volumeMounts: [{ name: "results-volume", mountPath: "/mnt/results" }],
          },
          { name: "pause", image: "registry.k8s.io/pause:latest", imagePullPolicy: "Always" },
        ],
        volumes: [{ name: "results-volume", emptyDir: {} }],
      }),
    );
    const j = await waitFor("tuning done", () => {
      const o = store.get(R.jobs, "default", "tuning");
      return cond(o, "Complete") === "True" || cond(o, "Failed") === "True" ? o : undefined;
    });
    const pod = jobPod("tuning") as KubeObject;
    expect(cond(j, "Complete"), JSON.stringify(status(pod).containerStatuses)).toBe("True");
    expect(sim.logs("default", pod.metadata.name ?? "", "pusher")).toBe('pushing {"r":8}\n');
  });

  it("serves a Service through a real process port, with an HTTP readiness probe", async () => {
    store.create(R.statefulsets, {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "chat", namespace: "default" },
      spec: {
        replicas: 1,
        podManagementPolicy: "Parallel",
        serviceName: "chat-headless",
        selector: { matchLabels: { "kaito.sh/workspace": "chat" } },
        template: {
          metadata: { labels: { "kaito.sh/workspace": "chat" } },
          spec: {
            tolerations: gpuToleration,
            containers: [
              {
                name: "chat",
                image: "sim/server",
                ports: [{ name: "http", containerPort: 5000 }],
                readinessProbe: { httpGet: { path: "/health", port: 5000 }, periodSeconds: 10 },
              },
            ],
          },
        },
      },
    });
    store.create(R.services, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "chat", namespace: "default" },
      spec: {
        selector: { "kaito.sh/workspace": "chat", "statefulset.kubernetes.io/pod-name": "chat-0" },
        ports: [{ name: "http", port: 80, targetPort: 5000 }],
        publishNotReadyAddresses: true,
      },
    });
    await waitFor("chat ready", () => cond(store.get(R.pods, "default", "chat-0"), "Ready") === "True");
    const byNumber = sim.resolveService("default", "chat", 80);
    const byName = sim.resolveService("default", "chat", "http");
    expect(byNumber).toBeDefined();
    expect(byName).toEqual(byNumber);
    expect(sim.resolvePod("default", "chat-0", 5000)).toEqual(byNumber);
    expect(sim.resolvePod("default", "chat-0", "http")).toEqual(byNumber);
    const res = await fetch(`http://${byNumber?.host}:${byNumber?.port}/v1/chat/completions`);
    expect(await res.text()).toBe("hello from chat-0 /v1/chat/completions");
    expect(sim.resolveService("default", "chat", 81)).toBeUndefined();
    expect(sim.resolveService("default", "missing", 80)).toBeUndefined();
  });

  it("restarts a container whose liveness probe fails, with Unhealthy and Killing events", async () => {
    store.create(R.pods, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "sick", namespace: "default" },
      spec: {
        tolerations: gpuToleration,
        containers: [
          {
            name: "app",
            image: "sim/sick",
            ports: [{ name: "http", containerPort: 8080 }],
            readinessProbe: { httpGet: { path: "/ready", port: "http" } },
            livenessProbe: { httpGet: { path: "/healthz", port: 8080 }, failureThreshold: 2 },
          },
        ],
      },
    });
    const cs = await waitFor("restarted", () => {
      const c = (
        status(store.get(R.pods, "default", "sick")).containerStatuses as
          | Array<{ restartCount: number; lastState: { terminated?: Record<string, unknown> } }>
          | undefined
      )?.[0];
      return c !== undefined && c.restartCount >= 1 ? c : undefined;
    });
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 143, reason: "Error" });
    const events = eventsFor(store, "default", "sick");
    expect(events, JSON.stringify(events)).toContain(
      "Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500",
    );
    expect(events).toContain("Killing: Container app failed liveness probe, will be restarted");
    store.delete(R.pods, "default", "sick", { gracePeriodSeconds: 0 });
  });

  it("kills the process when the pod is deleted (Killing event, pod gone, port closed)", async () => {
    const endpoint = sim.resolvePod("default", "chat-0", 5000);
    const pod = store.get(R.pods, "default", "chat-0") as KubeObject;
    store.delete(R.statefulsets, "default", "chat");
    await waitFor("pod gone", () => store.get(R.pods, "default", "chat-0")?.metadata.uid !== pod.metadata.uid);
    expect(eventsFor(store, "default", "chat-0").some((e) => e.startsWith("Killing: Stopping container chat"))).toBe(
      true,
    );
    await expect(fetch(`http://127.0.0.1:${endpoint?.port}/`)).rejects.toThrow();
    expect(errors).toEqual([]);
  });

  it("keeps a pod waiting with CreateContainerConfigError while a referenced secret is missing, then starts it", async () => {
    store.create(
      R.jobs,
      job("needs-secret", {
        containers: [
          {
            name: "c",
            image: "sim/node:24",
            command: ["node", "-e", "console.log('got ' + process.env.KEY)"],
            env: [{ name: "KEY", valueFrom: { secretKeyRef: { name: "late", key: "k" } } }],
          },
        ],
      }),
    );
    await waitFor("config error", () => {
      const cs = (
        status(jobPod("needs-secret")).containerStatuses as
          | Array<{ state: { waiting?: { reason: string; message: string } } }>
          | undefined
      )?.[0];
      return cs?.state.waiting?.reason === "CreateContainerConfigError" ? cs : undefined;
    });
    store.create(R.secrets, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "late", namespace: "default" },
      stringData: { k: "v" },
    });
    await waitFor("job Complete", () => cond(store.get(R.jobs, "default", "needs-secret"), "Complete") === "True");
    expect(sim.logs("default", jobPod("needs-secret")?.metadata.name ?? "", "c")).toContain("got v");
  });
});
