/**
 * Leader election with a fake clock: the algorithm's timing rules, deterministically. The Lease store is a small
 * in-memory stand-in for the API's optimistic concurrency (resourceVersion check → 409); the same elector runs
 * against real API servers in leader-election.integration.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  FakeClock,
  type KubeClient,
  type KubeObject,
  LeaderElector,
  ReconcilerError,
  type ResourceType,
} from "../../src/index.ts";

class LeaseStore {
  obj: KubeObject | undefined;
  rv = 0;
  failWrites = false;
  writes = 0;
  client(): KubeClient {
    const unsupported = () => Promise.reject(new Error("not used"));
    return {
      get: async () => (this.obj === undefined ? undefined : structuredClone(this.obj)),
      create: async (_rt: ResourceType, o: KubeObject) => {
        if (this.failWrites) throw new ReconcilerError("SERVER_ERROR", "injected");
        if (this.obj !== undefined)
          throw new ReconcilerError("ALREADY_EXISTS", "exists", { httpStatus: 409, reason: "AlreadyExists" });
        this.writes++;
        this.obj = { ...structuredClone(o), metadata: { ...o.metadata, resourceVersion: String(++this.rv) } };
        return structuredClone(this.obj);
      },
      replace: async (_rt: ResourceType, o: KubeObject) => {
        if (this.failWrites) throw new ReconcilerError("SERVER_ERROR", "injected");
        if (o.metadata.resourceVersion !== this.obj?.metadata.resourceVersion) {
          throw new ReconcilerError("CONFLICT", "modified", { httpStatus: 409, reason: "Conflict" });
        }
        this.writes++;
        this.obj = { ...structuredClone(o), metadata: { ...o.metadata, resourceVersion: String(++this.rv) } };
        return structuredClone(this.obj);
      },
      list: unsupported,
      patch: unsupported,
      delete: unsupported,
      watch: unsupported,
      logs: unsupported,
    };
  }
  spec(): { holderIdentity?: string; leaseTransitions?: number; acquireTime?: string; renewTime?: string } {
    return (this.obj?.spec ?? {}) as never;
  }
}

/** Advance the fake clock in small steps, letting the elector's promise chains run between them. */
async function run(clock: FakeClock, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    await new Promise((r) => setImmediate(r));
  }
}

function elector(store: LeaseStore, clock: FakeClock, identity: string, events: string[] = []): LeaderElector {
  return new LeaderElector({
    client: store.client(),
    namespace: "kaito",
    name: "lease",
    identity,
    clock,
    onStartedLeading: () => events.push(`${identity}:start`),
    onStoppedLeading: () => events.push(`${identity}:stop`),
  });
}

describe("LeaderElector (fake clock, controller-runtime defaults 15 s / 10 s / 2 s)", () => {
  it("acquires a missing Lease, renews every 2 s, records MicroTime and transitions", async () => {
    const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
    const store = new LeaseStore();
    const events: string[] = [];
    const a = elector(store, clock, "a", events);
    a.start();
    await run(clock, 200);
    expect(a.isLeader()).toBe(true);
    expect(events).toEqual(["a:start"]);
    expect(store.spec()).toMatchObject({
      holderIdentity: "a",
      leaseTransitions: 0,
      acquireTime: "2026-01-01T00:00:00.000000Z",
    });
    const writes = store.writes;
    await run(clock, 10_000);
    expect(store.writes - writes).toBe(5); // a renewal every 2 s
    expect(store.spec().acquireTime).toBe("2026-01-01T00:00:00.000000Z");
    expect(store.spec().renewTime).toMatch(/^2026-01-01T00:00:10\.\d{6}Z$/);
    await a.stop();
  });

  it("fencing: a leader that cannot renew stops writing once the renew deadline passes, before its loop notices", async () => {
    const clock = new FakeClock(0);
    const store = new LeaseStore();
    const events: string[] = [];
    const a = elector(store, clock, "a", events);
    a.start();
    await run(clock, 200);
    expect(a.canWrite()).toBe(true);
    store.failWrites = true;
    await run(clock, 9_500);
    expect(a.canWrite()).toBe(true); // the last renewal is younger than 10 s
    clock.advance(600); // past the deadline without letting the loop run
    expect(a.canWrite()).toBe(false);
    expect(a.refusal()).toMatch(/was not renewed within 10000 ms/);
    await run(clock, 2_000);
    expect(events).toEqual(["a:start", "a:stop"]);
    expect(a.state).toBe("lost");
  });

  it("a candidate waits a full lease duration on its own clock before taking over a silent holder", async () => {
    const clock = new FakeClock(0);
    const store = new LeaseStore();
    // "a" leads, then dies without releasing the Lease (releaseOnCancel: false): it just stops renewing.
    const a = new LeaderElector({
      client: store.client(),
      namespace: "kaito",
      name: "lease",
      identity: "a",
      clock,
      releaseOnCancel: false,
    });
    a.start();
    await run(clock, 200);
    await a.stop();
    expect(store.spec().holderIdentity).toBe("a");
    const b = elector(store, clock, "b");
    b.start();
    await run(clock, 14_000);
    expect(b.isLeader()).toBe(false); // 15 s have not passed since b first saw this record
    await run(clock, 5_000);
    expect(b.isLeader()).toBe(true);
    expect(store.spec()).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
    await b.stop();
  });

  it("release on stop hands over at once; two candidates never both lead", async () => {
    const clock = new FakeClock(0);
    const store = new LeaseStore();
    const a = elector(store, clock, "a");
    const b = elector(store, clock, "b");
    a.start();
    b.start();
    for (let i = 0; i < 50; i++) {
      await run(clock, 200);
      expect(a.isLeader() && b.isLeader()).toBe(false);
    }
    const leader = a.isLeader() ? a : b;
    const follower = leader === a ? b : a;
    expect(follower.isLeader()).toBe(false);
    await leader.stop();
    expect(store.spec().holderIdentity).toBe("");
    await run(clock, 4_500); // within two retry periods (2 s · [1, 2) jitter), not a lease duration
    expect(follower.isLeader()).toBe(true);
    await follower.stop();
  });

  it("rejects inconsistent timings", () => {
    const store = new LeaseStore();
    expect(
      () =>
        new LeaderElector({
          client: store.client(),
          namespace: "n",
          name: "l",
          leaseDurationMs: 10_000,
          renewDeadlineMs: 10_000,
        }),
    ).toThrow(/leaseDuration \(10000\) > renewDeadline \(10000\)/);
  });
});
