/**
 * The shared headers-timeout timer: unit tests with a fake clock, then through the client (concurrent attempts with
 * different timeouts, and a process that must still exit on its own after its requests).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type DeadlineClock, DeadlineWatch } from "../src/deadlines.ts";
import { createChatClient, isChatClientError } from "../src/index.ts";

interface FakeTimer {
  readonly fn: () => void;
  readonly at: number;
  refed: boolean;
  cleared: boolean;
  ref(): void;
  unref(): void;
}

/** A fake clock whose timers can be refable (Node-like) or plain numbers (browser-like). */
function fakeClock(refable: boolean) {
  let t = 0;
  const timers: FakeTimer[] = [];
  const numbered = new Map<number, FakeTimer>();
  const clock: DeadlineClock = {
    now: () => t,
    setTimer(fn, ms) {
      const timer: FakeTimer = {
        fn,
        at: t + ms,
        refed: true,
        cleared: false,
        ref() {
          this.refed = true;
        },
        unref() {
          this.refed = false;
        },
      };
      timers.push(timer);
      if (refable) return timer;
      numbered.set(timers.length, timer);
      return timers.length;
    },
    clearTimer(handle) {
      const timer = typeof handle === "number" ? numbered.get(handle) : (handle as FakeTimer);
      if (timer !== undefined) timer.cleared = true;
    },
  };
  const live = () => timers.filter((x) => !x.cleared && x.at !== Number.NEGATIVE_INFINITY);
  return {
    clock,
    timers,
    live,
    /** Moves the clock to `to`, firing due timers in order (a timer may fire "early": `fireAt` overrides). */
    advance(to: number) {
      for (;;) {
        const due = live()
          .filter((x) => x.at <= to)
          .sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        t = Math.max(t, due.at);
        (due as { at: number }).at = Number.NEGATIVE_INFINITY; // fired
        due.fn();
      }
      t = to;
    },
    setNow(to: number) {
      t = to;
    },
  };
}

function entry(deadline: number, log: string[], name: string) {
  return { deadline, expire: () => log.push(name) };
}

describe("DeadlineWatch", () => {
  it("expires an entry once its deadline passed, not before, and only once", () => {
    const f = fakeClock(true);
    const w = new DeadlineWatch(f.clock);
    const log: string[] = [];
    w.add(entry(100, log, "a"));
    f.advance(99);
    expect(log).toEqual([]);
    f.advance(100);
    expect(log).toEqual(["a"]);
    f.advance(10_000);
    expect(log).toEqual(["a"]);
    expect(w.size).toBe(0);
  });

  it("never expires a deleted entry, and deleting twice or deleting an unknown entry is harmless", () => {
    const f = fakeClock(true);
    const w = new DeadlineWatch(f.clock);
    const log: string[] = [];
    const a = entry(100, log, "a");
    w.add(a);
    w.delete(a);
    w.delete(a);
    w.delete(entry(5, log, "never added"));
    f.advance(1_000);
    expect(log).toEqual([]);
  });

  it("re-arms for an earlier deadline added after a later one", () => {
    const f = fakeClock(true);
    const w = new DeadlineWatch(f.clock);
    const log: string[] = [];
    w.add(entry(600_000, log, "long"));
    w.add(entry(50, log, "short"));
    f.advance(50);
    expect(log).toEqual(["short"]);
    f.advance(599_999);
    expect(log).toEqual(["short"]);
    f.advance(600_000);
    expect(log).toEqual(["short", "long"]);
  });

  it("a timer armed for an earlier (since deleted) entry re-arms itself for the later ones", () => {
    const f = fakeClock(true);
    const w = new DeadlineWatch(f.clock);
    const log: string[] = [];
    const first = entry(100, log, "first");
    w.add(first);
    w.add(entry(300, log, "second"));
    w.add(entry(200, log, "third"));
    w.delete(first);
    f.advance(150);
    expect(log).toEqual([]);
    f.advance(250);
    expect(log).toEqual(["third"]);
    f.advance(300);
    expect(log).toEqual(["third", "second"]);
  });

  it("expires every entry that is due when the timer fires late", () => {
    const f = fakeClock(true);
    const w = new DeadlineWatch(f.clock);
    const log: string[] = [];
    w.add(entry(10, log, "a"));
    w.add(entry(20, log, "b"));
    w.add(entry(5_000, log, "c"));
    f.setNow(25); // the event loop was busy: the timer (due at 10) only runs now
    f.advance(25);
    expect(log.sort()).toEqual(["a", "b"]);
    expect(w.size).toBe(1);
  });

  it("keeps one unref'd timer for all entries (a request in flight keeps the process alive by its socket)", () => {
    const f = fakeClock(true);
    const w = new DeadlineWatch(f.clock);
    const log: string[] = [];
    const a = entry(1_000, log, "a");
    w.add(a);
    expect(f.live()).toHaveLength(1);
    expect(f.live()[0]?.refed).toBe(false); // unref'd once, when armed
    w.delete(a);
    expect(f.live()).toHaveLength(1); // not cleared: kept for the next entry
    const b = entry(1_500, log, "b");
    w.add(b);
    expect(f.live()).toHaveLength(1); // same timer, no new one, still unref'd
    expect(f.live()[0]?.refed).toBe(false);
    f.advance(1_000); // fires early for b: re-arms for b
    expect(log).toEqual([]);
    expect(f.live()[0]?.refed).toBe(false);
    f.advance(1_500);
    expect(log).toEqual(["b"]);
  });

  it("keeps the others watched when one in the middle leaves; delete twice and re-adding are safe", () => {
    const f = fakeClock(true);
    const w = new DeadlineWatch(f.clock);
    const log: string[] = [];
    const a = entry(100, log, "a");
    const b = entry(200, log, "b");
    const c = entry(300, log, "c");
    w.add(a);
    w.add(b);
    w.add(c);
    w.delete(a); // c moves into a's place
    w.delete(a);
    expect(w.size).toBe(2);
    w.add(b); // already watched: no duplicate
    expect(w.size).toBe(2);
    f.advance(250);
    expect(log).toEqual(["b"]);
    w.add(a); // back after leaving, with its old (past) deadline
    f.advance(300);
    expect(log.sort()).toEqual(["a", "b", "c"]);
    expect(w.size).toBe(0);
  });

  it("clears a plain (browser-style) timer once nothing is watched", () => {
    const f = fakeClock(false);
    const w = new DeadlineWatch(f.clock);
    const log: string[] = [];
    const a = entry(1_000, log, "a");
    w.add(a);
    w.delete(a);
    expect(f.live()).toHaveLength(0);
    w.add(entry(2_000, log, "b"));
    f.advance(2_000);
    expect(log).toEqual(["b"]);
  });
});

