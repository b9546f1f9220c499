/**
 * `KubeApi` (the simulation's client of a real API server) when a write's answer arrives after its watch already
 * delivered newer changes of the same object: the answer must not go back into the cache. A proxy between the
 * client and cluster-sim's server holds the answers of PATCH requests until the test releases them, so the order
 * "the write applied → others delete (and recreate) the object → the watch delivers that → the answer arrives" is
 * produced on purpose.
 *
 * Seen on the real control plane: the kubelet's answer about an old StatefulSet pod landed after the pod had been
 * recreated under the same name, replaced the new pod in the cache, and the new pod was never started.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../src/cluster.ts";
import { KubeApi } from "../../src/sim/api/kube-api.ts";
import { R } from "../../src/sim/shared/resources.ts";
import type { KubeObject } from "../../src/store/api.ts";
import { waitFor } from "./helpers.ts";

let cluster: Cluster;
let proxy: Server;
let api: KubeApi;
/** While set, the answers of PATCH requests wait for it to resolve. */
let hold: Promise<void> | undefined;

beforeAll(async () => {
  cluster = await startCluster({ simulation: false });
  const upstream = new URL(cluster.url);
  proxy = createServer((req, res) => {
    const held = req.method === "PATCH" ? hold : undefined;
    const out = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      async (answer) => {
        if (held === undefined) {
          // Streamed as it comes (watches).
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        for await (const c of answer) chunks.push(c as Buffer);
        await held;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(Buffer.concat(chunks));
      },
    );
    req.pipe(out);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: "proxy", server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, skipTLSVerify: true },
    ],
    users: [{ name: "u", token: cluster.token }],
    contexts: [{ name: "c", cluster: "proxy", user: "u" }],
    currentContext: "c",
  });
  api = new KubeApi(kc, { resources: [R.configmaps], fieldManager: "late-answers-test", onError: () => {} });
  api.start();
  await api.synced();
});

afterAll(async () => {
  await api?.stop();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await cluster?.stop();
});

const configMap = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default" },
  data,
});

/** Writes of someone else, straight to the server (not through the proxy, not through `api`). */
async function direct(method: "POST" | "DELETE", path: string, body?: unknown): Promise<KubeObject> {
  const res = await fetch(`${cluster.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${cluster.token}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return (await res.json()) as KubeObject;
}

/** Patch `name` with its answer held while `meanwhile` runs; returns once the answer was taken in. */
async function patchAnsweredLate(name: string, meanwhile: () => Promise<void>): Promise<void> {
  let release = () => {};
  hold = new Promise<void>((r) => {
    release = r;
  });
  const patched = api.patch(R.configmaps, "default", name, "merge", { data: { patched: "yes" } });
  // The server has applied the patch once its watch shows it.
  await waitFor(
    "the patch applied",
    () => (api.get(R.configmaps, "default", name)?.data as Record<string, string> | undefined)?.patched === "yes",
  );
  await meanwhile();
  release();
  hold = undefined;
  await patched;
}

describe("KubeApi: a write's answer that arrives after the watch went past it", () => {
  it("does not replace a new object of the same name (deleted and recreated meanwhile)", async () => {
    const old = await api.create(R.configmaps, configMap("recreated", { v: "old" }));
    let fresh: KubeObject | undefined;
    await patchAnsweredLate("recreated", async () => {
      await direct("DELETE", "/api/v1/namespaces/default/configmaps/recreated");
      fresh = await direct("POST", "/api/v1/namespaces/default/configmaps", configMap("recreated", { v: "new" }));
      await waitFor(
        "the new object in the cache",
        () => api.get(R.configmaps, "default", "recreated")?.metadata.uid === fresh?.metadata.uid,
      );
    });
    const cached = api.get(R.configmaps, "default", "recreated");
    expect(cached?.metadata.uid).toBe(fresh?.metadata.uid);
    expect(cached?.metadata.uid).not.toBe(old.metadata.uid);
    expect(cached?.data).toEqual({ v: "new" });
  });

  it("does not bring back an object deleted meanwhile", async () => {
    await api.create(R.configmaps, configMap("deleted", { v: "1" }));
    await patchAnsweredLate("deleted", async () => {
      await direct("DELETE", "/api/v1/namespaces/default/configmaps/deleted");
      await waitFor("the deletion in the cache", () => api.get(R.configmaps, "default", "deleted") === undefined);
    });
    expect(api.get(R.configmaps, "default", "deleted")).toBeUndefined();
    expect(api.list(R.configmaps).map((o) => o.metadata.name)).not.toContain("deleted");
  });

  it("still reads its own write at once when the answer comes before the watch event", async () => {
    await api.create(R.configmaps, configMap("own-write", { v: "1" }));
    const out = await api.patch(R.configmaps, "default", "own-write", "merge", { data: { v: "2" } });
    // Whatever the watch has delivered, the cache is at least at the answer's version.
    const cached = api.get(R.configmaps, "default", "own-write");
    expect(cached?.data).toEqual({ v: "2" });
    expect(BigInt(cached?.metadata.resourceVersion ?? "0")).toBeGreaterThanOrEqual(
      BigInt(out.metadata.resourceVersion ?? "0"),
    );
  });
});
