import { undeclaredFieldError } from "../../src/semantics/cel-fields.ts";
import { describe, expect, it } from "vitest";
import {
  compileCel,
  compileCelValidations,
  evaluateCelValidations,
  type JSONSchemaProps,
  parseRuleFieldPath,
} from "../../src/semantics/index.ts";

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      "x-kubernetes-validations": [
        { rule: "self.minReplicas <= self.replicas", message: "minReplicas cannot be larger than replicas" },
        { rule: "!has(self.mode) || self.mode in ['a', 'b']" },
        {
          rule: "self.replicas < 100",
          messageExpression: "'replicas ' + string(self.replicas) + ' is too many'",
        },
        { rule: "!has(self.name) || self.name.startsWith('ws-')", reason: "FieldValueForbidden", fieldPath: ".name" },
      ],
      properties: {
        replicas: { type: "integer" },
        minReplicas: { type: "integer" },
        mode: { type: "string" },
        name: { type: "string" },
        ratio: { type: "number", "x-kubernetes-validations": [{ rule: "self >= 0.5" }] },
        image: {
          type: "string",
          "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "image is immutable" }],
        },
        items: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          "x-kubernetes-validations": [{ rule: "self.all(i, size(i.name) > 1)", message: "names too short" }],
          items: {
            type: "object",
            properties: {
              name: { type: "string" },
              size: {
                type: "integer",
                "x-kubernetes-validations": [{ rule: "self >= oldSelf", message: "size may only grow" }],
              },
            },
          },
        },
        labels: {
          type: "object",
          additionalProperties: { type: "string", "x-kubernetes-validations": [{ rule: "self.lowerAscii() == self" }] },
        },
        when: {
          type: "string",
          format: "date-time",
          "x-kubernetes-validations": [{ rule: "self > timestamp('2020-01-01T00:00:00Z')" }],
        },
        counter: {
          type: "integer",
          "x-kubernetes-validations": [
            {
              rule: "oldSelf.hasValue() ? self >= oldSelf.orValue(0) : self == 0",
              optionalOldSelf: true,
              message: "bad counter",
            },
          ],
        },
      },
    },
  },
};

const w = (spec: Record<string, unknown>) => ({ apiVersion: "x/v1", kind: "W", metadata: { name: "w" }, spec });

