/**
 * The simulation's lookups that keep its per-event work independent of the cluster's size: the cache's indexes
 * (namespace, `spec.nodeName`, controller uid, labels), the Services selecting a pod, and the node labels a pod's
 * scheduling constraints demand. Each index answer is checked against a full scan of the same objects (same objects,
 * same order), and its work (objects visited) is checked not to grow with the number of objects.
 */
import { describe, expect, it } from "vitest";
import { type CacheReadStats, ObjectCache } from "../../src/sim/api/object-cache.ts";
import { nodeLabelChoices } from "../../src/sim/controllers/scheduling.ts";
import { ServiceMembership } from "../../src/sim/controllers/service-membership.ts";
import { podMatchesNodeLabels } from "../../src/sim/shared/match.ts";
import { R } from "../../src/sim/shared/resources.ts";
import type { KubeObject } from "../../src/store/api.ts";

const OWNER_UID = (i: number) => `uid-sts-${i % 7}`;

/** Pod `i` of a population: 3 namespaces, every third unbound, 7 controllers, an `app` label per 5, a `tier` per 2. */
function pod(i: number, overrides: Partial<KubeObject["metadata"]> = {}): KubeObject {
  const bound = i % 3 !== 0;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `p${i}`,
      namespace: `ns${i % 3}`,
      uid: `uid-p${i}`,
      labels: { app: `a${i % 5}`, tier: i % 2 === 0 ? "web" : "db" },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "StatefulSet", name: `s${i % 7}`, uid: "uid-not-controller" },
        { apiVersion: "apps/v1", kind: "StatefulSet", name: `s${i % 7}`, uid: OWNER_UID(i), controller: true },
      ],
      ...overrides,
    },
    spec: bound ? { nodeName: `n${i % 4}` } : {},
  };
}

function populated(n: number): ObjectCache {
  const cache = new ObjectCache([R.pods]);
  for (let i = 0; i < n; i++) cache.apply("ADDED", R.pods, pod(i));
  return cache;
}

const nodeNameOf = (o: KubeObject) => (o.spec as { nodeName?: string } | undefined)?.nodeName ?? "";
const controllerUid = (o: KubeObject) => o.metadata.ownerReferences?.find((r) => r.controller === true)?.uid;
const selects = (sel: Record<string, string>, o: KubeObject) =>
  Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => o.metadata.labels?.[k] === v);

/** The read kinds of the cache; the table below must have a row for each (a compile error otherwise). */
type ReadKind =
  | "namespace"
  | "node"
  | "unbound"
  | "node in namespace"
  | "controller"
  | "controller in namespace"
  | "one label"
  | "two labels"
  | "labels in namespace"
  | "absent label"
  | "empty selector";

const reads: Record<ReadKind, { read: (c: ObjectCache) => KubeObject[]; scan: (o: KubeObject) => boolean }> = {
  namespace: {
    read: (c) => c.list(R.pods, { namespace: "ns1" }),
    scan: (o) => o.metadata.namespace === "ns1",
  },
  node: {
    read: (c) => c.list(R.pods, { fieldSelector: "spec.nodeName=n2" }),
    scan: (o) => nodeNameOf(o) === "n2",
  },
  unbound: {
    read: (c) => c.list(R.pods, { fieldSelector: "spec.nodeName=" }),
    scan: (o) => nodeNameOf(o) === "",
  },
  "node in namespace": {
    read: (c) => c.list(R.pods, { namespace: "ns2", fieldSelector: "spec.nodeName=n1" }),
    scan: (o) => o.metadata.namespace === "ns2" && nodeNameOf(o) === "n1",
  },
  controller: {
    read: (c) => c.listControlledBy(R.pods, undefined, OWNER_UID(3)),
    scan: (o) => controllerUid(o) === OWNER_UID(3),
  },
  "controller in namespace": {
    read: (c) => c.listControlledBy(R.pods, "ns0", OWNER_UID(3)),
    scan: (o) => o.metadata.namespace === "ns0" && controllerUid(o) === OWNER_UID(3),
  },
  "one label": {
    read: (c) => c.listSelected(R.pods, undefined, { app: "a4" }),
    scan: (o) => selects({ app: "a4" }, o),
  },
  "two labels": {
    read: (c) => c.listSelected(R.pods, undefined, { tier: "web", app: "a1" }),
    scan: (o) => selects({ tier: "web", app: "a1" }, o),
  },
  "labels in namespace": {
    read: (c) => c.listSelected(R.pods, "ns1", { app: "a2" }),
    scan: (o) => o.metadata.namespace === "ns1" && selects({ app: "a2" }, o),
  },
  "absent label": {
    read: (c) => c.listSelected(R.pods, undefined, { app: "nope" }),
    scan: () => false,
  },
  "empty selector": {
    read: (c) => c.listSelected(R.pods, undefined, {}),
    scan: () => false,
  },
};

function visitedBy(
  cache: ObjectCache,
  read: (c: ObjectCache) => KubeObject[],
): { result: KubeObject[]; visited: number } {
  const before: CacheReadStats = cache.stats();
  const result = read(cache);
  return { result, visited: cache.stats().visited - before.visited };
}

