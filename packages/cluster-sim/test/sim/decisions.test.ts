import { describe, expect, it } from "vitest";
import {
  containerArgv,
  ContainerConfigError,
  expandVars,
  resolveEnv,
  rewriteMountPaths,
} from "../../src/sim/node-agent/env.ts";
import { planJob, type JobPlanInput } from "../../src/sim/controllers/job-plan.ts";
import { globMatch, labelSelectorMatches, nodeRequirementMatches, tolerates } from "../../src/sim/shared/match.ts";
import { findSku, instanceTypeOf, launchFailure, nodeNameFor } from "../../src/sim/cloud/nodes.ts";
import { parseQuantity } from "../../src/sim/shared/quantity.ts";
import {
  nodeFitReasons,
  podRequests,
  schedulePod,
  unschedulableMessage,
} from "../../src/sim/controllers/scheduling.ts";
import {
  planStatefulSet,
  type StsPlanInput,
  type StsPodView,
  statefulSetCounts,
} from "../../src/sim/controllers/statefulset-plan.ts";
import type { KubeObject } from "../../src/store/api.ts";
import { nodeClaim, SKUS } from "./helpers.ts";

function node(
  name: string,
  labels: Record<string, string>,
  gpus: number,
  extra: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels },
    spec: { ...extra },
    status: {
      allocatable: { cpu: "8", memory: "32Gi", pods: "110", ...(gpus > 0 ? { "nvidia.com/gpu": String(gpus) } : {}) },
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}

function pod(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec };
}

const empty = { requests: {}, count: 0 };

describe("scheduling predicate", () => {
  const gpuPod = pod({
    containers: [{ name: "c", resources: { limits: { "nvidia.com/gpu": "1" } } }],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "kaito.sh/workspace", operator: "In", values: ["ws"] }] }],
        },
      },
    },
  });

  it("produces the real scheduler's message, reasons counted and sorted", () => {
    const nodes = [node("gpu-full", { "kaito.sh/workspace": "ws" }, 1), node("cpu-a", {}, 0), node("cpu-b", {}, 0)];
    const usage = (n: string) => (n === "gpu-full" ? { requests: { "nvidia.com/gpu": 1 }, count: 1 } : empty);
    const decision = schedulePod(gpuPod, nodes, usage);
    expect(decision).toEqual({
      node: undefined,
      message:
        "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector.",
    });
  });

  it("checks taints before affinity, and reports the untolerated taint", () => {
    const tainted = node("t", { "kaito.sh/workspace": "ws" }, 1, {
      taints: [{ key: "sku", value: "gpu", effect: "NoSchedule" }],
    });
    expect(nodeFitReasons(gpuPod, tainted, empty)).toEqual(["node(s) had untolerated taint {sku: gpu}"]);
    const tolerating = pod({ ...(gpuPod.spec as object), tolerations: [{ key: "sku", operator: "Exists" }] });
    expect(nodeFitReasons(tolerating, tainted, empty)).toEqual([]);
    const preferNoSchedule = node("p", { "kaito.sh/workspace": "ws" }, 1, {
      taints: [{ key: "x", value: "y", effect: "PreferNoSchedule" }],
    });
    expect(nodeFitReasons(gpuPod, preferNoSchedule, empty)).toEqual([]);
  });

  it("treats unschedulable and not-ready nodes like the scheduler", () => {
    expect(nodeFitReasons(gpuPod, node("u", {}, 1, { unschedulable: true }), empty)).toEqual([
      "node(s) were unschedulable",
    ]);
    const notReady = node("n", { "kaito.sh/workspace": "ws" }, 1);
    (notReady.status as { conditions: unknown[] }).conditions = [{ type: "Ready", status: "False" }];
    expect(nodeFitReasons(gpuPod, notReady, empty)).toEqual([
      "node(s) had untolerated taint {node.kubernetes.io/not-ready: }",
    ]);
  });

  it("counts cpu, memory and pods capacity", () => {
    const big = pod({ containers: [{ name: "c", resources: { requests: { cpu: "6", memory: "40Gi" } } }] });
    expect(nodeFitReasons(big, node("n", {}, 0), { requests: { cpu: 4 }, count: 110 })).toEqual([
      "Too many pods",
      "Insufficient cpu",
      "Insufficient memory",
    ]);
  });

  it("uses max(sum of containers, largest init container) as the pod's requests", () => {
    expect(
      podRequests({
        containers: [
          { resources: { requests: { cpu: "500m" } } },
          { resources: { limits: { cpu: "1", "nvidia.com/gpu": "2" } } },
        ],
        initContainers: [{ resources: { requests: { cpu: "2" } } }],
      }),
    ).toEqual({ cpu: 2, "nvidia.com/gpu": 2 });
  });

  it("prefers the least allocated feasible node", () => {
    const nodes = [node("a", { "kaito.sh/workspace": "ws" }, 2), node("b", { "kaito.sh/workspace": "ws" }, 2)];
    const usage = (n: string) => (n === "a" ? { requests: { "nvidia.com/gpu": 1 }, count: 1 } : empty);
    expect(schedulePod(gpuPod, nodes, usage)).toEqual({ node: "b" });
  });

  it("says so when there are no nodes", () => {
    expect(unschedulableMessage(0, [])).toBe("no nodes available to schedule pods");
  });
});

