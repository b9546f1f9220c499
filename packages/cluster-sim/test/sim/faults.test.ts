import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulation, type Simulation } from "../../src/sim/index.ts";
import { R } from "../../src/sim/shared/resources.ts";
import type { KubeObject } from "../../src/store/api.ts";
import { cond, eventsFor, nodeClaim, SKUS, status, waitFor } from "./helpers.ts";
import { StoreDouble } from "./store-double.ts";

const store = new StoreDouble();
const errors: unknown[] = [];
let sim: Simulation;

type ContainerStatus = {
  name: string;
  ready: boolean;
  restartCount: number;
  state: Record<string, Record<string, unknown>>;
  lastState: Record<string, Record<string, unknown>>;
};

function pod(name: string, image: string, restartPolicy = "Always"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { restartPolicy, containers: [{ name: "main", image }] },
  };
}

function containerStatus(name: string): ContainerStatus | undefined {
  return (status(store.get(R.pods, "default", name)).containerStatuses as ContainerStatus[] | undefined)?.[0];
}

beforeAll(async () => {
  sim = createSimulation(store, {
    skus: SKUS,
    nodeDelayMs: 10,
    podDelays: { pullMs: 5, readyMs: 5, completionMs: null, backoffMs: 30, maxBackoffMs: 120 },
    faults: { pods: [{ kind: "ImagePullBackOff", image: "registry.example/missing:*" }] },
    onError: (e) => errors.push(e),
  });
  store.create(R.nodeclaims, nodeClaim("cpufaults1", "Standard_D4s_v3", "faults", false));
  await waitFor("node", () => cond(store.get(R.nodeclaims, undefined, "cpufaults1"), "Ready") === "True");
});

afterAll(async () => {
  await sim.stop();
});

