/**
 * The AKS provisioner with the REAL `@azure/arm-containerservice` client against the local HTTPS emulation of the
 * agentPools ARM API (`/aks-emulator`), and the in-memory port for nodes and Workspaces.
 */
import { inspect } from "node:util";
import type { TokenCredential } from "@azure/core-auth";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AksProvisionerOptions,
  aksClusterFromEnv,
  configMapOperationStore,
  createAksProvisioner,
  creationTimestampLabel,
  osDiskSizeGB,
  parseCreationTimestampLabel,
} from "../src/aks/index.ts";
import { type AksEmulator, agentPoolNode, startAksEmulator } from "../src/aks-emulator/index.ts";
import { isNodeProvisionerError, type NodeRequest } from "../src/index.ts";
import { type MemoryObjectPort, memoryObjectPort } from "../src/testing/index.ts";
import { node, workspace } from "./helpers/fixtures.ts";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.SECRET-ARM-TOKEN-do-not-leak.c2lnbmF0dXJl";
const credential: TokenCredential = {
  getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
};

let emulator: AksEmulator;
let port: MemoryObjectPort;

async function start(extra: Parameters<typeof startAksEmulator>[0] = {}) {
  emulator = await startAksEmulator({
    token: TOKEN,
    onPoolSucceeded: (pool) => {
      port.put(agentPoolNode(pool));
    },
    onPoolDeleted: async (pool) => {
      await port.delete({ apiVersion: "v1", kind: "Node", name: agentPoolNode(pool).metadata.name ?? "" });
    },
    ...extra,
  });
}

function provisioner(extra: Partial<AksProvisionerOptions> = {}) {
  return createAksProvisioner({
    port,
    subscriptionId: emulator.subscriptionId,
    resourceGroup: emulator.resourceGroup,
    clusterName: emulator.clusterName,
    credential,
    clientOptions: { endpoint: emulator.endpoint, agent: emulator.agent },
    failureRequeueMs: 0,
    ...extra,
  });
}

const req = (target = 2, ws = workspace()): NodeRequest => ({ workspace: ws, targetNodeCount: target });

beforeEach(async () => {
  port = memoryObjectPort();
  await start();
});
afterEach(async () => {
  await emulator.stop();
});

describe("agent pool shape (compat §3.2)", () => {
  it("one pool per node: name, vmSize, count 1, OS SKU, disk, labels, taints", async () => {
    const p = provisioner({ now: () => new Date("2026-12-07T10:11:12.345Z") });
    const result = await p.provision(
      req(1, workspace({ annotations: { "kaito.sh/node-image-family": "azurelinux" } })),
    );
    expect(result.created).toHaveLength(1);
    const [pool] = emulator.pools();
    expect(pool?.name).toBe(result.created[0]);
    expect(pool?.name).toMatch(/^ws[0-9a-f]{9}$/);
    expect(pool?.properties).toMatchObject({
      count: 1,
      vmSize: "Standard_NC24ads_A100_v4",
      osType: "Linux",
      osSKU: "AzureLinux",
      type: "VirtualMachineScaleSets",
      osDiskSizeGB: 87,
      nodeTaints: ["sku=gpu:NoSchedule"],
      nodeLabels: {
        "karpenter.sh/nodepool": "kaito",
        "kaito.sh/workspace": "phi",
        "kaito.sh/workspacenamespace": "default",
        apps: "phi",
        "kaito.sh/machine-type": "gpu",
        "kaito.sh/creation-timestamp": "2026-12-07T10-11-12Z",
      },
      provisioningState: "Creating",
    });
    expect(emulator.requests.filter((r) => r.method === "PUT").map((r) => r.status)).toEqual([201]);
  });

  it("Ubuntu by default; disk from the storage quantity; bad disks are refused", async () => {
    await provisioner().provision({ ...req(1), storageRequest: "200Gi" });
    expect(emulator.pools()[0]?.properties).toMatchObject({ osSKU: "Ubuntu", osDiskSizeGB: 200 });
    expect(osDiskSizeGB("1Ti", "ns/ws")).toBe(1024);
    expect(() => osDiskSizeGB("512Mi", "ns/ws")).toThrow(/storage request "512Mi" is not a disk size of at least 1Gi/);
    expect(parseCreationTimestampLabel(creationTimestampLabel(new Date("2026-01-02T03:04:05Z")))).toEqual(
      new Date("2026-01-02T03:04:05Z"),
    );
  });
});