describe("matchers", () => {
  it("implements every node selector operator", () => {
    const labels = { zone: "a", gpus: "4" };
    expect(nodeRequirementMatches({ key: "zone", operator: "In", values: ["a", "b"] }, labels)).toBe(true);
    expect(nodeRequirementMatches({ key: "zone", operator: "NotIn", values: ["a"] }, labels)).toBe(false);
    expect(nodeRequirementMatches({ key: "missing", operator: "NotIn", values: ["a"] }, labels)).toBe(true);
    expect(nodeRequirementMatches({ key: "zone", operator: "Exists" }, labels)).toBe(true);
    expect(nodeRequirementMatches({ key: "zone", operator: "DoesNotExist" }, labels)).toBe(false);
    expect(nodeRequirementMatches({ key: "gpus", operator: "Gt", values: ["3"] }, labels)).toBe(true);
    expect(nodeRequirementMatches({ key: "gpus", operator: "Lt", values: ["3"] }, labels)).toBe(false);
    expect(nodeRequirementMatches({ key: "zone", operator: "Gt", values: ["1"] }, labels)).toBe(false);
    expect(nodeRequirementMatches({ key: "zone", operator: "Bogus", values: [] }, labels)).toBe(false);
  });

  it("matches tolerations, label selectors and globs", () => {
    expect(tolerates({ operator: "Exists" }, { key: "any", effect: "NoExecute" })).toBe(true);
    expect(tolerates({ key: "sku", value: "gpu" }, { key: "sku", value: "gpu", effect: "NoSchedule" })).toBe(true);
    expect(tolerates({ key: "sku", value: "cpu" }, { key: "sku", value: "gpu", effect: "NoSchedule" })).toBe(false);
    expect(
      tolerates({ key: "sku", operator: "Exists", effect: "NoExecute" }, { key: "sku", effect: "NoSchedule" }),
    ).toBe(false);
    expect(
      labelSelectorMatches(
        { matchLabels: { a: "1" }, matchExpressions: [{ key: "b", operator: "NotIn", values: ["x"] }] },
        { a: "1", b: "y" },
      ),
    ).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { a: "2" } }, { a: "1" })).toBe(false);
    expect(globMatch("mcr.microsoft.com/aks/kaito/*", "mcr.microsoft.com/aks/kaito/kaito-base:0.5.0")).toBe(true);
    expect(globMatch("ws?", "ws12")).toBe(false);
    expect(globMatch("a.b", "axb")).toBe(false);
  });

  it("parses quantities", () => {
    expect(parseQuantity("100m")).toBeCloseTo(0.1);
    expect(parseQuantity("16Gi")).toBe(16 * 2 ** 30);
    expect(parseQuantity("1.5")).toBe(1.5);
    expect(parseQuantity("2e3")).toBe(2000);
    expect(parseQuantity("1k")).toBe(1000);
    expect(parseQuantity("banana")).toBeUndefined();
    expect(parseQuantity("")).toBeUndefined();
  });
});

