/**
 * What needs cluster-sim's fault injection and kubelet: waitFor keeps watching across dropped watches and a
 * compacted history (410 → relist), and logs come from the workload's real process (StatefulSet pod 0, else the
 * tuning Job's pod).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkspaceClient, KubeTransport, type WorkspaceClient } from "../src/index.ts";
import { eventually, type RunningBackend, startClusterSim } from "./support/backends.ts";
import { clientError, patchStatus, workspaceYaml } from "./support/scenarios.ts";

let backend: RunningBackend;
let client: WorkspaceClient;

beforeAll(async () => {
  backend = await startClusterSim({ skus: [{ name: "Standard_NC24ads_A100_v4", gpuCount: 1 }] });
  await backend.installWorkspaceCrd();
  client = createWorkspaceClient(backend.kubeConfig);
}, 60_000);

afterAll(async () => {
  await backend?.stop();
});

const cond = (type: string, status: string, reason: string) => ({ type, status, reason, message: reason });

describe("waitFor on a flaky connection", () => {
  it("re-establishes dropped watches and relists after 410 Expired", async () => {
    const cluster = backend.cluster;
    if (cluster === undefined) throw new Error("cluster-sim backend expected");
    await client.apply(workspaceYaml("ws-flaky"));
    const seen: string[] = [];
    const waiting = client.waitFor("ws-flaky", "WorkspaceSucceeded", {
      timeoutMs: 30_000,
      onProgress: (p) => seen.push(p.conditions.map((c) => `${c.type}=${c.status}`).join(",")),
    });
    await eventually("the first read", async () => seen.length > 0);
    await patchStatus(backend.kubeConfig, "default", "ws-flaky", [cond("ResourceReady", "True", "a")]);
    await eventually("the change", async () => seen.some((s) => s.includes("ResourceReady=True")));
    cluster.faults.dropWatches("workspaces.kaito.sh", true); // the socket dies
    await patchStatus(backend.kubeConfig, "default", "ws-flaky", [cond("InferenceReady", "True", "b")]);
    await eventually("the change after the drop", async () => seen.some((s) => s.includes("InferenceReady=True")));
    // the history is gone and the watch ends: the next watch from our resourceVersion gets 410 → relist
    cluster.faults.compact("workspaces.kaito.sh");
    cluster.faults.dropWatches("workspaces.kaito.sh");
    await patchStatus(backend.kubeConfig, "default", "ws-flaky", [cond("WorkspaceSucceeded", "True", "c")]);
    const ws = await waiting;
    expect(ws.status?.conditions?.find((c) => c.type === "WorkspaceSucceeded")?.status).toBe("True");
  });
});

describe("logs of the workload", () => {
  it("reads (tail and follow) the StatefulSet pod 0's container, found by Kaito's workspace label", async () => {
    const t = new KubeTransport(backend.kubeConfig);
    await client.apply(workspaceYaml("ws-logs"));
    // a GPU node for the pod: a NodeClaim, which the simulated cloud turns into a Node
    await t.send(
      "/apis/karpenter.sh/v1/nodeclaims",
      { verb: "create", what: "nodeclaim" },
      {
        method: "POST",
        body: {
          apiVersion: "karpenter.sh/v1",
          kind: "NodeClaim",
          metadata: { name: "wslogs0001", labels: { "karpenter.sh/nodepool": "kaito" } },
          spec: {
            nodeClassRef: { group: "kaito.sh", kind: "KaitoNodeClass", name: "default" },
            requirements: [
              { key: "node.kubernetes.io/instance-type", operator: "In", values: ["Standard_NC24ads_A100_v4"] },
            ],
          },
        },
      },
    );
    const script = "for (let i = 1; i <= 3; i++) console.log('line ' + i); setInterval(() => {}, 1000)";
    await t.send(
      "/api/v1/namespaces/default/pods",
      { verb: "create", what: "pod" },
      {
        method: "POST",
        body: {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "ws-logs-0", namespace: "default", labels: { "kaito.sh/workspace": "ws-logs" } },
          spec: {
            tolerations: [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
            containers: [{ name: "ws-logs", image: "sim/node:1", command: ["node", "-e", script] }],
          },
        },
      },
    );
    let lastError = "";
    const text = await eventually("the log", async () => {
      const l = await client.logs("ws-logs", "default").catch((e: Error) => {
        lastError = e.message;
        return "";
      });
      return l.includes("line 3") ? l : undefined;
    });
    expect(lastError === "" || /has no pod yet|pod default\/ws-logs-0/.test(lastError)).toBe(true);
    expect(text).toBe("line 1\nline 2\nline 3\n");
    expect(await client.logs("ws-logs", "default", { tail: 1 })).toBe("line 3\n");
    const ac = new AbortController();
    let followed = "";
    for await (const chunk of client.logs("ws-logs", "default", { follow: true, signal: ac.signal })) {
      followed += chunk;
      if (followed.includes("line 3")) ac.abort();
    }
    expect(followed).toContain("line 1\nline 2\nline 3");
    const wrong = await clientError(client.logs("ws-logs", "default", { container: "nope" }));
    expect(wrong.code).toBe("API_ERROR");
    expect(wrong.message).toMatch(/logs pod default\/ws-logs-0 container nope: HTTP 400 .*nope/);
  });
});
