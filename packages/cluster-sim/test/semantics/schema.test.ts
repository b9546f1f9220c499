import { describe, expect, it } from "vitest";
import {
  applySchemaDefaults,
  checkStringFormat,
  checkStructuralSchema,
  type JSONSchemaProps,
  pruneUnknownFields,
  strictUnknownFieldsMessage,
  unknownFieldWarning,
  validateStructural,
} from "../../src/semantics/index.ts";

const widget: JSONSchemaProps = {
  type: "object",
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: {
      type: "object",
      required: ["size"],
      properties: {
        size: { type: "string", enum: ["small", "large"] },
        replicas: { type: "integer", minimum: 0, maximum: 10, default: 1 },
        name: { type: "string", pattern: "^[a-z]+$", maxLength: 5, minLength: 2 },
        ratio: { type: "number", exclusiveMinimum: true, minimum: 0, multipleOf: 0.5 },
        port: { "x-kubernetes-int-or-string": true },
        when: { type: "string", format: "date-time" },
        tags: { type: "array", items: { type: "string" }, maxItems: 2, minItems: 1, "x-kubernetes-list-type": "set" },
        env: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          items: {
            type: "object",
            required: ["name"],
            properties: { name: { type: "string" }, value: { type: "string", default: "v" } },
          },
        },
        labels: { type: "object", additionalProperties: { type: "string" } },
        extra: {
          type: "object",
          "x-kubernetes-preserve-unknown-fields": true,
          properties: { known: { type: "string" } },
        },
        opt: { type: "string", nullable: true },
        template: {
          type: "object",
          "x-kubernetes-embedded-resource": true,
          "x-kubernetes-preserve-unknown-fields": true,
        },
        nested: {
          type: "object",
          default: {},
          properties: { deep: { type: "string", default: "d" }, n: { type: "integer", format: "int32" } },
        },
      },
    },
    status: { type: "object", properties: { phase: { type: "string" } } },
  },
};

const obj = (spec: Record<string, unknown>) => ({
  apiVersion: "demo.example.com/v1",
  kind: "Widget",
  metadata: { name: "w1" },
  spec,
});

