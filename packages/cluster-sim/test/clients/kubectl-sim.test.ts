/** kubectl against the API server with the node/workload simulation running: built-in workloads end to end. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../src/index.ts";
import { eventually, type Kubectl, kubectlFor } from "./kubectl-runner.ts";

let cluster: Cluster;
let kubectl: Kubectl;

beforeAll(async () => {
  cluster = await startCluster({
    skus: [{ name: "Standard_NC24ads_A100_v4", gpuCount: 1, gpuProduct: "NVIDIA-A100-PCIE-80GB" }],
    nodeDelayMs: 50,
  });
  kubectl = kubectlFor(cluster.kubeconfigPath);
});

afterAll(async () => {
  await cluster?.stop();
});

describe("kubectl with the simulation", () => {
  it("a NodeClaim becomes a Ready GPU node that kubectl lists", async () => {
    await kubectl.ok(["apply", "-f", "-"], {
      input: [
        "apiVersion: karpenter.sh/v1",
        "kind: NodeClaim",
        "metadata:",
        "  name: gpu-a",
        "  labels:",
        "    node.kubernetes.io/instance-type: Standard_NC24ads_A100_v4",
        "    karpenter.sh/nodepool: kaito",
        "spec:",
        "  requirements:",
        "  - key: node.kubernetes.io/instance-type",
        "    operator: In",
        "    values: [Standard_NC24ads_A100_v4]",
        "  nodeClassRef: {group: karpenter.azure.com, kind: AKSNodeClass, name: default}",
        "",
      ].join("\n"),
    });
    const out = await eventually(
      async () => {
        const r = await kubectl.ok(["get", "nodes"]);
        return /\sReady\s/.test(r) ? r : undefined;
      },
      20_000,
      "a Ready node",
    );
    expect(out).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/m);
    const nodes = JSON.parse(await kubectl.ok(["get", "nodes", "-o", "json"])) as {
      items: { status: { allocatable: Record<string, string> } }[];
    };
    expect(nodes.items[0]?.status.allocatable["nvidia.com/gpu"]).toBe("1");
  });

  it("kubectl create deployment runs pods that get Running and are listed with server-side columns", async () => {
    await kubectl.ok(["create", "deployment", "hello", "--image=nginx:1.27", "--replicas=2"]);
    const out = await eventually(
      async () => {
        const r = await kubectl.ok(["get", "pods", "-l", "app=hello"]);
        return (r.match(/\sRunning\s/g) ?? []).length === 2 ? r : undefined;
      },
      20_000,
      "two Running pods",
    );
    expect(out).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/m);
    await kubectl.ok(["scale", "deployment", "hello", "--replicas=1"]);
    await eventually(
      async () => (await kubectl.ok(["get", "pods", "-l", "app=hello", "-o", "name"])).trim().split("\n").length === 1,
      20_000,
      "scale down to one pod",
    );
    const deploys = await kubectl.ok(["get", "deploy", "hello"]);
    expect(deploys).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/m);
  });

  it("describe shows the kubelet's events, logs come from the pod, get all lists the workloads", async () => {
    const pod = (await kubectl.ok(["get", "pods", "-l", "app=hello", "-o", "name"])).trim().split("\n")[0] ?? "";
    const described = await kubectl.ok(["describe", pod]);
    expect(described).toMatch(/Status:\s+Running/);
    expect(described).toMatch(/Events:\s*\n\s+Type\s+Reason\s+Age\s+From\s+Message/);
    expect(described).toContain("Scheduled");
    const logs = await kubectl.run(["logs", pod]);
    expect(logs.code).toBe(0);
    const all = await kubectl.ok(["get", "all"]);
    expect(all).toContain("deployment.apps/hello");
    expect(all).toContain("service/kubernetes");
  });

  it("rollout restart and rollout status", async () => {
    expect(await kubectl.ok(["rollout", "restart", "deployment/hello"])).toContain("deployment.apps/hello restarted");
    const r = await kubectl.run(["rollout", "status", "deployment/hello", "--timeout=30s"], { timeoutMs: 40_000 });
    expect(r.stdout).toContain('deployment "hello" successfully rolled out');
    expect(r.code).toBe(0);
  });

  it("kubectl delete deployment removes its replicasets and pods", async () => {
    await kubectl.ok(["delete", "deployment", "hello", "--timeout=20s"]);
    await eventually(
      async () => (await kubectl.ok(["get", "pods,rs", "-l", "app=hello", "-o", "name"])).trim() === "",
      20_000,
      "pods and replicasets gone",
    );
  });
});