describe("NodeClaim decisions", () => {
  it("reads the instance type requirement and finds SKUs case-insensitively", () => {
    const nc = nodeClaim("ws1234", "standard_nc24ads_a100_v4");
    expect(instanceTypeOf(nc)).toBe("standard_nc24ads_a100_v4");
    expect(findSku(SKUS, "STANDARD_NC24ADS_A100_V4")?.gpuCount).toBe(1);
    expect(launchFailure(nc, SKUS, undefined)).toBeUndefined();
    expect(nodeNameFor("ws1234")).toBe(nodeNameFor("ws1234"));
  });

  it("fails claims without an instance type requirement, with the field in the message", () => {
    const nc = nodeClaim("ws1", "x");
    (nc.spec as { requirements: unknown[] }).requirements = [];
    expect(launchFailure(nc, SKUS, undefined)?.message).toContain('"node.kubernetes.io/instance-type"');
  });

  it("uses the fault's message when given", () => {
    const failure = launchFailure(nodeClaim("ws1", "Standard_NC24ads_A100_v4"), SKUS, {
      kind: "quota",
      message: "custom quota text",
    });
    expect(failure).toEqual({ reason: "LaunchFailed", message: "custom quota text" });
  });
});

describe("StatefulSet plan", () => {
  const view = (ordinal: number, revision: string, ready = true, extra: Partial<StsPodView> = {}): StsPodView => ({
    ordinal,
    name: `web-${ordinal}`,
    revision,
    ready,
    terminating: false,
    finished: false,
    ...extra,
  });
  const base: StsPlanInput = {
    setName: "web",
    replicas: 3,
    podManagementPolicy: "OrderedReady",
    updateStrategy: "RollingUpdate",
    partition: 0,
    currentRevision: "web-a",
    updateRevision: "web-a",
    pods: [],
  };

  it("creates one pod at a time for OrderedReady, all at once for Parallel", () => {
    expect(planStatefulSet(base).create.map((c) => c.name)).toEqual(["web-0"]);
    expect(planStatefulSet({ ...base, pods: [view(0, "web-a", false)] }).create).toEqual([]);
    expect(planStatefulSet({ ...base, pods: [view(0, "web-a")] }).create.map((c) => c.name)).toEqual(["web-1"]);
    expect(planStatefulSet({ ...base, podManagementPolicy: "Parallel" }).create.map((c) => c.name)).toEqual([
      "web-0",
      "web-1",
      "web-2",
    ]);
  });

  it("removes condemned ordinals from the highest, one at a time when ordered", () => {
    const pods = [0, 1, 2, 3, 4].map((i) => view(i, "web-a"));
    expect(planStatefulSet({ ...base, pods }).delete).toEqual(["web-4"]);
    expect(planStatefulSet({ ...base, podManagementPolicy: "Parallel", pods }).delete).toEqual(["web-4", "web-3"]);
  });

  it("rolls from the highest ordinal down to the partition, waiting for health", () => {
    const update = { ...base, updateRevision: "web-b" };
    const all = [view(0, "web-a"), view(1, "web-a"), view(2, "web-a")];
    expect(planStatefulSet({ ...update, pods: all }).delete).toEqual(["web-2"]);
    const afterOne = [view(0, "web-a"), view(1, "web-a"), view(2, "web-b", false)];
    expect(planStatefulSet({ ...update, podManagementPolicy: "Parallel", pods: afterOne }).delete).toEqual([]);
    const healthy = [view(0, "web-a"), view(1, "web-a"), view(2, "web-b")];
    expect(planStatefulSet({ ...update, pods: healthy }).delete).toEqual(["web-1"]);
    expect(planStatefulSet({ ...update, partition: 2, pods: healthy }).delete).toEqual([]);
    expect(planStatefulSet({ ...update, updateStrategy: "OnDelete", pods: all }).delete).toEqual([]);
  });

  it("gives ordinals below the partition the current revision", () => {
    const plan = planStatefulSet({
      ...base,
      podManagementPolicy: "Parallel",
      partition: 2,
      currentRevision: "web-a",
      updateRevision: "web-b",
    });
    expect(plan.create.map((c) => c.revision)).toEqual(["web-a", "web-a", "web-b"]);
  });

  it("replaces failed pods", () => {
    const pods = [view(0, "web-a", false, { finished: true })];
    expect(planStatefulSet({ ...base, pods }).delete).toEqual(["web-0"]);
  });

  it("counts replicas by revision", () => {
    const pods = [view(0, "web-a"), view(1, "web-b", false), view(2, "web-b", true, { terminating: true })];
    expect(statefulSetCounts(pods, "web-a", "web-b")).toEqual({
      replicas: 2,
      readyReplicas: 1,
      currentReplicas: 1,
      updatedReplicas: 1,
    });
  });
});

