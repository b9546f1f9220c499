/**
 * The facts of kaito-compat asserted one by one (names, ports, commands, probes, env, volumes, tolerations,
 * affinity, node counts, tuning I/O), so the golden files are not the only judge.
 */
import type { V1ConfigMap, V1Container, V1Job, V1PodSpec, V1Service, V1StatefulSet } from "@kubernetes/client-node";
import type { WorkspaceInput } from "@kaito-ts/workspace-types";
import { describe, expect, it } from "vitest";
import {
  type BuildOptionsInput,
  buildInferenceServices,
  buildWorkspaceObjects,
  computeTargetNodeCount,
  resolveBuildOptions,
  toBuildWorkspace,
  type WorkspaceObjectsInput,
  type WorkspacePlan,
} from "../../src/index.ts";

type Obj = WorkspaceInput & Record<string, unknown>;
const UID = "4c1e0a52-7d3f-4e59-9a0b-2f1c3d4e5f60";

function inference(preset = "phi-3-mini-4k-instruct", instanceType = "Standard_NC24ads_A100_v4"): Obj {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name: "ws", namespace: "ns", uid: UID },
    resource: { instanceType, labelSelector: { matchLabels: { apps: "x" } } },
    inference: { preset: { name: preset } },
  } as Obj;
}

function tuning(tuningSpec: Record<string, unknown> = {}): Obj {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name: "ws", namespace: "ns", uid: UID },
    resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { apps: "x" } } },
    tuning: {
      preset: { name: "phi-3-mini-4k-instruct" },
      method: "lora",
      input: { urls: ["https://example.com/d/train.parquet?download=true"] },
      output: { image: "registry.example.com/adapters/a:1", imagePushSecret: "push" },
      ...tuningSpec,
    },
  } as Obj;
}

