import { describe, expect, it } from "vitest";
import {
  childLogger,
  Controller,
  FakeClock,
  type ReconcileResult,
  ReconcilerError,
  type RuntimeLogger,
} from "../../src/index.ts";

interface Line {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** A logger without `child` that records every line (the runtime must add its fields itself). */
function recordingLogger(): { logger: RuntimeLogger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: Line["level"]) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  return { logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, lines };
}

/** The reconcile of each key: a result or an error to throw; time spent is moved on the fake clock. */
type Outcome = { readonly result?: ReconcileResult; readonly error?: Error; readonly takesMs: number };

async function runPasses(outcomes: Readonly<Record<string, Outcome>>) {
  const { logger, lines } = recordingLogger();
  const clock = new FakeClock(1_000_000);
  const ids: string[] = [];
  const c = new Controller({
    name: "widgets",
    logger,
    clock,
    reconcile: async (req, ctx) => {
      // Only the first pass of a key counts; a retry (requeue, error) that comes before the stop is a no-op.
      if (ids.length >= Object.keys(outcomes).length) return undefined;
      ids.push(ctx.reconcileId);
      const o = outcomes[req.key] as Outcome;
      clock.advance(o.takesMs);
      if (o.error !== undefined) throw o.error;
      return o.result;
    },
  });
  for (const key of Object.keys(outcomes)) c.queue.add(key);
  c.start();
  const finished = () =>
    lines.filter((l) => l.message === "reconcile finished" && ids.includes(String(l.fields.reconcileID)));
  for (let i = 0; i < 100 && finished().length < Object.keys(outcomes).length; i++) {
    await new Promise((r) => setImmediate(r));
  }
  await c.stop(1000);
  return { lines, finished: finished(), ids };
}

describe("Controller: one debug line per finished pass", () => {
  // One row per result the line can report; the test below fails when a result has no row.
  const rows: ReadonlyArray<{ result: string; outcome: Outcome; extra: Record<string, unknown> }> = [
    { result: "done", outcome: { takesMs: 12 }, extra: {} },
    {
      result: "requeue-after",
      outcome: { result: { requeueAfterMs: 2000 }, takesMs: 7 },
      extra: { requeueAfterMs: 2000 },
    },
    { result: "requeue", outcome: { result: { requeue: true }, takesMs: 3 }, extra: {} },
    {
      result: "error",
      outcome: { error: new ReconcilerError("SERVER_ERROR", "boom"), takesMs: 40 },
      extra: {},
    },
  ];

  it("names the controller, key, result, duration and reconcile id", async () => {
    const outcomes = Object.fromEntries(rows.map((r) => [`ns/${r.result}`, r.outcome]));
    const { finished, ids } = await runPasses(outcomes);
    expect(finished).toHaveLength(rows.length);
    for (const row of rows) {
      const line = finished.find((l) => l.fields.key === `ns/${row.result}`);
      expect(line, `no "reconcile finished" line for result ${row.result}`).toBeDefined();
      expect(line?.level).toBe("debug");
      expect(line?.fields).toEqual({
        controller: "widgets",
        key: `ns/${row.result}`,
        reconcileID: expect.any(String),
        result: row.result,
        durationMs: row.outcome.takesMs,
        ...row.extra,
      });
    }
    // Each pass has its own id, and it is the one the reconcile saw.
    expect(new Set(finished.map((l) => l.fields.reconcileID))).toEqual(new Set(ids));
    expect(ids).toHaveLength(rows.length);
  });

  it("has a row for every result the runtime reports", () => {
    expect(rows.map((r) => r.result).sort()).toEqual(["done", "error", "requeue", "requeue-after"]);
  });

  it("still logs the failure itself at warn, and carries no error text in the finished line", async () => {
    const { lines, finished } = await runPasses({
      "ns/bad": { error: new ReconcilerError("SERVER_ERROR", "token=abc leaked?"), takesMs: 1 },
    });
    const warn = lines.find((l) => l.level === "warn");
    expect(warn?.message).toBe("reconcile failed; retrying with back-off");
    expect(warn?.fields).toMatchObject({ controller: "widgets", key: "ns/bad" });
    expect(JSON.stringify(finished)).not.toContain("token=abc");
  });
});

describe("childLogger", () => {
  it("merges its fields into each line of a logger without child(), the line's own fields winning", () => {
    const { logger, lines } = recordingLogger();
    const child = childLogger(childLogger(logger, { a: 1, b: 1 }), { b: 2 });
    child.info({ c: 3 }, "hello");
    child.error({ a: 9 }, "bye");
    expect(lines).toEqual([
      { level: "info", fields: { a: 1, b: 2, c: 3 }, message: "hello" },
      { level: "error", fields: { a: 9, b: 2 }, message: "bye" },
    ]);
  });

  it("uses the logger's own child() when it has one (pino)", () => {
    const made: Record<string, unknown>[] = [];
    const { logger } = recordingLogger();
    const withChild: RuntimeLogger = {
      ...logger,
      child: (fields) => {
        made.push(fields);
        return logger;
      },
    };
    expect(childLogger(withChild, { k: "v" })).toBe(logger);
    expect(made).toEqual([{ k: "v" }]);
  });
});
