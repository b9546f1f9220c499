import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  EventRecorder,
  type KubeObject,
  KubeRestClient,
  labelMapper,
  Manager,
  type ReconcileRequest,
  Resources,
  type RuntimeMetrics,
} from "../../src/runtime/index.ts";
import { backends, eventually, type RunningBackend } from "../support/backends.ts";

let ns = "default";
let nsCounter = 0;

function cm(name: string, extra: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns, ...extra } };
}

describe.each(backends)("controllers on $name", (backend) => {
  let be: RunningBackend;
  let client: KubeRestClient;
  const managers: Manager[] = [];

  beforeAll(async () => {
    be = await backend.start();
    client = new KubeRestClient(be.kubeConfig);
  });
  afterAll(async () => {
    await be?.stop();
  });
  // One backend per file; each test in its own namespace.
  beforeEach(async () => {
    ns = `controller-${++nsCounter}`;
    await client.create(Resources.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  });
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    be.faults.clear();
  });

  function manager(extra: Partial<ConstructorParameters<typeof Manager>[0]> = {}): Manager {
    const m = new Manager({ kubeConfig: be.kubeConfig, gracefulShutdownTimeoutMs: 5000, ...extra });
    managers.push(m);
    return m;
  }

  it("maps owned objects to their controller owner and labelled objects through a mapper", async () => {
    const owner = await client.create(Resources.ConfigMap, cm("owner"));
    const m = manager();
    const seen: string[] = [];
    const c = m.controller({
      name: "test",
      reconcile: async (req: ReconcileRequest) => {
        seen.push(req.key);
        return undefined;
      },
    });
    c.watchFor(m.informer(Resources.ConfigMap, { namespace: ns }), (kind) => kind !== "update");
    c.watchOwned(m.informer(Resources.Secret, { namespace: ns }), { group: "", kind: "ConfigMap" });
    c.watchMapped(
      m.informer(Resources.ConfigMap, { namespace: "kube-system" }),
      labelMapper("example.com/owner-namespace", "example.com/owner"),
    );
    await m.start();
    await eventually("the owner", () => seen.includes(`${ns}/owner`));
    seen.length = 0;

    await client.create(Resources.Secret, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "child",
        namespace: ns,
        ownerReferences: [
          { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid ?? "", controller: true },
        ],
      },
    });
    await eventually("the owner via its child", () => seen.includes(`${ns}/owner`));
    seen.length = 0;
    await client.create(Resources.ConfigMap, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: `mapped-${ns}`,
        namespace: "kube-system",
        labels: { "example.com/owner": "owner", "example.com/owner-namespace": ns },
      },
    });
    await eventually("the owner via the label mapper", () => seen.includes(`${ns}/owner`));
  });

  it("retries failures with back-off, honours requeueAfter, runs keys concurrently but never one key twice", async () => {
    const metrics: string[] = [];
    const hooks: RuntimeMetrics = { reconcileDone: (_c, result) => metrics.push(result) };
    const m = manager({ metrics: hooks });
    let running = 0;
    let maxRunning = 0;
    const perKey = new Map<string, number>();
    const concurrentSameKey: string[] = [];
    const inFlight = new Set<string>();
    const calls = new Map<string, number>();
    const c = m.controller({
      name: "test",
      maxConcurrentReconciles: 3,
      reconcile: async (req) => {
        if (inFlight.has(req.key)) concurrentSameKey.push(req.key);
        inFlight.add(req.key);
        running++;
        maxRunning = Math.max(maxRunning, running);
        const n = (calls.get(req.key) ?? 0) + 1;
        calls.set(req.key, n);
        perKey.set(req.key, n);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        inFlight.delete(req.key);
        if (req.name === "flaky" && n < 3) throw new Error("transient");
        if (req.name === "poll" && n < 2) return { requeueAfterMs: 50 };
        return undefined;
      },
    });
    c.watchFor(m.informer(Resources.ConfigMap, { namespace: ns }));
    await m.start();
    for (const n of ["flaky", "poll", "a", "b", "c"]) await client.create(Resources.ConfigMap, cm(n));
    // Events for the same key while it is processed.
    for (let i = 0; i < 5; i++) await client.patch(Resources.ConfigMap, ns, "a", "merge", { data: { i: String(i) } });
    await eventually("flaky succeeded", () => (calls.get(`${ns}/flaky`) ?? 0) >= 3);
    await eventually("poll came back", () => (calls.get(`${ns}/poll`) ?? 0) >= 2);
    expect(concurrentSameKey).toEqual([]);
    expect(maxRunning).toBeGreaterThan(1);
    expect(maxRunning).toBeLessThanOrEqual(3);
    expect(metrics).toContain("error");
    expect(metrics).toContain("requeue_after");
    expect(metrics).toContain("success");
  });

  it("graceful shutdown: stops taking work and waits for reconciles in flight", async () => {
    const m = manager();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const started: string[] = [];
    const finished: string[] = [];
    const c = m.controller({
      name: "test",
      reconcile: async (req) => {
        started.push(req.name);
        if (req.name === "slow") await gate;
        finished.push(req.name);
        return undefined;
      },
    });
    c.watchFor(m.informer(Resources.ConfigMap, { namespace: ns }));
    await m.start();
    await client.create(Resources.ConfigMap, cm("slow"));
    await eventually("slow started", () => started.includes("slow"));
    await client.create(Resources.ConfigMap, cm("queued")); // waits behind "slow" (1 worker)
    await eventually("queued is in the queue", () => c.queue.len() === 1);
    const stopping = m.stop();
    let stopped = false;
    void stopping.then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false); // still waiting for "slow"
    release();
    await stopping;
    expect(finished).toEqual(["slow"]);
    expect(started).not.toContain("queued");
    managers.splice(managers.indexOf(m), 1);
  });

  it("graceful shutdown gives up at the deadline and aborts the reconcile's signal", async () => {
    const m = manager({ gracefulShutdownTimeoutMs: 100 });
    let aborted = false;
    const c = m.controller({
      name: "test",
      reconcile: (_req, ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener("abort", () => {
            aborted = true;
            resolve(undefined);
          });
        }),
    });
    c.watchFor(m.informer(Resources.ConfigMap, { namespace: ns }));
    await m.start();
    await client.create(Resources.ConfigMap, cm("stuck"));
    await eventually("stuck started", () => c.activeReconciles === 1);
    await m.stop();
    expect(aborted).toBe(true);
    managers.splice(managers.indexOf(m), 1);
  });

  it("records Events aggregated like client-go: same reason and message → count++", async () => {
    const obj = await client.create(Resources.ConfigMap, cm("target"));
    const rec = new EventRecorder({ client, component: "test-controller", host: "host-1" });
    rec.event(obj, "Normal", "NodeClaimCreated", "created NodeClaim ws1");
    rec.event(obj, "Normal", "NodeClaimCreated", "created NodeClaim ws1");
    rec.event(obj, "Normal", "NodeClaimCreated", "created NodeClaim ws1");
    rec.event(obj, "Warning", "Failed", "something else");
    await rec.flush();
    const events = (await client.list(Resources.Event, { namespace: ns })).items as Array<
      KubeObject & {
        reason: string;
        count: number;
        type: string;
        involvedObject: { uid: string; kind: string };
        source: { component: string };
      }
    >;
    const created = events.filter((e) => e.reason === "NodeClaimCreated");
    expect(created).toHaveLength(1);
    expect(created[0]?.count).toBe(3);
    expect(created[0]?.involvedObject).toMatchObject({ uid: obj.metadata.uid, kind: "ConfigMap" });
    expect(created[0]?.source.component).toBe("test-controller");
    expect(events.filter((e) => e.reason === "Failed").map((e) => e.type)).toEqual(["Warning"]);
  });
});
