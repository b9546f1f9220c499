import { parseWorkspaceOrThrow } from "@kaito-ts/workspace-types";
import { describe, expect, it } from "vitest";
import { isNodeProvisionerError, type NodeRequest } from "../src/index.ts";
import { AKS_POOL_NAME_PATTERN, nextNodeNames, nodeNameFor } from "../src/internal/names.ts";
import { resolveRequest } from "../src/internal/request.ts";
import {
  buildNodeClaim,
  createKarpenterProvisioner,
  type KarpenterCloud,
  type KubeNodeClaim,
  NODECLAIM,
} from "../src/karpenter/index.ts";
import { memoryObjectPort } from "../src/testing/index.ts";
import { claimStatus, node, workspace } from "./helpers/fixtures.ts";

const WS_LABELS = { "kaito.sh/workspace": "phi", "kaito.sh/workspacenamespace": "default" };

function request(target = 2, ws = workspace()): NodeRequest {
  return { workspace: ws, targetNodeCount: target };
}

describe("NodeClaim names", () => {
  it("are ws + 9 hex, valid AKS pool names, stable per (uid, index) and distinct across both", () => {
    const a0 = nodeNameFor("uid-a", 0);
    expect(a0).toMatch(/^ws[0-9a-f]{9}$/);
    expect(a0).toMatch(AKS_POOL_NAME_PATTERN);
    expect(nodeNameFor("uid-a", 0)).toBe(a0);
    const names = new Set([0, 1, 2, 3].flatMap((i) => [nodeNameFor("uid-a", i), nodeNameFor("uid-b", i)]));
    expect(names.size).toBe(8);
  });

  it("reuse the lowest free index", () => {
    const taken = new Set([nodeNameFor("u", 0), nodeNameFor("u", 2)]);
    expect(nextNodeNames("u", taken, 2)).toEqual([nodeNameFor("u", 1), nodeNameFor("u", 3)]);
    expect(nextNodeNames("u", taken, 0)).toEqual([]);
  });
});

