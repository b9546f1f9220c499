/**
 * The operator binary on the real control plane: `kaito operator` as a child process with the ServiceAccount of the
 * install manifests (applied with kubectl), so the real RBAC decides; simulated GPU nodes; the webhook registered by
 * a ValidatingWebhookConfiguration; two replicas with leader election.
 */
import { join } from "node:path";
import { ConditionType } from "@kaito-ts/workspace-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookConfiguration } from "../src/manifests/generate.ts";
import { WEBHOOK_PATH } from "../src/operator/servers.ts";
import {
  condition,
  type Env,
  eventually,
  getJson,
  kubectl,
  NS,
  type OperatorProcess,
  SKU,
  startEnv,
  startOperatorProcess,
  toYaml,
} from "./operator-harness.ts";
import { repoRoot } from "./support.ts";

const LEASE = "kaito-ts-workspace-controller";
const LEASE_MS = 4000;
const leaseArgs = [`--lease-duration-ms=${LEASE_MS}`, "--renew-deadline-ms=3000", "--retry-period-ms=500"];

function inference(name: string, namespace = "default"): object {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, namespace },
    resource: { instanceType: SKU, labelSelector: { matchLabels: { apps: name } } },
    inference: { preset: { name: "phi-3-mini-4k-instruct" } },
  };
}

function tuning(name: string): object {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, namespace: "default" },
    resource: { instanceType: SKU, labelSelector: { matchLabels: { apps: name } } },
    tuning: {
      preset: { name: "phi-3-mini-4k-instruct" },
      method: "qlora",
      input: { urls: ["https://example.com/data.parquet"] },
      output: { volumeSource: { emptyDir: {} } },
    },
  };
}

async function lease(
  env: Env,
): Promise<{ holderIdentity?: string; leaseTransitions?: number; renewTime?: string; acquireTime?: string }> {
  const l = await getJson(env.admin, ["lease", LEASE, "-n", NS]);
  return (l?.spec ?? {}) as { holderIdentity?: string };
}

let env: Env;
const running: OperatorProcess[] = [];

