import { describe, expect, it } from "vitest";
import { isClusterSimError } from "../../src/errors/index.ts";
import {
  exactNameFromFieldSelector,
  formatLabelSelector,
  labelSelectorFromObject,
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  unsupportedFieldSelectorMessage,
} from "../../src/semantics/index.ts";

function errorOf(fn: () => unknown): { code: string; message: string; http: number } {
  try {
    fn();
  } catch (e) {
    if (isClusterSimError(e)) return { code: e.code, message: e.message, http: e.httpCode };
    throw e;
  }
  throw new Error("expected an error");
}

describe("parseLabelSelector", () => {
  it("parses every operator", () => {
    const sel = parseLabelSelector("app=web,tier==fe,env!=prod,k in (a, b),x notin (c),has,!gone,n>3,m<10");
    expect(sel.requirements).toEqual([
      { key: "app", operator: "=", values: ["web"] },
      { key: "tier", operator: "==", values: ["fe"] },
      { key: "env", operator: "!=", values: ["prod"] },
      { key: "k", operator: "in", values: ["a", "b"] },
      { key: "x", operator: "notin", values: ["c"] },
      { key: "has", operator: "exists", values: [] },
      { key: "gone", operator: "!", values: [] },
      { key: "n", operator: "gt", values: ["3"] },
      { key: "m", operator: "lt", values: ["10"] },
    ]);
  });

  it("accepts the empty selector and empty values", () => {
    expect(parseLabelSelector("").requirements).toEqual([]);
    expect(parseLabelSelector("  ").requirements).toEqual([]);
    expect(parseLabelSelector("a=").requirements).toEqual([{ key: "a", operator: "=", values: [""] }]);
    expect(parseLabelSelector("a in ()").requirements).toEqual([{ key: "a", operator: "in", values: [""] }]);
    expect(parseLabelSelector("x in (foo,,baz),y,z notin ()").requirements).toEqual([
      { key: "x", operator: "in", values: ["foo", "", "baz"] },
      { key: "y", operator: "exists", values: [] },
      { key: "z", operator: "notin", values: [""] },
    ]);
    expect(parseLabelSelector("a=in,in").requirements).toEqual([
      { key: "a", operator: "=", values: ["in"] },
      { key: "in", operator: "exists", values: [] },
    ]);
    expect(() => parseLabelSelector("a in (=)")).toThrow("found '=', expected: ',', ')' or identifier");
    expect(() => parseLabelSelector("a in (b c)")).toThrow("found 'c', expected: ',' or ')'");
  });

  it("accepts prefixed keys", () => {
    const sel = parseLabelSelector("kaito.sh/workspace=ws1,app.kubernetes.io/name");
    expect(matchesLabelSelector(sel, { "kaito.sh/workspace": "ws1", "app.kubernetes.io/name": "x" })).toBe(true);
  });

  it("matches like the real server", () => {
    const labels = { app: "web", tier: "fe", n: "5" };
    const m = (s: string) => matchesLabelSelector(parseLabelSelector(s), labels);
    expect(m("app=web")).toBe(true);
    expect(m("app==web,tier=fe")).toBe(true);
    expect(m("app=db")).toBe(false);
    expect(m("app!=db")).toBe(true);
    expect(m("missing!=x")).toBe(true);
    expect(m("app in (db,web)")).toBe(true);
    expect(m("app notin (db,web)")).toBe(false);
    expect(m("missing notin (a)")).toBe(true);
    expect(m("missing in (a)")).toBe(false);
    expect(m("app")).toBe(true);
    expect(m("!app")).toBe(false);
    expect(m("!missing")).toBe(true);
    expect(m("n>4,n<6")).toBe(true);
    expect(m("n>5")).toBe(false);
    expect(m("app>1")).toBe(false);
    expect(matchesLabelSelector(parseLabelSelector(""), undefined)).toBe(true);
    expect(matchesLabelSelector(parseLabelSelector("a"), undefined)).toBe(false);
  });

  it("rejects malformed selectors with apimachinery wording and 400", () => {
    expect(errorOf(() => parseLabelSelector("a in (b"))).toMatchObject({
      code: "BAD_REQUEST",
      http: 400,
      message: "unable to parse requirement: found '', expected: ',' or ')'",
    });
    expect(errorOf(() => parseLabelSelector("a in b")).message).toBe(
      "unable to parse requirement: found 'b' expected: '('",
    );
    expect(errorOf(() => parseLabelSelector("a b")).message).toBe(
      "unable to parse requirement: found 'b', expected: '=', '!=', '==', 'in', notin'",
    );
    expect(errorOf(() => parseLabelSelector("a=b c")).message).toBe("found 'c', expected: ',' or 'end of string'");
    expect(errorOf(() => parseLabelSelector(",a")).message).toBe(
      "found ',', expected: !, identifier, or 'end of string'",
    );
    expect(errorOf(() => parseLabelSelector("a=b,")).message).toBe("found '', expected: identifier after ','");
    expect(errorOf(() => parseLabelSelector("a=(")).message).toBe(
      "unable to parse requirement: found '(', expected: identifier",
    );
    expect(errorOf(() => parseLabelSelector("-a=b")).message).toMatch(
      /^unable to parse requirement: key: Invalid value: "-a": name part must consist of alphanumeric/,
    );
    expect(errorOf(() => parseLabelSelector("a=-b-")).message).toMatch(
      /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-b-": a valid label must be an empty string/,
    );
    expect(errorOf(() => parseLabelSelector("a>x")).message).toContain("the value must be an integer");
    expect(errorOf(() => parseLabelSelector(`a=${"x".repeat(64)}`)).message).toContain(
      "must be no more than 63 characters",
    );
    expect(errorOf(() => parseLabelSelector("Bad_Prefix/x=1")).message).toContain("prefix part");
  });

  it("formats canonically", () => {
    expect(formatLabelSelector(parseLabelSelector("z=1,a in (c,b),!q,e"))).toBe("a in (b,c),e,!q,z=1");
  });
});