function plan(ws: Obj, observed: WorkspaceObjectsInput = {}, options: BuildOptionsInput = {}): WorkspacePlan {
  return buildWorkspaceObjects(ws, observed, resolveBuildOptions(options));
}
const kind = <T>(p: WorkspacePlan, k: string): T => p.objects.find((o) => o.kind === k) as T;
const sts = (p: WorkspacePlan) => kind<V1StatefulSet>(p, "StatefulSet");
const job = (p: WorkspacePlan) => kind<V1Job>(p, "Job");
const podOf = (o: V1StatefulSet | V1Job): V1PodSpec => o.spec?.template.spec as V1PodSpec;
const main = (o: V1StatefulSet | V1Job): V1Container => podOf(o).containers[0] as V1Container;
const command = (o: V1StatefulSet | V1Job): string => (main(o).command ?? []).join(" ");
const envOf = (c: V1Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
const withAnnotations = (ws: Obj, annotations: Record<string, string>): Obj => {
  ws.metadata.annotations = annotations;
  return ws;
};

describe("Services (§2.3)", () => {
  const opts = resolveBuildOptions();
  const services = (ws: Obj) => buildInferenceServices(toBuildWorkspace(ws), opts);

  it("<ws> selects pod 0 only, publishes not-ready addresses, maps 80→5000, Ray, dashboard and vLLM KV events", () => {
    const { service } = services(inference());
    expect(service.metadata?.name).toBe("ws");
    expect(service.spec?.type).toBe("ClusterIP");
    expect(service.spec?.selector).toEqual({
      "kaito.sh/workspace": "ws",
      "statefulset.kubernetes.io/pod-name": "ws-0",
    });
    expect(service.spec?.publishNotReadyAddresses).toBe(true);
    expect(service.spec?.ports?.map((p) => [p.name, p.port, p.targetPort])).toEqual([
      ["http", 80, 5000],
      ["ray", 6379, 6379],
      ["dashboard", 8265, 8265],
      ["kv-events", 5557, 5557],
    ]);
  });

  it('is a LoadBalancer only for kaito.sh/enablelb exactly "True", and then without the KV-events port', () => {
    const lb = services(withAnnotations(inference(), { "kaito.sh/enablelb": "True" })).service;
    expect(lb.spec?.type).toBe("LoadBalancer");
    expect(lb.spec?.ports?.map((p) => p.name)).toEqual(["http", "ray", "dashboard"]);
    expect(services(withAnnotations(inference(), { "kaito.sh/enablelb": "true" })).service.spec?.type).toBe(
      "ClusterIP",
    );
  });

  it("has no KV-events port with the transformers runtime", () => {
    const s = services(withAnnotations(inference(), { "kaito.sh/runtime": "transformers" })).service;
    expect(s.spec?.ports?.map((p) => p.name)).not.toContain("kv-events");
  });

  it("<ws>-headless has clusterIP None, no ports, the workspace selector", () => {
    const { headless } = services(inference());
    expect(headless.metadata?.name).toBe("ws-headless");
    expect(headless.spec).toEqual({
      selector: { "kaito.sh/workspace": "ws" },
      clusterIP: "None",
      ports: [],
      publishNotReadyAddresses: true,
    });
  });
});

describe("owner references and labels", () => {
  it("every namespaced object but the shared template ConfigMap has the controller reference to the Workspace", () => {
    for (const p of [plan(inference()), plan(tuning())]) {
      for (const o of p.objects) {
        const refs = o.metadata?.ownerReferences;
        if (o.kind === "ConfigMap") {
          expect(refs).toBeUndefined();
          continue;
        }
        expect(refs).toEqual([
          {
            apiVersion: "kaito.sh/v1beta1",
            kind: "Workspace",
            name: "ws",
            uid: UID,
            controller: true,
            blockOwnerDeletion: true,
          },
        ]);
      }
    }
  });

  it("writes the hash and revision annotations on the Workspace and the revision on the workload", () => {
    const p = plan(inference());
    expect(p.workspace.metadata.annotations?.["workspace.kaito.io/hash"]).toBe(p.revision.hash);
    expect(p.workspace.metadata.annotations?.["workspace.kaito.io/revision"]).toBe("1");
    expect(sts(p).metadata?.annotations).toEqual({ "workspace.kaito.io/revision": "1" });
    expect(job(plan(tuning())).metadata?.annotations).toEqual({ "workspace.kaito.io/revision": "1" });
  });

  it("accepts v1alpha1 and builds the same objects as the v1beta1 form", () => {
    const alpha = { ...inference(), apiVersion: "kaito.sh/v1alpha1" } as Obj;
    expect(plan(alpha).objects).toEqual(plan(inference()).objects);
  });
});

describe("inference StatefulSet (§2.4)", () => {
  it("runs <registry>/kaito-base:<tag> in a container named after the Workspace, one pod per node", () => {
    const p = plan(inference(), {}, { presetRegistryName: "myacr.azurecr.io/kaito" });
    const s = sts(p);
    expect(main(s).name).toBe("ws");
    expect(main(s).image).toBe("myacr.azurecr.io/kaito/kaito-base:0.5.0");
    expect(s.spec?.replicas).toBe(1);
    expect(s.spec?.podManagementPolicy).toBe("Parallel");
    expect(s.spec?.serviceName).toBe("ws-headless");
    expect(s.spec?.persistentVolumeClaimRetentionPolicy).toEqual({ whenScaled: "Retain", whenDeleted: "Delete" });
    expect(s.spec?.selector?.matchLabels).toEqual({ "kaito.sh/workspace": "ws" });
    expect(s.spec?.template.metadata?.labels).toEqual({ "kaito.sh/workspace": "ws" });
  });

  it("requests all GPUs of the SKU", () => {
    const c = main(sts(plan(inference("phi-4", "Standard_NC80adis_H100_v5"))));
    expect(c.resources).toEqual({ requests: { "nvidia.com/gpu": "2" }, limits: { "nvidia.com/gpu": "2" } });
  });

  it("serves vLLM with Kaito's flags (§7.2)", () => {
    const cmd = command(sts(plan(inference())));
    expect(cmd.startsWith("/bin/sh -c python3 /workspace/vllm/inference_api.py ")).toBe(true);
    for (const flag of [
      "--served-model-name=phi-3-mini-4k-instruct",
      "--model=microsoft/Phi-3-mini-4k-instruct",
      "--code-revision=0a67737cc96d2554230f90338b163bc6380a2a85",
      "--download-dir=/workspace/weights",
      "--dtype=bfloat16",
      "--trust-remote-code",
      "--max-model-len=auto",
      "--gpu-memory-utilization=0.84",
      `--kv-events-config='{"enable_kv_cache_events":true}'`,
      "--compilation-config.pass_config.fuse_allreduce_rms=False",
      "--tensor-parallel-size=1",
    ]) {
      expect(cmd).toContain(flag);
    }
    expect(cmd).not.toContain("--enable-lora");
    expect(cmd).not.toContain("--kaito-config-file");
    expect(cmd).not.toContain("--performance-mode");
  });

  it("adds --enable-lora with adapters, --kaito-config-file with a config, --performance-mode unless balanced", () => {
    const ws = withAnnotations(inference(), { "kaito.sh/performance-mode": "interactivity" });
    Object.assign(ws.inference as object, { config: "cfg", adapters: [{ source: { name: "a", image: "r/a:1" } }] });
    const cmd = command(sts(plan(ws, { inferenceConfigMap: { data: { "inference_config.yaml": "vllm: {}\n" } } })));
    expect(cmd).toContain("--enable-lora");
    expect(cmd).toContain("--kaito-config-file=/mnt/config/inference_config.yaml");
    expect(cmd).toContain("--performance-mode=interactivity");
    const balanced = withAnnotations(inference(), { "kaito.sh/performance-mode": "balanced" });
    expect(command(sts(plan(balanced)))).not.toContain("--performance-mode");
  });

  it("uses data parallelism when the model takes under half a GPU, and then no LMCache offload", () => {
    const cmd = command(sts(plan(inference("phi-4", "Standard_NC80adis_H100_v5"))));
    expect(cmd).toContain("--data-parallel-size=2");
    expect(cmd).toContain("--tensor-parallel-size=1");
    expect(cmd).toContain("--kaito-kv-cache-cpu-memory-utilization=0");
  });

  it("uses gpu-memory-utilization 0.82 on A10", () => {
    expect(command(sts(plan(inference("phi-3-mini-4k-instruct", "Standard_NV36ads_A10_v5"))))).toContain(
      "--gpu-memory-utilization=0.82",
    );
  });

  it("serves transformers with accelerate (§7.3)", () => {
    const ws = withAnnotations(inference("mistral-7b-instruct"), { "kaito.sh/runtime": "transformers" });
    const s = sts(plan(ws));
    expect(main(s).command).toEqual([
      "/bin/sh",
      "-c",
      "accelerate launch --num_processes=1 --num_machines=1 --machine_rank=0 --gpu_ids=all " +
        "/workspace/tfs/inference_api.py --torch_dtype=bfloat16 --pipeline=text-generation " +
        "--chat_template=/workspace/chat_templates/mistral-instruct.jinja " +
        "--served_model_name=mistral-7b-instruct-v0.3 --pretrained_model_name_or_path=mistralai/Mistral-7B-Instruct-v0.3 " +
        `--revision=${/--revision=([0-9a-f]+)/.exec(command(s))?.[1]} --allow_remote_files`,
    ]);
    expect(envOf(main(s))).not.toHaveProperty("VLLM_USE_FLASHINFER_SAMPLER");
    expect(main(s).ports).toEqual([{ name: "http", containerPort: 5000 }]);
    expect(main(s).startupProbe?.httpGet).toEqual({ path: "/health", port: 5000 });
  });

  it("uses the transformers runtime for everything when the vLLM gate is off", () => {
    const s = sts(plan(inference("mistral-7b-instruct"), {}, { featureGates: { vLLM: false } }));
    expect(command(s)).toContain("accelerate launch");
  });

  it("probes /health on 5000; the startup budget is the readiness timeout; vLLM's startup probe is the benchmark", () => {
    const plain = main(sts(plan(withAnnotations(inference(), { "kaito.sh/disable-benchmark": "true" }))));
    expect(plain.startupProbe).toEqual({
      httpGet: { path: "/health", port: 5000 },

      periodSeconds: 10,
      failureThreshold: 180,
    });
    expect(plain.livenessProbe).toEqual({
      httpGet: { path: "/health", port: 5000 },

      periodSeconds: 10,
      failureThreshold: 3,
    });
    expect(plain.readinessProbe).toEqual({
      httpGet: { path: "/health", port: 5000 },
      initialDelaySeconds: 30,
      periodSeconds: 10,
    });
    const bench = main(sts(plan(inference())));
    expect(bench.startupProbe).toEqual({
      exec: { command: ["python3", "/workspace/vllm/benchmark_entrypoint.py"] },
      periodSeconds: 10,
      timeoutSeconds: 600,
      failureThreshold: 180,
    });
  });

  it("grows the startup budget with the weights: 15 min + 18 s/GiB within [30, 180] min", () => {
    const llama = plan(inference("llama-3.3-70b-instruct", "Standard_ND96isr_H100_v5"));
    expect(main(sts(llama)).startupProbe?.failureThreshold).toBe(Math.ceil((900 + 18 * 131.42) / 10));
    const deepseek = plan(inference("deepseek-r1-0528", "Standard_ND96isr_H200_v5"));
    expect(main(sts(deepseek)).startupProbe?.failureThreshold).toBe(1080);
  });

  it("sets the vLLM env and HF_TOKEN from the model-access secret (optional)", () => {
    const ws = inference("llama-3.1-8b-instruct");
    (ws.inference as { preset: Record<string, unknown> }).preset.presetOptions = { modelAccessSecret: "hf" };
    const env = main(sts(plan(ws))).env;
    expect(env).toEqual([
      { name: "VLLM_USE_FLASHINFER_SAMPLER", value: "0" },
      { name: "VLLM_USE_DEEP_GEMM", value: "0" },
      { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "hf", key: "HF_TOKEN", optional: true } } },
    ]);
  });

  it("mounts dshm (memory), the weights at /workspace/weights, the config only when set", () => {
    const s = sts(plan(inference()));
    expect(podOf(s).volumes).toEqual([
      { name: "dshm", emptyDir: { medium: "Memory" } },
      { name: "model-weights-volume", emptyDir: {} },
    ]);
    expect(main(s).volumeMounts).toEqual([
      { name: "model-weights-volume", mountPath: "/workspace/weights" },
      { name: "dshm", mountPath: "/dev/shm" },
    ]);
    const ws = inference();
    Object.assign(ws.inference as object, { config: "cfg" });
    const withConfig = sts(plan(ws, { inferenceConfigMap: { data: { "inference_config.yaml": "" } } }));
    expect(podOf(withConfig).volumes?.[0]).toEqual({ name: "config-volume", configMap: { name: "cfg" } });
    expect(main(withConfig).volumeMounts?.[0]).toEqual({ name: "config-volume", mountPath: "/mnt/config" });
  });

  it("puts the weights on kaito-local-nvme-disk when the SKU has NVMe and the class exists", () => {
    const ws = inference("phi-4", "Standard_NC80adis_H100_v5");
    const nvme = sts(plan(ws, { nvmeStorageClass: true }));
    expect(nvme.spec?.volumeClaimTemplates).toEqual([
      {
        metadata: { name: "model-weights-volume", labels: { "kaito.sh/workspace": "ws" } },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "kaito-local-nvme-disk",
          resources: { requests: { storage: "107Gi" } },
        },
      },
    ]);
    expect(podOf(nvme).volumes?.map((v) => v.name)).toEqual(["dshm"]);
    expect(sts(plan(ws, { nvmeStorageClass: false })).spec?.volumeClaimTemplates).toBeUndefined();
    const noNvmeSku = sts(plan(inference("phi-4", "Standard_NCC40ads_H100_v5"), { nvmeStorageClass: true }));
    expect(noNvmeSku.spec?.volumeClaimTemplates).toBeUndefined();
  });

  it("mounts local weights from the node with kaito.sh/use-local-weights", () => {
    const s = sts(plan(withAnnotations(inference(), { "kaito.sh/use-local-weights": "true" })));
    expect(command(s)).toContain("--model=/opt/kaito/models/phi-3-mini-4k-instruct");
    expect(command(s)).not.toContain("--download-dir");
    expect(podOf(s).volumes).toContainEqual({
      name: "model-weights-hostpath",
      hostPath: { path: "/opt/kaito/models/phi-3-mini-4k-instruct" },
    });
  });

  it("tolerates nvidia.com/gpu, sku=gpu, and on Azure the spot taint", () => {
    const azure = podOf(sts(plan(inference()))).tolerations;
    expect(azure).toEqual([
      { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
      { key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" },
      { key: "kubernetes.azure.com/scalesetpriority", operator: "Equal", value: "spot", effect: "NoSchedule" },
    ]);
    const aws = podOf(sts(plan(inference("phi-3-mini-4k-instruct", "g5.xlarge"), {}, { cloud: "aws" }))).tolerations;
    expect(aws?.map((t) => t.key)).toEqual(["nvidia.com/gpu", "sku"]);
  });

  it("requires the selector labels (reserved keys dropped) and, with provisioned nodes, the workspace labels", () => {
    const ws = inference();
    ws.resource.labelSelector = { matchLabels: { b: "2", a: "1", "kaito.sh/workspace": "other" } };
    const terms = (p: WorkspacePlan) =>
      podOf(sts(p)).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    expect(terms(plan(ws))).toEqual([
      {
        matchExpressions: [
          { key: "a", operator: "In", values: ["1"] },
          { key: "b", operator: "In", values: ["2"] },
          { key: "kaito.sh/workspace", operator: "In", values: ["ws"] },
          { key: "kaito.sh/workspacenamespace", operator: "In", values: ["ns"] },
        ],
      },
    ]);
    const byo = { ...ws, resource: { labelSelector: ws.resource.labelSelector } } as Obj;
    const gpu = { gpuCount: 1, totalGpuMemoryGiB: 80 };
    expect(
      terms(plan(byo, { byoGpu: gpu }, { nodeProvisioner: "byo" }))?.[0]?.matchExpressions?.map((m) => m.key),
    ).toEqual(["a", "b"]);
  });

  it("pulls image adapters into /mnt/adapter/<name>, mounts volume adapters, sets strengths as env named after the adapter", () => {
    const ws = withAnnotations(inference("phi-3-mini-4k-instruct"), { "kaito.sh/runtime": "transformers" });
    Object.assign(ws.inference as object, {
      adapters: [
        { source: { name: "img", image: "reg.example.com/a/img:1", imagePullSecrets: ["pull"] }, strength: "0.4" },
        { source: { name: "vol", volumeSource: { persistentVolumeClaim: { claimName: "c" } } }, strength: "1" },
      ],
    });
    const s = sts(plan(ws));
    const pod = podOf(s);
    expect(pod.initContainers?.map((c) => [c.name, c.image, c.args?.slice(1)])).toEqual([
      [
        "puller-img",
        "mcr.microsoft.com/aks/skopeo:1.14.4-6",
        ["puller", "reg.example.com/a/img:1", "/mnt/adapter/img", "contents"],
      ],
    ]);
    expect(pod.initContainers?.[0]?.volumeMounts).toEqual([
      { name: "adapter-volume", mountPath: "/mnt/adapter" },
      { name: "docker-config-img-inference-adapter", mountPath: "/root/.docker/config.d/img-inference-adapter" },
    ]);
    expect(pod.imagePullSecrets).toEqual([{ name: "pull" }]);
    expect(pod.volumes).toContainEqual({
      name: "docker-config-img-inference-adapter",
      projected: { sources: [{ secret: { name: "pull", items: [{ key: ".dockerconfigjson", path: "pull.json" }] } }] },
    });
    expect(pod.volumes).toContainEqual({ name: "adapter-volume-vol", persistentVolumeClaim: { claimName: "c" } });
    expect(main(s).volumeMounts).toContainEqual({ name: "adapter-volume-vol", mountPath: "/mnt/adapter/vol" });
    expect(envOf(main(s))).toMatchObject({ img: "0.4", vol: "1" });
  });

  it("runs on one MIG slice with resource.partition (gate enableMIG): one node, TP 1, no CPU KV offload", () => {
    const ws = inference("phi-4-mini-instruct");
    ws.resource = { labelSelector: { matchLabels: { apps: "x" } }, partition: { mode: "mig", profile: "3g.40gb" } };
    const p = plan(
      ws,
      { byoGpu: { gpuCount: 1, totalGpuMemoryGiB: 80 } },
      {
        nodeProvisioner: "byo",
        featureGates: { enableMIG: true },
      },
    );
    expect(p.targetNodeCount).toBe(1);
    const c = main(sts(p));
    expect(c.resources).toEqual({
      requests: { "nvidia.com/mig-3g.40gb": "1" },
      limits: { "nvidia.com/mig-3g.40gb": "1" },
    });
    expect(command(sts(p))).toContain("--tensor-parallel-size=1");
    expect(command(sts(p))).toContain("--kaito-kv-cache-cpu-memory-utilization=0");
    expect(podOf(sts(p)).tolerations).toContainEqual({
      key: "nvidia.com/mig-3g.40gb",
      operator: "Exists",
      effect: "NoSchedule",
    });
  });

  it("template Workspaces keep the user's pod with the forced label, Kaito's affinity and appended tolerations", () => {
    const ws = inference();
    ws.inference = {
      template: {
        metadata: { labels: { team: "a", "kaito.sh/workspace": "spoofed" } },
        spec: {
          containers: [{ name: "c", image: "i" }],
          affinity: { podAffinity: {} },
          tolerations: [{ key: "mine", operator: "Exists" }],
        },
      },
    };
    const s = sts(plan(ws, { targetNodeCount: 2 }));
    expect(s.spec?.replicas).toBe(2);
    expect(s.spec?.template.metadata?.labels).toEqual({ team: "a", "kaito.sh/workspace": "ws" });
    expect(podOf(s).containers).toEqual([{ name: "c", image: "i" }]);
    expect(podOf(s).affinity?.podAffinity).toBeUndefined();
    expect(podOf(s).tolerations?.map((t) => t.key)).toEqual([
      "mine",
      "nvidia.com/gpu",
      "sku",
      "kubernetes.azure.com/scalesetpriority",
    ]);
  });
});

