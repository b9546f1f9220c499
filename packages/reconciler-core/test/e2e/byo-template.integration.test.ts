/**
 * BYO and template Workspaces end to end (issue 10 §4): a bring-your-own-nodes Workspace (`nodeProvisioner: byo`, the
 * `/byo` provisioner) served by pre-created simulated GPU nodes that carry `nvidia.com/gpu.*` labels, and a template
 * Workspace (`inference.template`) whose StatefulSet is the user's pod template with Kaito's forced label, node
 * affinity and tolerations, on a Karpenter NodeClaim.
 */
import { createByoProvisioner } from "@kaito-ts/node-provisioner/byo";
import { createKarpenterProvisioner } from "@kaito-ts/node-provisioner/karpenter";
import {
  type Condition,
  ConditionReason,
  ConditionType,
  WORKSPACE_FINALIZER,
  workspaceCrd,
} from "@kaito-ts/workspace-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeObject, KubeRestClient, Manager, Resources, setupWorkspaceController } from "../../src/index.ts";
import { backends, eventually, type RunningBackend } from "../support/backends.ts";
import { INFERENCE_SKU as SKU, inferenceSimulation } from "../support/inference-server.ts";

const WAIT_MS = 60_000;
/** The simulated cloud's provider-ID prefix (cluster `kaito-sim`): its node agent is the kubelet of these nodes. */
const PROVIDER_PREFIX =
  "azure:///subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mc_kaito-sim_kaito-sim_local/";
const TEMPLATE_IMAGE = "ghcr.io/huggingface/text-generation-inference:3.3.4";

function cond(ws: KubeObject | undefined, type: string): Condition | undefined {
  return ((ws?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);
}

/** A GPU node of the user's own pool, with GPU-feature-discovery labels, Ready and with `nvidia.com/gpu` capacity. */
function byoNode(name: string): KubeObject {
  const capacity = { cpu: "24", memory: "220Gi", pods: "110", "nvidia.com/gpu": "1", "ephemeral-storage": "1Ti" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        pool: "my-a100-pool",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": SKU,
        "nvidia.com/gpu.product": "NVIDIA-A100-PCIE-80GB",
        "nvidia.com/gpu.count": "1",
        "nvidia.com/gpu.memory": "81920",
      },
    },
    spec: {
      providerID: `${PROVIDER_PREFIX}providers/Microsoft.Compute/virtualMachineScaleSets/aks-mya100pool-12345678-vmss/virtualMachines/${name.slice(-1)}`,
    },
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "kubelet is posting ready status",
          lastHeartbeatTime: new Date().toISOString(),
          lastTransitionTime: new Date().toISOString(),
        },
      ],
      addresses: [{ type: "Hostname", address: name }],
    },
  };
}