describe("long-running operations", () => {
  it("are started in one pass and resumed (one poll per pass) in later ones, never awaited", async () => {
    const p = provisioner();
    const first = await p.provision(req(2));
    expect(first.created).toHaveLength(2);
    expect(first.requeueAfterMs).toBeGreaterThan(0);
    // The first pass only listed and PUT: no operation was polled.
    expect(emulator.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["GET 200", "PUT 201", "PUT 201"]);
    const notYet = await p.readiness(req(2));
    expect(notYet).toMatchObject({ ready: false, reason: "NodeClaimNotReady" });
    expect(notYet.message).toMatch(/0 of 2 agent pools Succeeded; ws[0-9a-f]{9} Creating/);
    const polls = () => emulator.requests.filter((r) => r.path.includes("/operations/")).length;
    expect(polls()).toBe(2);
    const ready = await p.readiness(req(2));
    expect(polls()).toBe(4);
    expect(ready).toMatchObject({ ready: true });
    expect(ready.nodeClaims?.reason).toBe("NodeClaimsReady");
    expect(ready.workerNodes).toHaveLength(2);
    expect(ready.events.filter((e) => e.reason === "AgentPoolCreated")).toHaveLength(2);
    // Idempotent: more passes create nothing.
    expect((await p.provision(req(2))).created).toEqual([]);
    expect(emulator.pools()).toHaveLength(2);
  });

  it("a restarted provisioner (fresh in-memory store) neither duplicates pools nor loses them", async () => {
    await provisioner().provision(req(2));
    const restarted = provisioner();
    const again = await restarted.provision(req(2));
    expect(again.created).toEqual([]);
    expect(again.existing).toHaveLength(2);
    await emulator.settle();
    expect((await restarted.readiness(req(2))).ready).toBe(true);
    expect(emulator.pools()).toHaveLength(2);
  });

  it("concurrent passes that PUT the same pool: the loser's 409 OperationNotAllowed counts as existing", async () => {
    const results = await Promise.all([provisioner().provision(req(1)), provisioner().provision(req(1))]);
    expect(emulator.requests.some((r) => r.method === "PUT" && r.status === 409)).toBe(true);
    expect(results.flatMap((r) => r.created)).toHaveLength(1);
    expect(results.flatMap((r) => r.existing)).toHaveLength(1);
    expect(results.flatMap((r) => r.failed)).toEqual([]);
    expect(emulator.pools()).toHaveLength(1);
  });

  it("a restart resumes the stored poller from a ConfigMap and sees the operation's own failure", async () => {
    emulator.faults.quota({
      phase: "provisioning",
      message:
        "Operation could not be completed as it results in exceeding approved standardNCADSA100v4Family Cores quota (async).",
    });
    const where = { namespace: "kaito-system", name: "kaito-aks-operations" };
    await provisioner({ operations: configMapOperationStore(port, where) }).provision(req(1));
    const cm = await port.get<{ apiVersion: string; kind: string; metadata: object; data?: Record<string, string> }>({
      apiVersion: "v1",
      kind: "ConfigMap",
      ...where,
    });
    expect(Object.keys(cm?.data ?? {})).toHaveLength(1);
    expect(JSON.stringify(cm)).not.toContain("SECRET-ARM-TOKEN");
    const restarted = provisioner({ operations: configMapOperationStore(port, where) });
    let r = await restarted.readiness(req(1));
    r = await restarted.readiness(req(1));
    expect(r.ready).toBe(false);
    expect(r.reason).toBe("QuotaExceeded");
    expect(r.message).toContain("exceeding approved standardNCADSA100v4Family Cores quota (async).");
  });
});