describe("multi-node vLLM (§7.4)", () => {
  const p = plan(inference("llama-3.3-70b-instruct", "Standard_NV36ads_A10_v5"));
  const s = sts(p);
  const leader = "ws-0.ws-headless.ns.svc.cluster.local";

  it("sizes with the estimator and runs one pod per node", () => {
    expect(p.targetNodeCount).toBe(9);
    expect(s.spec?.replicas).toBe(9);
  });

  it("branches on POD_INDEX: Ray leader then vLLM with pipeline parallelism, or a Ray worker", () => {
    const cmd = main(s).command?.[2] ?? "";
    expect(cmd).toMatch(
      /^if \[ "\$\{POD_INDEX\}" = "0" \]; then \/workspace\/vllm\/multi-node-serving\.sh leader --ray_cluster_size=9 --ray_port=6379; python3 \/workspace\/vllm\/inference_api\.py .*; else \/workspace\/vllm\/multi-node-serving\.sh worker --ray_address=ws-0\.ws-headless\.ns\.svc\.cluster\.local --ray_port=6379; fi$/,
    );
    expect(cmd).toContain("--pipeline-parallel-size=9");
    expect(cmd).toContain("--distributed-executor-backend=ray");
    expect(envOf(main(s)).POD_INDEX).toEqual({
      fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" },
    });
  });

  it("probes with the multi-node health check", () => {
    expect(main(s).livenessProbe).toEqual({
      exec: {
        command: [
          "/bin/sh",
          "-c",
          `python3 /workspace/vllm/multi-node-health-check.py liveness --leader-address=${leader} --ray-port=6379`,
        ],
      },
      initialDelaySeconds: 60,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 1,
      terminationGracePeriodSeconds: 1,
    });
    expect(main(s).readinessProbe?.exec?.command?.[2]).toBe(
      `python3 /workspace/vllm/multi-node-health-check.py readiness --leader-address=${leader} --vllm-port=5000`,
    );
    expect(main(s).readinessProbe).toMatchObject({ periodSeconds: 10, timeoutSeconds: 1 });
  });
});

