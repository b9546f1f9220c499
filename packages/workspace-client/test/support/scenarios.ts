/**
 * The client's behaviour, written once and run on both backends (`client.envtest.test.ts`,
 * `client.cluster-sim.test.ts`): apply/get/list/waitFor/events/delete and every error a person meets.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createWorkspaceClient,
  isWorkspaceClientError,
  KubeTransport,
  loadKubeConfig,
  type WaitProgress,
  type WorkspaceClient,
  type WorkspaceClientError,
} from "../../src/index.ts";
import type { RunningBackend } from "./backends.ts";

/** A valid v1beta1 inference Workspace as YAML. */
export function workspaceYaml(name: string, namespace = "default"): string {
  return [
    "apiVersion: kaito.sh/v1beta1",
    "kind: Workspace",
    "metadata:",
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    "resource:",
    "  instanceType: Standard_NC24ads_A100_v4",
    "  labelSelector:",
    "    matchLabels:",
    `      apps: ${name}`,
    "inference:",
    "  preset:",
    "    name: phi-3-mini-4k-instruct",
    "",
  ].join("\n");
}

/** Rejects with the client error `p` throws (fails the test when it resolves). */
export async function clientError(p: Promise<unknown>): Promise<WorkspaceClientError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isWorkspaceClientError(e)) throw new Error(`expected a WorkspaceClientError, got ${String(e)}`);
  return e;
}

/** Merge-patches a Workspace's status as Kaito's controller would (the test plays the controller). */
export async function patchStatus(
  kc: KubeConfig,
  namespace: string,
  name: string,
  conditions: Array<{ type: string; status: string; reason: string; message: string }>,
): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  await new KubeTransport(kc).send(
    `/apis/kaito.sh/v1beta1/namespaces/${namespace}/workspaces/${name}/status`,
    { verb: "patch", what: "status" },
    {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { status: { conditions: conditions.map((c) => ({ ...c, lastTransitionTime: now })) } },
    },
  );
}

/** Creates a core/v1 Event about a Workspace. */
export async function createEvent(
  kc: KubeConfig,
  ws: { name: string; namespace: string; uid: string },
  e: { name: string; reason: string; message: string; type?: string; at: string; kind?: string },
): Promise<void> {
  await new KubeTransport(kc).send(
    `/api/v1/namespaces/${ws.namespace}/events`,
    { verb: "create", what: "event" },
    {
      method: "POST",
      body: {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: e.name, namespace: ws.namespace },
        involvedObject: {
          apiVersion: "kaito.sh/v1beta1",
          kind: e.kind ?? "Workspace",
          name: ws.name,
          namespace: ws.namespace,
          uid: ws.uid,
        },
        reason: e.reason,
        message: e.message,
        type: e.type ?? "Normal",
        count: 1,
        firstTimestamp: e.at,
        lastTimestamp: e.at,
        source: { component: "workspace-controller" },
      },
    },
  );
}

