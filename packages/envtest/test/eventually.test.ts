/** `eventually`: resolves with the first value, treats throws as "not yet", and times out naming what it waited for. */
import { describe, expect, it } from "vitest";
import { isEnvtestError } from "../src/errors.ts";
import { eventually } from "../src/eventually.ts";

describe("eventually", () => {
  it("resolves with the first value that is not undefined or false, after the checks that were not", async () => {
    let calls = 0;
    const v = await eventually("the third call", () => (++calls >= 3 ? { calls } : calls === 1 ? undefined : false), {
      intervalMs: 1,
    });
    expect(v).toEqual({ calls: 3 });
  });

  it("keeps 0 and empty strings (only undefined and false mean not yet)", async () => {
    expect(await eventually("zero", () => 0)).toBe(0);
    expect(await eventually("empty", async () => "")).toBe("");
  });

  it("treats a throwing check as not yet", async () => {
    let calls = 0;
    const v = await eventually(
      "a check that fails twice",
      async () => {
        if (++calls < 3) throw new Error(`not yet ${calls}`);
        return "ok";
      },
      { intervalMs: 1 },
    );
    expect(v).toBe("ok");
  });

  it.each([
    { name: "a timeout in ms", options: 30 as const },
    { name: "options", options: { timeoutMs: 30, intervalMs: 5 } },
  ])("times out ($name) with TIMEOUT naming what, how long and the last error", async ({ options }) => {
    const e = await eventually(
      "the widget ready",
      () => {
        throw new Error("widgets.example.com not found");
      },
      options,
    ).catch((err: unknown) => err);
    expect(isEnvtestError(e) && e.code).toBe("TIMEOUT");
    expect((e as Error).message).toBe(
      "timed out waiting for the widget ready (30 ms): Error: widgets.example.com not found",
    );
    expect((e as Error).cause).toBeInstanceOf(Error);
  });

  it("times out without a last error when the check only returned nothing", async () => {
    await expect(eventually("nothing", () => undefined, 10)).rejects.toThrow(
      /^timed out waiting for nothing \(10 ms\)$/,
    );
  });
});