describe("targetNodeCount (§2.2, §5.2)", () => {
  const opts = resolveBuildOptions();
  const count = (ws: Obj, maxModelLen?: number) =>
    computeTargetNodeCount(toBuildWorkspace(ws), opts, maxModelLen === undefined ? {} : { maxModelLen });

  it("is the estimator for vLLM, resource.count for transformers and templates, 1 for tuning", () => {
    expect(count(inference())).toBe(1);
    expect(count(inference("llama-3.3-70b-instruct", "Standard_NV36ads_A10_v5"))).toBe(9);
    const tf = withAnnotations(inference("mistral-7b-instruct"), { "kaito.sh/runtime": "transformers" });
    tf.resource.count = 3;
    expect(count(tf)).toBe(3);
    const template = inference();
    template.inference = { template: { spec: { containers: [{ name: "c", image: "i" }] } } };
    template.resource.count = 2;
    expect(count(template)).toBe(2);
    const t = tuning();
    t.resource.count = 4;
    expect(count(t)).toBe(1);
  });

  it("sizes with the ConfigMap's max-model-len", () => {
    const ws = inference("llama-3.3-70b-instruct", "Standard_NC24ads_A100_v4");
    expect(count(ws, 2048)).toBeLessThan(count(ws, 131072));
  });

  it("keeps a targetNodeCount it is given", () => {
    expect(plan(inference(), { targetNodeCount: 3 }).targetNodeCount).toBe(3);
  });
});

