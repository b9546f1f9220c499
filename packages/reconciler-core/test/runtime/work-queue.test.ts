import { describe, expect, it } from "vitest";
import {
  Backoff,
  BucketRateLimiter,
  defaultControllerRateLimiter,
  FakeClock,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  type RuntimeMetrics,
  WorkQueue,
} from "../../src/runtime/index.ts";

describe("ItemExponentialFailureRateLimiter", () => {
  it("doubles from 5 ms per failure and caps at 1000 s, per key", () => {
    const rl = new ItemExponentialFailureRateLimiter<string>();
    expect([rl.when("a"), rl.when("a"), rl.when("a"), rl.when("a")]).toEqual([5, 10, 20, 40]);
    expect(rl.when("b")).toBe(5);
    expect(rl.numRequeues("a")).toBe(4);
    for (let i = 0; i < 40; i++) rl.when("a");
    expect(rl.when("a")).toBe(1_000_000);
    rl.forget("a");
    expect(rl.numRequeues("a")).toBe(0);
    expect(rl.when("a")).toBe(5);
  });

  it("never overflows to Infinity", () => {
    const rl = new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 1, maxDelayMs: 10 });
    for (let i = 0; i < 2000; i++) rl.when("k");
    expect(rl.when("k")).toBe(10);
  });
});

describe("BucketRateLimiter", () => {
  it("lets a burst through, then spaces retries at 1/qps", () => {
    const clock = new FakeClock(0);
    const rl = new BucketRateLimiter<string>({ qps: 10, burst: 3, clock });
    expect([rl.when("a"), rl.when("b"), rl.when("c")]).toEqual([0, 0, 0]);
    expect(rl.when("d")).toBeCloseTo(100);
    expect(rl.when("e")).toBeCloseTo(200);
    clock.advance(1000); // refills 10 tokens, capped by the burst
    expect(rl.when("f")).toBe(0);
  });

  it("the default combines both: max of the per-key back-off and the bucket", () => {
    const clock = new FakeClock(0);
    const rl = defaultControllerRateLimiter<string>({ clock });
    expect(rl.when("a")).toBe(5);
    expect(rl.when("a")).toBe(10);
    const max = new MaxOfRateLimiter<string>(
      new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 1 }),
      new BucketRateLimiter<string>({ qps: 1, burst: 1, clock }),
    );
    expect(max.when("x")).toBe(1);
    expect(max.when("x")).toBe(1000);
    expect(max.numRequeues("x")).toBe(2);
  });
});

function recordingMetrics(): { m: RuntimeMetrics; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    m: {
      queueAdd: (q) => calls.push(`add:${q}`),
      queueRetry: (q) => calls.push(`retry:${q}`),
      queueDepth: (q, d) => calls.push(`depth:${q}:${d}`),
      queueLatency: (q, s) => calls.push(`latency:${q}:${s}`),
      queueWorkDuration: (q, s) => calls.push(`work:${q}:${s}`),
    },
  };
}

describe("WorkQueue", () => {
  it("deduplicates keys waiting in the queue", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add("a");
    q.add("b");
    q.add("a");
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
    expect(q.len()).toBe(0);
  });

  it("never hands a key being processed to a second worker; re-added while processed → processed again after", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add("a");
    const first = await q.get();
    expect(first).toBe("a");
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(0); // held back while "a" is processed
    let second: string | undefined;
    void q.get().then((k) => {
      second = k;
    });
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done("a");
    await Promise.resolve();
    expect(second).toBe("a"); // exactly once more
    q.done("a");
    expect(q.len()).toBe(0);
    expect(q.processingCount()).toBe(0);
  });

  it("addAfter delays a key; the earliest requested time wins; a delayed key is still deduplicated", async () => {
    const clock = new FakeClock(0);
    const q = new WorkQueue<string>({ clock });
    q.addAfter("a", 1000);
    q.addAfter("a", 200);
    q.addAfter("a", 5000);
    expect(q.len()).toBe(0);
    expect(q.delayedCount()).toBe(1);
    clock.advance(199);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    clock.advance(10_000);
    expect(q.len()).toBe(1); // the later requests were folded into the first
    expect(await q.get()).toBe("a");
  });

  it("addRateLimited backs off exponentially per key; forget resets", () => {
    const clock = new FakeClock(0);
    const q = new WorkQueue<string>({ clock, rateLimiter: new ItemExponentialFailureRateLimiter<string>() });
    q.addRateLimited("a");
    clock.advance(4);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    void q.get();
    q.done("a");
    q.addRateLimited("a");
    clock.advance(9);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(q.numRequeues("a")).toBe(2);
    q.forget("a");
    expect(q.numRequeues("a")).toBe(0);
  });

  it("a 1000-key retry storm is held to the bucket's rate after the burst", () => {
    const clock = new FakeClock(0);
    const q = new WorkQueue<string>({ clock });
    for (let i = 0; i < 1000; i++) q.addRateLimited(`k${i}`);
    clock.advance(5);
    expect(q.len()).toBe(100); // burst 100
    clock.advance(1000);
    expect(q.len()).toBe(110); // + 10 per second
  });

  it("shutDown resolves waiting and later gets with undefined and drops delayed keys", async () => {
    const clock = new FakeClock(0);
    const q = new WorkQueue<string>({ clock });
    const waiting = q.get();
    q.addAfter("x", 100);
    q.shutDown();
    expect(await waiting).toBeUndefined();
    expect(await q.get()).toBeUndefined();
    clock.advance(1000);
    expect(q.len()).toBe(0);
    q.add("y");
    expect(q.len()).toBe(0);
    expect(q.shuttingDown).toBe(true);
  });

  it("reports adds, retries, depth, queue latency and work duration to the metrics hooks", async () => {
    const clock = new FakeClock(0);
    const { m, calls } = recordingMetrics();
    const q = new WorkQueue<string>({ name: "ws", clock, metrics: m });
    q.add("a");
    clock.advance(250);
    const k = await q.get();
    clock.advance(500);
    q.done(k as string);
    q.addRateLimited("a");
    expect(calls).toEqual(["add:ws", "depth:ws:1", "latency:ws:0.25", "depth:ws:0", "work:ws:0.5", "retry:ws"]);
  });

  it("a throwing metrics hook does not break the queue", async () => {
    const q = new WorkQueue<string>({
      clock: new FakeClock(),
      metrics: {
        queueAdd: () => {
          throw new Error("boom");
        },
      },
    });
    q.add("a");
    expect(await q.get()).toBe("a");
  });
});

describe("Backoff (reconnects)", () => {
  it("doubles from 800 ms to 30 s with jitter on top, and starts over after reset", () => {
    const b = new Backoff({ random: () => 0.5 });
    const seq = Array.from({ length: 8 }, () => b.next());
    expect(seq).toEqual([880, 1760, 3520, 7040, 14080, 28160, 33000, 33000]);
    b.reset();
    expect(b.next()).toBe(880);
    const exact = new Backoff({ initialMs: 10, maxMs: 40, jitter: 0 });
    expect([exact.next(), exact.next(), exact.next(), exact.next()]).toEqual([10, 20, 40, 40]);
  });
});