describe("ObjectCache indexes", () => {
  it.each(Object.entries(reads))("%s: the same objects, in the same order, as a full scan", (_kind, row) => {
    const cache = populated(120);
    const { result } = visitedBy(cache, row.read);
    const expected = cache.list(R.pods).filter(row.scan);
    expect(result.map((o) => o.metadata.name)).toEqual(expected.map((o) => o.metadata.name));
  });

  it.each(Object.entries(reads))("%s: visits only its index entry, whatever the number of objects", (_kind, row) => {
    // Ten times the objects, the same share of them selected: a scan would visit ten times more. Compare what is
    // visited with what the index entry holds at both sizes.
    const small = populated(60);
    const large = populated(600);
    const a = visitedBy(small, row.read);
    const b = visitedBy(large, row.read);
    // An index read visits at most the objects of its smallest entry; the namespace/label filters run on those.
    expect(a.visited).toBeLessThanOrEqual(Math.max(a.result.length, 1) * 5);
    expect(b.visited).toBeLessThanOrEqual(Math.max(b.result.length, 1) * 5);
    expect(b.visited).toBeLessThan(600);
  });

  it("counts a full list as a visit of every object (so the counter does see scans)", () => {
    const cache = populated(50);
    const { visited } = visitedBy(cache, (c) => c.list(R.pods));
    expect(visited).toBe(50);
  });

  it("keeps the indexes right through updates, label and node changes, deletions and re-adds", () => {
    const cache = populated(30);
    // p3: unbound → bound to n9, labels changed; p4 deleted then re-added (it moves to the end, as in a Map).
    cache.apply("MODIFIED", R.pods, {
      ...pod(3),
      metadata: { ...pod(3).metadata, labels: { app: "moved" } },
      spec: { nodeName: "n9" },
    });
    cache.apply("DELETED", R.pods, pod(4));
    cache.apply("ADDED", R.pods, pod(4));
    cache.apply("DELETED", R.pods, pod(5));
    // a controller change (orphaned then adopted by another owner)
    cache.apply("MODIFIED", R.pods, pod(6, { ownerReferences: [] }));
    cache.apply(
      "MODIFIED",
      R.pods,
      pod(7, {
        ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "x", uid: "uid-x", controller: true }],
      }),
    );
    for (const row of Object.values(reads)) {
      const expected = cache.list(R.pods).filter(row.scan);
      expect(row.read(cache).map((o) => o.metadata.name)).toEqual(expected.map((o) => o.metadata.name));
    }
    expect(cache.list(R.pods, { fieldSelector: "spec.nodeName=n9" }).map((o) => o.metadata.name)).toEqual(["p3"]);
    expect(cache.listSelected(R.pods, undefined, { app: "moved" }).map((o) => o.metadata.name)).toEqual(["p3"]);
    expect(cache.listControlledBy(R.pods, undefined, "uid-x").map((o) => o.metadata.name)).toEqual(["p7"]);
    expect(cache.list(R.pods).at(-1)?.metadata.name).toBe("p4");
    expect(cache.get(R.pods, "ns2", "p5")).toBeUndefined();
    cache.replace(R.pods, [pod(1), pod(2)]);
    expect(cache.listSelected(R.pods, undefined, { app: "moved" })).toEqual([]);
    expect(cache.list(R.pods, { fieldSelector: "spec.nodeName=n1" }).map((o) => o.metadata.name)).toEqual(["p1"]);
  });

  it("refuses reads it cannot serve, saying what to use instead", () => {
    const cache = populated(3);
    expect(() => cache.list(R.pods, { labelSelector: "app=a1" })).toThrow(/use listSelected/);
    expect(() => cache.list(R.pods, { fieldSelector: "status.phase=Running" })).toThrow(/only spec\.nodeName=/);
    expect(() => cache.listSelected(R.nodes, undefined, { a: "b" })).toThrow(/does not cache \/nodes/);
  });
});

function service(name: string, selector: Record<string, string> | undefined, namespace = "default"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: selector === undefined ? { ports: [{ port: 80 }] } : { selector, ports: [{ port: 80 }] },
  };
}

function labelled(name: string, labels: Record<string, string>, namespace = "default"): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace, labels } };
}