describe("tuning (§2.6, §6)", () => {
  it("is a Job <ws> labelled with the workspace, Never restarting, default backoff", () => {
    const j = job(plan(tuning()));
    expect(j.metadata?.name).toBe("ws");
    expect(j.metadata?.labels).toEqual({ "kaito.sh/workspace": "ws" });
    expect(j.spec?.template.metadata?.labels).toEqual({ "kaito.sh/workspace": "ws" });
    expect(j.spec?.backoffLimit).toBeUndefined();
    expect(podOf(j).restartPolicy).toBe("Never");
  });

  it("trains on kaito-base with accelerate over the SKU's GPUs, port 5000 and Kaito's env", () => {
    const ws = tuning();
    ws.resource.instanceType = "Standard_NC96ads_A100_v4";
    const j = job(plan(ws));
    expect(main(j).image).toBe("mcr.microsoft.com/aks/kaito/kaito-base:0.5.0");
    expect(main(j).command).toEqual([
      "/bin/sh",
      "-c",
      "cd /workspace/tfs/ && python3 metrics_server.py & accelerate launch --num_processes=4 /workspace/tfs/fine_tuning.py",
    ]);
    expect(main(j).resources?.limits).toEqual({ "nvidia.com/gpu": "4" });
    expect(main(j).ports).toEqual([{ containerPort: 5000 }]);
    expect(main(j).env).toEqual([
      { name: "DEFAULT_TARGET_MODULES", value: "k_proj,q_proj,v_proj,o_proj,gate_proj,down_proj,up_proj" },
      { name: "PYTORCH_CUDA_ALLOC_CONF", value: "expandable_segments:True" },
    ]);
    const qwen = tuning({ preset: { name: "qwen2.5-coder-7b-instruct" } });
    expect(envOf(main(job(plan(qwen))))).not.toHaveProperty("DEFAULT_TARGET_MODULES");
  });

  it("pulls the preset weights with oras into /workspace/weights", () => {
    const init = podOf(job(plan(tuning()))).initContainers?.[0];
    expect(init).toEqual({
      name: "model-weights-downloader",
      image: "mcr.microsoft.com/oss/v2/oras-project/oras:v1.2.3",
      command: [
        "oras",
        "pull",
        "mcr.microsoft.com/aks/kaito/kaito-phi-3-mini-4k-instruct:0.2.0",
        "-o",
        "/workspace/weights",
      ],
      volumeMounts: [{ name: "model-weights-volume", mountPath: "/workspace/weights" }],
    });
  });

  it("copies the method's template ConfigMap into the namespace when tuning.config is empty", () => {
    const p = plan(tuning({ method: "qlora" }));
    const copy = kind<V1ConfigMap>(p, "ConfigMap");
    expect(copy.metadata).toEqual({ name: "qlora-params-template", namespace: "ns" });
    expect(copy.data?.["training_config.yaml"]).toContain("load_in_4bit: true");
    expect(podOf(job(p)).volumes).toContainEqual({
      name: "config-volume",
      configMap: { name: "qlora-params-template" },
    });
    expect(main(job(p)).volumeMounts).toContainEqual({ name: "results-volume", mountPath: "/mnt/results" });
  });

  it("mounts the user's ConfigMap and its output_dir (relative paths go under /mnt)", () => {
    const text = "training_config:\n  TrainingArguments:\n    output_dir: out/adapter\n";
    const p = plan(tuning({ config: "mine" }), { tuningConfigMap: { data: { "training_config.yaml": text } } });
    expect(p.objects.some((o) => o.kind === "ConfigMap")).toBe(false);
    expect(podOf(job(p)).volumes).toContainEqual({ name: "config-volume", configMap: { name: "mine" } });
    expect(main(job(p)).volumeMounts).toContainEqual({ name: "results-volume", mountPath: "/mnt/out/adapter" });
    const pusher = podOf(job(p)).containers[1];
    expect(pusher?.args).toContain("/mnt/out/adapter/fine_tuning_completed.txt");
  });

  it("downloads URL input with curl into /mnt/data", () => {
    const init = podOf(job(plan(tuning()))).initContainers?.[1];
    expect(init?.name).toBe("data-downloader");
    expect(init?.image).toBe("curlimages/curl");
    expect(init?.env).toEqual([
      { name: "DATA_URLS", value: "https://example.com/d/train.parquet?download=true" },
      { name: "DATA_VOLUME_PATH", value: "/mnt/data" },
    ]);
    expect(init?.volumeMounts).toEqual([{ name: "data-volume", mountPath: "/mnt/data" }]);
  });

  it("pulls image input with the puller and its pull secrets, and mounts volume input directly", () => {
    const img = job(plan(tuning({ input: { name: "ds", image: "reg.example.com/ds:1", imagePullSecrets: ["s"] } })));
    const puller = podOf(img).initContainers?.[1];
    expect(puller?.name).toBe("puller");
    expect(puller?.args?.slice(1)).toEqual(["puller", "reg.example.com/ds:1", "/mnt/data", "folder"]);
    expect(puller?.volumeMounts).toEqual([
      { name: "docker-config-ds-tuning-input", mountPath: "/root/.docker/config.d/ds-tuning-input" },
      { name: "data-volume", mountPath: "/mnt/data" },
    ]);
    const vol = job(
      plan(tuning({ input: { name: "ds", volumeSource: { persistentVolumeClaim: { claimName: "d" } } } })),
    );
    expect(podOf(vol).initContainers?.map((c) => c.name)).toEqual(["model-weights-downloader"]);
    expect(podOf(vol).volumes).toContainEqual({ name: "data-volume", persistentVolumeClaim: { claimName: "d" } });
  });

  it("pushes image output with kaito-publish waiting for the sentinel, plus pause, in one process namespace", () => {
    const p = plan(tuning(), {}, { pusherImage: "example.com/kaito-publish:9" });
    const pod = podOf(job(p));
    expect(pod.shareProcessNamespace).toBe(true);
    expect(pod.imagePullSecrets).toEqual([{ name: "push" }]);
    const [, pusher, pause] = pod.containers;
    expect(pusher?.name).toBe("pusher");
    expect(pusher?.image).toBe("example.com/kaito-publish:9");
    expect(pusher?.args?.slice(1)).toEqual([
      "pusher",
      "/mnt/results",
      "registry.example.com/adapters/a:1",
      "--adapter",
      "--wait-for",
      "/mnt/results/fine_tuning_completed.txt",
      "--model-name",
      "phi-3-mini-4k-instruct",
      "--docker-config",
      "/root/.docker/config.json",
    ]);
    expect(pusher?.args?.[0]).toMatch(/^kaito-publish push "\$@" \|\| exit \$\?/);
    expect(pusher?.volumeMounts).toEqual([
      { name: "docker-config", mountPath: "/root/.docker" },
      { name: "results-volume", mountPath: "/mnt/results" },
    ]);
    expect(pod.volumes).toContainEqual({
      name: "docker-config",
      projected: {
        sources: [{ secret: { name: "push", items: [{ key: ".dockerconfigjson", path: "config.json" }] } }],
      },
    });
    expect(pause).toEqual({ name: "pause", image: "registry.k8s.io/pause:latest", imagePullPolicy: "Always" });
  });

  it("talks plain HTTP only to loopback or listed registries", () => {
    const local = podOf(job(plan(tuning({ output: { image: "localhost:5000/a:1", imagePushSecret: "p" } }))));
    expect(local.containers[1]?.args).toContain("--plain-http");
    const listed = plan(
      tuning({ output: { image: "reg.lan:5000/a:1", imagePushSecret: "p" } }),
      {},
      {
        insecureRegistries: ["reg.lan:5000"],
      },
    );
    expect(podOf(job(listed)).containers[1]?.args).toContain("--plain-http");
    expect(podOf(job(plan(tuning()))).containers[1]?.args).not.toContain("--plain-http");
  });

  it("writes volume output to the volume with no sidecar and no shared process namespace", () => {
    const pod = podOf(job(plan(tuning({ output: { volumeSource: { persistentVolumeClaim: { claimName: "out" } } } }))));
    expect(pod.containers.map((c) => c.name)).toEqual(["ws"]);
    expect(pod.shareProcessNamespace).toBeUndefined();
    expect(pod.volumes).toContainEqual({ name: "results-volume", persistentVolumeClaim: { claimName: "out" } });
  });

  it("tolerates gpu, sku=gpu and spot, and requires the selector labels only", () => {
    const pod = podOf(job(plan(tuning())));
    expect(pod.tolerations).toEqual([
      { key: "gpu", operator: "Equal", effect: "NoSchedule" },
      { key: "sku", value: "gpu", effect: "NoSchedule" },
      { key: "kubernetes.azure.com/scalesetpriority", operator: "Equal", value: "spot", effect: "NoSchedule" },
    ]);
    expect(pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "apps", operator: "In", values: ["x"] }] },
    ]);
  });
});

describe("the objects are plain data", () => {
  it("survive a JSON round trip unchanged (no Dates, functions or undefined)", () => {
    for (const p of [plan(inference()), plan(tuning())]) {
      expect(JSON.parse(JSON.stringify(p.objects))).toStrictEqual(p.objects);
    }
    const s: V1Service | undefined = plan(inference()).objects.find((o) => o.kind === "Service") as V1Service;
    expect(s?.apiVersion).toBe("v1");
  });
});