describe("validateStructural", () => {
  it("accepts a valid object", () => {
    expect(
      validateStructural(
        widget,
        obj({
          size: "small",
          replicas: 3,
          name: "abc",
          port: "http",
          when: "2026-11-28T21:00:00Z",
          tags: ["a"],
          env: [{ name: "A" }, { name: "B" }],
          labels: { a: "b" },
          extra: { anything: [1, 2] },
          opt: null,
          template: { apiVersion: "v1", kind: "Pod", spec: {} },
        }),
      ),
    ).toEqual([]);
  });

  it("reports required, enum, type and range errors like the real server", () => {
    expect(validateStructural(widget, obj({}))).toEqual([
      { reason: "FieldValueRequired", field: "spec.size", message: "Required value" },
    ]);
    expect(validateStructural(widget, obj({ size: "xxl" }))).toEqual([
      {
        reason: "FieldValueNotSupported",
        field: "spec.size",
        message: 'Unsupported value: "xxl": supported values: "small", "large"',
      },
    ]);
    expect(validateStructural(widget, obj({ size: "small", replicas: "3" }))).toEqual([
      {
        reason: "FieldValueTypeInvalid",
        field: "spec.replicas",
        message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      },
    ]);
    expect(validateStructural(widget, obj({ size: "small", replicas: 1.5 }))[0]?.message).toBe(
      'Invalid value: "number": spec.replicas in body must be of type integer: "number"',
    );
    expect(validateStructural(widget, obj({ size: "small", replicas: 11 }))).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.replicas",
        message: "Invalid value: 11: spec.replicas in body should be less than or equal to 10",
      },
    ]);
    expect(validateStructural(widget, obj({ size: "small", replicas: -1 }))[0]?.message).toBe(
      "Invalid value: -1: spec.replicas in body should be greater than or equal to 0",
    );
    expect(validateStructural(widget, obj({ size: "small", ratio: 0 }))[0]?.message).toBe(
      "Invalid value: 0: spec.ratio in body should be greater than 0",
    );
    expect(validateStructural(widget, obj({ size: "small", ratio: 0.7 }))[0]?.message).toBe(
      "Invalid value: 0.7: spec.ratio in body should be a multiple of 0.5",
    );
  });

  it("checks strings: pattern, lengths and formats", () => {
    const causes = validateStructural(widget, obj({ size: "small", name: "ABCDEFG" }));
    expect(causes).toEqual([
      { reason: "FieldValueTooLong", field: "spec.name", message: "Too long: may not be more than 5 bytes" },
      {
        reason: "FieldValueInvalid",
        field: "spec.name",
        message: "Invalid value: \"ABCDEFG\": spec.name in body should match '^[a-z]+$'",
      },
    ]);
    expect(validateStructural(widget, obj({ size: "small", name: "a" }))[0]?.message).toBe(
      'Invalid value: "a": spec.name in body should be at least 2 chars long',
    );
    expect(validateStructural(widget, obj({ size: "small", when: "yesterday" }))).toEqual([
      {
        reason: "FieldValueTypeInvalid",
        field: "spec.when",
        message: 'Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
      },
    ]);
    expect(validateStructural(widget, obj({ size: "small", nested: { n: 2 ** 31 } }))[0]?.field).toBe("spec.nested.n");
  });

  it("checks int-or-string, nullable and arrays", () => {
    expect(validateStructural(widget, obj({ size: "small", port: true }))[0]?.message).toBe(
      'Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
    );
    expect(validateStructural(widget, obj({ size: "small", port: 8080 }))).toEqual([]);
    expect(validateStructural(widget, obj({ size: "small", name: null }))[0]?.message).toBe(
      'Invalid value: "null": spec.name in body must be of type string: "null"',
    );
    expect(validateStructural(widget, obj({ size: "small", tags: ["a", "b", "c"] }))).toEqual([
      { reason: "FieldValueTooMany", field: "spec.tags", message: "Too many: 3: must have at most 2 items" },
    ]);
    expect(validateStructural(widget, obj({ size: "small", tags: [] }))[0]?.message).toBe(
      "Invalid value: 0: spec.tags in body should have at least 1 items",
    );
    expect(validateStructural(widget, obj({ size: "small", tags: ["a", "a"] }))).toEqual([
      { reason: "FieldValueDuplicate", field: "spec.tags[1]", message: 'Duplicate value: "a"' },
    ]);
    expect(validateStructural(widget, obj({ size: "small", env: [{ name: "A" }, { name: "A", value: "x" }] }))).toEqual(
      [
        {
          reason: "FieldValueDuplicate",
          field: "spec.env[1]",
          message: 'Duplicate value: map[string]interface {}{"name":"A"}',
        },
      ],
    );
    expect(validateStructural(widget, obj({ size: "small", env: [{ value: "x" }] }))).toEqual([
      { reason: "FieldValueRequired", field: "spec.env[0].name", message: "Required value" },
    ]);
    expect(validateStructural(widget, obj({ size: "small", labels: { a: 1 } }))[0]?.field).toBe("spec.labels.a");
  });

  it("checks metadata.name against the schema's name constraints only", () => {
    const s: JSONSchemaProps = {
      type: "object",
      properties: { metadata: { type: "object", properties: { name: { type: "string", maxLength: 5 } } } },
    };
    expect(validateStructural(s, { metadata: { name: "toolong", labels: { a: "b" } } })).toEqual([
      { reason: "FieldValueTooLong", field: "metadata.name", message: "Too long: may not be more than 5 bytes" },
    ]);
    expect(validateStructural(s, { metadata: { name: "ok" } })).toEqual([]);
  });

  it("checks embedded resources", () => {
    expect(validateStructural(widget, obj({ size: "small", template: { spec: {} } }))).toEqual([
      { reason: "FieldValueRequired", field: "spec.template.apiVersion", message: "Required value: must not be empty" },
      { reason: "FieldValueRequired", field: "spec.template.kind", message: "Required value: must not be empty" },
    ]);
  });

  it("checks junctors", () => {
    const s: JSONSchemaProps = {
      type: "object",
      properties: { a: { type: "string" }, b: { type: "string" } },
      oneOf: [{ required: ["a"] }, { required: ["b"] }],
    };
    expect(validateStructural(s, { a: "x" }, "spec")).toEqual([]);
    expect(validateStructural(s, { a: "x", b: "y" }, "spec")[0]?.message).toContain(
      "spec in body must validate one and only one schema (oneOf)",
    );
    expect(validateStructural({ type: "string", not: { enum: ["x"] } }, "x", "f")[0]?.message).toContain("(not)");
    expect(
      validateStructural({ type: "string", anyOf: [{ enum: ["a"] }, { enum: ["b"] }] }, "c", "f")[0]?.message,
    ).toContain("(anyOf)");
  });

  it("checks formats", () => {
    expect(checkStringFormat("uuid", "123e4567-e89b-12d3-a456-426614174000")).toBe(true);
    expect(checkStringFormat("uuid", "nope")).toBe(false);
    expect(checkStringFormat("ipv4", "10.0.0.1")).toBe(true);
    expect(checkStringFormat("ipv4", "10.0.0.256")).toBe(false);
    expect(checkStringFormat("ipv6", "::1")).toBe(true);
    expect(checkStringFormat("cidr", "10.0.0.0/8")).toBe(true);
    expect(checkStringFormat("cidr", "10.0.0.0/33")).toBe(false);
    expect(checkStringFormat("date", "2026-11-28")).toBe(true);
    expect(checkStringFormat("byte", "aGVsbG8=")).toBe(true);
    expect(checkStringFormat("byte", "a")).toBe(false);
    expect(checkStringFormat("uri", "https://x.example/a")).toBe(true);
    expect(checkStringFormat("duration", "1h30m")).toBe(true);
    expect(checkStringFormat("email", "a@b.c")).toBe(true);
    expect(checkStringFormat("hostname", "a.example.com")).toBe(true);
    expect(checkStringFormat("mac", "00:11:22:33:44:55")).toBe(true);
    expect(checkStringFormat("whatever", "x")).toBe(true);
  });
});