describe("evaluateCelValidations", () => {
  it("passes valid objects", () => {
    expect(evaluateCelValidations(schema, w({ replicas: 3, minReplicas: 1, mode: "a", name: "ws-1" }))).toEqual([]);
  });

  it("reports message, default message, messageExpression, reason and fieldPath", () => {
    const causes = evaluateCelValidations(schema, w({ replicas: 200, minReplicas: 300, mode: "z", name: "x" }));
    expect(causes).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec",
        message: "Invalid value: minReplicas cannot be larger than replicas",
      },
      {
        reason: "FieldValueInvalid",
        field: "spec",
        message: "Invalid value: failed rule: !has(self.mode) || self.mode in ['a', 'b']",
      },
      { reason: "FieldValueInvalid", field: "spec", message: "Invalid value: replicas 200 is too many" },
      {
        reason: "FieldValueForbidden",
        field: "spec.name",
        message: "Forbidden: failed rule: !has(self.name) || self.name.startsWith('ws-')",
      },
    ]);
  });

  it("treats integers as int and numbers as double", () => {
    expect(evaluateCelValidations(schema, w({ replicas: 1, minReplicas: 1, ratio: 1 }))).toEqual([]);
    expect(evaluateCelValidations(schema, w({ replicas: 1, minReplicas: 1, ratio: 0.25 }))[0]?.message).toBe(
      "Invalid value: 0.25: failed rule: self >= 0.5",
    );
  });

  it("reports evaluation errors", () => {
    const causes = evaluateCelValidations(schema, w({ replicas: 1 }));
    expect(causes).toHaveLength(1);
    expect(causes[0]?.field).toBe("spec");
    expect(causes[0]?.message).toMatch(
      /^Invalid value: "object": no such key: minReplicas.* evaluating rule: minReplicas cannot be larger than replicas$/,
    );
  });

  it("runs transition rules only with an old value", () => {
    const base = { replicas: 1, minReplicas: 1 };
    expect(evaluateCelValidations(schema, w({ ...base, image: "a" }))).toEqual([]);
    expect(evaluateCelValidations(schema, w({ ...base, image: "b" }), w({ ...base, image: "a" }))).toEqual([
      { reason: "FieldValueInvalid", field: "spec.image", message: 'Invalid value: "b": image is immutable' },
    ]);
    expect(evaluateCelValidations(schema, w({ ...base, image: "b" }), w({ ...base }))).toEqual([]);
  });

  it("correlates list-map items by key", () => {
    const base = { replicas: 1, minReplicas: 1 };
    const old = w({
      ...base,
      items: [
        { name: "aa", size: 5 },
        { name: "bb", size: 5 },
      ],
    });
    expect(
      evaluateCelValidations(
        schema,
        w({
          ...base,
          items: [
            { name: "bb", size: 6 },
            { name: "aa", size: 4 },
            { name: "cc", size: 1 },
          ],
        }),
        old,
      ),
    ).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.items[1].size",
        message: "Invalid value: 4: size may only grow",
      },
    ]);
    expect(evaluateCelValidations(schema, w({ ...base, items: [{ name: "a" }] }))[0]).toEqual({
      reason: "FieldValueInvalid",
      field: "spec.items",
      message: "Invalid value: names too short",
    });
  });

  it("evaluates rules on additionalProperties values, timestamps and optionalOldSelf", () => {
    const base = { replicas: 1, minReplicas: 1 };
    expect(evaluateCelValidations(schema, w({ ...base, labels: { a: "ok", b: "NO" } }))).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.labels[b]",
        message: 'Invalid value: "NO": failed rule: self.lowerAscii() == self',
      },
    ]);
    expect(evaluateCelValidations(schema, w({ ...base, when: "2026-01-01T00:00:00Z" }))).toEqual([]);
    expect(evaluateCelValidations(schema, w({ ...base, when: "2019-01-01T00:00:00Z" }))).toHaveLength(1);
    expect(evaluateCelValidations(schema, w({ ...base, counter: 0 }))).toEqual([]);
    expect(evaluateCelValidations(schema, w({ ...base, counter: 3 }))).toHaveLength(1);
    expect(evaluateCelValidations(schema, w({ ...base, counter: 3 }), w({ ...base, counter: 2 }))).toEqual([]);
    expect(evaluateCelValidations(schema, w({ ...base, counter: 1 }), w({ ...base, counter: 2 }))).toHaveLength(1);
  });

  it("supports the Kubernetes extension functions", () => {
    const t = (rule: string, self: unknown, s: JSONSchemaProps = {}) =>
      evaluateCelValidations({ ...s, "x-kubernetes-validations": [{ rule }] }, self, undefined, "f");
    expect(
      t("self.isSorted() && self.sum() == 6 && self.min() == 1 && self.max() == 3", [1, 2, 3], {
        type: "array",
        items: { type: "integer" },
      }),
    ).toEqual([]);
    expect(
      t("self.indexOf(2) == 1 && self.lastIndexOf(9) == -1", [1, 2, 3], { type: "array", items: { type: "integer" } }),
    ).toEqual([]);
    expect(
      t("self.replace('a', 'b') == 'bbc' && self.find('[a-z]+') == 'aac' && self.findAll('a').size() == 2", "aac", {
        type: "string",
      }),
    ).toEqual([]);
    expect(t("isURL(self) && !isURL('not a url')", "https://example.com/x", { type: "string" })).toEqual([]);
    expect(
      t("isIP('10.0.0.1') && isCIDR('10.0.0.0/8') && isQuantity('100Mi') && !isQuantity('abc')", "x", {
        type: "string",
      }),
    ).toEqual([]);
    expect(
      t(
        "self.matches('^[a-z]+$') && self.upperAscii() == 'ABC' && self.charAt(1) == 'b' && self.reverse() == 'cba'",
        "abc",
        { type: "string" },
      ),
    ).toEqual([]);
    expect(
      t("self.exists_one(x, x == 1) && self.filter(x, x > 1).size() == 2 && self.map(x, x * 2)[0] == 2", [1, 2, 3], {
        type: "array",
        items: { type: "integer" },
      }),
    ).toEqual([]);
    expect(t("self.x == 2", { x: 2 }, { type: "object", "x-kubernetes-preserve-unknown-fields": true })).toEqual([]);
  });

  it("names the resource root <nil>, as the real server does", () => {
    const s: JSONSchemaProps = {
      type: "object",
      "x-kubernetes-validations": [{ rule: "has(self.spec)" }, { rule: "self.x == 1" }],
    };
    expect(evaluateCelValidations(s, { metadata: {} })).toEqual([
      { reason: "FieldValueInvalid", field: "<nil>", message: "Invalid value: failed rule: has(self.spec)" },
      {
        reason: "FieldValueInvalid",
        field: "<nil>",
        message: 'Invalid value: "object": no such key: x evaluating rule: self.x == 1',
      },
    ]);
  });

  it("skips null and absent values", () => {
    expect(evaluateCelValidations(schema, { apiVersion: "x/v1", kind: "W", metadata: {} })).toEqual([]);
  });
});

