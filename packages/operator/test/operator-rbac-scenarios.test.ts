/**
 * Every end-to-end scenario of the reconciler (issue 10 §4 and its bad inputs) with exactly the shipped RBAC: the
 * committed `manifests/install.yaml` applied with kubectl as a user would (without the Deployment and the in-cluster
 * webhook registration: the operator runs here as a local process), `kaito operator` with a kubeconfig of the
 * manifests' ServiceAccount, the real control plane of `@kaito-ts/envtest` with simulated GPU nodes, the demo's
 * simulated trainer, the real `kaito-publish` as the pusher and Debian's `docker-registry`. Each scenario reaches its
 * outcome and the operator is never refused anything.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extractAdapterImage, OciRegistryClient } from "@kaito-ts/image-publisher";
import { kubectlPath } from "@kaito-ts/envtest";
import { ConditionReason, ConditionType, WORKSPACE_FINALIZER } from "@kaito-ts/workspace-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { type DemoRegistry, startDemoRegistry } from "../src/playground/demo-registry.ts";
import {
  CRASHING_PREFIX,
  condition,
  type Env,
  eventually,
  getJson,
  INSTALL_YAML,
  kubectl,
  NS,
  type OperatorProcess,
  QUOTA_SKU,
  SA,
  SKU,
  startEnv,
  startOperatorProcess,
  toYaml,
} from "./operator-harness.ts";

const SCEN = "scenarios";
const OPERATOR_USER = `system:serviceaccount:${NS}:${SA}`;
/** How long a step may take on a loaded, shared machine with a real controller-manager and scheduler. */
const WAIT_MS = 150_000;

type Cond = { type: string; status?: string; reason?: string; message?: string };

let env: Env;
let registry: DemoRegistry;
let op: OperatorProcess;

const ws = (name: string) => getJson(env.admin, ["workspace", name, "-n", SCEN]);
const apply = (objects: object[]) => kubectl(env.admin, ["apply", "-f", "-"], toYaml(objects));
const cond = (w: Record<string, unknown> | undefined, type: string) =>
  condition(w, type) as (Cond & { message?: string }) | undefined;

function workspace(name: string, body: Record<string, unknown>, instanceType = SKU): object {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, namespace: SCEN },
    resource: { instanceType, labelSelector: { matchLabels: { apps: name } } },
    ...body,
  };
}

const preset = (name = "phi-3-mini-4k-instruct") => ({ inference: { preset: { name } } });

function tuning(output: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tuning: {
      preset: { name: "phi-3-mini-4k-instruct" },
      method: "qlora",
      input: { urls: ["https://example.com/data.parquet"] },
      output,
      ...extra,
    },
  };
}