describe("labelSelectorFromObject", () => {
  it("converts matchLabels and matchExpressions", () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["fe", "be"] },
        { key: "legacy", operator: "DoesNotExist" },
        { key: "env", operator: "NotIn", values: ["prod"] },
        { key: "team", operator: "Exists" },
      ],
    });
    expect(matchesLabelSelector(sel, { app: "web", tier: "fe", team: "a" })).toBe(true);
    expect(matchesLabelSelector(sel, { app: "web", tier: "fe", team: "a", legacy: "1" })).toBe(false);
    expect(matchesLabelSelector(sel, { app: "web", tier: "fe", team: "a", env: "prod" })).toBe(false);
    expect(matchesLabelSelector(sel, { app: "web", tier: "fe" })).toBe(false);
  });

  it("null selects nothing and {} selects everything", () => {
    expect(matchesLabelSelector(labelSelectorFromObject(null), {})).toBe(false);
    expect(matchesLabelSelector(labelSelectorFromObject(undefined), { a: "b" })).toBe(false);
    expect(matchesLabelSelector(labelSelectorFromObject({}), { a: "b" })).toBe(true);
  });

  it("rejects bad operators and values", () => {
    expect(
      errorOf(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Equals" }] })).message,
    ).toBe('"Equals" is not a valid label selector operator');
    expect(
      errorOf(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "In", values: [] }] })).message,
    ).toContain("values set can't be empty");
    expect(
      errorOf(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }))
        .message,
    ).toContain("values set must be empty");
    expect(errorOf(() => labelSelectorFromObject({ matchLabels: { a: "b c" } })).code).toBe("BAD_REQUEST");
  });
});