describe("Job plan", () => {
  const now = new Date("2026-01-01T00:00:10Z");
  const input = (over: Partial<JobPlanInput>): JobPlanInput => ({
    spec: {},
    status: {},
    pods: [],
    counted: new Set(),
    now,
    backoffMs: 100,
    maxBackoffMs: 1000,
    lastFailureAt: undefined,
    ...over,
  });
  const p = (name: string, phase: string, ready = false) => ({
    name,
    uid: name,
    phase,
    ready,
    terminating: false,
    restarts: 0,
  });

  it("starts min(parallelism, remaining completions) pods and records startTime", () => {
    const plan = planJob(input({ spec: { parallelism: 3, completions: 2 } }));
    expect(plan.create).toBe(2);
    expect(plan.status).toMatchObject({ active: 0, succeeded: 0, failed: 0, startTime: "2026-01-01T00:00:10Z" });
  });

  it("adds SuccessCriteriaMet, then Complete with completionTime once nothing is active", () => {
    const plan = planJob(input({ spec: { completions: 1 }, pods: [p("a", "Succeeded")] }));
    expect(plan.newlyCounted).toEqual(["a"]);
    const types = (plan.status.conditions as Array<{ type: string; reason: string }>).map((c) => [c.type, c.reason]);
    expect(types).toEqual([
      ["SuccessCriteriaMet", "CompletionsReached"],
      ["Complete", "CompletionsReached"],
    ]);
    expect(plan.status.completionTime).toBe("2026-01-01T00:00:10Z");
    expect(plan.status.succeeded).toBe(1);
  });

  it("sets FailureTarget and deletes active pods before Failed", () => {
    const pods = [p("f1", "Failed"), p("f2", "Failed"), p("run", "Running", true)];
    const plan = planJob(input({ spec: { backoffLimit: 1, parallelism: 2 }, pods }));
    expect(plan.delete).toEqual(["run"]);
    expect((plan.status.conditions as Array<{ type: string }>).map((c) => c.type)).toEqual(["FailureTarget"]);
    const next = planJob(
      input({ spec: { backoffLimit: 1 }, status: plan.status, pods: pods.slice(0, 2), counted: new Set(["f1", "f2"]) }),
    );
    expect((next.status.conditions as Array<{ type: string; reason: string }>).map((c) => [c.type, c.reason])).toEqual([
      ["FailureTarget", "BackoffLimitExceeded"],
      ["Failed", "BackoffLimitExceeded"],
    ]);
    expect(next.status.failed).toBe(2);
  });

  it("waits for the back-off before replacing a failed pod", () => {
    const plan = planJob(input({ spec: {}, pods: [p("f1", "Failed")], lastFailureAt: now.getTime() - 10 }));
    expect(plan.create).toBe(0);
    expect(plan.requeueAfterMs).toBe(90);
    const later = planJob(input({ spec: {}, pods: [p("f1", "Failed")], lastFailureAt: now.getTime() - 500 }));
    expect(later.create).toBe(1);
  });

  it("fails on activeDeadlineSeconds", () => {
    const plan = planJob(
      input({
        spec: { activeDeadlineSeconds: 5 },
        status: { startTime: "2026-01-01T00:00:00Z" },
        pods: [p("r", "Running")],
      }),
    );
    expect((plan.status.conditions as Array<{ reason: string }>)[0]?.reason).toBe("DeadlineExceeded");
    expect(plan.delete).toEqual(["r"]);
  });

  it("creates nothing when suspended and keeps counts monotonic", () => {
    const plan = planJob(input({ spec: { suspend: true }, status: { succeeded: 2, failed: 1 } }));
    expect(plan.create).toBe(0);
    expect(plan.status).toMatchObject({ succeeded: 2, failed: 1 });
  });
});

