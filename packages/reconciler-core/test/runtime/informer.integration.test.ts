import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Indexers, Informer, type KubeObject, KubeRestClient, Resources } from "../../src/runtime/index.ts";
import { backends, eventually, type RunningBackend } from "../support/backends.ts";

let ns = "default";
let nsCounter = 0;

function cm(name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns, labels }, data };
}

describe.each(backends)("Informer on $name", (backend) => {
  let be: RunningBackend;
  let client: KubeRestClient;
  const informers: Informer[] = [];

  beforeAll(async () => {
    be = await backend.start();
    client = new KubeRestClient(be.kubeConfig);
  });
  afterAll(async () => {
    await be?.stop();
  });
  // One backend per file; each test in its own namespace, with no fault left behind.
  beforeEach(async () => {
    ns = `informer-${++nsCounter}`;
    await client.create(Resources.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  });
  afterEach(async () => {
    await Promise.all(informers.splice(0).map((i) => i.stop()));
    be.faults.clear();
  });

  function informer(extra: Partial<ConstructorParameters<typeof Informer>[0]> = {}): Informer {
    const inf = new Informer({
      client,
      resource: Resources.ConfigMap,
      namespace: ns,
      backoff: { initialMs: 20, maxMs: 200 },
      indexers: { app: Indexers.label("app") },
      ...extra,
    });
    informers.push(inf);
    return inf;
  }

  it("lists, then follows adds, updates and deletes; reads by key and index without API calls", async () => {
    await client.create(Resources.ConfigMap, cm("before", { app: "x" }));
    const inf = informer();
    const seen: string[] = [];
    inf.addHandler({
      onAdd: (o) => seen.push(`add:${o.metadata.name}`),
      onUpdate: (_old, o) => seen.push(`update:${o.metadata.name}`),
      onDelete: (o) => seen.push(`delete:${o.metadata.name}`),
    });
    expect(inf.hasSynced()).toBe(false);
    inf.start();
    await inf.waitForSync(10_000);
    expect(inf.hasSynced()).toBe(true);
    expect(inf.get(`${ns}/before`)?.metadata.labels).toEqual({ app: "x" });
    // managedFields are dropped from cached objects
    expect(inf.get(`${ns}/before`)?.metadata.managedFields).toBeUndefined();

    await client.create(Resources.ConfigMap, cm("a", { app: "y" }));
    await client.patch(Resources.ConfigMap, ns, "a", "merge", { data: { k: "v" } });
    await client.create(Resources.ConfigMap, cm("b", { app: "y" }));
    await client.delete(Resources.ConfigMap, ns, "before");
    await eventually("the delete", () => seen.includes("delete:before"));
    await eventually("b", () => inf.get(`${ns}/b`));
    expect(seen).toEqual(["add:before", "add:a", "update:a", "add:b", "delete:before"]);
    expect((inf.get(`${ns}/a`) as { data?: unknown }).data).toEqual({ k: "v" });
    expect(
      inf
        .byIndex("app", "y")
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(["a", "b"]);
    expect(inf.byIndex("app", "x")).toEqual([]);
    expect(inf.list(ns).length).toBe(2);
    expect(inf.getByName(ns, "a")?.metadata.name).toBe("a");
    expect(inf.stats.lists).toBe(1);
    expect(() => inf.byIndex("nope", "x")).toThrow(/no index "nope"/);
  });

  it("reconnects after the server drops the watch, without relisting", async () => {
    const inf = informer();
    inf.start();
    await inf.waitForSync(10_000);
    // An object seen through the watch proves the stream is open before it is dropped.
    await client.create(Resources.ConfigMap, cm("before-drop"));
    await eventually("the watch", () => inf.get(`${ns}/before-drop`));
    be.faults.dropWatches("configmaps");
    await client.create(Resources.ConfigMap, cm("after-drop"));
    await eventually("the object created after the drop", () => inf.get(`${ns}/after-drop`));
    expect(inf.stats.watches).toBeGreaterThanOrEqual(2);
    expect(inf.stats.lists).toBe(1);
  });

  it("reopens a watch the server ended at its timeout at once (no back-off, no relist)", async () => {
    const inf = informer({ watchTimeoutSeconds: 1 });
    inf.start();
    await inf.waitForSync(10_000);
    await eventually("two server-side timeouts", () => inf.stats.watches >= 3);
    await client.create(Resources.ConfigMap, cm("after-timeouts"));
    await eventually("the object", () => inf.get(`${ns}/after-timeouts`));
    expect(inf.stats.errors).toBe(0);
    expect(inf.stats.lists).toBe(1);
  });

  it("relists on 410 Gone and reports what changed while it was away (deletes included)", async () => {
    await client.create(Resources.ConfigMap, cm("old"));
    const inf = informer();
    const deleted: string[] = [];
    inf.addHandler({ onDelete: (o) => deleted.push(o.metadata.name ?? "") });
    inf.start();
    await inf.waitForSync(10_000);
    await client.create(Resources.ConfigMap, cm("marker"));
    await eventually("the watch", () => inf.get(`${ns}/marker`));
    // Hold the next watch back, drop the current one, change things, then compact: the reconnect gets 410.
    const undelay = be.faults.delay({ verb: "watch", resource: "configmaps", ms: 400, times: 1 });
    be.faults.dropWatches("configmaps");
    await client.delete(Resources.ConfigMap, ns, "old");
    await client.create(Resources.ConfigMap, cm("new"));
    be.faults.compact("configmaps");
    await eventually("the relist", () => inf.get(`${ns}/new`) !== undefined && inf.get(`${ns}/old`) === undefined);
    undelay();
    expect(deleted).toEqual(["old"]);
    expect(inf.stats.goneRelists).toBeGreaterThanOrEqual(1);
    expect(inf.stats.lists).toBeGreaterThanOrEqual(2);
  });

  it("keeps retrying with back-off when lists fail, and syncs once the server answers", async () => {
    const undo = be.faults.fail({ verb: "list", resource: "configmaps", status: 500, times: 3 });
    const inf = informer();
    inf.start();
    await inf.waitForSync(10_000);
    undo();
    expect(inf.stats.errors).toBe(3);
    expect(inf.stats.lists).toBe(4);
  });

  it("restarts after watch errors (5xx on the watch request)", async () => {
    const inf = informer();
    inf.start();
    await inf.waitForSync(10_000);
    await client.create(Resources.ConfigMap, cm("first"));
    await eventually("the watch", () => inf.get(`${ns}/first`));
    const undo = be.faults.fail({ verb: "watch", resource: "configmaps", status: 503, times: 2 });
    be.faults.dropWatches("configmaps");
    await client.create(Resources.ConfigMap, cm("later"));
    await eventually("the object after the watch errors", () => inf.get(`${ns}/later`));
    undo();
    expect(inf.stats.errors).toBeGreaterThanOrEqual(2);
  });

  it("relists periodically and resyncs cached objects to the handlers", async () => {
    await client.create(Resources.ConfigMap, cm("r"));
    const inf = informer({ relistPeriodMs: 150, resyncPeriodMs: 100 });
    let resyncs = 0;
    inf.addHandler({ onUpdate: (old, o) => (old === o ? resyncs++ : undefined) });
    inf.start();
    await inf.waitForSync(10_000);
    await eventually("a periodic relist", () => inf.stats.periodicRelists >= 1 && inf.stats.lists >= 2);
    await eventually("a resync", () => resyncs >= 1);
  });

  it("paginates large lists", async () => {
    for (let i = 0; i < 25; i++) await client.create(Resources.ConfigMap, cm(`p${i}`));
    const inf = informer({ pageSize: 10 });
    inf.start();
    await inf.waitForSync(10_000);
    expect(inf.size()).toBe(25);
    expect(inf.stats.lists).toBe(3);
  });

  it("replays the cache to a handler added after sync", async () => {
    await client.create(Resources.ConfigMap, cm("x"));
    const inf = informer();
    inf.start();
    await inf.waitForSync(10_000);
    const added: string[] = [];
    inf.addHandler({ onAdd: (o) => added.push(o.metadata.name ?? "") });
    expect(added).toEqual(["x"]);
  });

  it("waitForSync fails with CACHE_NOT_SYNCED and a hint when the list never succeeds", async () => {
    be.faults.fail({ verb: "list", resource: "configmaps", status: 403 });
    const inf = informer();
    inf.start();
    await expect(inf.waitForSync(300)).rejects.toMatchObject({
      code: "CACHE_NOT_SYNCED",
      message: expect.stringContaining("RBAC list/watch on configmaps"),
    });
  });
});