describe("applySchemaDefaults", () => {
  it("fills absent fields recursively without mutating the input", () => {
    const input = obj({ size: "small", env: [{ name: "A" }, { name: "B", value: "b" }] });
    const out = applySchemaDefaults(widget, input);
    expect(out.spec).toEqual({
      size: "small",
      replicas: 1,
      env: [
        { name: "A", value: "v" },
        { name: "B", value: "b" },
      ],
      nested: { deep: "d" },
    });
    expect(input.spec).toEqual({ size: "small", env: [{ name: "A" }, { name: "B", value: "b" }] });
  });

  it("defaults non-nullable nulls and drops those without default", () => {
    const out = applySchemaDefaults(widget, obj({ size: "small", replicas: null, name: null, opt: null }));
    expect(out.spec).toEqual({ size: "small", replicas: 1, opt: null, nested: { deep: "d" } });
  });

  it("does not default absent parents", () => {
    const s: JSONSchemaProps = {
      type: "object",
      properties: { a: { type: "object", properties: { b: { type: "string", default: "x" } } } },
    };
    expect(applySchemaDefaults(s, {})).toEqual({});
    expect(applySchemaDefaults(s, { a: {} })).toEqual({ a: { b: "x" } });
  });

  it("defaults additionalProperties values", () => {
    const s: JSONSchemaProps = {
      type: "object",
      additionalProperties: { type: "object", properties: { v: { type: "integer", default: 7 } } },
    };
    expect(applySchemaDefaults(s, { a: {}, b: { v: 1 } })).toEqual({ a: { v: 7 }, b: { v: 1 } });
  });
});

describe("pruneUnknownFields", () => {
  it("drops unknown fields, keeps root meta and preserved subtrees", () => {
    const input = {
      ...obj({
        size: "small",
        foo: 1,
        env: [{ name: "a", bogus: true }],
        extra: { known: "k", any: { x: 1 } },
        template: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { x: 1 } },
      }),
      status: { phase: "Ready", junk: 1 },
      top: "level",
    };
    const { object, prunedPaths } = pruneUnknownFields(widget, input);
    expect(prunedPaths).toEqual(["spec.env[0].bogus", "spec.foo", "status.junk", "top"]);
    expect(object).toEqual({
      apiVersion: "demo.example.com/v1",
      kind: "Widget",
      metadata: { name: "w1" },
      spec: {
        size: "small",
        env: [{ name: "a" }],
        extra: { known: "k", any: { x: 1 } },
        template: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { x: 1 } },
      },
      status: { phase: "Ready" },
    });
    expect(input.spec.foo).toBe(1);
  });

  it("prunes unknown metadata fields", () => {
    const { prunedPaths } = pruneUnknownFields(widget, { ...obj({ size: "s" }), metadata: { name: "x", bad: 1 } });
    expect(prunedPaths).toEqual(["metadata.bad"]);
  });

  it("formats warnings and strict errors", () => {
    expect(unknownFieldWarning("spec.foo")).toBe('unknown field "spec.foo"');
    expect(strictUnknownFieldsMessage("Widget", "v1", ["spec.foo", "spec.bar"])).toBe(
      'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"',
    );
  });
});