describe("headers timeouts through the client", () => {
  it("times out a short-timeout call while a long-timeout call started before it still succeeds", async () => {
    const body = JSON.stringify({ id: "x", object: "chat.completion", created: 1, model: "m", choices: [] });
    let releaseLong: () => void = () => {};
    const longCanFinish = new Promise<void>((resolve) => {
      releaseLong = resolve;
    });
    const client = createChatClient({
      baseURL: "http://inference.test",
      maxRetries: 0,
      async fetch(_url, init) {
        const signal = init.signal as AbortSignal;
        const user = (init.headers as Record<string, string>)["x-call"];
        if (user === "long") {
          await longCanFinish;
          return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
        }
        // never answers: only the timeout (through the signal) ends it
        return new Promise<Response>((_resolve, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
      },
    });
    const messages = [{ role: "user" as const, content: "hi" }];
    // A 60 s deadline is armed first; the 30 ms one must re-arm the shared timer (else this test would time out).
    const long = client.chat.completions.create({ messages }, { timeoutMs: 60_000, headers: { "x-call": "long" } });
    const short = await client.chat.completions
      .create({ messages }, { timeoutMs: 30, headers: { "x-call": "short" } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isChatClientError(short) && short.code).toBe("TIMEOUT");
    releaseLong();
    await expect(long).resolves.toMatchObject({ id: "x" });
  });

  it("does not keep the process alive after its requests finished (default 10-minute timeout)", async () => {
    const index = fileURLToPath(new URL("../src/index.ts", import.meta.url));
    const script = `
      import { createChatClient } from ${JSON.stringify(index)};
      const body = JSON.stringify({ id: "x", object: "chat.completion", created: 1, model: "m", choices: [] });
      const client = createChatClient({
        baseURL: "http://inference.test",
        fetch: async () => new Response(body, { status: 200, headers: { "content-type": "application/json" } }),
      });
      for (let i = 0; i < 3; i++) await client.chat.completions.create({ messages: [{ role: "user", content: "hi" }] });
      console.log("done");
    `;
    const result = await new Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }>(
      (resolve) => {
        const child = execFile(
          process.execPath,
          ["--input-type=module", "-e", script],
          { timeout: 30_000 },
          (err, stdout, stderr) => {
            resolve({ code: child.exitCode, killed: err?.killed === true, stdout, stderr });
          },
        );
      },
    );
    expect(result.stderr).toBe("");
    expect(result.killed).toBe(false);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe("done");
  }, 40_000);
});