describe("container environment", () => {
  const thePod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p1", namespace: "ns1", uid: "u1", labels: { app: "x" } },
    spec: { nodeName: "n1" },
    status: { podIP: "10.244.0.5" },
  };
  const lookup = {
    configMap: (name: string): KubeObject | undefined =>
      name === "cm"
        ? { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: "cv", mode: "fast" } }
        : undefined,
    secret: (name: string): KubeObject | undefined =>
      name === "s"
        ? {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name },
            data: { token: Buffer.from("t0k").toString("base64") },
          }
        : undefined,
  };

  it("resolves envFrom, valueFrom and $(VAR) like the kubelet", () => {
    const env = resolveEnv(
      thePod,
      {
        envFrom: [{ configMapRef: { name: "cm" }, prefix: "CM_" }],
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "$(A)-$(MISSING)-$$(A)" },
          { name: "T", valueFrom: { secretKeyRef: { name: "s", key: "token" } } },
          { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: "OPT", valueFrom: { configMapKeyRef: { name: "absent", key: "k", optional: true } } },
        ],
      },
      lookup,
    );
    expect(env).toEqual({
      CM_k: "cv",
      CM_mode: "fast",
      A: "1",
      B: "1-$(MISSING)-$(A)",
      T: "t0k",
      NODE: "n1",
      APP: "x",
    });
  });

  it("reports missing objects and keys as ContainerConfigError", () => {
    const ref = (valueFrom: unknown) => () => resolveEnv(thePod, { env: [{ name: "X", valueFrom }] }, lookup);
    expect(ref({ secretKeyRef: { name: "nope", key: "k" } })).toThrow(
      new ContainerConfigError('secret "nope" not found'),
    );
    expect(ref({ configMapKeyRef: { name: "cm", key: "zzz" } })).toThrow("couldn't find key zzz in ConfigMap ns1/cm");
    expect(ref({ fieldRef: { fieldPath: "spec.bogus" } })).toThrow('unsupported fieldRef fieldPath "spec.bogus"');
  });

  it("builds argv from command/args over ENTRYPOINT/CMD", () => {
    const image = { entrypoint: ["/entry"], cmd: ["--default"] };
    expect(containerArgv({}, image, {})).toEqual(["/entry", "--default"]);
    expect(containerArgv({ args: ["--x=$(V)"] }, image, { V: "1" })).toEqual(["/entry", "--x=1"]);
    expect(containerArgv({ command: ["sh"] }, image, {})).toEqual(["sh"]);
  });

  it("rewrites mount paths only as whole path prefixes", () => {
    const mounts = { "/mnt/config": "/tmp/x/config", "/mnt/config/sub": "/tmp/y" };
    expect(rewriteMountPaths("--file=/mnt/config/a.yaml", mounts)).toBe("--file=/tmp/x/config/a.yaml");
    expect(rewriteMountPaths("cat /mnt/config/sub/b && ls /mnt/configuration", mounts)).toBe(
      "cat /tmp/y/b && ls /mnt/configuration",
    );
    expect(rewriteMountPaths("/mnt/config", mounts)).toBe("/tmp/x/config");
    expect(expandVars("$(A)$(B)", { A: "a" })).toBe("a$(B)");
  });
});