describe("compileCelValidations", () => {
  it("accepts valid rules and caches programs", () => {
    expect(compileCelValidations(schema)).toEqual([]);
    const a = compileCel("self.x > 1");
    expect(compileCel("self.x > 1")).toBe(a);
  });

  it("rejects syntax errors, unknown functions and variables, bad fieldPath and reason", () => {
    const bad: JSONSchemaProps = {
      type: "object",
      properties: {
        spec: {
          type: "object",
          "x-kubernetes-validations": [
            { rule: "self.x >" },
            { rule: "self.x.quantity() > 1" },
            { rule: "other.x == 1" },
            { rule: "true", messageExpression: "'a' +" },
            { rule: "true", fieldPath: "spec..x" },
            { rule: "true", reason: "Nope" as "FieldValueInvalid" },
            { rule: "size(self)" },
            { rule: "true", messageExpression: "1 + 2" },
          ],
        },
      },
    };
    const errs = compileCelValidations(bad);
    const p = "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations";
    const value = (rule: string, messageExpression = "") =>
      `{"Rule":${JSON.stringify(rule).replaceAll(">", "\\u003e")},"Message":"","MessageExpression":${JSON.stringify(messageExpression)},"Reason":null,"FieldPath":"","OptionalOldSelf":null}`;
    expect(errs[0]?.startsWith(`${p}[0].rule: Invalid value: ${value("self.x >")}: compilation failed: `)).toBe(true);
    expect(errs[1]).toContain("found no matching overload for 'dyn.quantity()'");
    expect(errs[2]).toContain("Unknown variable: other");
    expect(errs[3]).toContain("[3].messageExpression: Invalid value");
    expect(errs[4]).toContain("[4].fieldPath: Invalid value");
    expect(errs[5]).toContain("[5].reason: Invalid value");
    expect(errs[6]).toBe(
      `${p}[6].rule: Invalid value: ${value("size(self)")}: compilation failed: cel expression must evaluate to a bool`,
    );
    expect(errs[7]).toContain(
      `[7].messageExpression: Invalid value: ${value("true", "1 + 2")}: messageExpression must evaluate to a string`,
    );
    expect(errs).toHaveLength(8);
  });

  it("reports uncompilable rules at evaluation too", () => {
    const s: JSONSchemaProps = { type: "string", "x-kubernetes-validations": [{ rule: "self >" }] };
    expect(evaluateCelValidations(s, "x", undefined, "f")[0]?.message).toContain("rule compile error");
  });

  it("parses fieldPaths", () => {
    expect(parseRuleFieldPath(".a.b[0]['c.d']")).toEqual([".a", ".b", "[0]", "[c.d]"]);
    expect(parseRuleFieldPath("a")).toBeUndefined();
  });
});

describe("rules naming undeclared fields", () => {
  const spec: JSONSchemaProps = {
    type: "object",
    properties: {
      name: { type: "string" },
      items: { type: "array", items: { type: "object", properties: { size: { type: "integer" } } } },
      labels: { type: "object", additionalProperties: { type: "string" } },
      free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
  };
  const root: JSONSchemaProps = { type: "object", properties: { spec } };
  const errorOf = (rule: string, at: JSONSchemaProps = spec) => {
    const c = compileCel(rule);
    if ("error" in c) throw new Error(c.error);
    return undeclaredFieldError(c.program.ast, at, rule, root);
  };

  it.each([
    ["self.nope == 1", "ERROR: <input>:1:5: undefined field 'nope'\n | self.nope == 1\n | ....^"],
    ["has(self.nope)", "ERROR: <input>:1:4: undefined field 'nope'\n | has(self.nope)\n | ...^"],
    [
      "self.items.all(i, i.sise > 0)",
      "ERROR: <input>:1:20: undefined field 'sise'\n | self.items.all(i, i.sise > 0)\n | ...................^",
    ],
    [
      "self.items[0].colour == 'x'",
      "ERROR: <input>:1:14: undefined field 'colour'\n | self.items[0].colour == 'x'\n | .............^",
    ],
  ])("%s is refused as cel-go words it", (rule, error) => {
    expect(errorOf(rule)).toBe(error);
  });

  it.each([
    "self.name == 'a'",
    "self.items.all(i, i.size > 0)",
    "self.labels.anything == 'x'",
    "self.free.whatever.deeper == 1",
    "self.labels.all(k, k != 'x')",
    "has(self.name) && self.?name.orValue('') != ''",
  ])("%s compiles", (rule) => {
    expect(errorOf(rule)).toBeUndefined();
  });

  it("the root always has apiVersion, kind and metadata", () => {
    expect(errorOf("self.metadata.name != '' && self.kind == 'X' && self.apiVersion != ''", root)).toBeUndefined();
    expect(errorOf("self.status == 1", root)).toContain("undefined field 'status'");
  });

  it("compileCelValidations reports them with the rule as the real server prints it", () => {
    const s: JSONSchemaProps = { ...spec, "x-kubernetes-validations": [{ rule: "self.nope > 1" }] };
    expect(compileCelValidations(s, "spec.validation.openAPIV3Schema")).toEqual([
      'spec.validation.openAPIV3Schema.x-kubernetes-validations[0].rule: Invalid value: {"Rule":"self.nope \\u003e 1","Message":"","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: compilation failed: ERROR: <input>:1:5: undefined field \'nope\'\n | self.nope > 1\n | ....^',
    ]);
  });
});
