import { execFile } from "node:child_process";
import { promisify } from "node:util";
const run = (args: string[], input?: string) => new Promise<string>((res) => { const c = execFile("kubectl", args, { encoding: "utf8" }, (e, out, err) => res((e ? "ERR " : "") + out + err)); if (input) { c.stdin?.end(input); } else c.stdin?.end(); });
import { startCluster } from "./packages/cluster-sim/src/cluster.ts";
const cluster = await startCluster({
  skus: [{ name: "Standard_NC24ads_A100_v4", gpuCount: 1, gpuProduct: "NVIDIA-A100-PCIE-80GB", gpuMemoryMiB: 81920 }],
  nodeDelayMs: 20,
  simulation: { processRuntime: { images: [{ image: "sim/node:*" }] }, onError: (e, w) => console.error("SIMERR", w, e) },
});
const k = (...args: string[]) => run(["--kubeconfig", cluster.kubeconfigPath, ...args]);
cluster.store.create({ group: "karpenter.sh", version: "v1", resource: "nodeclaims" }, { apiVersion: "karpenter.sh/v1", kind: "NodeClaim", metadata: { name: "ws12345", labels: { "karpenter.sh/nodepool": "kaito" } }, spec: { requirements: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: ["Standard_NC24ads_A100_v4"] }] } });
const yaml = `apiVersion: batch/v1
kind: Job
metadata: {name: hello}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: hello
        image: sim/node:24
        command: ["node", "-e", "console.log('hello from the sim'); setTimeout(() => {}, 500)"]
`;
console.log(await run(["--kubeconfig", cluster.kubeconfigPath, "apply", "-f", "-"], yaml));
console.log(await k("wait", "--for=condition=complete", "job/hello", "--timeout=20s"));
console.log(await k("get", "nodeclaims,nodes,pods,jobs", "-o", "wide"));
const pod = await k("get", "pods", "-o", "jsonpath={.items[0].metadata.name}");
console.log(await k("logs", pod));
console.log(await k("describe", "pod", pod));
console.log(await k("describe", "node"));
await cluster.stop();