describe("injected pod faults", () => {
  it("ImagePullBackOff: ErrImagePull then ImagePullBackOff, pod stays Pending", async () => {
    store.create(R.pods, pod("pull", "registry.example/missing:1.0"));
    const cs = await waitFor("ImagePullBackOff", () => {
      const c = containerStatus("pull");
      return c?.state.waiting?.reason === "ImagePullBackOff" ? c : undefined;
    });
    expect(String(cs.state.waiting?.message)).toBe('Back-off pulling image "registry.example/missing:1.0"');
    expect(cs.ready).toBe(false);
    expect(status(store.get(R.pods, "default", "pull")).phase).toBe("Pending");
    const events = eventsFor(store, "default", "pull");
    expect(events.some((e) => e.startsWith('Failed: Failed to pull image "registry.example/missing:1.0"'))).toBe(true);
    expect(events).toContain("Failed: Error: ErrImagePull");
    expect(events).toContain('BackOff: Back-off pulling image "registry.example/missing:1.0"');
  });

  it("recovers from ImagePullBackOff once the fault is removed", async () => {
    const id = sim.faults.list().find((f) => f.rule.kind === "ImagePullBackOff")?.id ?? "";
    expect(sim.faults.remove(id)).toBe(true);
    await waitFor("ready", () => cond(store.get(R.pods, "default", "pull"), "Ready") === "True");
  });

  it("CrashLoopBackOff: restarts with back-off, lastState terminated, phase Running", async () => {
    sim.faults.addPodFault({ kind: "CrashLoopBackOff", pod: "crashy", afterMs: 5 });
    store.create(R.pods, pod("crashy", "busybox"));
    const cs = await waitFor("2 restarts in CrashLoopBackOff", () => {
      const c = containerStatus("crashy");
      return c !== undefined && c.restartCount >= 2 && c.state.waiting?.reason === "CrashLoopBackOff" ? c : undefined;
    });
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(String(cs.state.waiting?.message)).toMatch(
      /^back-off \d+ms restarting failed container=main pod=crashy_default\(/,
    );
    expect(status(store.get(R.pods, "default", "crashy")).phase).toBe("Running");
    expect(cond(store.get(R.pods, "default", "crashy"), "Ready")).toBe("False");
    expect(
      eventsFor(store, "default", "crashy").some((e) =>
        e.startsWith("BackOff: Back-off restarting failed container main"),
      ),
    ).toBe(true);
  });

  it("OOMKilled: exit 137 with reason OOMKilled", async () => {
    sim.faults.addPodFault({ kind: "OOMKilled", image: "hungry:*", afterMs: 5 });
    store.create(R.pods, pod("oom", "hungry:1", "Never"));
    await waitFor("Failed", () => status(store.get(R.pods, "default", "oom")).phase === "Failed");
    expect(containerStatus("oom")?.state.terminated).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
  });

  it("a failing exit code fails a Never pod and an OnFailure pod restarts", async () => {
    sim.faults.addPodFault({ kind: "ExitCode", pod: "exit-*", exitCode: 42, afterMs: 5 });
    store.create(R.pods, pod("exit-never", "busybox", "Never"));
    store.create(R.pods, pod("exit-onfailure", "busybox", "OnFailure"));
    await waitFor("Failed", () => status(store.get(R.pods, "default", "exit-never")).phase === "Failed");
    expect(containerStatus("exit-never")?.state.terminated).toMatchObject({ exitCode: 42, reason: "Error" });
    await waitFor("restarted", () => (containerStatus("exit-onfailure")?.restartCount ?? 0) >= 1);
    expect(status(store.get(R.pods, "default", "exit-onfailure")).phase).not.toBe("Failed");
  });

  it("eviction: phase Failed, reason Evicted, DisruptionTarget condition", async () => {
    sim.faults.addPodFault({ kind: "Evicted", pod: "evictee", afterMs: 20 });
    store.create(R.pods, pod("evictee", "busybox"));
    const p = await waitFor("Evicted", () => {
      const o = store.get(R.pods, "default", "evictee");
      return status(o).reason === "Evicted" ? o : undefined;
    });
    expect(status(p).phase).toBe("Failed");
    expect(String(status(p).message)).toContain("The node was low on resource: memory.");
    expect(cond(p, "DisruptionTarget")).toBe("True");
    expect(cond(p, "Ready")).toBe("False");
    expect(eventsFor(store, "default", "evictee").some((e) => e.startsWith("Evicted: "))).toBe(true);
  });

  it("a Running simulated pod is deleted gracefully (Killing) and disappears", async () => {
    store.create(R.pods, pod("doomed", "busybox"));
    await waitFor("ready", () => cond(store.get(R.pods, "default", "doomed"), "Ready") === "True");
    const after = store.delete(R.pods, "default", "doomed");
    expect(after?.metadata.deletionTimestamp).toBeDefined();
    await waitFor("gone", () => store.get(R.pods, "default", "doomed") === undefined);
    expect(eventsFor(store, "default", "doomed")).toContain("Killing: Stopping container main");
  });

  it("a NodeNotReady fault turns the node NotReady and its pods unready, until removed", async () => {
    store.create(R.pods, pod("on-sick-node", "busybox"));
    await waitFor("ready", () => cond(store.get(R.pods, "default", "on-sick-node"), "Ready") === "True");
    const nodeName = String(
      (store.get(R.pods, "default", "on-sick-node")?.spec as { nodeName?: string } | undefined)?.nodeName,
    );
    const id = sim.faults.addNodeFault({ kind: "NodeNotReady", node: "aks-cpufaults1-*" });
    const node = await waitFor("node NotReady", () => {
      const o = store.get(R.nodes, undefined, nodeName);
      return cond(o, "Ready") === "False" ? o : undefined;
    });
    const ready = (status(node).conditions as Array<Record<string, string>>).find((c) => c.type === "Ready");
    expect(ready?.reason).toBe("KubeletNotReady");
    await waitFor("pod unready", () => cond(store.get(R.pods, "default", "on-sick-node"), "Ready") === "False");
    expect(cond(store.get(R.pods, "default", "on-sick-node"), "ContainersReady")).toBe("True");
    expect(eventsFor(store, "default", nodeName)).toContain(
      `NodeNotReady: Node ${nodeName} status is now: NodeNotReady`,
    );
    // New pods do not go to a NotReady node.
    store.create(R.pods, pod("waits-for-node", "busybox"));
    await waitFor(
      "unschedulable",
      () => cond(store.get(R.pods, "default", "waits-for-node"), "PodScheduled") === "False",
    );
    expect(sim.faults.remove(id)).toBe(true);
    await waitFor("node Ready again", () => cond(store.get(R.nodes, undefined, nodeName), "Ready") === "True");
    await waitFor("pod ready again", () => cond(store.get(R.pods, "default", "on-sick-node"), "Ready") === "True");
    await waitFor(
      "pending pod scheduled",
      () => cond(store.get(R.pods, "default", "waits-for-node"), "Ready") === "True",
    );
  });

  it("pods of a deleted node are removed and their StatefulSet replacement waits Unschedulable", async () => {
    store.create(R.statefulsets, {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "web", namespace: "default" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox" }] } },
      },
    });
    const first = await waitFor("web-0 ready", () => {
      const o = store.get(R.pods, "default", "web-0");
      return cond(o, "Ready") === "True" ? o : undefined;
    });
    store.delete(R.nodeclaims, undefined, "cpufaults1");
    const replacement = await waitFor("replacement pending", () => {
      const o = store.get(R.pods, "default", "web-0");
      return o !== undefined && o.metadata.uid !== first.metadata.uid && cond(o, "PodScheduled") === "False"
        ? o
        : undefined;
    });
    const scheduled = (status(replacement).conditions as Array<Record<string, string>>).find(
      (c) => c.type === "PodScheduled",
    );
    expect(scheduled?.message).toBe("no nodes available to schedule pods");
    expect(errors).toEqual([]);
  });
});