/** Poll a Workspace until `check` holds; the failure names what was awaited and the last status seen. */
async function until(
  name: string,
  what: string,
  check: (w: Record<string, unknown>) => boolean,
  timeoutMs = WAIT_MS,
): Promise<Record<string, unknown>> {
  let last: unknown;
  return eventually(
    `${name}: ${what}`,
    async () => {
      const w = await ws(name);
      last = w?.status;
      return w !== undefined && check(w) ? w : undefined;
    },
    timeoutMs,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\nlast status: ${JSON.stringify(last)}`);
  });
}

/** Events of an object in the scenario namespace: `reason` → `type`. */
async function events(name: string): Promise<Array<{ reason: string; type: string; message: string }>> {
  const r = await getJson(env.admin, ["events", "-n", SCEN, "--field-selector", `involvedObject.name=${name}`]);
  return ((r?.items ?? []) as Array<{ reason: string; type: string; message: string }>).map((e) => ({
    reason: e.reason,
    type: e.type,
    message: e.message,
  }));
}

/** Every log line (and stderr) of the operator that mentions a Forbidden answer. */
function forbidden(): string[] {
  return [...op.logs.map((l) => JSON.stringify(l)), ...op.stderr().split("\n")].filter((l) => /forbidden/i.test(l));
}

/**
 * The operator was refused nothing: no request of its ServiceAccount was denied by the API server's authorizer (the
 * audit log; this includes refusals the operator handles quietly, such as reading the trainer's log), and it logged
 * no Forbidden answer.
 */
async function nothingRefused(): Promise<void> {
  expect(await env.audit.denials(OPERATOR_USER)).toEqual([]);
  expect(forbidden()).toEqual([]);
}

/** `kubectl get workspace <name> -w` as a user runs it: every version of the object the API server sends. */
function watchWorkspace(name: string): { seen: Array<Record<string, unknown>>; stop(): void } {
  const child: ChildProcess = spawn(
    kubectlPath(),
    ["--kubeconfig", env.admin, "get", "workspace", name, "-n", SCEN, "-w", "-o", "json"],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const seen: Array<Record<string, unknown>> = [];
  let buf = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    buf += d;
    // kubectl prints each version as an indented JSON document; a line "}" at column 0 closes one.
    for (let i = buf.indexOf("\n}\n"); i >= 0; i = buf.indexOf("\n}\n")) {
      seen.push(JSON.parse(buf.slice(0, i + 2)) as Record<string, unknown>);
      buf = buf.slice(i + 3);
    }
  });
  return { seen, stop: () => child.kill("SIGKILL") };
}

beforeAll(async () => {
  const reg = await startDemoRegistry();
  if (!("host" in reg)) throw new Error(`this test needs Debian's docker-registry (pnpm test-deps): ${reg.reason}`);
  registry = reg;
  env = await startEnv({ installFile: INSTALL_YAML });
  op = await startOperatorProcess([
    `--kubeconfig=${env.operatorKubeconfig}`,
    `--namespace=${NS}`,
    "--webhook-port=-1",
    `--insecure-registries=${registry.host}`,
    "--lease-duration-ms=4000",
    "--renew-deadline-ms=3000",
    "--retry-period-ms=500",
  ]);
  expect((await kubectl(env.admin, ["create", "namespace", SCEN])).code).toBe(0);
}, 180_000);

afterAll(async () => {
  op?.child.kill("SIGKILL");
  await env?.stop();
  await registry?.stop();
});

