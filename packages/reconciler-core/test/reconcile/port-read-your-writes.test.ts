import { describe, expect, it } from "vitest";
import { WORKSPACE_LABELS_INDEX } from "../../src/reconcile/port.ts";
import {
  cachedObjectPort,
  Indexers,
  Informer,
  type KubeClient,
  type KubeObject,
  type ListResult,
  ReconcilerError,
  Resources,
  type WatchEvent,
} from "../../src/index.ts";

/**
 * A KubeClient over a map, whose watch delivers events only when the test says so: the informer cache can be made
 * to lag behind a create, as a busy API server's watch does.
 */
function laggingClient() {
  const objects = new Map<string, KubeObject>();
  let rv = 1;
  let deliver: ((e: WatchEvent) => void) | undefined;
  const pending: WatchEvent[] = [];
  const key = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  const client: KubeClient = {
    async get(_rt, ns, name) {
      return objects.get(`${ns ?? ""}/${name}`);
    },
    async list(): Promise<ListResult> {
      return { items: [...objects.values()], resourceVersion: String(rv) };
    },
    async create(_rt, obj) {
      if (objects.has(key(obj))) throw new ReconcilerError("ALREADY_EXISTS", `${key(obj)} exists`);
      const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv), uid: `uid-${rv}` } };
      objects.set(key(stored), stored);
      pending.push({ type: "ADDED", object: stored });
      return stored;
    },
    async replace() {
      throw new Error("not used");
    },
    async patch() {
      throw new Error("not used");
    },
    async delete(_rt, ns, name) {
      const o = objects.get(`${ns ?? ""}/${name}`);
      if (o === undefined) return false;
      objects.delete(key(o));
      pending.push({ type: "DELETED", object: o });
      return true;
    },
    watch(_rt, opts, onEvent) {
      deliver = onEvent;
      return new Promise((resolve) => opts.signal?.addEventListener("abort", () => resolve()));
    },
    async logs() {
      return "";
    },
  };
  return {
    client,
    /** Deliver the events the watch has held back so far. */
    catchUp() {
      for (const e of pending.splice(0)) deliver?.(e);
    },
  };
}

const claim = (name: string, workspace: string): KubeObject & { apiVersion: string; kind: string } => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodeClaim",
  metadata: { name, labels: { "kaito.sh/workspace": workspace, "kaito.sh/workspacenamespace": "default" } },
});
const query = (workspace: string) => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodeClaim",
  labelSelector: { "kaito.sh/workspace": workspace, "kaito.sh/workspacenamespace": "default" },
});

async function setup(indexed = false) {
  const api = laggingClient();
  const informer = new Informer({
    client: api.client,
    resource: Resources.NodeClaim,
    relistPeriodMs: 0,
    ...(indexed
      ? {
          indexers: {
            [WORKSPACE_LABELS_INDEX]: Indexers.labelPair("kaito.sh/workspacenamespace", "kaito.sh/workspace"),
          },
        }
      : {}),
  });
  informer.start();
  await informer.waitForSync();
  const port = cachedObjectPort({ client: api.client, resources: [{ type: Resources.NodeClaim, informer }] });
  return { api, informer, port };
}

describe("cachedObjectPort: reads see the port's own creates while the cache lags", () => {
  it("lists and gets a created object before its watch event, then from the cache", async () => {
    const { api, informer, port } = await setup();
    try {
      await port.create(claim("ws0000000a", "a"));
      expect(informer.size()).toBe(0);
      expect((await port.list(query("a"))).map((o) => o.metadata.name)).toEqual(["ws0000000a"]);
      expect(
        (await port.get({ apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: "ws0000000a" }))?.metadata.name,
      ).toBe("ws0000000a");
      // Another Workspace's selector does not see it.
      expect(await port.list(query("b"))).toEqual([]);
      api.catchUp();
      expect(informer.size()).toBe(1);
      // Once the cache has it, it is listed once (from the cache).
      expect((await port.list(query("a"))).map((o) => o.metadata.name)).toEqual(["ws0000000a"]);
    } finally {
      await informer.stop();
    }
  });

  it.each([false, true])("lists a Workspace's own objects (index of the Workspace labels: %s)", async (indexed) => {
    const { api, informer, port } = await setup(indexed);
    try {
      for (const [name, ws] of [
        ["ws000000e1", "e"],
        ["ws000000f1", "f"],
        ["ws000000e2", "e"],
      ] as const)
        await port.create(claim(name, ws));
      api.catchUp();
      expect(informer.hasIndex(WORKSPACE_LABELS_INDEX)).toBe(indexed);
      expect((await port.list(query("e"))).map((o) => o.metadata.name).sort()).toEqual(["ws000000e1", "ws000000e2"]);
      expect((await port.list(query("f"))).map((o) => o.metadata.name)).toEqual(["ws000000f1"]);
      // A selector with more labels than the index still filters on all of them.
      const narrower = { ...query("e"), labelSelector: { ...query("e").labelSelector, extra: "x" } };
      expect(await port.list(narrower)).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it("forgets an object deleted through the port before the cache saw it", async () => {
    const { informer, port } = await setup();
    try {
      await port.create(claim("ws0000000c", "c"));
      expect(await port.list(query("c"))).toHaveLength(1);
      expect(await port.delete({ apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: "ws0000000c" })).toBe(true);
      expect(await port.list(query("c"))).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it("still fails a create that the API refuses, and remembers nothing for it", async () => {
    const { api, informer, port } = await setup();
    try {
      await port.create(claim("ws0000000d", "d"));
      api.catchUp();
      const error = await port.create(claim("ws0000000d", "d")).catch((e: unknown) => e);
      expect((error as ReconcilerError).code).toBe("ALREADY_EXISTS");
      expect(await port.list(query("d"))).toHaveLength(1);
    } finally {
      await informer.stop();
    }
  });
});
