/**
 * The invariants the fast validation path relies on: one walk for unknown fields and prunable nulls, parsing the
 * object as written instead of a defaulted copy, repairing invalid objects without touching the input, and the
 * bounded caches of pure string checks.
 */
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { catalogCtx, makeWorkspaces, rng } from "../../bench/workload.ts";
import {
  applyWorkspaceDefaults,
  findPlaceholders,
  findUnknownFieldPaths,
  sanitizeLabelSelector,
  validateWorkspace,
} from "../../src/index.ts";
import { scanWorkspace } from "../../src/schema/index.ts";
import { baseWorkspaceSchemaFor } from "../../src/schema/workspace.ts";
import { MEMO_MAX_ENTRIES, MEMO_MAX_KEY_LENGTH, memoizeStringCheck } from "../../src/validation/memo.ts";
import { withoutNearestKey } from "../../src/validation/prepare.ts";
import { FIXTURES, fixture } from "../helpers.ts";

type Json = Record<string, unknown>;

/** Deterministic structural damage: nulls, wrong types, unknown keys, removed keys. */
function damaged(objs: readonly Json[], seed: number): Json[] {
  const r = rng(seed);
  const values: unknown[] = [null, 3, 1.5, "x", "", true, [], {}, ["a"], { a: 1 }];
  const paths = (o: unknown, p: (string | number)[] = [], out: (string | number)[][] = []) => {
    if (p.length > 0) out.push(p);
    if (typeof o === "object" && o !== null) {
      for (const k of Object.keys(o)) paths((o as Json)[k], [...p, Array.isArray(o) ? Number(k) : k], out);
    }
    return out;
  };
  return objs.map((o) => {
    const c = structuredClone(o);
    const all = paths(c);
    const p = all[Math.floor(r() * all.length)] as (string | number)[];
    let parent = c as Record<string | number, unknown>;
    for (const s of p.slice(0, -1)) parent = parent[s] as Record<string | number, unknown>;
    const key = p[p.length - 1] as string | number;
    const m = r();
    if (m < 0.2) delete parent[key];
    else if (m < 0.3 && !Array.isArray(parent)) parent.unknownKey = values[Math.floor(r() * values.length)];
    else parent[key] = structuredClone(values[Math.floor(r() * values.length)]);
    return c;
  });
}