describe("ServiceMembership: the Services a pod event concerns", () => {
  const rows: Array<{
    what: string;
    events: Array<["ADDED" | "MODIFIED" | "DELETED", KubeObject]>;
    expected: string[];
  }> = [
    {
      what: "a new pod: the Services selecting it",
      events: [["ADDED", labelled("p", { app: "a" })]],
      expected: ["default/a", "default/a-headless"],
    },
    {
      what: "labels changed: the Services selecting it before and now",
      events: [
        ["ADDED", labelled("p", { app: "a" })],
        ["MODIFIED", labelled("p", { app: "b" })],
      ],
      expected: ["default/a", "default/a-headless", "default/b"],
    },
    {
      what: "a deleted pod: the Services that selected it",
      events: [
        ["ADDED", labelled("p", { app: "b", tier: "web" })],
        ["DELETED", labelled("p", { app: "b", tier: "web" })],
      ],
      expected: ["default/b", "default/b-web"],
    },
    { what: "a selector needs all its pairs", events: [["ADDED", labelled("p", { tier: "web" })]], expected: [] },
    {
      what: "another namespace's Services are not concerned",
      events: [["ADDED", labelled("p", { app: "a" }, "other")]],
      expected: ["other/a"],
    },
    { what: "no labels: no Service", events: [["ADDED", labelled("p", {})]], expected: [] },
  ];

  const membership = (): ServiceMembership => {
    const m = new ServiceMembership();
    m.serviceChanged("ADDED", service("a", { app: "a" }));
    m.serviceChanged("ADDED", service("a-headless", { app: "a" }));
    m.serviceChanged("ADDED", service("b", { app: "b" }));
    m.serviceChanged("ADDED", service("b-web", { app: "b", tier: "web" }));
    m.serviceChanged("ADDED", service("no-selector", undefined));
    m.serviceChanged("ADDED", service("a", { app: "a" }, "other"));
    m.serviceChanged("ADDED", service("gone", { app: "a" }));
    m.serviceChanged("DELETED", service("gone", { app: "a" }));
    m.serviceChanged("ADDED", service("changed", { app: "a" }));
    m.serviceChanged("MODIFIED", service("changed", { app: "z" }));
    return m;
  };

  it.each(rows)("$what", ({ events, expected }) => {
    const m = membership();
    let last: string[] = [];
    for (const [type, p] of events) last = m.servicesForPod(type, p);
    expect(last.sort()).toEqual(expected);
  });

  it("looks only at the Services sharing a label pair with the pod, not every Service", () => {
    const m = new ServiceMembership();
    for (let i = 0; i < 1000; i++) {
      m.serviceChanged("ADDED", service(`ws${i}`, { apps: `ws${i}` }));
      m.serviceChanged("ADDED", service(`ws${i}-headless`, { apps: `ws${i}` }));
    }
    expect(
      m.servicesForPod("ADDED", labelled("ws7-0", { apps: "ws7", "apps.kubernetes.io/pod-index": "0" })).sort(),
    ).toEqual(["default/ws7", "default/ws7-headless"]);
    expect(m.visited).toBe(2);
  });
});

describe("nodeLabelChoices: the node labels a pod demands", () => {
  const nodes: Array<{ name: string; labels: Record<string, string> }> = [
    { name: "n1", labels: { apps: "ws1", zone: "a" } },
    { name: "n2", labels: { apps: "ws2", zone: "a" } },
    { name: "n3", labels: { apps: "ws3", zone: "b", gpu: "yes" } },
    { name: "n4", labels: {} },
  ];
  const affinity = (...terms: unknown[]) => ({
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } },
  });
  const rows: Array<{ what: string; spec: Record<string, unknown>; narrows: boolean }> = [
    { what: "no constraint", spec: {}, narrows: false },
    { what: "nodeSelector", spec: { nodeSelector: { zone: "a" } }, narrows: true },
    {
      what: "affinity In",
      spec: affinity({ matchExpressions: [{ key: "apps", operator: "In", values: ["ws2", "ws3"] }] }),
      narrows: true,
    },
    {
      what: "affinity In with other operators in the term",
      spec: affinity({
        matchExpressions: [
          { key: "gpu", operator: "Exists" },
          { key: "apps", operator: "In", values: ["ws3", "ws1"] },
        ],
      }),
      narrows: true,
    },
    {
      what: "a term without In",
      spec: affinity({ matchExpressions: [{ key: "gpu", operator: "Exists" }] }),
      narrows: false,
    },
    {
      what: "a term without In, with a nodeSelector",
      spec: {
        nodeSelector: { zone: "b" },
        ...affinity({ matchExpressions: [{ key: "apps", operator: "NotIn", values: ["x"] }] }),
      },
      narrows: true,
    },
    {
      what: "two terms (ORed)",
      spec: affinity(
        { matchExpressions: [{ key: "apps", operator: "In", values: ["ws1"] }] },
        { matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }] },
      ),
      narrows: true,
    },
    {
      what: "nodeSelector contradicting the affinity",
      spec: {
        nodeSelector: { apps: "ws1" },
        ...affinity({ matchExpressions: [{ key: "apps", operator: "In", values: ["ws2"] }] }),
      },
      narrows: true,
    },
    { what: "an empty term matches nothing", spec: affinity({}), narrows: true },
    {
      what: "matchFields only",
      spec: affinity({ matchFields: [{ key: "metadata.name", operator: "In", values: ["n4"] }] }),
      narrows: false,
    },
  ];

  it.each(rows)("$what: every node the pod may go to carries one choice's pairs", ({ spec, narrows }) => {
    const choices = nodeLabelChoices(spec);
    expect(choices !== undefined).toBe(narrows);
    const found = (n: { labels: Record<string, string> }) =>
      choices === undefined || choices.some((c) => Object.entries(c).every(([k, v]) => n.labels[k] === v));
    for (const n of nodes) {
      if (podMatchesNodeLabels(spec, n.name, n.labels)) expect(found(n), n.name).toBe(true);
    }
  });
});
