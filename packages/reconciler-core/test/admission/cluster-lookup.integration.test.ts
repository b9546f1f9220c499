import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdmissionHandler, Informer, informerClusterLookup, KubeRestClient, Resources } from "../../src/index.ts";
import { backends, eventually, type RunningBackend } from "../support/backends.ts";

describe.each(backends)("admission with informer-backed cluster lookups on $name", (backend) => {
  let be: RunningBackend;
  let client: KubeRestClient;
  let nodes: Informer;
  let configMaps: Informer;

  beforeAll(async () => {
    be = await backend.start();
    client = new KubeRestClient(be.kubeConfig);
    nodes = new Informer({ client, resource: Resources.Node });
    configMaps = new Informer({ client, resource: Resources.ConfigMap });
    nodes.start();
    configMaps.start();
    await Promise.all([nodes.waitForSync(10_000), configMaps.waitForSync(10_000)]);
  });
  afterAll(async () => {
    await nodes?.stop();
    await configMaps?.stop();
    await be?.stop();
  });

  function review(object: unknown) {
    return {
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid: "u",
        operation: "CREATE",
        namespace: "default",
        kind: { group: "kaito.sh", version: "v1beta1", kind: "Workspace" },
        object,
      },
    };
  }

  it("reads the tuning ConfigMap and the BYO nodes from the caches", async () => {
    const handle = createAdmissionHandler({ cluster: informerClusterLookup(nodes, configMaps) });
    const tuning = {
      apiVersion: "kaito.sh/v1beta1",
      kind: "Workspace",
      metadata: { name: "t", namespace: "default" },
      resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { apps: "t" } } },
      tuning: {
        preset: { name: "phi-3-mini-4k-instruct" },
        method: "lora",
        config: "my-params",
        input: { urls: ["https://example.com/d.parquet"] },
        output: { volumeSource: { emptyDir: {} } },
      },
    };
    expect(handle(review(tuning)).response).toMatchObject({
      allowed: false,
      status: { message: expect.stringContaining("my-params") },
    });
    await client.create(Resources.ConfigMap, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "my-params", namespace: "default" },
      data: { "training_config.yaml": "training_config:\n  LoraConfig:\n    r: 8\n" },
    });
    await eventually("the ConfigMap in the cache", () => configMaps.getByName("default", "my-params"));
    expect(handle(review(tuning)).response).toMatchObject({ allowed: true });

    const byoHandle = createAdmissionHandler({
      context: { nodeAutoProvisioning: false },
      cluster: informerClusterLookup(nodes, configMaps),
    });
    const byo = {
      apiVersion: "kaito.sh/v1beta1",
      kind: "Workspace",
      metadata: { name: "b", namespace: "default" },
      resource: { labelSelector: { matchLabels: { pool: "gpu" } } },
      inference: { preset: { name: "phi-3-mini-4k-instruct" } },
    };
    expect(byoHandle(review(byo)).response?.allowed).toBe(false);
    await client.create(Resources.Node, {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: "gpu-1",
        labels: {
          pool: "gpu",
          "nvidia.com/gpu.product": "NVIDIA-A100-PCIE-80GB",
          "nvidia.com/gpu.count": "1",
          "nvidia.com/gpu.memory": "81920",
        },
      },
    });
    await eventually("the node in the cache", () => nodes.getByName(undefined, "gpu-1"));
    expect(byoHandle(review(byo)).response).toMatchObject({ allowed: true });
  });
});