describe("provider failures reach the readiness message", () => {
  it("a quota error on the PUT (400 QuotaExceeded) with ARM's message, and no token anywhere", async () => {
    emulator.faults.quota({ vmSize: "Standard_NC24ads_A100_v4" });
    const p = provisioner();
    const result = await p.provision(req(1));
    expect(emulator.requests.find((r) => r.method === "PUT")?.status).toBe(400);
    expect(result.failed[0]?.message).toContain("QuotaExceeded");
    expect(result.events[0]).toMatchObject({ type: "Warning", reason: "AgentPoolCreationFailed" });
    const r = await p.readiness(req(1));
    expect(r).toMatchObject({ ready: false, reason: "QuotaExceeded" });
    expect(r.message).toContain("Operation could not be completed as it results in exceeding approved");
    expect(r.message).toContain("Current Limit: 0");
    expect(JSON.stringify([result, r])).not.toContain("SECRET-ARM-TOKEN");
  });

  it("a failed pool is replaced on the next provision pass", async () => {
    const fault = emulator.faults.quota({ phase: "provisioning" });
    const p = provisioner();
    await p.provision(req(1));
    expect((await p.readiness(req(1))).reason).toBe("NodeClaimNotReady"); // the operation is still InProgress
    const failed = await p.readiness(req(1));
    expect(failed.reason).toBe("QuotaExceeded");
    emulator.faults.remove(fault);
    const retry = await p.provision(req(1));
    expect(retry.events.map((e) => e.reason)).toContain("AgentPoolDeleting");
    expect(retry.created).toHaveLength(1);
    await emulator.settle();
    expect((await p.readiness(req(1))).ready).toBe(true);
  });

  it("throttling (429 Retry-After) fails the pass with the wait, without sleeping", async () => {
    emulator.faults.throttle({ count: 1, retryAfterSeconds: 7 });
    const error = await provisioner()
      .provision(req(1))
      .catch((e: unknown) => e);
    expect(isNodeProvisionerError(error) && error.code).toBe("AZURE_REQUEST_FAILED");
    expect(isNodeProvisionerError(error) && error.retryAfterMs).toBe(7000);
    expect((error as Error).message).toContain("HTTP 429 SubscriptionRequestsThrottled");
    expect(emulator.requests.map((r) => r.status)).toEqual([429]);
  });

  it("a refused token is AZURE_AUTH_FAILED, and the token appears in no message or inspection", async () => {
    await emulator.stop();
    await start({ token: "the-one-that-is-expected" });
    const error = await provisioner()
      .provision(req(1))
      .catch((e: unknown) => e);
    expect(isNodeProvisionerError(error) && error.code).toBe("AZURE_AUTH_FAILED");
    expect((error as Error).message).toContain("InvalidAuthenticationToken: The access token is invalid.");
    expect(inspect(error, { depth: 10 })).not.toContain("SECRET-ARM-TOKEN");
    expect(emulator.requests[0]?.authorization).toBe("bearer");
  });

  it("a credential that cannot get a token is AZURE_AUTH_FAILED", async () => {
    const broken: TokenCredential = {
      getToken: async () => {
        const e = new Error("WorkloadIdentityCredential: AZURE_FEDERATED_TOKEN_FILE is not set");
        e.name = "CredentialUnavailableError";
        throw e;
      },
    };
    const error = await provisioner({ credential: broken })
      .provision(req(1))
      .catch((e: unknown) => e);
    expect(isNodeProvisionerError(error) && error.code).toBe("AZURE_AUTH_FAILED");
    expect((error as Error).message).toContain("configure workload identity");
  });
});