describe("field selectors", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p1", namespace: "default" },
    spec: { nodeName: "n1", restartPolicy: "Always" },
    status: { phase: "Running", podIP: "10.0.0.1" },
  };

  it("parses =, == and != with escapes", () => {
    expect(parseFieldSelector("metadata.name=a,status.phase!=Failed,spec.nodeName==n1").requirements).toEqual([
      { field: "metadata.name", operator: "=", value: "a" },
      { field: "status.phase", operator: "!=", value: "Failed" },
      { field: "spec.nodeName", operator: "=", value: "n1" },
    ]);
    expect(parseFieldSelector("metadata.name=a\\,b").requirements[0]?.value).toBe("a,b");
    expect(parseFieldSelector("").requirements).toEqual([]);
  });

  it("rejects terms without operator and bad escapes", () => {
    expect(errorOf(() => parseFieldSelector("metadata.name"))).toMatchObject({
      code: "BAD_REQUEST",
      message: "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
    });
    expect(errorOf(() => parseFieldSelector("a=b\\x")).message).toBe(
      "invalid field selector: invalid escape sequence: \\x",
    );
    expect(errorOf(() => parseFieldSelector("a=b=c")).message).toBe(
      "invalid field selector: unescaped character in value: 61",
    );
    expect(parseFieldSelector("a=b!c\\=d").requirements).toEqual([{ field: "a", operator: "=", value: "b!c=d" }]);
    expect(errorOf(() => parseFieldSelector("a=b!=c")).message).toBe(
      "invalid field selector: unescaped character in value: 61",
    );
  });

  it("matches pods, nodes, events and jobs", () => {
    const m = (s: string, o: unknown) => matchesFieldSelector(parseFieldSelector(s), o);
    expect(m("metadata.name=p1,metadata.namespace=default", pod)).toBe(true);
    expect(m("spec.nodeName=n1,status.phase=Running", pod)).toBe(true);
    expect(m("spec.nodeName=", pod)).toBe(false);
    expect(m("spec.nodeName=", { ...pod, spec: {} })).toBe(true);
    expect(m("status.phase!=Running", pod)).toBe(false);
    expect(m("status.podIP=10.0.0.1", pod)).toBe(true);
    expect(m("spec.unschedulable=false", { kind: "Node", metadata: { name: "n" }, spec: {} })).toBe(true);
    expect(m("spec.unschedulable=true", { kind: "Node", metadata: { name: "n" }, spec: { unschedulable: true } })).toBe(
      true,
    );
    const ev = {
      kind: "Event",
      metadata: { name: "e", namespace: "default" },
      involvedObject: { kind: "Widget", name: "w1", namespace: "default", uid: "u1" },
      reason: "Created",
      source: { component: "kaito" },
      type: "Normal",
    };
    expect(
      m("involvedObject.uid=u1,involvedObject.name=w1,involvedObject.kind=Widget,involvedObject.namespace=default", ev),
    ).toBe(true);
    expect(m("source=kaito,type=Normal,reason=Created", ev)).toBe(true);
    expect(m("status.successful=0", { kind: "Job", metadata: {}, status: {} })).toBe(true);
    expect(m("status.successful=2", { kind: "Job", metadata: {}, status: { succeeded: 2 } })).toBe(true);
    expect(m("type=Opaque", { kind: "Secret", metadata: {}, type: "Opaque" })).toBe(true);
  });

  it("reports unsupported fields like the real server", () => {
    const sel = parseFieldSelector("spec.foo=x");
    expect(unsupportedFieldSelectorMessage({ group: "", kind: "Pod" }, sel)).toBe(
      "field label not supported: spec.foo",
    );
    expect(unsupportedFieldSelectorMessage({ group: "kaito.sh", kind: "Workspace" }, sel)).toBe(
      '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
    expect(
      unsupportedFieldSelectorMessage({ group: "kaito.sh", kind: "Workspace" }, sel, [".spec.foo"]),
    ).toBeUndefined();
    expect(
      unsupportedFieldSelectorMessage({ group: "", kind: "Pod" }, parseFieldSelector("spec.nodeName=a")),
    ).toBeUndefined();
    expect(
      unsupportedFieldSelectorMessage({ group: "", kind: "Event" }, parseFieldSelector("involvedObject.uid=a")),
    ).toBeUndefined();
    expect(
      unsupportedFieldSelectorMessage({ group: "apps", kind: "Deployment" }, parseFieldSelector("status.replicas=1")),
    ).toBe("field label not supported: status.replicas");
  });

  it("extracts exact names", () => {
    expect(exactNameFromFieldSelector(parseFieldSelector("metadata.name=a,metadata.namespace=b"))).toEqual({
      name: "a",
      namespace: "b",
    });
    expect(exactNameFromFieldSelector(parseFieldSelector("metadata.name!=a"))).toEqual({});
  });
});
