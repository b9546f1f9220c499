import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type KubeObject, KubeRestClient, Manager, Resources } from "../../src/runtime/index.ts";
import { backends, eventually, type RunningBackend } from "../support/backends.ts";

// Short timings keep the tests quick; the algorithm is the same as with 15 s / 10 s / 2 s.
const timing = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 150 };

function cm(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${name}-${Date.now().toString(36)}`, namespace: "default" },
  };
}

describe.each(backends)("leader election on $name", (backend) => {
  let be: RunningBackend;
  let reader: KubeRestClient;
  const managers: Manager[] = [];

  let leaseName = "";
  let counter = 0;
  beforeAll(async () => {
    be = await backend.start();
    reader = new KubeRestClient(be.kubeConfig);
  });
  afterAll(async () => {
    await be?.stop();
  });
  beforeEach(() => {
    leaseName = `test-leader-${++counter}`;
  });
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    be.faults.clear();
  });

  function manager(identity: string): Manager {
    const m = new Manager({
      kubeConfig: be.kubeConfig,
      leaderElection: { namespace: "default", name: leaseName, identity, ...timing },
      gracefulShutdownTimeoutMs: 2000,
    });
    managers.push(m);
    return m;
  }

  async function lease(): Promise<{
    holderIdentity?: string;
    leaseTransitions?: number;
    renewTime?: string;
    acquireTime?: string;
    leaseDurationSeconds?: number;
  }> {
    const l = await reader.get(Resources.Lease, "default", leaseName);
    return (l?.spec ?? {}) as never;
  }

  it("two managers: exactly one leads; only the leader writes; stopping it hands over at once", async () => {
    const a = manager("replica-a");
    const b = manager("replica-b");
    await a.start();
    await eventually("a leads", () => a.isLeader());
    await b.start();
    const first = await lease();
    expect(first.holderIdentity).toBe("replica-a");
    expect(first.leaseDurationSeconds).toBe(2);
    expect(first.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(first.leaseTransitions).toBe(0);

    // The follower stays a follower while the leader renews, and its writes are refused locally.
    await eventually("b observed the leader", () => b.elector?.observedLeader === "replica-a");
    expect(b.isLeader()).toBe(false);
    await expect(b.client.create(Resources.ConfigMap, cm("from-b"))).rejects.toMatchObject({
      code: "NOT_LEADER",
      message: expect.stringContaining("held by replica-a"),
    });
    await a.client.create(Resources.ConfigMap, cm("from-a"));

    // Graceful stop releases the Lease: the follower takes over well before the lease would have expired.
    await a.stop();
    managers.splice(managers.indexOf(a), 1);
    await eventually("b leads", () => b.isLeader(), 1200);
    const second = await lease();
    expect(second.holderIdentity).toBe("replica-b");
    expect(second.leaseTransitions).toBe(1); // a released (holder ""), b acquired: one transition
    await b.client.create(Resources.ConfigMap, cm("from-b"));
    await a.done; // resolves on a clean stop
  });

  it("a leader whose renewals fail stops writing, and its manager ends with NOT_LEADER", async () => {
    const a = manager("replica-a");
    await a.start();
    await eventually("a leads", () => a.isLeader());
    const undo = be.faults.fail({ verb: "update", resource: "leases", status: 500 });
    await eventually("a stops writing", async () => {
      try {
        await a.client.create(Resources.ConfigMap, cm(`probe-${Date.now()}`));
        return false;
      } catch (e) {
        return (e as { code?: string }).code === "NOT_LEADER";
      }
    });
    await expect(a.done).rejects.toMatchObject({ code: "NOT_LEADER" });
    expect(a.isLeader()).toBe(false);
    undo();
    // Another replica takes over once the old holder's lease has expired.
    const b = manager("replica-b");
    await b.start();
    await eventually("b leads", () => b.isLeader());
    expect((await lease()).holderIdentity).toBe("replica-b");
  });

  it("a candidate does not take a lease that is being renewed, and takes an expired one", async () => {
    // A lease held by a replica that died without releasing it.
    await reader.create(Resources.Lease, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: leaseName, namespace: "default" },
      spec: {
        holderIdentity: "dead-replica",
        leaseDurationSeconds: 2,
        renewTime: "2026-01-01T00:00:00.000000Z",
        leaseTransitions: 4,
      },
    });
    const b = manager("replica-b");
    await b.start();
    await new Promise((r) => setTimeout(r, 400));
    expect(b.isLeader()).toBe(false); // the lease must look stale for a full lease duration on b's own clock
    await eventually("b takes over the expired lease", () => b.isLeader(), 5000);
    const l = await lease();
    expect(l.holderIdentity).toBe("replica-b");
    expect(l.leaseTransitions).toBe(5);
  });
});
