/**
 * The Workspace controller end to end: the Manager, the reconcile pass, the real Karpenter provisioner of
 * `@kaito-ts/node-provisioner`, and an API server with simulated GPU nodes, pods and a trainer process.
 */
import { createKarpenterProvisioner } from "@kaito-ts/node-provisioner/karpenter";
import {
  type Condition,
  ConditionReason,
  ConditionType,
  WORKSPACE_FINALIZER,
  type WorkspaceTuningProgress,
  workspaceCrd,
} from "@kaito-ts/workspace-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type KubeObject,
  KubeRestClient,
  Manager,
  Resources,
  setupWorkspaceController,
  TUNING_PROGRESS_CONDITION,
  type LogReader,
  type RuntimeLogger,
  type WorkspaceControllerSetup,
} from "../../src/index.ts";
import { backends, eventually, type RunningBackend } from "../support/backends.ts";
import { INFERENCE_SKU as SKU, inferenceServerProcess, inferenceWorkspace } from "../support/inference-server.ts";

/**
 * How long a step may take. Generous: with kube-controller-manager, kube-scheduler and the node agent all on a
 * shared, loaded machine, a rolling update can take many seconds.
 */
const WAIT_MS = 45_000;
/** The simulated cloud has no quota left for this one. */
const QUOTA_SKU = "Standard_NC48ads_A100_v4";
/** A SKU with local NVMe disks (weights on a `kaito-local-nvme-disk` claim when that StorageClass exists). */
const NVME_SKU = "Standard_NC80adis_H100_v5";

// The trainer: prints a tqdm bar and Hugging Face metrics dicts like fine_tuning.py, then the final summary.
const TRAINER = `
const total = 20; let i = 0;
process.stdout.write("  0%|          | 0/20 [00:00<?, ?it/s]");
const t = setInterval(() => {
  i++;
  const pad = (n) => String(n).padStart(2, "0");
  process.stdout.write("\\r " + (i * 5) + "%|#| " + i + "/20 [00:" + pad(i) + "<00:" + pad(total - i) + ",  1.00it/s]");
  if (i % 5 === 0) console.log("\\n{'loss': " + (2 - i / 20).toFixed(4) + ", 'grad_norm': 0.5, 'learning_rate': 0.0002, 'epoch': " + (i / 20).toFixed(2) + "}");
  if (i === total) { clearInterval(t); console.log("{'train_runtime': 2.0, 'train_loss': 1.5, 'epoch': 1.0}"); process.exit(0); }
}, 60);
`;

// A server that dies at start-up, as vLLM does on a CUDA error.
const CRASHING_SERVER = `console.error("RuntimeError: CUDA error: no kernel image is available"); process.exit(1);`;

function tuning(name: string, output: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, namespace: "default" },
    resource: { instanceType: SKU, labelSelector: { matchLabels: { apps: name } } },
    tuning: {
      preset: { name: "phi-3-mini-4k-instruct" },
      method: "qlora",
      input: { urls: ["https://example.com/data.parquet"] },
      output,
    },
  };
}

function tuningProgressOf(ws: KubeObject | undefined): WorkspaceTuningProgress | undefined {
  return (ws?.status as { tuningProgress?: WorkspaceTuningProgress } | undefined)?.tuningProgress;
}

