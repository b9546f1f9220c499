/**
 * Random inputs never make the semantics throw anything but a `ClusterSimError` (which the server turns into a
 * 4xx Status); a plain TypeError would become a 500. Seeded, so failures reproduce.
 */
import { describe, expect, it } from "vitest";
import { isClusterSimError } from "../../src/errors/index.ts";
import {
  applyJsonPatch,
  applyMergePatch,
  applyServerSide,
  applyStrategicMergePatch,
  buildTable,
  evaluateCelValidations,
  evaluateJsonPath,
  type JSONSchemaProps,
  labelSelectorFromObject,
  parseFieldSelector,
  parseLabelSelector,
  pruneUnknownFields,
  applySchemaDefaults,
  updateManagedFields,
  validateStructural,
} from "../../src/semantics/index.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ALPHABET = "ab=!,() in notin\\.-_/[]?@*'\"$:{}0123456789";

function randomString(r: () => number, max = 16): string {
  let out = "";
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) out += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return out;
}

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 3 ? 5 : 8));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor(r() * 200) - 100;
    case 3:
      return r() * 10;
    case 4:
      return randomString(r, 6);
    case 5:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = [
        "name",
        "spec",
        "status",
        "metadata",
        "containers",
        "$patch",
        "x",
        "replicas",
        "image",
        "env",
        "type",
      ];
      for (let i = 0; i < Math.floor(r() * 5); i++)
        o[keys[Math.floor(r() * keys.length)] ?? "x"] = randomValue(r, depth + 1);
      return o;
    }
  }
}

const tally = { ok: 0, rejected: 0 };

/** Runs `fn`; only `ClusterSimError`s may escape it (they are counted as rejections). */
function safely(fn: () => unknown): void {
  try {
    fn();
    tally.ok++;
  } catch (e) {
    if (!isClusterSimError(e)) throw e;
    expect(e.httpCode).toBeGreaterThanOrEqual(400);
    expect(e.httpCode).toBeLessThan(500);
    tally.rejected++;
  }
}

function expectBothOutcomes(run: () => void): void {
  tally.ok = 0;
  tally.rejected = 0;
  run();
  expect(tally.ok).toBeGreaterThan(0);
  expect(tally.rejected).toBeGreaterThan(0);
}

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      "x-kubernetes-validations": [{ rule: "!has(self.replicas) || self.replicas >= 0" }],
      properties: {
        replicas: { type: "integer", minimum: 0, default: 1 },
        name: { type: "string", pattern: "^[a-z]+$" },
        containers: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          items: {
            type: "object",
            required: ["name"],
            properties: { name: { type: "string" }, image: { type: "string" } },
          },
        },
        x: { "x-kubernetes-int-or-string": true },
      },
    },
  },
};

describe("robustness against random input", () => {
  it("selectors and JSONPath", () => {
    const r = rng(1);
    expectBothOutcomes(() => {
      for (let i = 0; i < 3000; i++) {
        const s = randomString(r, 24);
        safely(() => parseLabelSelector(s));
        safely(() => parseFieldSelector(s));
        safely(() => evaluateJsonPath({ a: [{ b: 1 }] }, s));
        safely(() => labelSelectorFromObject(randomValue(r) as never));
      }
    });
  });

  it("patches", () => {
    const r = rng(2);
    expectBothOutcomes(() => {
      const pod = { group: "", version: "v1", kind: "Pod" };
      for (let i = 0; i < 2000; i++) {
        const doc = randomValue(r);
        const patch = randomValue(r);
        safely(() => applyMergePatch(doc, patch));
        safely(() => applyStrategicMergePatch(pod, doc, patch));
        const ops = Array.from({ length: 3 }, () => ({
          op: ["add", "remove", "replace", "move", "copy", "test", "x"][Math.floor(r() * 7)],
          path: `/${randomString(r, 6)}`,
          from: `/${randomString(r, 4)}`,
          value: randomValue(r),
        }));
        safely(() => applyJsonPatch(doc, ops));
      }
    });
  });

  it("schema pipeline, CEL and tables", () => {
    const r = rng(3);
    tally.ok = 0;
    tally.rejected = 0;
    for (let i = 0; i < 1500; i++) {
      const obj = { apiVersion: "x/v1", kind: "W", metadata: { name: "w" }, spec: randomValue(r) };
      safely(() => {
        const pruned = pruneUnknownFields(schema, obj).object;
        const defaulted = applySchemaDefaults(schema, pruned);
        validateStructural(schema, defaulted);
        evaluateCelValidations(schema, defaulted, r() < 0.5 ? obj : undefined);
      });
      safely(() => buildTable({ objects: [randomValue(r)], builtinKind: { group: "", kind: "Pod" } }));
      safely(() =>
        buildTable({ objects: [obj], columns: [{ name: "X", type: "integer", jsonPath: ".spec.replicas" }] }),
      );
    }
    // validation reports causes instead of throwing: every call completes
    expect(tally).toEqual({ ok: 4500, rejected: 0 });
  });

  it("managed fields and server-side apply", () => {
    const r = rng(4);
    let live: unknown;
    let conflicts = 0;
    tally.ok = 0;
    tally.rejected = 0;
    for (let i = 0; i < 800; i++) {
      const applied = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: randomValue(r) };
      safely(() => {
        const res = applyServerSide({ live, applied, manager: r() < 0.5 ? "a" : "b", force: r() < 0.5 });
        if ("object" in res) live = res.object;
        else conflicts++;
      });
      safely(() => updateManagedFields(live, applied, "c", "Update"));
    }
    expect(tally).toEqual({ ok: 1600, rejected: 0 });
    expect(conflicts).toBeGreaterThan(0);
  });
});