describe("buildNodeClaim (compat §3.1)", () => {
  const base = {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: {
      name: "ws123456789",
      labels: { "karpenter.sh/nodepool": "kaito", ...WS_LABELS, apps: "phi" },
      annotations: { "karpenter.sh/do-not-disrupt": "true", "kaito.sh/node-image-family": "ubuntu" },
    },
  };
  const common = [
    { key: "karpenter.sh/nodepool", operator: "In", values: ["kaito"] },
    { key: "node.kubernetes.io/instance-type", operator: "In", values: ["Standard_NC24ads_A100_v4"] },
    { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
  ];
  const rows: { cloud: KarpenterCloud; nodeClassRef: object; extra: object[] }[] = [
    {
      cloud: "azure",
      nodeClassRef: { group: "kaito.sh", kind: "KaitoNodeClass", name: "default" },
      extra: [{ key: "karpenter.azure.com/sku-name", operator: "In", values: ["Standard_NC24ads_A100_v4"] }],
    },
    {
      cloud: "aws",
      nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
      extra: [{ key: "karpenter.k8s.aws/instance-gpu-count", operator: "Gt", values: ["0"] }],
    },
    { cloud: "arc", nodeClassRef: { group: "kaito.sh", kind: "KaitoNodeClass", name: "default" }, extra: [] },
  ];
  it("has a row for every cloud", () => {
    expect(rows.map((r) => r.cloud).sort()).toEqual(["arc", "aws", "azure"]);
  });
  it.each(rows)("$cloud", ({ cloud, nodeClassRef, extra }) => {
    const req = resolveRequest(request(1), { uid: true, instanceType: true });
    expect(buildNodeClaim(req, "ws123456789", { cloud })).toEqual({
      ...base,
      spec: {
        nodeClassRef,
        taints: [{ key: "sku", value: "gpu", effect: "NoSchedule" }],
        requirements: [...common, ...extra],
        resources: { requests: { storage: "87Gi" } },
      },
    });
  });

  it.each([
    { what: "preset weights + 80Gi, whole Gi", ws: workspace(), storage: "87Gi" },
    { what: "tuning: 1024Gi", ws: workspace({ tuning: true }), storage: "1024Gi" },
  ])("storage: $what", ({ ws, storage }) => {
    const req = resolveRequest(request(1, ws), { uid: true, instanceType: true });
    expect(buildNodeClaim(req, "wsx", { cloud: "azure" }).spec.resources?.requests?.storage).toBe(storage);
  });

  it("copies the node-image-family annotation and drops reserved selector keys", () => {
    const ws = workspace({
      annotations: { "kaito.sh/node-image-family": "azurelinux" },
      matchLabels: { apps: "phi", "kaito.sh/workspace": "spoof" },
    });
    const claim = buildNodeClaim(resolveRequest(request(1, ws), { uid: true, instanceType: true }), "wsx", {
      cloud: "azure",
    });
    expect(claim.metadata.annotations?.["kaito.sh/node-image-family"]).toBe("azurelinux");
    expect(claim.metadata.labels?.["kaito.sh/workspace"]).toBe("phi");
  });
});

describe("KarpenterNodeProvisioner.provision", () => {
  it("creates targetNodeCount NodeClaims once, across repeated calls and new instances", async () => {
    const port = memoryObjectPort();
    const first = await createKarpenterProvisioner({ port }).provision(request(2));
    expect(first.created).toHaveLength(2);
    expect(first.events.map((e) => e.reason)).toEqual(["NodeClaimCreated", "NodeClaimCreated"]);
    const again = await createKarpenterProvisioner({ port }).provision(request(2));
    expect(again.created).toEqual([]);
    expect([...again.existing].sort()).toEqual([...first.created].sort());
    expect(port.all(NODECLAIM.apiVersion, NODECLAIM.kind)).toHaveLength(2);
  });

  it("treats a 409 for its own name (a stale cache) as existing", async () => {
    const port = memoryObjectPort();
    const p = createKarpenterProvisioner({ port });
    await p.provision(request(1));
    const stale = { ...port, list: async () => [] } as typeof port;
    const result = await createKarpenterProvisioner({ port: stale }).provision(request(1));
    expect(result.created).toEqual([]);
    expect(result.existing).toHaveLength(1);
    expect(result.failed).toEqual([]);
    expect(port.all(NODECLAIM.apiVersion, NODECLAIM.kind)).toHaveLength(1);
  });

  it("reports a name taken by another Workspace", async () => {
    const port = memoryObjectPort();
    const name = nodeNameFor("7f0c7c64-1b8a-4d0c-9d43-1c6c1f0b8a11", 0);
    port.put({
      ...NODECLAIM,
      metadata: { name, labels: { "kaito.sh/workspace": "other", "kaito.sh/workspacenamespace": "x" } },
    });
    const result = await createKarpenterProvisioner({ port: { ...port, list: async () => [] } }).provision(request(1));
    expect(result.failed[0]?.message).toContain("already exists for Workspace x/other");
    expect(result.events[0]).toMatchObject({ type: "Warning", reason: "NodeClaimCreationFailed" });
  });

  it("counts the Workspace's ready nodes not made from a NodeClaim (preferred nodes)", async () => {
    const port = memoryObjectPort();
    port.put(
      node("byo-1", { ...WS_LABELS, apps: "phi", "node.kubernetes.io/instance-type": "Standard_NC24ads_A100_v4" }),
    );
    port.put(node("unlabelled", { apps: "phi", "node.kubernetes.io/instance-type": "Standard_NC24ads_A100_v4" }));
    port.put(
      node("managed", {
        ...WS_LABELS,
        apps: "phi",
        "node.kubernetes.io/instance-type": "Standard_NC24ads_A100_v4",
        "karpenter.sh/nodepool": "kaito",
      }),
    );
    const result = await createKarpenterProvisioner({ port }).provision(request(2));
    expect(result.created).toHaveLength(1);
  });

  it("creates nothing and is ready when the Workspace's existing nodes cover the target", async () => {
    const port = memoryObjectPort();
    port.put(
      node("byo-1", {
        ...WS_LABELS,
        apps: "phi",
        accelerator: "nvidia",
        "node.kubernetes.io/instance-type": "Standard_NC24ads_A100_v4",
      }),
    );
    const p = createKarpenterProvisioner({ port });
    expect((await p.provision(request(1))).created).toEqual([]);
    const r = await p.readiness(request(1));
    expect(r).toMatchObject({ ready: true, workerNodes: ["byo-1"] });
    expect(r.nodeClaims?.message).toContain("no NodeClaims needed");
  });

  it("never deletes extras", async () => {
    const port = memoryObjectPort();
    await createKarpenterProvisioner({ port }).provision(request(3));
    const result = await createKarpenterProvisioner({ port }).provision(request(1));
    expect(result.created).toEqual([]);
    expect(port.all(NODECLAIM.apiVersion, NODECLAIM.kind)).toHaveLength(3);
  });

  it("records a failed create as a Warning event and asks to requeue", async () => {
    const port = memoryObjectPort();
    port.failNext(
      "create",
      403,
      'nodeclaims.karpenter.sh is forbidden: User "system:serviceaccount:kaito:kaito" cannot create',
    );
    const result = await createKarpenterProvisioner({ port }).provision(request(1));
    expect(result.failed[0]?.message).toContain("forbidden");
    expect(result.events[0]).toMatchObject({ type: "Warning", reason: "NodeClaimCreationFailed" });
    expect(result.requeueAfterMs).toBeGreaterThan(0);
  });

  it("fails with KUBERNETES_REQUEST_FAILED naming the kind when listing fails", async () => {
    const port = memoryObjectPort();
    port.failNext("list", 500, "etcdserver: request timed out");
    const error = await createKarpenterProvisioner({ port })
      .provision(request(1))
      .catch((e: unknown) => e);
    expect(isNodeProvisionerError(error) && error.code).toBe("KUBERNETES_REQUEST_FAILED");
    expect((error as Error).message).toMatch(/NodeClaim.*etcdserver: request timed out/);
  });
});

describe("KarpenterNodeProvisioner.readiness", () => {
  async function setup(target = 2) {
    const port = memoryObjectPort();
    const p = createKarpenterProvisioner({ port });
    const { created } = await p.provision(request(target));
    return { port, p, created };
  }
  function setClaim(port: ReturnType<typeof memoryObjectPort>, name: string, status: KubeNodeClaim["status"]) {
    const claim = port.all<KubeNodeClaim>(NODECLAIM.apiVersion, NODECLAIM.kind).find((c) => c.metadata.name === name);
    if (claim === undefined) throw new Error(`no claim ${name}`);
    port.put({ ...claim, status });
  }
  const nodeLabels = (claim: string) => ({
    ...WS_LABELS,
    apps: "phi",
    "karpenter.sh/nodepool": "kaito",
    "node.kubernetes.io/instance-type": "Standard_NC24ads_A100_v4",
    accelerator: "nvidia",
    agentpool: claim,
  });

  it("copies the provider's own failure (a quota error) into the message", async () => {
    const { port, p, created } = await setup();
    const quota =
      "creating instance, Operation could not be completed as it results in exceeding approved Standard NCADS_A100_v4 Family Cores quota (QuotaExceeded)";
    setClaim(
      port,
      created[0] ?? "",
      claimStatus({ type: "Launched", status: "False", reason: "LaunchFailed", message: quota }),
    );
    const r = await p.readiness(request());
    expect(r.ready).toBe(false);
    expect(r.nodeClaims).toMatchObject({ ready: false, reason: "LaunchFailed" });
    expect(r.message).toContain(quota);
    expect(r.message).toContain(created[0]);
    // Kaito waits for the NodeClaim's events here (Karpenter rewrites its status), no timed requeue
    expect(r.waitForEvents).toBe(true);
    expect(r.requeueAfterMs).toBeUndefined();
  });

  it("falls back to NodeClaimNotReady while Karpenter has not reconciled", async () => {
    const { p } = await setup();
    const r = await p.readiness(request());
    expect(r.nodeClaims).toMatchObject({ ready: false, reason: "NodeClaimNotReady" });
    expect(r.message).toContain("0 of 2 NodeClaims ready");
  });

  it("keeps one reason and message while a claim walks Launched → Registered → Initialized (no status rewrite per step)", async () => {
    const { port, p, created } = await setup(1);
    const c = created[0] ?? "";
    const verdicts = [];
    for (const type of ["Launched", "Registered", "Initialized"] as const) {
      setClaim(
        port,
        c,
        claimStatus({ type, status: "Unknown", reason: "AwaitingReconciliation", message: `${type} pending` }),
      );
      verdicts.push((await p.readiness(request(1))).nodeClaims);
    }
    expect(verdicts[0]).toEqual({
      ready: false,
      reason: "NodeClaimNotReady",
      message: `0 of 1 NodeClaims ready; waiting for NodeClaim ${c} to become Ready`,
    });
    expect(verdicts[1]).toEqual(verdicts[0]);
    expect(verdicts[2]).toEqual(verdicts[0]);
  });

  it("checks the nodes only once the claims are Ready: a node that registers first changes nothing (Kaito's order)", async () => {
    const { port, p, created } = await setup(1);
    const c = created[0] ?? "";
    const before = await p.readiness(request(1));
    // The node is up and Ready, but Karpenter has not marked the claim Ready yet.
    setClaim(
      port,
      c,
      claimStatus({ type: "Initialized", status: "Unknown", reason: "AwaitingReconciliation", message: "" }, "node-0"),
    );
    port.put(node("node-0", nodeLabels(c)));
    const nodeFirst = await p.readiness(request(1));
    expect(nodeFirst.nodes).toEqual({
      ready: false,
      reason: "NodeNotReady",
      message: "the nodes are checked once the Workspace's NodeClaims are Ready",
    });
    expect(nodeFirst.nodes).toEqual(before.nodes);
    expect(nodeFirst.nodeClaims).toEqual(before.nodeClaims);
    expect(nodeFirst.workerNodes).toEqual([]);
    expect(nodeFirst.waitForEvents).toBe(true);
    expect(nodeFirst.requeueAfterMs).toBeUndefined();
    setClaim(port, c, claimStatus("ready", "node-0"));
    const ready = await p.readiness(request(1));
    expect(ready).toMatchObject({ ready: true, workerNodes: ["node-0"] });
    expect(ready.nodes.reason).toBe("NodesReady");
  });

  it("claims Ready but their node not Ready yet: requeue after 2 s, as Kaito (no NodeClaim event is coming)", async () => {
    const { port, p, created } = await setup(1);
    const c = created[0] ?? "";
    setClaim(port, c, claimStatus("ready", "node-0"));
    const r = await p.readiness(request(1));
    expect(r.ready).toBe(false);
    expect(r.nodeClaims?.ready).toBe(true);
    expect(r).toMatchObject({ requeueAfterMs: 2000 });
    expect(r.waitForEvents).toBeUndefined();
  });

  it("is ready with ready claims, ready GPU nodes of the instance type; lists workerNodes", async () => {
    const { port, p, created } = await setup();
    for (const [i, c] of created.entries()) {
      setClaim(port, c, claimStatus("ready", `node-${i}`));
      port.put(node(`node-${i}`, nodeLabels(c)));
    }
    const r = await p.readiness(request());
    expect(r).toMatchObject({ ready: true, reason: "workspaceResourceStatusSuccess" });
    expect(r.nodeClaims?.reason).toBe("NodeClaimsReady");
    expect(r.nodes.reason).toBe("NodesReady");
    expect([...r.workerNodes].sort()).toEqual(["node-0", "node-1"]);
  });

  it("writes accelerator=nvidia when missing", async () => {
    const { port, p, created } = await setup(1);
    const c = created[0] ?? "";
    setClaim(port, c, claimStatus("ready", "node-0"));
    const { accelerator: _, ...labels } = nodeLabels(c);
    port.put(node("node-0", labels));
    const r = await p.readiness(request(1));
    expect(r.ready).toBe(true);
    expect(
      port.all<{ apiVersion: string; kind: string; metadata: { labels?: Record<string, string> } }>("v1", "Node")[0]
        ?.metadata.labels?.accelerator,
    ).toBe("nvidia");
    expect(r.events.map((e) => e.reason)).toEqual(["NodeLabeled"]);
  });

  it.each([
    { what: "no GPU capacity", opts: { gpus: 0 }, reason: "NodePluginsNotReady", text: "nvidia.com/gpu" },
    { what: "node not Ready", opts: { ready: false }, reason: "NodeNotReady", text: "0 of 1 ready" },
  ])("is not ready with $what", async ({ opts, reason, text }) => {
    const { port, p, created } = await setup(1);
    const c = created[0] ?? "";
    setClaim(port, c, claimStatus("ready", "node-0"));
    port.put(node("node-0", nodeLabels(c), opts));
    const r = await p.readiness(request(1));
    expect(r).toMatchObject({ ready: false, reason });
    expect(r.message).toContain(text);
  });

  it("warns about resource pressure", async () => {
    const { port, p, created } = await setup(1);
    const c = created[0] ?? "";
    setClaim(port, c, claimStatus("ready", "node-0"));
    port.put(node("node-0", nodeLabels(c), { pressure: ["DiskPressure"] }));
    const r = await p.readiness(request(1));
    expect(r.nodes.message).toContain("; warning: worker node(s) under resource pressure: node-0 (DiskPressure)");
  });
});

describe("KarpenterNodeProvisioner.release", () => {
  it("deletes the Workspace's NodeClaims only, and is done once they are gone", async () => {
    const port = memoryObjectPort();
    const p = createKarpenterProvisioner({ port });
    await p.provision(request(2));
    await p.provision(request(1, workspace({ name: "other", uid: "other-uid" })));
    // A finalizer (Karpenter's termination) keeps the claims while they drain.
    for (const c of port.all<KubeNodeClaim>(NODECLAIM.apiVersion, NODECLAIM.kind)) {
      port.put({ ...c, metadata: { ...c.metadata, finalizers: ["karpenter.sh/termination"] } });
    }
    const first = await p.release({ name: "phi", namespace: "default" });
    expect(first).toMatchObject({ done: false });
    expect(first.deleting).toHaveLength(2);
    const second = await p.release({ name: "phi", namespace: "default" });
    expect(second.deleting).toEqual([]);
    for (const c of port.all<KubeNodeClaim>(NODECLAIM.apiVersion, NODECLAIM.kind)) {
      if (c.metadata.labels?.["kaito.sh/workspace"] === "phi") {
        await port.patch({ ...NODECLAIM, name: c.metadata.name ?? "" }, { metadata: { finalizers: null } });
      }
    }
    expect(await p.release({ name: "phi", namespace: "default" })).toMatchObject({ done: true, remaining: [] });
    expect(port.all(NODECLAIM.apiVersion, NODECLAIM.kind)).toHaveLength(1);
  });
});

describe("bad input", () => {
  const port = memoryObjectPort();
  const p = createKarpenterProvisioner({ port });
  const rows: { what: string; req: NodeRequest; text: string }[] = [
    { what: "no uid", req: request(1, workspace({ uid: "" })), text: "metadata.uid is empty" },
    {
      what: "no instance type",
      req: request(1, workspace({ instanceType: "" })),
      text: "resource.instanceType is empty",
    },
    { what: "count 0", req: request(0), text: "targetNodeCount must be a whole number ≥ 1, got 0" },
    { what: "count 1.5", req: request(1.5), text: "got 1.5" },
    {
      what: "bad image family",
      req: request(1, workspace({ annotations: { "kaito.sh/node-image-family": "windows" } })),
      text: 'kaito.sh/node-image-family="windows"',
    },
    {
      what: "only reserved selector keys",
      req: request(1, workspace({ matchLabels: { "kaito.sh/workspace": "x" } })),
      text: "resource.labelSelector",
    },
    {
      what: "unknown preset",
      req: request(1, workspace({ preset: "no-such-model" })),
      text: 'inference.preset.name "no-such-model"',
    },
  ];
  it.each(rows)("$what → INVALID_REQUEST", async ({ req, text }) => {
    const error = await p.provision(req).catch((e: unknown) => e);
    expect(isNodeProvisionerError(error) && error.code).toBe("INVALID_REQUEST");
    expect((error as Error).message).toContain(text);
    expect((error as Error).message).toContain("Workspace default/phi");
    await expect(p.readiness(req)).rejects.toThrow(text);
  });

  it("rejects an unknown cloud and a missing port", () => {
    expect(() => createKarpenterProvisioner({ port, cloud: "gcp" as KarpenterCloud })).toThrow(/cloud="gcp"/);
    expect(() => createKarpenterProvisioner({} as never)).toThrow(/port must be a KubernetesObjectPort/);
  });

  it("rejects an empty release ref", async () => {
    await expect(p.release({ name: "", namespace: "default" })).rejects.toThrow(/name and namespace are required/);
  });
});

describe("Workspaces as @kaito-ts/workspace-types parses them", () => {
  it.each(["kaito.sh/v1alpha1", "kaito.sh/v1beta1"])("%s goes in as it is", async (apiVersion) => {
    const ws = parseWorkspaceOrThrow({
      apiVersion,
      kind: "Workspace",
      metadata: { name: "phi", namespace: "default", uid: "0d7c6a84-9a56-4a8e-8f5b-0b8f5e7a3c21" },
      resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { apps: "phi" } } },
      inference: { preset: { name: "phi-3-mini-4k-instruct" } },
    });
    const port = memoryObjectPort();
    const result = await createKarpenterProvisioner({ port }).provision({ workspace: ws, targetNodeCount: 1 });
    expect(result.created).toEqual([nodeNameFor("0d7c6a84-9a56-4a8e-8f5b-0b8f5e7a3c21", 0)]);
    const [claim] = port.all<KubeNodeClaim>(NODECLAIM.apiVersion, NODECLAIM.kind);
    expect(claim?.spec.resources?.requests?.storage).toBe("87Gi");
    expect(claim?.metadata.labels).toMatchObject({ apps: "phi", "kaito.sh/workspace": "phi" });
  });
});