/** The scenarios every backend passes. `start` starts the backend without the Workspace CRD. */
export function clientScenarios(start: () => Promise<RunningBackend>): void {
  let backend: RunningBackend;
  let client: WorkspaceClient;
  let crdMissing: WorkspaceClientError;

  beforeAll(async () => {
    backend = await start();
    client = createWorkspaceClient(backend.kubeConfig);
    crdMissing = await clientError(client.list("default"));
    await backend.installWorkspaceCrd();
  }, 120_000);

  afterAll(async () => {
    await backend?.stop();
  });

  describe("apply, get, list", () => {
    it("applies YAML with server-side apply, idempotently, and reads it back", async () => {
      const first = await client.apply(workspaceYaml("ws-apply"));
      expect(first.metadata.uid).toMatch(/.+/);
      expect(first.apiVersion).toBe("kaito.sh/v1beta1");
      expect(first.metadata.managedFields?.map((m) => m.manager)).toContain("kaito-ts-client");
      const again = await client.apply(workspaceYaml("ws-apply"));
      expect(again.metadata.uid).toBe(first.metadata.uid);
      const got = await client.get("ws-apply", "default");
      expect(got.resource.instanceType).toBe("Standard_NC24ads_A100_v4");
      const names = (await client.list("default")).map((w) => w.metadata.name);
      expect(names).toContain("ws-apply");
      expect((await client.list(undefined, { allNamespaces: true })).length).toBeGreaterThanOrEqual(1);
    });

    it("applies a v1alpha1 object at its own version; the server stores it as v1beta1", async () => {
      const applied = await client.apply({
        apiVersion: "kaito.sh/v1alpha1",
        kind: "Workspace",
        metadata: { name: "ws-alpha" },
        resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { apps: "alpha" } } },
        inference: { preset: { name: "phi-3-mini-4k-instruct" } },
      } as never);
      expect(applied.metadata.namespace).toBe("default");
      expect((await client.get("ws-alpha")).apiVersion).toBe("kaito.sh/v1beta1");
    });

    it("validates before sending: an invalid Workspace is refused with every problem and not created", async () => {
      const bad = workspaceYaml("ws-bad").replace("phi-3-mini-4k-instruct", "no-such-model");
      const e = await clientError(client.apply(bad));
      expect(e.code).toBe("INVALID_WORKSPACE");
      expect(e.issues.map((i) => i.path)).toContain("spec.inference.preset.name");
      expect(e.message).toMatch(/Workspace ws-bad is invalid .*\n {2}spec\.inference\.preset\.name: Unsupported/);
      expect((await clientError(client.get("ws-bad"))).code).toBe("NOT_FOUND");
      const notYaml = await clientError(client.apply("kind: [unclosed"));
      expect(notYaml.code).toBe("INVALID_ARGUMENT");
      const notWs = await clientError(
        client.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } } as never),
      );
      expect(notWs.code).toBe("INVALID_WORKSPACE");
      expect(notWs.message).toMatch(/expected kind: Workspace/);
    });

    it("says NOT_FOUND with the namespace and name for a missing Workspace or namespace", async () => {
      const e = await clientError(client.get("nope", "default"));
      expect(e.code).toBe("NOT_FOUND");
      expect(e.status).toBe(404);
      expect(e.message).toMatch(/get Workspace default\/nope: .*"nope" not found/);
      const ns = await clientError(client.apply(workspaceYaml("ws-ns", "no-such-namespace")));
      expect(ns.code).toBe("NOT_FOUND");
      expect(ns.message).toMatch(/kubectl create namespace no-such-namespace/);
    });

    it("says CRD_NOT_INSTALLED, naming the server, when the Workspace CRD is missing", () => {
      expect(crdMissing.code).toBe("CRD_NOT_INSTALLED");
      expect(crdMissing.message).toContain(backend.kubeConfig.getCurrentCluster()?.server.replace(/\/$/, ""));
      expect(crdMissing.message).toMatch(/Workspace CRD is not installed/);
    });
  });

  describe("waitFor", () => {
    it("resolves when the condition turns True, reporting progress with the conditions", async () => {
      await client.apply(workspaceYaml("ws-wait"));
      const progress: WaitProgress[] = [];
      const waiting = client.waitFor("ws-wait", "InferenceReady", {
        timeoutMs: 30_000,
        onProgress: (p) => progress.push(p),
      });
      // the test plays Kaito's controller: first resources, then inference
      await new Promise((r) => setTimeout(r, 100));
      await patchStatus(backend.kubeConfig, "default", "ws-wait", [
        { type: "ResourceReady", status: "True", reason: "workspaceResourceStatusSuccess", message: "ok" },
        { type: "InferenceReady", status: "False", reason: "WorkspaceInferenceStatusPending", message: "pending" },
      ]);
      await patchStatus(backend.kubeConfig, "default", "ws-wait", [
        { type: "ResourceReady", status: "True", reason: "workspaceResourceStatusSuccess", message: "ok" },
        { type: "InferenceReady", status: "True", reason: "WorkspaceInferenceStatusSuccess", message: "served" },
      ]);
      const ws = await waiting;
      expect(ws.status?.conditions?.find((c) => c.type === "InferenceReady")?.status).toBe("True");
      expect(progress[0]?.conditions).toEqual([]);
      expect(progress.some((p) => p.conditions.some((c) => c.reason === "WorkspaceInferenceStatusPending"))).toBe(true);
      // a predicate, already true: resolves at once
      const same = await client.waitFor("ws-wait", (w) => w.resource.instanceType === "Standard_NC24ads_A100_v4");
      expect(same.metadata.name).toBe("ws-wait");
    });

    it("times out with TIMEOUT naming what it waited for and the last conditions", async () => {
      const e = await clientError(client.waitFor("ws-wait", "WorkspaceSucceeded", { timeoutMs: 300 }));
      expect(e.code).toBe("TIMEOUT");
      expect(e.message).toMatch(/Workspace default\/ws-wait: WorkspaceSucceeded=True did not happen within 300 ms/);
      expect(e.message).toMatch(/InferenceReady=True \(WorkspaceInferenceStatusSuccess: served\)/);
    });

    it("stops with ABORTED when the caller's signal aborts, and NOT_FOUND for a missing Workspace", async () => {
      const ac = new AbortController();
      const waiting = client.waitFor("ws-wait", "WorkspaceSucceeded", { signal: ac.signal });
      setTimeout(() => ac.abort(), 100);
      expect((await clientError(waiting)).code).toBe("ABORTED");
      const missing = await clientError(client.waitFor("ws-never", "InferenceReady", { timeoutMs: 5000 }));
      expect(missing.code).toBe("NOT_FOUND");
      expect(missing.message).toMatch(/apply it first/);
    });
  });

  describe("events and logs", () => {
    it("lists the Workspace's events, newest last, and no other object's", async () => {
      const ws = await client.apply(workspaceYaml("ws-events"));
      const ref = { name: "ws-events", namespace: "default", uid: ws.metadata.uid ?? "" };
      await createEvent(backend.kubeConfig, ref, {
        name: "ws-events.2",
        reason: "NodeClaimCreated",
        message: "created NodeClaim wsabc",
        at: "2026-01-01T10:00:05Z",
      });
      await createEvent(backend.kubeConfig, ref, {
        name: "ws-events.1",
        reason: "WorkspaceCreated",
        message: "accepted",
        at: "2026-01-01T10:00:00Z",
      });
      await createEvent(backend.kubeConfig, ref, {
        name: "ws-events.3",
        reason: "Other",
        message: "a pod of the same name",
        at: "2026-01-01T10:00:09Z",
        kind: "Pod",
      });
      const events = await client.events("ws-events", "default");
      expect(events.map((e) => e.reason)).toEqual(["WorkspaceCreated", "NodeClaimCreated"]);
      expect(events[1]).toMatchObject({
        type: "Normal",
        message: "created NodeClaim wsabc",
        source: "workspace-controller",
      });
    });

    it("says NO_WORKLOAD for logs of a Workspace without pods, NOT_FOUND for a missing one", async () => {
      const none = await clientError(client.logs("ws-events", "default"));
      expect(none.code).toBe("NO_WORKLOAD");
      expect(none.message).toMatch(/has no pod yet/);
      expect((await clientError(client.logs("ws-missing", "default"))).code).toBe("NOT_FOUND");
    });
  });

  describe("delete", () => {
    it("deletes and waits until the Workspace is gone; a second delete is NOT_FOUND", async () => {
      await client.apply(workspaceYaml("ws-delete"));
      await client.delete("ws-delete", "default", { wait: true, timeoutMs: 20_000 });
      expect((await clientError(client.get("ws-delete"))).code).toBe("NOT_FOUND");
      expect((await clientError(client.delete("ws-delete"))).code).toBe("NOT_FOUND");
    });

    it("times out a wait on a Workspace whose finalizer nobody releases, naming the finalizer", async () => {
      const ws = await client.apply(workspaceYaml("ws-final"));
      await new KubeTransport(backend.kubeConfig).send(
        "/apis/kaito.sh/v1beta1/namespaces/default/workspaces/ws-final",
        { verb: "patch", what: "finalizers" },
        {
          method: "PATCH",
          contentType: "application/merge-patch+json",
          body: {
            metadata: { finalizers: ["workspace.finalizer.kaito.sh"], resourceVersion: ws.metadata.resourceVersion },
          },
        },
      );
      const e = await clientError(client.delete("ws-final", "default", { wait: true, timeoutMs: 500 }));
      expect(e.code).toBe("TIMEOUT");
      expect(e.message).toMatch(/finalizers workspace\.finalizer\.kaito\.sh are not released/);
      await new KubeTransport(backend.kubeConfig).send(
        "/apis/kaito.sh/v1beta1/namespaces/default/workspaces/ws-final",
        { verb: "patch", what: "finalizers" },
        { method: "PATCH", contentType: "application/merge-patch+json", body: { metadata: { finalizers: null } } },
      );
    });
  });

  describe("fetch", () => {
    it("sends the kubeconfig's credentials and trusts its CA for URLs on the API server (the service proxy's path)", async () => {
      const res = await client.fetch(`${client.server}/apis/kaito.sh/v1beta1/namespaces/default/workspaces/ws-apply`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { metadata: { name: string } }).metadata.name).toBe("ws-apply");
      const anonymous = await createWorkspaceClient(await backend.forbidden()).fetch(
        `${client.server}/apis/kaito.sh/v1beta1/namespaces/default/workspaces/ws-apply`,
      );
      expect(anonymous.status).toBe(403);
    });
  });

  describe("errors a person can act on", () => {
    it("FORBIDDEN when RBAC refuses", async () => {
      const kc = await backend.forbidden();
      const e = await clientError(createWorkspaceClient(kc).get("ws-apply", "default"));
      expect(e.code).toBe("FORBIDDEN");
      expect(e.status).toBe(403);
      expect(e.message).toMatch(/forbidden by the cluster's RBAC/);
    });

    it("UNREACHABLE naming the server URL when nothing answers", async () => {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "gone", server: "http://127.0.0.1:9", skipTLSVerify: true }],
        users: [{ name: "u", token: "secret-token-value" }],
        contexts: [{ name: "gone", cluster: "gone", user: "u" }],
        currentContext: "gone",
      });
      const e = await clientError(createWorkspaceClient(kc).get("ws-apply"));
      expect(e.code).toBe("UNREACHABLE");
      expect(e.message).toMatch(/the API server http:\/\/127\.0\.0\.1:9 is unreachable \(connection refused\)/);
      expect(e.message).not.toContain("secret-token-value");
    });

    it("NO_KUBECONFIG when there is none, or KUBECONFIG names a missing file; loads the backend's file", () => {
      const home = mkdtempSync(join(tmpdir(), "wsclient-home-"));
      const none = (() => {
        try {
          loadKubeConfig({ env: { HOME: home } });
        } catch (e) {
          return e as WorkspaceClientError;
        }
        return undefined;
      })();
      expect(none?.code).toBe("NO_KUBECONFIG");
      expect(none?.message).toMatch(/KUBECONFIG is not set and .*\.kube\/config does not exist/);
      expect(() => loadKubeConfig({ env: { KUBECONFIG: join(home, "missing") } })).toThrow(/names no existing file/);
      const broken = join(home, "broken");
      writeFileSync(
        broken,
        "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\ncurrent-context: ''\nusers: []\n",
      );
      expect(() => loadKubeConfig({ path: broken })).toThrow(/no current-context/);
      const kc = loadKubeConfig({ env: { KUBECONFIG: backend.kubeconfigPath } });
      expect(kc.getCurrentCluster()?.server).toBe(backend.kubeConfig.getCurrentCluster()?.server);
      expect(() => loadKubeConfig({ path: backend.kubeconfigPath, context: "nope" })).toThrow(/has no context "nope"/);
    });
  });
}