function deepFreeze<T>(o: T): T {
  if (typeof o === "object" && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const generated = makeWorkspaces(400, 11);
const corpus: Json[] = [
  ...FIXTURES.map((f) => parseYaml(fixture(f)) as Json),
  ...generated,
  ...damaged(generated, 5),
  ...damaged(generated, 6),
];

describe("scanWorkspace", () => {
  it("finds the same unknown fields as findUnknownFieldPaths", () => {
    for (const obj of corpus) expect(scanWorkspace(obj).unknownFields).toEqual(findUnknownFieldPaths(obj));
  });

  it("flags nulls the API server prunes, and only those", () => {
    const base = () => ({
      apiVersion: "kaito.sh/v1beta1",
      kind: "Workspace",
      metadata: { name: "w" },
      resource: { labelSelector: { matchLabels: { a: "b" } } },
      inference: { template: { spec: { containers: [] } } },
    });
    expect(scanWorkspace(base()).hasPrunableNulls).toBe(false);
    const countNull = base();
    (countNull.resource as Json).count = null;
    expect(scanWorkspace(countNull).hasPrunableNulls).toBe(true);
    const deep = base();
    (deep.inference as Json).preset = { name: "x", accessMode: null };
    expect(scanWorkspace(deep).hasPrunableNulls).toBe(true);
    // nullable field, schemaless subtree, unknown field: nothing to prune
    const nullable = base();
    (nullable.metadata as Json).creationTimestamp = null;
    expect(scanWorkspace(nullable).hasPrunableNulls).toBe(false);
    const schemaless = base();
    (schemaless.inference as Json).template = { spec: null };
    expect(scanWorkspace(schemaless).hasPrunableNulls).toBe(false);
    const unknown = base();
    (unknown.resource as Json).typo = null;
    expect(scanWorkspace(unknown)).toEqual({ unknownFields: [["resource", "typo"]], hasPrunableNulls: false });
  });
});

describe("parsing as written", () => {
  it("equals parsing after applyWorkspaceDefaults when there is no null to prune (data, key order, issues)", () => {
    let compared = 0;
    for (const obj of corpus) {
      if (scanWorkspace(obj).hasPrunableNulls) continue;
      const schema = baseWorkspaceSchemaFor(String(obj.apiVersion)) ?? baseWorkspaceSchemaFor("kaito.sh/v1beta1");
      const asWritten = schema?.safeParse(obj);
      const defaulted = schema?.safeParse(applyWorkspaceDefaults(obj));
      expect(JSON.stringify(asWritten?.data)).toBe(JSON.stringify(defaulted?.data));
      expect(asWritten?.error?.issues).toEqual(defaulted?.error?.issues);
      compared++;
    }
    expect(compared).toBeGreaterThan(800);
  });
});

describe("validateWorkspace on structurally invalid objects", () => {
  it("never changes its input (the repair rounds copy on write)", () => {
    for (const obj of damaged(generated, 7)) {
      const copy = structuredClone(obj);
      const frozen = deepFreeze(structuredClone(obj));
      expect(validateWorkspace(frozen, catalogCtx)).toEqual(validateWorkspace(copy, catalogCtx));
      expect(copy).toEqual(obj);
    }
  });

  it("still runs the content rules on what is left after removing a bad field", () => {
    const r = validateWorkspace({
      apiVersion: "kaito.sh/v1beta1",
      kind: "Workspace",
      metadata: { name: "w" },
      resource: { count: "two", instanceType: "Standard_NC24ads_A100_v4", labelSelector: {} },
      tuning: {
        preset: { name: "phi-3-mini-4k-instruct" },
        method: "lora",
        input: { urls: ["http://169.254.169.254/latest"] },
        output: { volumeSource: {} },
      },
    });
    expect(r.errors.map((e) => [e.code, e.path])).toEqual([
      ["INVALID_STRUCTURE", "spec.resource.count"],
      ["INPUT_URL_INVALID", "spec.tuning.input.urls[0]"],
    ]);
  });

  it("gives the same answer when asked again (memoised checks)", () => {
    const objs = damaged(generated, 8);
    const first = objs.map((o) => validateWorkspace(o, catalogCtx));
    const second = objs.map((o) => validateWorkspace(o, catalogCtx));
    expect(second).toEqual(first);
  });
});

describe("withoutNearestKey", () => {
  const root = { a: { b: [{ c: 1, d: 2 }], e: 3 } };

  it("removes the nearest object key on the path and copies only the path", () => {
    const out = withoutNearestKey(root, ["a", "b", 0, "c"]) as typeof root;
    expect(out).toEqual({ a: { b: [{ d: 2 }], e: 3 } });
    expect(root).toEqual({ a: { b: [{ c: 1, d: 2 }], e: 3 } });
    expect(out.a.b).not.toBe(root.a.b);
  });

  it("takes a whole array with an element path", () => {
    expect(withoutNearestKey(root, ["a", "b", 0])).toEqual({ a: { e: 3 } });
  });

  it("returns undefined when there is nothing to remove", () => {
    expect(withoutNearestKey(root, ["a", "x"])).toBeUndefined();
    expect(withoutNearestKey(root, ["a", "e", "f"])).toBeUndefined();
    expect(withoutNearestKey(root, [0])).toBeUndefined();
    expect(withoutNearestKey(root, [])).toBeUndefined();
  });
});

describe("memoizeStringCheck", () => {
  it("answers like the function, stays bounded, and does not keep long strings", () => {
    let calls = 0;
    const check = memoizeStringCheck((s: string) => {
      calls++;
      return s.startsWith("bad") ? `bad: ${s}` : undefined;
    });
    expect(check("bad-1")).toBe("bad: bad-1");
    expect(check("ok")).toBeUndefined();
    expect(check("bad-1")).toBe("bad: bad-1");
    expect(check("ok")).toBeUndefined();
    expect(calls).toBe(2);
    for (let i = 0; i < MEMO_MAX_ENTRIES + 10; i++) expect(check(`bad-${i}`)).toBe(`bad: bad-${i}`);
    const long = `bad${"x".repeat(MEMO_MAX_KEY_LENGTH)}`;
    const before = calls;
    check(long);
    check(long);
    expect(calls).toBe(before + 2);
  });
});

describe("shared results stay private", () => {
  it("findPlaceholders returns a fresh array each time", () => {
    const a = findPlaceholders("ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1");
    a.push("changed");
    expect(findPlaceholders("ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1")).toEqual([
      "ACR_REPO_HERE",
      "IMAGE_NAME_HERE",
    ]);
  });

  it("sanitizeLabelSelector reads own keys only", () => {
    const matchLabels = Object.assign(Object.create({ inherited: "x" }) as Json, { app: "a" });
    expect(sanitizeLabelSelector({ matchLabels })).toEqual({ ok: true, matchLabels: { app: "a" }, dropped: [] });
  });
});