describe("release and garbage collection", () => {
  it("deletes the Workspace's pools (202), and is done once ARM lists none", async () => {
    const p = provisioner();
    await p.provision(req(2));
    await p.provision(req(1, workspace({ name: "other", uid: "other-uid" })));
    await emulator.settle();
    let r = await p.release({ name: "phi", namespace: "default" });
    expect(r.deleting).toHaveLength(2);
    expect(emulator.requests.filter((x) => x.method === "DELETE").map((x) => x.status)).toEqual([202, 202]);
    for (let i = 0; i < 5 && !r.done; i++) r = await p.release({ name: "phi", namespace: "default" });
    expect(r).toMatchObject({ done: true, remaining: [] });
    expect(emulator.pools().map((x) => x.properties.nodeLabels?.["kaito.sh/workspace"])).toEqual(["other"]);
    expect(port.all("v1", "Node")).toHaveLength(1);
  });

  it("collects pools labelled for Workspaces that no longer exist, and their nodes", async () => {
    const labels = (ws: string, created: Date) => ({
      "karpenter.sh/nodepool": "kaito",
      "kaito.sh/workspace": ws,
      "kaito.sh/workspacenamespace": "default",
      "kaito.sh/creation-timestamp": creationTimestampLabel(created),
    });
    const old = new Date(Date.now() - 3_600_000);
    emulator.addPool("wsleaked0001", { vmSize: "Standard_NC24ads_A100_v4", count: 1, nodeLabels: labels("gone", old) });
    emulator.addPool("wsalive00001", {
      vmSize: "Standard_NC24ads_A100_v4",
      count: 1,
      nodeLabels: labels("alive", old),
    });
    emulator.addPool("wsyoung00001", {
      vmSize: "Standard_NC24ads_A100_v4",
      count: 1,
      nodeLabels: labels("gone2", new Date()),
    });
    emulator.addPool("system", { vmSize: "Standard_D4s_v5", count: 3, nodeLabels: {} });
    port.put({ apiVersion: "kaito.sh/v1beta1", kind: "Workspace", metadata: { name: "alive", namespace: "default" } });
    port.put(node("aks-wsleaked0001-1-vmss000000", { "kubernetes.azure.com/agentpool": "wsleaked0001" }));
    const gc = await provisioner().collectGarbage();
    expect(gc).toEqual({
      deleting: ["wsleaked0001"],
      deletedNodes: ["aks-wsleaked0001-1-vmss000000"],
      kept: ["wsalive00001", "wsyoung00001"],
    });
    await emulator.settle();
    expect(
      emulator
        .pools()
        .map((x) => x.name)
        .sort(),
    ).toEqual(["system", "wsalive00001", "wsyoung00001"]);
  });
});

describe("bad options", () => {
  it.each([
    { what: "subscriptionId", opts: { subscriptionId: "" }, text: "subscriptionId (ARM_SUBSCRIPTION_ID) is empty" },
    { what: "resourceGroup", opts: { resourceGroup: " " }, text: "resourceGroup (ARM_RESOURCE_GROUP) is empty" },
    { what: "clusterName", opts: { clusterName: "" }, text: "clusterName (AZURE_CLUSTER_NAME) is empty" },
  ])("empty $what → INVALID_OPTIONS", ({ opts, text }) => {
    expect(() => provisioner(opts)).toThrow(text);
  });
  it("aksClusterFromEnv names the missing variable", () => {
    expect(() => aksClusterFromEnv({ ARM_SUBSCRIPTION_ID: "s", ARM_RESOURCE_GROUP: "rg" })).toThrow(
      "environment variable AZURE_CLUSTER_NAME is not set",
    );
    expect(aksClusterFromEnv({ ARM_SUBSCRIPTION_ID: "s", ARM_RESOURCE_GROUP: "rg", AZURE_CLUSTER_NAME: "c" })).toEqual({
      subscriptionId: "s",
      resourceGroup: "rg",
      clusterName: "c",
    });
  });
});
