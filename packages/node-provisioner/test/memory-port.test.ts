import { describe, expect, it } from "vitest";
import { httpStatusOf, type KubeObject } from "../src/index.ts";
import { memoryObjectPort } from "../src/testing/index.ts";

const cm = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", labels },
  data: { a: "1" } as Record<string, string>,
});
const ref = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name });

describe("memoryObjectPort (the port contract in memory)", () => {
  it("create stamps uid/resourceVersion; a second create is 409; get of a missing object is undefined", async () => {
    const port = memoryObjectPort();
    const created = await port.create<KubeObject>(cm("x"));
    expect(created.metadata.uid).toMatch(/[0-9a-f-]{36}/);
    const dup = await port.create(cm("x")).catch((e: unknown) => e);
    expect(httpStatusOf(dup)).toBe(409);
    expect(await port.get(ref("nope"))).toBeUndefined();
  });

  it("lists by kind, namespace and labels", async () => {
    const port = memoryObjectPort();
    await port.create(cm("a", { app: "x" }));
    await port.create(cm("b", { app: "y" }));
    expect(
      (await port.list({ apiVersion: "v1", kind: "ConfigMap", labelSelector: { app: "x" } })).map(
        (o) => o.metadata.name,
      ),
    ).toEqual(["a"]);
    expect(await port.list({ apiVersion: "v1", kind: "ConfigMap", namespace: "other" })).toEqual([]);
    expect(await port.list({ apiVersion: "v1", kind: "Secret" })).toEqual([]);
  });

  it("patch is a JSON merge patch (null removes); patch of a missing object is 404", async () => {
    const port = memoryObjectPort();
    await port.create(cm("x"));
    const patched = await port.patch<ReturnType<typeof cm>>(ref("x"), {
      data: { a: null, b: "2" },
      metadata: { labels: { l: "v" } },
    });
    expect(patched.data).toEqual({ b: "2" });
    expect(patched.metadata.labels).toEqual({ l: "v" });
    expect(httpStatusOf(await port.patch(ref("nope"), { data: {} }).catch((e: unknown) => e))).toBe(404);
  });

  it("delete honours finalizers, reports objects already gone, and logs writes", async () => {
    const port = memoryObjectPort();
    await port.create({ ...cm("x"), metadata: { ...cm("x").metadata, finalizers: ["f"] } });
    expect(await port.delete(ref("x"))).toBe(true);
    expect((await port.get(ref("x")))?.metadata.deletionTimestamp).toBeTruthy();
    await port.patch(ref("x"), { metadata: { finalizers: null } });
    expect(await port.get(ref("x"))).toBeUndefined();
    expect(await port.delete(ref("x"))).toBe(false);
    expect(port.writes.map((w) => w.verb)).toEqual(["create", "delete", "patch"]);
  });

  it("failNext injects one failure with a status", async () => {
    const port = memoryObjectPort();
    port.failNext("list", 503);
    expect(httpStatusOf(await port.list({ apiVersion: "v1", kind: "Node" }).catch((e: unknown) => e))).toBe(503);
    expect(await port.list({ apiVersion: "v1", kind: "Node" })).toEqual([]);
  });
});