describe("checkStructuralSchema", () => {
  const base = "spec.versions[0].schema.openAPIV3Schema";
  it("accepts the widget schema", () => {
    expect(checkStructuralSchema(widget)).toEqual([]);
  });

  it("rejects missing types, typed junctors and properties+additionalProperties", () => {
    const errs = checkStructuralSchema({
      type: "object",
      properties: {
        spec: {
          type: "object",
          properties: { a: {}, b: { type: "string" } },
          additionalProperties: { type: "string" },
          oneOf: [{ type: "object", properties: { a: { type: "string" } } }, { properties: { zzz: {} } }],
        },
      },
    });
    expect(errs).toContain(
      `${base}.properties[spec].properties[a].type: Required value: must not be empty for specified object fields`,
    );
    expect(errs).toContain(`${base}.properties[spec].oneOf[0].type: Forbidden: must be empty to be structural`);
    expect(errs).toContain(
      `${base}.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
    );
    expect(errs.some((e) => e.includes("oneOf[1].properties[zzz]"))).toBe(true);
  });

  it("rejects bad roots, arrays without items, $ref, uniqueItems, int-or-string with type, bad list maps", () => {
    expect(checkStructuralSchema({ type: "string" })).toEqual([
      `${base}.type: Invalid value: "string": must be object at the root`,
    ]);
    expect(checkStructuralSchema({})).toEqual([`${base}.type: Required value: must not be empty at the root`]);
    const errs = checkStructuralSchema({
      type: "object",
      properties: {
        arr: { type: "array" },
        ref: { type: "object", $ref: "#/definitions/x" },
        uniq: { type: "array", items: { type: "string" }, uniqueItems: true },
        ios: { type: "string", "x-kubernetes-int-or-string": true },
        lm: { type: "array", "x-kubernetes-list-type": "map", items: { type: "object" } },
        lm2: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["k"],
          items: { type: "object", properties: { k: { type: "string" } } },
        },
        pat: { type: "string", pattern: "([a-z" },
        def: { type: "integer", default: "nope" },
        weird: { type: "date" },
        any: { "x-kubernetes-preserve-unknown-fields": true },
      },
    });
    expect(errs).toContain(`${base}.properties[arr].items: Required value: must be specified`);
    expect(errs).toContain(`${base}.properties[ref].$ref: Forbidden: $ref is not supported`);
    expect(errs.some((e) => e.startsWith(`${base}.properties[uniq].uniqueItems: Forbidden`))).toBe(true);
    expect(errs).toContain(
      `${base}.properties[ios].type: Invalid value: "string": must be empty if x-kubernetes-int-or-string is true`,
    );
    expect(errs).toContain(
      `${base}.properties[lm].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
    );
    expect(errs.some((e) => e.startsWith(`${base}.properties[lm2].items.properties[k]: Invalid value`))).toBe(true);
    expect(errs.some((e) => e.startsWith(`${base}.properties[pat].pattern: Invalid value`))).toBe(true);
    expect(errs).toContain(
      `${base}.properties[def].default: Invalid value: "string": properties[def].default in body must be of type integer: "string"`.replace(
        "properties[def].default in body",
        `${base}.properties[def].default in body`,
      ),
    );
    expect(errs.some((e) => e.startsWith(`${base}.properties[weird].type: Unsupported value`))).toBe(true);
    expect(errs.some((e) => e.includes("properties[any]"))).toBe(false);
  });

  it("words junctor, root and embedded problems like apiextensions, sorted", () => {
    const errs = checkStructuralSchema({
      type: "object",
      additionalProperties: { type: "string" },
      properties: {
        kind: { type: "integer" },
        emb: { "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
        ios: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
        nul: { type: "null" },
        apfalse: { type: "object", additionalProperties: false },
        j: {
          type: "object",
          properties: { a: { type: "string" } },
          allOf: [{ description: "d", default: {}, nullable: true, properties: { metadata: {} } }],
        },
      },
    });
    expect(errs).toEqual([...errs].sort());
    expect(errs).toContain(`${base}.additionalProperties: Forbidden: must not be used at the root`);
    expect(errs).toContain(`${base}.properties[kind].type: Invalid value: "integer": must be string`);
    expect(errs).toContain(
      `${base}.properties[emb].type: Required value: must be object if x-kubernetes-embedded-resource is true`,
    );
    expect(errs.some((e) => e.includes("properties[ios]"))).toBe(false);
    expect(errs).toContain(`${base}.properties[nul].type: Forbidden: type cannot be set to null`);
    expect(errs).toContain(
      `${base}.properties[apfalse].additionalProperties: Forbidden: additionalProperties cannot be set to false`,
    );
    expect(errs).toContain(`${base}.properties[j].allOf[0].description: Forbidden: must be empty to be structural`);
    expect(errs).toContain(`${base}.properties[j].allOf[0].default: Forbidden: must be undefined to be structural`);
    expect(errs).toContain(`${base}.properties[j].allOf[0].nullable: Forbidden: must be false to be structural`);
    expect(errs).toContain(
      `${base}.properties[j].allOf[0].properties[metadata]: Forbidden: must not be specified in a nested context`,
    );
    expect(errs).toContain(
      `${base}.properties[j].properties[metadata]: Required value: because it is defined in ${base}.properties[j].allOf[0].properties[metadata]`,
    );
  });

  it("rejects metadata schemas other than name/generateName", () => {
    expect(
      checkStructuralSchema({
        type: "object",
        properties: { metadata: { type: "object", properties: { labels: { type: "object" } } } },
      }),
    ).toEqual([
      `${base}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    ]);
  });
});