function cond(ws: KubeObject | undefined, type: string): Condition | undefined {
  return ((ws?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);
}

describe.each(backends)(
  "Workspace controller on $name",
  (backend) => {
    let be: RunningBackend;
    let client: KubeRestClient;
    let mgr: Manager;
    let setup: WorkspaceControllerSetup;
    /** The controllers' warnings (both managers of this file log to it). */
    const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const logger: RuntimeLogger = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (fields, message) => warnings.push({ fields, message }),
    };
    /** The node agent's logs, refused (as RBAC would) for the pods of Workspaces named `nolog…`. */
    const logs: LogReader = (ns, pod, container, tailLines) =>
      pod.startsWith("nolog")
        ? Promise.reject(
            new Error(`pods "${pod}" is forbidden: cannot get resource "pods/log" in the namespace "${ns}"`),
          )
        : be.podLogs !== undefined
          ? be.podLogs(ns, pod, container, tailLines)
          : client.logs(ns, pod, { container, tailLines });
    const get = (name: string) => client.get(Resources.Workspace, "default", name);

    beforeAll(async () => {
      be = await backend.start({
        crds: [workspaceCrd],
        simulation: {
          skus: [
            { name: SKU, gpuCount: 1, gpuProduct: "NVIDIA-A100-PCIE-80GB", gpuMemoryMiB: 81920 },
            { name: QUOTA_SKU, gpuCount: 2, gpuProduct: "NVIDIA-A100-PCIE-80GB", gpuMemoryMiB: 81920 },
            { name: NVME_SKU, gpuCount: 2, gpuProduct: "NVIDIA-H100-NVL", gpuMemoryMiB: 96256 },
          ],
          nodeDelayMs: 50,
          // Probes every 300 ms: a node process that starts slowly on a loaded machine is not killed by liveness.
          podDelays: { probeIntervalMs: 300 },
          processRuntime: {
            images: [
              {
                // kaito-base runs the trainer in Job pods and a /health server in inference pods.
                image: "*/kaito-base:*",
                spawn: (ctx) => {
                  const meta = ctx.pod.metadata as { name?: string; ownerReferences?: Array<{ kind: string }> };
                  if (meta.ownerReferences?.[0]?.kind === "Job") return { command: [process.execPath, "-e", TRAINER] };
                  if (meta.name?.startsWith("crashy-") === true)
                    return { command: [process.execPath, "-e", CRASHING_SERVER] };
                  return inferenceServerProcess(ctx);
                },
              },
            ],
          },
        },
      });
      client = new KubeRestClient(be.kubeConfig);
      mgr = new Manager({
        kubeConfig: be.kubeConfig,
        gracefulShutdownTimeoutMs: 5000,
        informerDefaults: { backoff: { initialMs: 50, maxMs: 500 } },
        logger,
      });
      setup = setupWorkspaceController(mgr, {
        provisioner: (port) => createKarpenterProvisioner({ port }),
        tuningProgress: { minIntervalMs: 100 },
        logs,
        nodeRequeueMs: 200,
      });
      await mgr.start();
    });
    afterAll(async () => {
      await mgr?.stop();
      await be?.stop();
    });

    it("an inference preset Workspace reaches InferenceReady=True with Kaito's objects, annotations, finalizer and events", async () => {
      await client.create(Resources.Workspace, inferenceWorkspace("phi"));
      const ws = await eventually(
        "phi ready",
        async () => {
          const w = await get("phi");
          return cond(w, ConditionType.WorkspaceSucceeded)?.status === "True" ? w : undefined;
        },
        WAIT_MS,
      );
      expect(cond(ws, ConditionType.InferenceReady)).toMatchObject({
        status: "True",
        reason: ConditionReason.InferenceStatusSuccess,
      });
      expect(cond(ws, ConditionType.ResourceReady)).toMatchObject({
        status: "True",
        reason: ConditionReason.ResourceStatusSuccess,
      });
      expect(cond(ws, ConditionType.NodeClaimReady)).toMatchObject({ status: "True", reason: "NodeClaimsReady" });
      expect(cond(ws, ConditionType.NodesReady)?.status).toBe("True");
      expect(ws.status).toMatchObject({ state: "Ready", targetNodeCount: 1 });
      expect(ws.metadata.finalizers).toContain(WORKSPACE_FINALIZER);
      expect(ws.metadata.annotations?.["workspace.kaito.io/revision"]).toBe("1");
      expect(ws.metadata.annotations?.["workspace.kaito.io/hash"]).toMatch(/^[0-9a-f]{64}$/);
      const sts = await client.get(Resources.StatefulSet, "default", "phi");
      expect(sts?.metadata.annotations?.["workspace.kaito.io/revision"]).toBe("1");
      expect(sts?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Workspace", name: "phi", controller: true });
      expect(await client.get(Resources.Service, "default", "phi")).toBeDefined();
      expect(await client.get(Resources.Service, "default", "phi-headless")).toBeDefined();
      const revs = await client.list(Resources.ControllerRevision, {
        namespace: "default",
        labelSelector: "workspace.kaito.io/name=phi",
      });
      expect(revs.items).toHaveLength(1);
      const claims = await client.list(Resources.NodeClaim, { labelSelector: "kaito.sh/workspace=phi" });
      expect(claims.items).toHaveLength(1);
      await mgr.events.flush();
      const events = await client.list(Resources.Event, {
        namespace: "default",
        fieldSelector: "involvedObject.name=phi",
      });
      const reasons = events.items.map((e) => (e as unknown as { reason: string }).reason);
      expect(reasons).toContain("NodeClaimCreated");
      expect(reasons).toContain("StatefulSetCreated");
      // The writes the flow needs, and no more (the first Workspace of this backend: every write so far is its own).
      const w = (verb: string, resource: string) => be.requests(verb, resource, "kaito-ts-reconciler-core");
      expect({
        revisions: w("create", "controllerrevisions.apps"),
        nodeClaims: w("create", "nodeclaims.karpenter.sh"),
        services: w("create", "services"),
        statefulSets: w("create", "statefulsets.apps"),
        metadata: w("patch", "workspaces.kaito.sh"),
        events: w("create", "events"),
      }).toEqual({ revisions: 1, nodeClaims: 1, services: 2, statefulSets: 1, metadata: 1, events: 2 });
      // pending → nodes ready → inference ready (3), plus one per intermediate state the provider reports on the way
      // (NodeClaim launched / registered / initialized, GPU plugin not ready yet): each changes a condition message.
      expect(w("patch", "workspaces.kaito.sh/status")).toBeGreaterThanOrEqual(3);
      expect(w("patch", "workspaces.kaito.sh/status")).toBeLessThanOrEqual(8);
    });

    it("a crash-looping server reports ContainerCrashLoopBackOff and never InferenceReady=True", async () => {
      await client.create(Resources.Workspace, inferenceWorkspace("crashy"));
      const seen: string[] = [];
      const ws = await eventually(
        "the crash loop reported",
        async () => {
          const w = await get("crashy");
          const c = cond(w, ConditionType.InferenceReady);
          if (c !== undefined) seen.push(c.status);
          return c?.reason === ConditionReason.ContainerCrashLoopBackOff ? w : undefined;
        },
        WAIT_MS,
      );
      expect(cond(ws, ConditionType.InferenceReady)?.message).toMatch(
        /container crashy (keeps crashing \(last exit code 1|restarted)/,
      );
      expect(cond(ws, ConditionType.WorkspaceSucceeded)).toMatchObject({
        status: "False",
        reason: ConditionReason.WorkspaceFailed,
      });
      // keep watching for a while: it must never flip to True while it crashes
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const c = cond(await get("crashy"), ConditionType.InferenceReady);
        if (c !== undefined) seen.push(c.status);
      }
      expect(seen).not.toContain("True");
    });

    it("nodes that never come: the provider's quota error is in the conditions", async () => {
      be.sim?.addNodeClaimFault({ kind: "quota", instanceType: QUOTA_SKU });
      await client.create(Resources.Workspace, {
        ...inferenceWorkspace("noquota"),
        resource: { instanceType: QUOTA_SKU, labelSelector: { matchLabels: { apps: "noquota" } } },
      });
      const ws = await eventually(
        "the quota error",
        async () => {
          const w = await get("noquota");
          const c = cond(w, ConditionType.NodeClaimReady);
          return c?.status === "False" && /quota/i.test(c.message) ? w : undefined;
        },
        WAIT_MS,
      );
      const claim = cond(ws, ConditionType.NodeClaimReady);
      expect(cond(ws, ConditionType.ResourceReady)).toMatchObject({
        status: "False",
        reason: claim?.reason,
        message: claim?.message,
      });
      expect(cond(ws, ConditionType.WorkspaceSucceeded)?.message).toMatch(/^waiting for GPU nodes: .*quota/i);
      expect(ws.status).toMatchObject({ state: "Pending" });
    });

    it("a spec update makes a new revision and rolls the StatefulSet (env/volumes/init containers replaced)", async () => {
      await eventually(
        "phi ready",
        async () => cond(await get("phi"), ConditionType.WorkspaceSucceeded)?.status === "True",
        WAIT_MS,
      );
      await client.patch(Resources.Workspace, "default", "phi", "merge", {
        inference: { adapters: [{ source: { name: "adapter-a", image: "example.com/adapters/a:1" } }] },
      });
      const sts = await eventually(
        "the rolled StatefulSet",
        async () => {
          const s = await client.get(Resources.StatefulSet, "default", "phi");
          return s?.metadata.annotations?.["workspace.kaito.io/revision"] === "2" ? s : undefined;
        },
        WAIT_MS,
      );
      const spec = (sts.spec as { template: { spec: { initContainers?: Array<{ name: string }> } } }).template.spec;
      expect(spec.initContainers?.map((c) => c.name)).toContain("puller-adapter-a");
      const ws = await get("phi");
      expect(ws?.metadata.annotations?.["workspace.kaito.io/revision"]).toBe("2");
      const revs = await client.list(Resources.ControllerRevision, {
        namespace: "default",
        labelSelector: "workspace.kaito.io/name=phi",
      });
      expect(revs.items).toHaveLength(2);
      // The roll (old pod terminated, new pod scheduled, its init containers and server started) is the work of
      // the real StatefulSet controller, scheduler and the node agent: well under a second alone. In two full runs
      // (three files sharing 2 cores, with a reconciler change since reverted) the new phi-0 stayed Pending after it
      // was scheduled — the node agent never started it. The failure says where the roll stood.
      let last = "";
      await eventually(
        "ready again",
        async () => {
          const w = await get("phi");
          const s = await client.get(Resources.StatefulSet, "default", "phi");
          const pods = await client.list(Resources.Pod, {
            namespace: "default",
            labelSelector: "kaito.sh/workspace=phi",
          });
          last = JSON.stringify({
            inferenceReady: cond(w, ConditionType.InferenceReady),
            statefulSet: s?.status,
            pods: pods.items.map((p) => ({
              name: p.metadata.name,
              deleting: p.metadata.deletionTimestamp,
              status: p.status,
            })),
          }).slice(0, 3000);
          return cond(w, ConditionType.InferenceReady)?.status === "True";
        },
        120_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; last seen: ${last}`);
      });
    }, 180_000);

    it("bad input: an unknown preset gets a condition, a Warning event and back-off — other Workspaces are unaffected", async () => {
      await client.create(Resources.Workspace, inferenceWorkspace("unknown", "no-such-model-7b"));
      await client.create(Resources.Workspace, inferenceWorkspace("neighbour"));
      const ws = await eventually(
        "the bad-input condition",
        async () => {
          const w = await get("unknown");
          return cond(w, ConditionType.WorkspaceSucceeded)?.reason === "UnsupportedPreset" ? w : undefined;
        },
        WAIT_MS,
      );
      expect(cond(ws, ConditionType.WorkspaceSucceeded)?.message).toMatch(
        /inference\.preset\.name "no-such-model-7b" is not a preset of this catalog version/,
      );
      await eventually(
        "the neighbour ready",
        async () => cond(await get("neighbour"), ConditionType.WorkspaceSucceeded)?.status === "True",
        WAIT_MS,
      );
      await mgr.events.flush();
      const events = await client.list(Resources.Event, {
        namespace: "default",
        fieldSelector: "involvedObject.name=unknown",
      });
      const warning = events.items.find(
        (e) => (e as unknown as { reason: string }).reason === "UnsupportedPreset",
      ) as unknown as { type: string; count: number } | undefined;
      expect(warning?.type).toBe("Warning");
      // back-off, not a hot loop: a handful of passes at most in this time (5 ms, 10 ms, 20 ms, … between retries)
      expect(warning?.count ?? 0).toBeLessThan(15);
      expect(await client.list(Resources.NodeClaim, { labelSelector: "kaito.sh/workspace=unknown" })).toMatchObject({
        items: [],
      });
    });

    it("tuning: the Job runs the trainer, progress shows in TuningProgress, then WorkspaceSucceeded=True", async () => {
      await client.create(Resources.Workspace, tuning("tune", { volumeSource: { emptyDir: {} } }));
      const progressMessages = new Set<string>();
      const progressSeen: WorkspaceTuningProgress[] = [];
      const ws = await eventually(
        "tuning succeeded",
        async () => {
          const w = await get("tune");
          const p = cond(w, TUNING_PROGRESS_CONDITION);
          if (p !== undefined) progressMessages.add(p.message);
          const typed = tuningProgressOf(w);
          if (typed !== undefined) progressSeen.push(typed);
          return cond(w, ConditionType.WorkspaceSucceeded)?.status === "True" ? w : undefined;
        },
        WAIT_MS,
      );
      expect(cond(ws, ConditionType.JobStarted)).toMatchObject({
        status: "True",
        reason: ConditionReason.TuningJobStatusStarted,
      });
      expect(ws.status).toMatchObject({ state: "Succeeded" });
      const job = await client.get(Resources.Job, "default", "tune");
      expect(job?.metadata.annotations?.["workspace.kaito.io/revision"]).toBe("1");
      // the template copy of the qlora parameters in the Workspace namespace
      expect(await client.get(Resources.ConfigMap, "default", "qlora-params-template")).toBeDefined();
      const final = await eventually(
        "the final progress",
        async () => {
          const p = cond(await get("tune"), TUNING_PROGRESS_CONDITION);
          return p?.reason === "TuningCompleted" ? p : undefined;
        },
        10_000,
      );
      expect(final.message).toBe("step 20/20 (100%), epoch 1.00, train loss 1.5000, training finished");
      expect([...progressMessages].some((m) => /^step \d+\/20/.test(m))).toBe(true);
      // the same progress, typed in status.tuningProgress (written with the condition, in the same status patch)
      // (how many in-progress samples a poll sees depends on the machine's load: the trainer runs for about 1 s)
      const reported = progressSeen.find((p) => p.step !== undefined && p.loss !== undefined && p.epoch !== undefined);
      expect(reported).toMatchObject({ totalSteps: 20 });
      expect(reported?.step).toBeGreaterThan(0);
      expect(reported?.step).toBeLessThanOrEqual(20);
      expect(reported?.epoch).toBeGreaterThan(0);
      expect(reported?.loss).toBeLessThan(2);
      expect(reported?.observedTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const finished = await get("tune");
      const done = tuningProgressOf(finished);
      expect(done).toMatchObject({
        step: 20,
        totalSteps: 20,
        epoch: 1,
        loss: 1,
        trainLoss: 1.5,
        learningRate: 0.0002,
        gradNorm: 0.5,
        etaSeconds: 0,
        completed: true,
      });
      // after the final read nothing changes, so nothing is written: ten progress intervals later, the same object
      await new Promise((r) => setTimeout(r, 1000));
      expect((await get("tune"))?.metadata.resourceVersion).toBe(finished?.metadata.resourceVersion);
    });

    it("tuning: a trainer log that cannot be read is a warning naming the pod and what to check; the tuning still succeeds", async () => {
      await client.create(Resources.Workspace, tuning("nolog", { volumeSource: { emptyDir: {} } }));
      await eventually(
        "nolog succeeded",
        async () => cond(await get("nolog"), ConditionType.WorkspaceSucceeded)?.status === "True",
        WAIT_MS,
      );
      const warning = warnings.find((w) => String(w.fields.pod ?? "").startsWith("nolog-"));
      expect(warning?.message).toContain("could not read the trainer log");
      expect(warning?.message).toContain("pods/log");
      expect(warning?.fields).toMatchObject({ workspace: "default/nolog", container: "nolog" });
      expect(String(warning?.fields.err)).toContain("forbidden");
    });

    it("tuning: a spec update deletes the Job and creates it again for the new revision", async () => {
      const before = await client.get(Resources.Job, "default", "tune");
      expect(before).toBeDefined();
      await client.patch(Resources.Workspace, "default", "tune", "merge", {
        tuning: { input: { urls: ["https://example.com/data-v2.parquet"] } },
      });
      const job = await eventually(
        "the Job of revision 2",
        async () => {
          const j = await client.get(Resources.Job, "default", "tune");
          return j?.metadata.annotations?.["workspace.kaito.io/revision"] === "2" ? j : undefined;
        },
        WAIT_MS,
      );
      expect(job.metadata.uid).not.toBe(before?.metadata.uid);
      await eventually(
        "tuning succeeded again",
        async () => {
          const w = await get("tune");
          return w?.metadata.annotations?.["workspace.kaito.io/revision"] === "2" &&
            cond(w, ConditionType.WorkspaceSucceeded)?.status === "True"
            ? w
            : undefined;
        },
        WAIT_MS,
      );
      await mgr.events.flush();
      const events = await client.list(Resources.Event, {
        namespace: "default",
        fieldSelector: "involvedObject.name=tune",
      });
      expect(events.items.map((e) => (e as unknown as { reason: string }).reason)).toContain("JobRecreating");
    });

    it("bad input: a malformed tuning ConfigMap is reported on JobStarted with the rule it breaks", async () => {
      await client.create(Resources.ConfigMap, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "bad-params", namespace: "default" },
        data: {
          "training_config.yaml":
            "training_config:\n  QuantizationConfig:\n    load_in_4bit: true\n    load_in_8bit: true\n",
        },
      });
      const ws0 = tuning("badconfig", { volumeSource: { emptyDir: {} } });
      await client.create(Resources.Workspace, { ...ws0, tuning: { ...(ws0.tuning as object), config: "bad-params" } });
      const ws = await eventually(
        "the config condition",
        async () => {
          const w = await get("badconfig");
          return cond(w, ConditionType.JobStarted)?.reason === "InvalidTuningConfig" ? w : undefined;
        },
        WAIT_MS,
      );
      expect(cond(ws, ConditionType.JobStarted)?.message).toMatch(
        /tuning ConfigMap default\/bad-params \(tuning.config\)/,
      );
      expect(ws.status).toMatchObject({ state: "Failed" });
      expect(await client.get(Resources.Job, "default", "badconfig")).toBeUndefined();
    });

    it("bad input: a push secret that does not exist is reported on JobStarted with what to run", async () => {
      await client.create(
        Resources.Workspace,
        tuning("nosecret", { image: "registry.example.com/adapters/x:1", imagePushSecret: "missing-secret" }),
      );
      const ws = await eventually(
        "the secret condition",
        async () => {
          const w = await get("nosecret");
          return cond(w, ConditionType.JobStarted)?.reason === "SecretNotFound" ? w : undefined;
        },
        WAIT_MS,
      );
      expect(cond(ws, ConditionType.JobStarted)?.message).toMatch(
        /Secret default\/missing-secret, which does not exist; create it \(kubectl create secret docker-registry missing-secret/,
      );
      expect(ws.status).toMatchObject({ state: "Failed" });
      expect(await client.get(Resources.Job, "default", "nosecret")).toBeUndefined();
    });

    it("faults: 5xx on creates, 409 on status writes and dropped watches — the Workspace still converges", async () => {
      const undo = [
        be.faults.fail({ verb: "create", resource: "statefulsets", status: 500, times: 2 }),
        be.faults.fail({ verb: "create", resource: "services", status: 503, times: 1 }),
        be.faults.fail({ verb: "patch", resource: "workspaces", status: 409, times: 3 }),
      ];
      await client.create(Resources.Workspace, inferenceWorkspace("faulty"));
      await new Promise((r) => setTimeout(r, 100));
      be.faults.dropWatches("workspaces");
      be.faults.dropWatches("statefulsets");
      const ws = await eventually(
        "faulty ready",
        async () => {
          const w = await get("faulty");
          return cond(w, ConditionType.WorkspaceSucceeded)?.status === "True" ? w : undefined;
        },
        WAIT_MS,
      );
      for (const u of undo) u();
      expect(cond(ws, ConditionType.InferenceReady)?.status).toBe("True");
      const claims = await client.list(Resources.NodeClaim, { labelSelector: "kaito.sh/workspace=faulty" });
      expect(claims.items).toHaveLength(1);
    });

    it("a restarted controller picks up where the last one stopped, without duplicate NodeClaims", async () => {
      await mgr.stop();
      await client.create(Resources.Workspace, inferenceWorkspace("restart"));
      // A first manager runs a little, then is stopped mid-flow; a second one finishes.
      const first = new Manager({
        kubeConfig: be.kubeConfig,
        informerDefaults: { backoff: { initialMs: 50, maxMs: 500 } },
      });
      setupWorkspaceController(first, {
        provisioner: (port) => createKarpenterProvisioner({ port }),
        nodeRequeueMs: 200,
      });
      await first.start();
      await eventually(
        "a NodeClaim",
        async () =>
          (await client.list(Resources.NodeClaim, { labelSelector: "kaito.sh/workspace=restart" })).items.length > 0,
      );
      await first.stop();
      mgr = new Manager({
        kubeConfig: be.kubeConfig,
        informerDefaults: { backoff: { initialMs: 50, maxMs: 500 } },
        logger,
      });
      setup = setupWorkspaceController(mgr, {
        provisioner: (port) => createKarpenterProvisioner({ port }),
        tuningProgress: { minIntervalMs: 100 },
        nodeRequeueMs: 200,
        logs,
      });
      await mgr.start();
      await eventually(
        "restart ready",
        async () => cond(await get("restart"), ConditionType.WorkspaceSucceeded)?.status === "True",
        WAIT_MS,
      );
      const claims = await client.list(Resources.NodeClaim, { labelSelector: "kaito.sh/workspace=restart" });
      expect(claims.items).toHaveLength(1);
      const revs = await client.list(Resources.ControllerRevision, {
        namespace: "default",
        labelSelector: "workspace.kaito.io/name=restart",
      });
      expect(revs.items).toHaveLength(1);
    });

    it("NVMe: with the kaito-local-nvme-disk StorageClass in the informer, the weights go on a claim of that class", async () => {
      await client.create(Resources.StorageClass, {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: "kaito-local-nvme-disk" },
        provisioner: "kubernetes.io/no-provisioner",
        volumeBindingMode: "WaitForFirstConsumer",
      } as KubeObject);
      // The pass reads the StorageClass from its informer (no GET): wait until the informer has it.
      await eventually(
        "the StorageClass in the cache",
        async () => setup.caches.storageClasses?.getByName(undefined, "kaito-local-nvme-disk") !== undefined,
        WAIT_MS,
      );
      const ws = inferenceWorkspace("nvme", "phi-4");
      ws.resource = { instanceType: NVME_SKU, labelSelector: { matchLabels: { apps: "nvme" } } };
      await client.create(Resources.Workspace, ws);
      const sts = await eventually(
        "the StatefulSet",
        async () => client.get(Resources.StatefulSet, "default", "nvme"),
        WAIT_MS,
      );
      const templates = (sts.spec as { volumeClaimTemplates?: Array<{ spec?: { storageClassName?: string } }> })
        .volumeClaimTemplates;
      expect(templates?.map((t) => t.spec?.storageClassName)).toEqual(["kaito-local-nvme-disk"]);
      expect(be.requests("get", "storageclasses.storage.k8s.io", "kaito-ts-reconciler-core")).toBe(0);
      await client.delete(Resources.Workspace, "default", "nvme");
      await eventually("the nvme Workspace gone", async () => (await get("nvme")) === undefined, WAIT_MS);
    });

    it("deletion: WorkspaceDeleting, NodeClaims released, finalizer removed, Workspace gone", async () => {
      await eventually(
        "neighbour ready",
        async () => cond(await get("neighbour"), ConditionType.WorkspaceSucceeded)?.status === "True",
        WAIT_MS,
      );
      await client.delete(Resources.Workspace, "default", "neighbour");
      await eventually("the Workspace gone", async () => (await get("neighbour")) === undefined, WAIT_MS);
      const claims = await client.list(Resources.NodeClaim, { labelSelector: "kaito.sh/workspace=neighbour" });
      expect(claims.items).toEqual([]);
    });
  },
  120_000,
);