describe.each(backends)(
  "BYO and template Workspaces on $name",
  (backend) => {
    let be: RunningBackend;
    let client: KubeRestClient;
    let mgr: Manager | undefined;
    const get = (name: string) => client.get(Resources.Workspace, "default", name);

    async function startManager(byo: boolean): Promise<void> {
      await mgr?.stop();
      mgr = new Manager({
        kubeConfig: be.kubeConfig,
        gracefulShutdownTimeoutMs: 5000,
        informerDefaults: { backoff: { initialMs: 50, maxMs: 500 } },
      });
      setupWorkspaceController(
        mgr,
        byo
          ? {
              provisioner: (port) => createByoProvisioner({ port }),
              buildOptions: { nodeProvisioner: "byo" },
              nodeRequeueMs: 200,
            }
          : { provisioner: (port) => createKarpenterProvisioner({ port }), nodeRequeueMs: 200 },
      );
      await mgr.start();
    }

    beforeAll(async () => {
      be = await backend.start({ crds: [workspaceCrd], simulation: inferenceSimulation(100) });
      client = new KubeRestClient(be.kubeConfig);
    });
    afterAll(async () => {
      await mgr?.stop();
      await be?.stop();
    });

    it("BYO: a Workspace on pre-created GPU nodes reaches InferenceReady=True without NodeClaims", async () => {
      for (const name of ["aks-mya100pool-12345678-vmss000000", "aks-mya100pool-12345678-vmss000001"]) {
        const node = byoNode(name);
        await client.create(Resources.Node, node);
        // a real API server keeps the status of a created Node, but write it through the subresource as the kubelet does
        await client.patch(
          Resources.Node,
          undefined,
          name,
          "merge",
          { status: node.status },
          { subresource: "status" },
        );
      }
      await startManager(true);
      await client.create(Resources.Workspace, {
        apiVersion: "kaito.sh/v1beta1",
        kind: "Workspace",
        metadata: { name: "phi-byo", namespace: "default" },
        resource: { labelSelector: { matchLabels: { pool: "my-a100-pool" } } },
        inference: { preset: { name: "phi-3-mini-4k-instruct" } },
      });
      const ws = await eventually(
        "phi-byo ready",
        async () => {
          const w = await get("phi-byo");
          return cond(w, ConditionType.WorkspaceSucceeded)?.status === "True" ? w : undefined;
        },
        WAIT_MS,
      );
      expect(cond(ws, ConditionType.InferenceReady)).toMatchObject({
        status: "True",
        reason: ConditionReason.InferenceStatusSuccess,
      });
      expect(cond(ws, ConditionType.NodesReady)?.status).toBe("True");
      expect(cond(ws, ConditionType.NodeClaimReady)).toBeUndefined();
      expect(ws.status).toMatchObject({ state: "Ready" });
      expect(ws.metadata.finalizers).toContain(WORKSPACE_FINALIZER);
      expect((await client.list(Resources.NodeClaim, {})).items).toEqual([]);
      // the pod runs on one of the user's nodes, chosen by the Workspace's label selector
      const pods = await client.list(Resources.Pod, {
        namespace: "default",
        labelSelector: "kaito.sh/workspace=phi-byo",
      });
      expect(pods.items).toHaveLength(1);
      expect(((pods.items[0] as KubeObject).spec as { nodeName?: string }).nodeName).toMatch(
        /^aks-mya100pool-12345678-vmss00000[01]$/,
      );
      const sts = (await client.get(Resources.StatefulSet, "default", "phi-byo")) as KubeObject;
      const affinity = JSON.stringify(
        (sts.spec as { template: { spec: { affinity?: unknown } } }).template.spec.affinity,
      );
      expect(affinity).toContain("my-a100-pool");

      // deletion: the finalizer goes, the user's nodes stay
      await client.delete(Resources.Workspace, "default", "phi-byo");
      await eventually("phi-byo gone", async () => (await get("phi-byo")) === undefined, WAIT_MS);
      expect(await client.get(Resources.Node, undefined, "aks-mya100pool-12345678-vmss000000")).toBeDefined();
    });

    it("template: the StatefulSet is the user's pod template with the forced label, affinity and tolerations, and becomes ready", async () => {
      await startManager(false);
      await client.create(Resources.Workspace, {
        apiVersion: "kaito.sh/v1beta1",
        kind: "Workspace",
        metadata: { name: "custom-llm", namespace: "default" },
        resource: { instanceType: SKU, labelSelector: { matchLabels: { apps: "custom-llm" } } },
        inference: {
          template: {
            metadata: { labels: { team: "llm" } },
            spec: {
              containers: [
                {
                  name: "custom-llm-container",
                  image: TEMPLATE_IMAGE,
                  args: ["--model-id", "HuggingFaceTB/SmolLM2-1.7B-Instruct", "--port", "5000"],
                  ports: [{ containerPort: 5000 }],
                  resources: { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } },
                },
              ],
              tolerations: [{ key: "team", operator: "Equal", value: "llm", effect: "NoSchedule" }],
            },
          },
        },
      });
      const ws = await eventually(
        "custom-llm ready",
        async () => {
          const w = await get("custom-llm");
          return cond(w, ConditionType.WorkspaceSucceeded)?.status === "True" ? w : undefined;
        },
        WAIT_MS,
      );
      expect(cond(ws, ConditionType.InferenceReady)?.status).toBe("True");
      expect(cond(ws, ConditionType.NodeClaimReady)?.status).toBe("True");
      const claims = await client.list(Resources.NodeClaim, { labelSelector: "kaito.sh/workspace=custom-llm" });
      expect(claims.items).toHaveLength(1);
      const sts = (await client.get(Resources.StatefulSet, "default", "custom-llm")) as KubeObject;
      const template = (
        sts.spec as {
          template: {
            metadata: { labels: Record<string, string> };
            spec: {
              containers: Array<{ name: string; image: string; args?: string[] }>;
              tolerations?: Array<{ key?: string; operator?: string; effect?: string }>;
              affinity?: { nodeAffinity?: unknown };
            };
          };
        }
      ).template;
      expect(template.metadata.labels).toMatchObject({ team: "llm", "kaito.sh/workspace": "custom-llm" });
      expect(template.spec.containers).toHaveLength(1);
      expect(template.spec.containers[0]).toMatchObject({
        name: "custom-llm-container",
        image: TEMPLATE_IMAGE,
        args: ["--model-id", "HuggingFaceTB/SmolLM2-1.7B-Instruct", "--port", "5000"],
      });
      const tolerationKeys = (template.spec.tolerations ?? []).map((t) => t.key);
      expect(tolerationKeys).toContain("team");
      expect(tolerationKeys).toContain("sku");
      expect(tolerationKeys).toContain("nvidia.com/gpu");
      expect(JSON.stringify(template.spec.affinity?.nodeAffinity)).toContain("custom-llm");
      expect(sts.metadata.ownerReferences?.[0]).toMatchObject({
        kind: "Workspace",
        name: "custom-llm",
        controller: true,
      });
      const pods = await client.list(Resources.Pod, {
        namespace: "default",
        labelSelector: "kaito.sh/workspace=custom-llm",
      });
      expect(pods.items).toHaveLength(1);
      const pod = pods.items[0] as KubeObject;
      expect((pod.spec as { nodeName?: string }).nodeName).toMatch(/^aks-/);
      expect(
        (pod.status as { containerStatuses?: Array<{ ready: boolean }> }).containerStatuses?.every((c) => c.ready),
      ).toBe(true);
    });
  },
  180_000,
);
