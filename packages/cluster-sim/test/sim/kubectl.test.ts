/**
 * The simulation as real kubectl sees it: NodeClaims waited on, GPU capacity read with jsonpath, a Job's real
 * process completing and its logs read with `kubectl logs`, events in `kubectl describe`, deletion through finalizers.
 */
import { execFile } from "node:child_process";
import { kubectlPath } from "@kaito-ts/envtest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../src/cluster.ts";
import { SKUS } from "./helpers.ts";

let cluster: Cluster;

function kubectl(args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      kubectlPath(),
      ["--kubeconfig", cluster.kubeconfigPath, ...args],
      { encoding: "utf8", timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
    child.stdin?.end(input ?? "");
  });
}

beforeAll(async () => {
  cluster = await startCluster({
    skus: SKUS,
    nodeDelayMs: 20,
    simulation: { podDelays: { pullMs: 5, readyMs: 5 }, processRuntime: { images: [{ image: "sim/node:*" }] } },
  });
  const version = await kubectl(["version", "--client"]);
  if (version.code !== 0)
    throw new Error(`kubectl cannot run here, so this suite cannot judge the simulation: ${version.out}`);
});

afterAll(async () => {
  await cluster?.stop();
});

const nodeClaimYaml = `apiVersion: karpenter.sh/v1
kind: NodeClaim
metadata:
  name: wskctl0001
  labels:
    karpenter.sh/nodepool: kaito
    kaito.sh/workspace: kctl
    kaito.sh/workspacenamespace: default
spec:
  nodeClassRef: {group: kaito.sh, kind: KaitoNodeClass, name: default}
  taints: [{key: sku, value: gpu, effect: NoSchedule}]
  requirements:
  - {key: node.kubernetes.io/instance-type, operator: In, values: [Standard_NC24ads_A100_v4]}
  resources: {requests: {storage: 87Gi}}
`;

const jobYaml = `apiVersion: batch/v1
kind: Job
metadata: {name: hello}
spec:
  template:
    spec:
      restartPolicy: Never
      tolerations: [{key: sku, operator: Exists}]
      containers:
      - name: hello
        image: sim/node:24
        command: ["node", "-e", "console.log('hello from ' + process.env.POD)"]
        env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
        resources: {limits: {nvidia.com/gpu: "1"}}
`;

describe("kubectl against the simulation", () => {
  it("waits for a NodeClaim to become Ready and reads the node's GPU capacity", async () => {
    const applied = await kubectl(["apply", "-f", "-"], nodeClaimYaml);
    expect(applied.out).toContain("nodeclaim.karpenter.sh/wskctl0001 created");
    const wait = await kubectl(["wait", "--for=condition=Ready", "nodeclaim/wskctl0001", "--timeout=30s"]);
    expect(wait.out).toContain("condition met");
    const gpus = await kubectl([
      "get",
      "nodes",
      "-l",
      "kaito.sh/workspace=kctl",
      "-o",
      "jsonpath={.items[0].status.capacity.nvidia\\.com/gpu} {.items[0].metadata.labels.node\\.kubernetes\\.io/instance-type}",
    ]);
    expect(gpus.out).toBe("1 Standard_NC24ads_A100_v4");
  });

  it("completes a Job whose pod is a real process, and shows its logs and events", async () => {
    expect((await kubectl(["apply", "-f", "-"], jobYaml)).out).toContain("job.batch/hello created");
    const wait = await kubectl(["wait", "--for=condition=complete", "job/hello", "--timeout=30s"]);
    expect(wait.out).toContain("condition met");
    const logs = await kubectl(["logs", "job/hello"]);
    expect(logs.out).toMatch(/^hello from hello-[a-z0-9]{5}\n$/);
    const describe = await kubectl(["describe", "pods", "-l", "job-name=hello"]);
    expect(describe.out).toMatch(/Status:\s+Succeeded/);
    expect(describe.out).toContain("Started container hello");
    expect(describe.out).toContain("default-scheduler");
  });

  it("shows a pod that needs more GPUs than the cluster has as Pending with the scheduler's message", async () => {
    const job = jobYaml.replace("name: hello}", "name: greedy}").replace('nvidia.com/gpu: "1"', 'nvidia.com/gpu: "2"');
    await kubectl(["apply", "-f", "-"], job);
    let message = "";
    for (let i = 0; i < 100 && !message.includes("nodes are available"); i++) {
      const out = await kubectl([
        "get",
        "pods",
        "-l",
        "job-name=greedy",
        "-o",
        'jsonpath={.items[0].status.conditions[?(@.type=="PodScheduled")].message}',
      ]);
      message = out.out;
      if (!message.includes("nodes are available")) await new Promise((r) => setTimeout(r, 50));
    }
    expect(message).toBe("0/1 nodes are available: 1 Insufficient nvidia.com/gpu.");
    const get = await kubectl(["get", "pods", "-l", "job-name=greedy"]);
    expect(get.out).toContain("Pending");
  });

  it("deletes the NodeClaim through its finalizer, taking the node with it", async () => {
    const del = await kubectl(["delete", "nodeclaim", "wskctl0001", "--timeout=30s"]);
    expect(del.out).toContain('nodeclaim.karpenter.sh "wskctl0001" deleted');
    const nodes = await kubectl(["get", "nodes", "-o", "name"]);
    expect(nodes.out.trim()).toBe("");
  });
});