describe("the reconciler's end-to-end scenarios with exactly the shipped ClusterRole", () => {
  it("the operator runs as the manifests' ServiceAccount, bound to the committed ClusterRole, and leads", async () => {
    const committed = parseAllDocuments(await readFile(INSTALL_YAML, "utf8"))
      .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string }; rules?: unknown })
      .find((o) => o.kind === "ClusterRole");
    const live = await getJson(env.admin, ["clusterrole", committed?.metadata?.name ?? "?"]);
    expect(live?.rules).toEqual(committed?.rules);
    const whoami = await kubectl(env.operatorKubeconfig, [
      "auth",
      "whoami",
      "-o",
      "jsonpath={.status.userInfo.username}",
    ]);
    expect(whoami.stdout).toBe(OPERATOR_USER);
    // Not cluster-admin: what the ClusterRole does not grant is refused, and the audit log shows the refusal.
    const denied = await kubectl(env.operatorKubeconfig, ["delete", "pod", "nonexistent", "-n", SCEN]);
    expect(denied.stderr).toMatch(/forbidden/);
    const refusals = await eventually("the refusal in the audit log", async () => {
      const d = await env.audit.denials(OPERATOR_USER);
      return d.length > 0 ? d : undefined;
    });
    expect(refusals).toEqual([
      { user: OPERATOR_USER, verb: "delete", resource: "/pods", namespace: SCEN, name: "nonexistent" },
    ]);
    env.audit.clear();
    await eventually("the leader", () => op.logs.some((l) => l.msg === "became the leader"));
    await eventually("ready", async () => (await op.get("/readyz")).status === 200, WAIT_MS);
  }, 400_000);

  it("an inference preset Workspace reaches InferenceReady=True and WorkspaceSucceeded=True", async () => {
    expect((await apply([workspace("phi", preset())])).code).toBe(0);
    const w = await until(
      "phi",
      "WorkspaceSucceeded=True",
      (x) => cond(x, ConditionType.WorkspaceSucceeded)?.status === "True",
    );
    expect(cond(w, ConditionType.InferenceReady)).toMatchObject({
      status: "True",
      reason: ConditionReason.InferenceStatusSuccess,
    });
    expect(cond(w, ConditionType.ResourceReady)?.status).toBe("True");
    expect(w.status).toMatchObject({ state: "Ready" });
    expect((w.metadata as { finalizers?: string[] }).finalizers).toContain(WORKSPACE_FINALIZER);
    const sts = await getJson(env.admin, ["statefulset", "phi", "-n", SCEN]);
    expect((sts?.status as { readyReplicas?: number } | undefined)?.readyReplicas).toBe(1);
    expect(await getJson(env.admin, ["service", "phi", "-n", SCEN])).toBeDefined();
    expect(await getJson(env.admin, ["service", "phi-headless", "-n", SCEN])).toBeDefined();
    const claims = await getJson(env.admin, ["nodeclaims", "-l", "kaito.sh/workspace=phi"]);
    expect((claims?.items as unknown[] | undefined)?.length).toBe(1);
    const reasons = (await events("phi")).map((e) => e.reason);
    expect(reasons).toContain("NodeClaimCreated");
    await nothingRefused();
  }, 400_000);

  it("a crash-looping server reports ContainerCrashLoopBackOff and never InferenceReady=True", async () => {
    const name = `${CRASHING_PREFIX}-server`;
    expect((await apply([workspace(name, preset())])).code).toBe(0);
    const seen = new Set<string>();
    const w = await until(name, "InferenceReady reason ContainerCrashLoopBackOff", (x) => {
      const c = cond(x, ConditionType.InferenceReady);
      if (c?.status !== undefined) seen.add(c.status);
      return c?.reason === ConditionReason.ContainerCrashLoopBackOff;
    });
    expect(cond(w, ConditionType.InferenceReady)).toMatchObject({ status: "False" });
    expect(cond(w, ConditionType.InferenceReady)?.message).toMatch(/keeps crashing|restarted/);
    expect(cond(w, ConditionType.WorkspaceSucceeded)).toMatchObject({
      status: "False",
      reason: ConditionReason.WorkspaceFailed,
    });
    // It keeps crashing: it must never turn True meanwhile.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const c = cond(await ws(name), ConditionType.InferenceReady);
      if (c?.status !== undefined) seen.add(c.status);
    }
    expect([...seen]).not.toContain("True");
    await nothingRefused();
  }, 400_000);

  it("nodes that never come: the simulated cloud's quota error is in the condition message", async () => {
    env.sim.faults.addNodeClaimFault({ kind: "quota", instanceType: QUOTA_SKU });
    expect((await apply([workspace("noquota", preset(), QUOTA_SKU)])).code).toBe(0);
    const w = await until("noquota", "a quota message on NodeClaimReady", (x) => {
      const c = cond(x, ConditionType.NodeClaimReady);
      return c?.status === "False" && /quota/i.test(c.message ?? "");
    });
    expect(cond(w, ConditionType.ResourceReady)?.message).toMatch(/quota/i);
    expect(cond(w, ConditionType.WorkspaceSucceeded)?.message).toMatch(/^waiting for GPU nodes: .*quota/i);
    expect(w.status).toMatchObject({ state: "Pending" });
    await nothingRefused();
  }, 400_000);

  it("a spec update makes a new revision and the StatefulSet rolls to it", async () => {
    const before = await getJson(env.admin, ["statefulset", "phi", "-n", SCEN]);
    const oldRevision = (before?.status as { currentRevision?: string } | undefined)?.currentRevision;
    const patched = await kubectl(env.admin, [
      "patch",
      "workspace",
      "phi",
      "-n",
      SCEN,
      "--type=merge",
      "-p",
      JSON.stringify({
        inference: { adapters: [{ source: { name: "adapter-a", image: "example.com/adapters/a:1" } }] },
      }),
    ]);
    expect(patched.code, patched.stderr).toBe(0);
    let lastSts: unknown;
    const sts = await eventually(
      "the StatefulSet rolled to revision 2",
      async () => {
        const s = await getJson(env.admin, ["statefulset", "phi", "-n", SCEN]);
        lastSts = {
          annotations: (s?.metadata as { annotations?: unknown } | undefined)?.annotations,
          status: s?.status,
        };
        const meta = s?.metadata as { annotations?: Record<string, string> } | undefined;
        const st = s?.status as {
          currentRevision?: string;
          updateRevision?: string;
          updatedReplicas?: number;
          readyReplicas?: number;
        };
        return meta?.annotations?.["workspace.kaito.io/revision"] === "2" &&
          st.updateRevision !== oldRevision &&
          st.currentRevision === st.updateRevision &&
          st.updatedReplicas === 1 &&
          st.readyReplicas === 1
          ? s
          : undefined;
      },
      WAIT_MS,
    ).catch(async (e: Error) => {
      const pod = await getJson(env.admin, ["pod", "phi-0", "-n", SCEN]);
      throw new Error(
        `${e.message}; last seen: ${JSON.stringify(lastSts)}; pod phi-0: ${JSON.stringify(pod?.status)}; phi: ${JSON.stringify(op.logs.filter((l) => l.workspace === "phi").slice(-5))}`,
      );
    });
    const spec = (sts.spec as { template: { spec: { initContainers?: Array<{ name: string }> } } }).template.spec;
    expect(spec.initContainers?.map((c) => c.name)).toContain("puller-adapter-a");
    // The pod runs the new revision.
    const pod = await getJson(env.admin, ["pod", "phi-0", "-n", SCEN]);
    expect(
      (pod?.metadata as { labels?: Record<string, string> } | undefined)?.labels?.["controller-revision-hash"],
    ).toBe((sts.status as { updateRevision?: string }).updateRevision);
    const w = await until("phi", "revision 2 ready", (x) => {
      const a = (x.metadata as { annotations?: Record<string, string> }).annotations;
      return a?.["workspace.kaito.io/revision"] === "2" && cond(x, ConditionType.InferenceReady)?.status === "True";
    });
    expect(cond(w, ConditionType.WorkspaceSucceeded)?.status).toBe("True");
    const revs = await getJson(env.admin, ["controllerrevisions", "-n", SCEN, "-l", "workspace.kaito.io/name=phi"]);
    expect((revs?.items as unknown[] | undefined)?.length).toBe(2);
    await nothingRefused();
  }, 400_000);

  it("deletion: WorkspaceDeleting, no NodeClaims left, the finalizer gone, the workload gone", async () => {
    const watch = watchWorkspace("phi");
    const deleting = () =>
      watch.seen.filter(
        (v) =>
          (v.metadata as { deletionTimestamp?: string }).deletionTimestamp !== undefined &&
          cond(v, ConditionType.WorkspaceDeleting)?.status === "True",
      );
    try {
      await eventually("the watch started", () => watch.seen.length > 0, 30_000);
      expect((await kubectl(env.admin, ["delete", "workspace", "phi", "-n", SCEN, "--wait=false"])).code).toBe(0);
      await eventually("phi gone", async () => (await ws("phi")) === undefined, WAIT_MS);
      await eventually("the watch saw WorkspaceDeleting=True", () => deleting().length > 0, 30_000).catch(
        (e: Error) => {
          throw new Error(`${e.message}; versions seen: ${JSON.stringify(watch.seen.map((v) => v.status))}`);
        },
      );
    } finally {
      watch.stop();
    }
    // While it was being deleted the operator said so; the operator's finalizer was its only one, and the API server
    // removes the object only once the finalizers are empty (on that update, with no version without them): the
    // object gone means the operator released it.
    expect((deleting()[0]?.metadata as { finalizers?: string[] } | undefined)?.finalizers).toEqual([
      WORKSPACE_FINALIZER,
    ]);
    expect((await getJson(env.admin, ["nodeclaims", "-l", "kaito.sh/workspace=phi"]))?.items).toEqual([]);
    // The garbage collector of kube-controller-manager removes what the Workspace owned.
    await eventually(
      "the workload gone",
      async () =>
        (await getJson(env.admin, ["statefulset", "phi", "-n", SCEN])) === undefined &&
        (await getJson(env.admin, ["service", "phi", "-n", SCEN])) === undefined &&
        (await getJson(env.admin, ["service", "phi-headless", "-n", SCEN])) === undefined &&
        (await getJson(env.admin, ["pod", "phi-0", "-n", SCEN])) === undefined,
      WAIT_MS,
    );
    await nothingRefused();
  }, 400_000);

  it("tuning: JobStarted=True, then WorkspaceSucceeded=True; kaito-publish pushed a Kaito adapter image to docker-registry", async () => {
    const image = `${registry.host}/adapters/phi-3-adapter:0.0.1`;
    expect(
      (
        await apply([
          {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "push", namespace: SCEN },
            type: "kubernetes.io/dockerconfigjson",
            stringData: { ".dockerconfigjson": JSON.stringify({ auths: { [registry.host]: {} } }) },
          },
          workspace("tune", tuning({ image, imagePushSecret: "push" })),
        ])
      ).code,
    ).toBe(0);
    const started = await until("tune", "JobStarted=True", (x) => cond(x, ConditionType.JobStarted)?.status === "True");
    expect(cond(started, ConditionType.JobStarted)?.reason).toBe(ConditionReason.TuningJobStatusStarted);
    const done = await until(
      "tune",
      "WorkspaceSucceeded=True",
      (x) => cond(x, ConditionType.WorkspaceSucceeded)?.status === "True",
    );
    expect(done.status).toMatchObject({ state: "Succeeded" });
    expect(cond(done, "TuningProgress")?.reason).toBe("TuningCompleted");
    const job = await getJson(env.admin, ["job", "tune", "-n", SCEN]);
    expect((job?.status as { succeeded?: number } | undefined)?.succeeded).toBe(1);
    // The adapter image has Kaito's layout: one tar+gzip layer holding data/ with exactly the adapter files.
    const client = new OciRegistryClient({ plainHttp: true });
    const out = await mkdtemp(join(tmpdir(), "kaito-rbac-adapter-"));
    try {
      const fetched = await client.getManifest(image);
      expect(fetched.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
      const manifest = fetched.manifest as unknown as {
        config: { mediaType: string };
        layers: Array<{ mediaType: string }>;
        annotations?: Record<string, string>;
      };
      expect(manifest.config.mediaType).toBe("application/vnd.oci.image.config.v1+json");
      expect(manifest.layers.map((l) => l.mediaType)).toEqual(["application/vnd.oci.image.layer.v1.tar+gzip"]);
      expect(manifest.annotations?.["sh.kaito.model.name"]).toBeTruthy();
      const extracted = await extractAdapterImage(client, image, join(out, "adapter"));
      expect([...extracted.files].sort()).toEqual(["adapter_config.json", "adapter_model.safetensors"]);
      const config = JSON.parse(await readFile(join(out, "adapter", "adapter_config.json"), "utf8")) as {
        peft_type?: string;
      };
      expect(config.peft_type).toBe("LORA");
    } finally {
      client.close();
      await rm(out, { recursive: true, force: true });
    }
    await nothingRefused();
  }, 400_000);

  describe("bad input: a condition and an event, no crash", () => {
    it("a push secret that does not exist: JobStarted says which and what to run", async () => {
      expect(
        (
          await apply([
            workspace("nosecret", tuning({ image: `${registry.host}/x/y:1`, imagePushSecret: "missing-secret" })),
          ])
        ).code,
      ).toBe(0);
      const w = await until(
        "nosecret",
        "JobStarted reason SecretNotFound",
        (x) => cond(x, ConditionType.JobStarted)?.reason === "SecretNotFound",
      );
      expect(cond(w, ConditionType.JobStarted)?.message).toMatch(
        /Secret scenarios\/missing-secret, which does not exist; create it \(kubectl create secret docker-registry missing-secret/,
      );
      expect(w.status).toMatchObject({ state: "Failed" });
      const ev = await eventually("the event", async () =>
        (await events("nosecret")).find((e) => e.reason === "SecretNotFound"),
      );
      expect(ev.type).toBe("Warning");
      expect(await getJson(env.admin, ["job", "nosecret", "-n", SCEN])).toBeUndefined();
      await nothingRefused();
    }, 400_000);

    it("a malformed tuning ConfigMap: JobStarted names it and the rule it breaks", async () => {
      expect(
        (
          await apply([
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "bad-params", namespace: SCEN },
              data: {
                "training_config.yaml":
                  "training_config:\n  QuantizationConfig:\n    load_in_4bit: true\n    load_in_8bit: true\n",
              },
            },
            workspace("badconfig", tuning({ volumeSource: { emptyDir: {} } }, { config: "bad-params" })),
          ])
        ).code,
      ).toBe(0);
      const w = await until(
        "badconfig",
        "JobStarted reason InvalidTuningConfig",
        (x) => cond(x, ConditionType.JobStarted)?.reason === "InvalidTuningConfig",
      );
      expect(cond(w, ConditionType.JobStarted)?.message).toMatch(
        /tuning ConfigMap scenarios\/bad-params \(tuning.config\)/,
      );
      expect(w.status).toMatchObject({ state: "Failed" });
      const ev = await eventually("the event", async () =>
        (await events("badconfig")).find((e) => e.reason === "InvalidTuningConfig"),
      );
      expect(ev.type).toBe("Warning");
      expect(await getJson(env.admin, ["job", "badconfig", "-n", SCEN])).toBeUndefined();
      await nothingRefused();
    }, 400_000);

    it("an unknown preset: WorkspaceSucceeded says so, a Warning event, no NodeClaim; the operator keeps serving", async () => {
      expect((await apply([workspace("unknown", preset("no-such-model-7b"))])).code).toBe(0);
      const w = await until(
        "unknown",
        "WorkspaceSucceeded reason UnsupportedPreset",
        (x) => cond(x, ConditionType.WorkspaceSucceeded)?.reason === "UnsupportedPreset",
      );
      expect(cond(w, ConditionType.WorkspaceSucceeded)?.message).toMatch(
        /inference\.preset\.name "no-such-model-7b" is not a preset of this catalog version/,
      );
      const ev = await eventually("the event", async () =>
        (await events("unknown")).find((e) => e.reason === "UnsupportedPreset"),
      );
      expect(ev.type).toBe("Warning");
      expect((await getJson(env.admin, ["nodeclaims", "-l", "kaito.sh/workspace=unknown"]))?.items).toEqual([]);
      // No crash: the same process, still healthy, ready and leading; a Workspace applied after the bad ones converges.
      expect(op.child.exitCode).toBeNull();
      expect((await op.get("/healthz")).status).toBe(200);
      expect((await op.get("/readyz")).status).toBe(200);
      expect((await apply([workspace("after", preset())])).code).toBe(0);
      await until(
        "after",
        "WorkspaceSucceeded=True",
        (x) => cond(x, ConditionType.WorkspaceSucceeded)?.status === "True",
      );
      await nothingRefused();
    }, 400_000);
  });
});