async function apply(objects: object[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return kubectl(env.admin, ["apply", "-f", "-"], toYaml(objects));
}

beforeAll(async () => {
  env = await startEnv();
}, 180_000);

afterAll(async () => {
  for (const p of running) p.child.kill("SIGKILL");
  await env?.stop();
});

describe("kaito operator on envtest with the manifests' RBAC", () => {
  it("/readyz answers 503 until the informer caches synced (here: until RBAC lets it list), then 200", async () => {
    const late = await env.cp.kubeconfigFor({ serviceAccount: { namespace: NS, name: "late-operator" } });
    const op = await startOperatorProcess([
      `--kubeconfig=${late.kubeconfigPath}`,
      `--namespace=${NS}`,
      "--leader-elect=false",
      "--webhook-port=-1",
    ]);
    running.push(op);
    const first = await op.get("/readyz");
    expect(first.status).toBe(503);
    expect(first.body).toContain("informer caches not synced");
    expect((await op.get("/healthz")).status).toBe(200);
    // Nothing synced yet: the list of Workspaces is Forbidden for this ServiceAccount.
    await eventually("a Forbidden list in the log", () =>
      op.logs.some((l) => JSON.stringify(l).includes("forbidden") || JSON.stringify(l).includes("Forbidden")),
    );
    expect((await op.get("/readyz")).status).toBe(503);
    const bound = await kubectl(env.admin, [
      "create",
      "clusterrolebinding",
      "late-operator",
      "--clusterrole=kaito-ts-operator",
      `--serviceaccount=${NS}:late-operator`,
    ]);
    expect(bound.code).toBe(0);
    await eventually("ready", async () => (await op.get("/readyz")).status === 200, 60_000);
    op.child.kill("SIGTERM");
    expect(await op.exited).toBe(0);
    await kubectl(env.admin, ["delete", "clusterrolebinding", "late-operator"]);
  }, 120_000);

  describe("two replicas", () => {
    let a: OperatorProcess;
    let b: OperatorProcess;
    const byIdentity = (holder: string | undefined) =>
      [a, b].find((p) => p.logs.some((l) => l.msg === "became the leader" && l.identity === holder));

    beforeAll(async () => {
      const common = [
        `--kubeconfig=${env.operatorKubeconfig}`,
        `--namespace=${NS}`,
        `--webhook-cert-dir=${env.certDir}`,
        "--webhook-port=0",
        "--graceful-shutdown-ms=5000",
        ...leaseArgs,
      ];
      a = await startOperatorProcess(common);
      running.push(a);
      b = await startOperatorProcess(common);
      running.push(b);
    }, 90_000);

    it("one replica leads; both turn ready (the standby with a warm cache)", async () => {
      const holder = await eventually("a Lease holder", async () => (await lease(env)).holderIdentity || undefined);
      const leader = await eventually("the leader's log line", () => byIdentity(holder));
      const standby = leader === a ? b : a;
      expect(standby.logs.some((l) => l.msg === "became the leader")).toBe(false);
      await eventually(
        "both ready",
        async () => (await a.get("/readyz")).status === 200 && (await b.get("/readyz")).status === 200,
      );
    });

    it("the webhook, registered with a URL and caBundle, denies the seed's example with the placeholder messages and admits the filled-in copy", async () => {
      const leaderPort = (byIdentity((await lease(env)).holderIdentity) ?? a).webhookPort;
      const reg = webhookConfiguration(NS, {
        url: `https://127.0.0.1:${leaderPort}${WEBHOOK_PATH}`,
        caBundle: env.caBundle,
      });
      expect((await apply([reg])).code).toBe(0);
      const seed = join(repoRoot, "examples", "fine-tuning", "kaito_workspace_tuning_phi_3.yaml");
      expect((await kubectl(env.admin, ["create", "namespace", "seed"])).code).toBe(0);
      const denied = await eventually(
        "the webhook in effect",
        async () => {
          const r = await kubectl(env.admin, ["apply", "-n", "seed", "-f", seed]);
          return r.stderr.includes("denied the request") ? r : undefined;
        },
        30_000,
      );
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toContain('admission webhook "validation.workspace.kaito.sh" denied the request');
      expect(denied.stderr).toContain("ACR_REPO_HERE");
      expect(denied.stderr).toContain("IMAGE_NAME_HERE");
      expect(denied.stderr).toContain("placeholder");
      const local = join(repoRoot, "examples", "fine-tuning", "kaito_workspace_tuning_phi_3_local.yaml");
      const ok = await kubectl(env.admin, ["apply", "-n", "seed", "-f", local]);
      expect(ok.stderr).not.toContain("denied");
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain("workspace.kaito.sh/workspace-tuning-phi-3 created");
    }, 60_000);

    it("an inference Workspace reaches WorkspaceSucceeded with InferenceReady=True; a tuning one JobStarted", async () => {
      expect((await apply([inference("phi"), tuning("tune")])).code).toBe(0);
      const ws = await eventually(
        "phi succeeded",
        async () => {
          const w = await getJson(env.admin, ["workspace", "phi", "-n", "default"]);
          return condition(w, ConditionType.WorkspaceSucceeded)?.status === "True" ? w : undefined;
        },
        90_000,
      );
      expect(condition(ws, ConditionType.InferenceReady)?.status).toBe("True");
      expect(condition(ws, ConditionType.ResourceReady)?.status).toBe("True");
      const t = await eventually(
        "tune JobStarted",
        async () => {
          const w = await getJson(env.admin, ["workspace", "tune", "-n", "default"]);
          return condition(w, ConditionType.JobStarted)?.status === "True" ? w : undefined;
        },
        90_000,
      );
      expect(condition(t, ConditionType.JobStarted)?.reason).toBeTruthy();
      // Nothing the operator did was refused by RBAC.
      for (const p of [a, b])
        expect(p.logs.filter((l) => JSON.stringify(l).toLowerCase().includes("forbidden"))).toEqual([]);
    }, 200_000);

    it("/metrics shows the reconcile counters under controller-runtime's names; logs carry workspace, namespace, reconcileID", async () => {
      const leader = byIdentity((await lease(env)).holderIdentity) ?? a;
      const m = await leader.get("/metrics");
      expect(m.status).toBe(200);
      const ok =
        /controller_runtime_reconcile_total\{controller="workspace",result="(success|requeue_after)"\} (\d+)/.exec(
          m.body,
        );
      expect(Number(ok?.[2])).toBeGreaterThan(0);
      expect(m.body).toContain('workqueue_adds_total{name="workspace"}');
      expect(m.body).toContain("leader_election_master_status");
      expect(m.body).toContain("controller_runtime_reconcile_time_seconds_bucket");
      // The seed's filled-in copy names a push secret that does not exist in "seed": a bad-input pass, logged with
      // the reconcile's fields.
      // (A pass can also end without a reason, e.g. when the cache has not seen the last write yet: its "reconcile
      // finished" debug line carries the same fields; the bad-input line is the one with a reason.)
      const line = await eventually("a reconcile log line of the seed Workspace with a reason", () =>
        leader.logs.find(
          (l) =>
            l.workspace === "workspace-tuning-phi-3" &&
            l.namespace === "seed" &&
            typeof l.reconcileID === "string" &&
            l.controller === "workspace" &&
            l.reason !== undefined,
        ),
      );
      expect(line.reason).toBe("SecretNotFound");
      expect(line.level).toBe("info");
    });

    it("kill -9 of the leader: the other takes over within the lease duration and finishes an in-flight Workspace; SIGTERM releases the Lease at once", async () => {
      const before = await lease(env);
      const leader = byIdentity(before.holderIdentity);
      expect(leader).toBeDefined();
      const other = leader === a ? b : a;
      // Every replica serves the webhook (a standby too); a Service would stop routing to the killed pod — here the
      // registration points at the survivor.
      const reg = webhookConfiguration(NS, {
        url: `https://127.0.0.1:${other.webhookPort}${WEBHOOK_PATH}`,
        caBundle: env.caBundle,
      });
      expect((await apply([reg])).code).toBe(0);
      expect((await apply([inference("inflight")])).code).toBe(0);
      leader?.child.kill("SIGKILL");
      expect(await leader?.exited).toBe("SIGKILL");
      const last = await lease(env); // the dead leader's last renewal (or already the new holder's acquisition)
      const after = await eventually(
        "a new holder",
        async () => {
          const l = await lease(env);
          return l.holderIdentity !== before.holderIdentity && l.holderIdentity !== "" ? l : undefined;
        },
        LEASE_MS * 5,
      );
      expect(byIdentity(after.holderIdentity)).toBe(other);
      expect(after.leaseTransitions).toBe((before.leaseTransitions ?? 0) + 1);
      // Taken over once the dead leader's Lease expired — never before (the standby counts the duration from when it
      // saw the last renewal, which is after `renewTime`) — and promptly after: at one of its next retries (500 ms).
      // The upper bound allows a whole extra lease duration for a starved machine's late timers; what it rules out is
      // a takeover that waited for something else (a relist, a restart).
      if (last.holderIdentity === before.holderIdentity) {
        const gap = Date.parse(after.acquireTime ?? "") - Date.parse(last.renewTime ?? "");
        expect(gap, `acquired ${gap} ms after the last renewal`).toBeGreaterThanOrEqual(LEASE_MS);
        expect(gap, `acquired ${gap} ms after the last renewal`).toBeLessThanOrEqual(2 * LEASE_MS);
      }
      await eventually(
        "inflight succeeded under the new leader",
        async () =>
          condition(
            await getJson(env.admin, ["workspace", "inflight", "-n", "default"]),
            ConditionType.WorkspaceSucceeded,
          )?.status === "True",
        90_000,
      ).catch(async (e: Error) => {
        const ws = await getJson(env.admin, ["workspace", "inflight", "-n", "default"]);
        const tail = other.logs.slice(-25).map((l) => JSON.stringify(l));
        throw new Error(`${e.message}\nstatus: ${JSON.stringify(ws?.status)}\nnew leader's log:\n${tail.join("\n")}`);
      });
      other.child.kill("SIGTERM");
      expect(await other.exited).toBe(0);
      const released = await lease(env);
      expect(released.holderIdentity ?? "").toBe("");
      expect(other.logs.some((l) => l.msg === "stopped")).toBe(true);
    }, 180_000);
  });
});