describe("volumes", () => {
  it("materialises configMap, secret (decoded), projected and downwardAPI volumes and resolves subPath mounts", async () => {
    const { mkdtemp, readFile, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { containerMounts, materializeVolumes, VolumeMountError } = await import(
      "../../src/sim/node-agent/volumes.ts"
    );
    const root = await mkdtemp(join(tmpdir(), "sim-vol-test-"));
    try {
      const lookup = {
        configMap: (name: string): KubeObject | undefined =>
          name === "cm"
            ? { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { "a.yaml": "x: 1" } }
            : undefined,
        secret: (name: string): KubeObject | undefined =>
          name === "s"
            ? {
                apiVersion: "v1",
                kind: "Secret",
                metadata: { name },
                data: { ".dockerconfigjson": Buffer.from("{}").toString("base64") },
              }
            : undefined,
      };
      const thePod: KubeObject = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", namespace: "ns", labels: { a: "b" } },
        spec: {
          volumes: [
            { name: "config", configMap: { name: "cm", items: [{ key: "a.yaml", path: "sub/renamed.yaml" }] } },
            { name: "creds", secret: { secretName: "s" } },
            {
              name: "proj",
              projected: {
                sources: [
                  { secret: { name: "s", items: [{ key: ".dockerconfigjson", path: "config.json" }] } },
                  { downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
                ],
              },
            },
            { name: "scratch", emptyDir: {} },
          ],
        },
      };
      const dirs = await materializeVolumes(root, thePod, lookup);
      expect(await readFile(join(dirs.get("config") ?? "", "sub/renamed.yaml"), "utf8")).toBe("x: 1");
      expect(await readFile(join(dirs.get("creds") ?? "", ".dockerconfigjson"), "utf8")).toBe("{}");
      expect(await readFile(join(dirs.get("proj") ?? "", "config.json"), "utf8")).toBe("{}");
      expect(await readFile(join(dirs.get("proj") ?? "", "labels"), "utf8")).toBe('a="b"');
      const mounts = await containerMounts(
        {
          volumeMounts: [
            { name: "scratch", mountPath: "/root/.docker/", subPath: "docker" },
            { name: "nope", mountPath: "/x" },
          ],
        },
        dirs,
      );
      expect(mounts).toEqual({ "/root/.docker": join(dirs.get("scratch") ?? "", "docker") });
      const missing: KubeObject = { ...thePod, spec: { volumes: [{ name: "v", configMap: { name: "absent" } }] } };
      await expect(materializeVolumes(join(root, "m"), missing, lookup)).rejects.toThrow(VolumeMountError);
      await expect(materializeVolumes(join(root, "m"), missing, lookup)).rejects.toThrow(
        'MountVolume.SetUp failed for volume "v" : configmap "absent" not found',
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("kubelet log endpoint", () => {
  it.each([
    ["a\nb\nc\n", undefined, undefined, "a\nb\nc\n"],
    ["a\nb\nc\n", 2, undefined, "b\nc\n"],
    ["a\nb\nc", 1, undefined, "c"],
    ["a\nb\nc\n", 0, undefined, ""],
    ["a\nb\nc\n", 10, undefined, "a\nb\nc\n"],
    ["abcdef", undefined, 3, "abc"],
    ["a\nb\nc\n", 2, 3, "b\nc"],
  ])("cuts %j to tailLines %s, limitBytes %s", async (text, tailLines, limitBytes, expected) => {
    const { cutLog } = await import("../../src/sim/node-agent/kubelet-server.ts");
    expect(cutLog(text, tailLines, limitBytes)).toBe(expected);
  });
});

describe("simulation options", () => {
  it("rejects bad options with a BadRequest ClusterSimError naming the field", async () => {
    const { createSimulation } = await import("../../src/sim/index.ts");
    const { isClusterSimError } = await import("../../src/errors/index.ts");
    const { StoreDouble } = await import("./store-double.ts");
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ skus: "none" }, "invalid simulation option skus: must be an array"],
      [{ skus: [{ name: "", gpuCount: 1 }] }, "skus[0].name: must be a non-empty string"],
      [{ skus: [{ name: "a", gpuCount: -1 }] }, "skus[0].gpuCount: must be a whole number ≥ 0, got -1"],
      [
        {
          skus: [
            { name: "a", gpuCount: 1 },
            { name: "A", gpuCount: 2 },
          ],
        },
        'skus[1].name: "A" appears twice',
      ],
      [{ skus: [], nodeDelayMs: -5 }, "nodeDelayMs: must be a number of milliseconds ≥ 0, got -5"],
      [{ skus: [], podDelays: { readyMs: Number.NaN } }, "podDelays.readyMs"],
      [
        { skus: [], serviceCidr: "10.96.0.0" },
        'serviceCidr: must be an IPv4 CIDR between /8 and /28, e.g. "10.96.0.0/16"',
      ],
      [
        { skus: [], processRuntime: { images: [{ image: "x", command: "node" }] } },
        "images[0].command: must be an array",
      ],
      [{ skus: [], controllers: "all" }, "controllers: must be an object such as { scheduler: false"],
      [{ skus: [], controllers: { kubelet: false } }, "controllers.kubelet: is not a part of the simulation (known: "],
      [{ skus: [], controllers: { workloads: 1 } }, "controllers.workloads: must be true or false"],
      [{ skus: [], kubeletEndpoint: "yes" }, 'kubeletEndpoint: must be true or false, got "yes"'],
      [{ skus: [], kubeletEndpoint: true }, "kubeletEndpoint: only for attachSimulation"],
      [{ skus: [], agentNodes: "mine" }, 'agentNodes: must be "all" or "simulated", got "mine"'],
      [{ skus: [], heartbeats: true }, "heartbeats: must be false or an object { leaseRenewMs, nodeStatusMs }"],
      [{ skus: [], heartbeats: { nodeStatusMs: -1 } }, "heartbeats.nodeStatusMs: must be a number of milliseconds"],
    ];
    for (const [options, message] of cases) {
      let caught: unknown;
      try {
        createSimulation(new StoreDouble(), options as never);
      } catch (error) {
        caught = error;
      }
      expect(isClusterSimError(caught), message).toBe(true);
      expect((caught as Error).message).toContain(message);
      expect((caught as { reason: string }).reason).toBe("BadRequest");
    }
  });
});
