/**
 * Feeds the API server random and malformed requests (seeded, reproducible): every answer must be JSON with
 * `apiVersion`+`kind` (2xx) or a `Status` whose `code` is the HTTP status, never a 500, and the server stays up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../src/index.ts";
import { fixture } from "../clients/kubectl-runner.ts";

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ crds: [fixture("widget-crd.yaml")], simulation: false });
  const widgets = { group: "demo.example.com", version: "v1", resource: "widgets" };
  const meta = { name: "w1", namespace: "default", labels: { app: "demo" } };
  cluster.store.create(widgets, {
    apiVersion: "demo.example.com/v1",
    kind: "Widget",
    metadata: meta,
    spec: { size: "small" },
  });
  cluster.store.create(
    { group: "", version: "v1", resource: "configmaps" },
    { apiVersion: "v1", kind: "ConfigMap", metadata: meta },
  );
  cluster.store.create(
    { group: "apps", version: "v1", resource: "deployments" },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta,
      spec: {
        selector: { matchLabels: { app: "demo" } },
        template: { metadata: { labels: { app: "demo" } }, spec: { containers: [{ name: "c", image: "nginx:1" }] } },
      },
    },
  );
});
afterAll(async () => {
  await cluster?.stop();
});

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PREFIXES = [
  "/api/v1",
  "/api/v2",
  "/apis/apps/v1",
  "/apis/demo.example.com/v1",
  "/apis/demo.example.com/v1beta1",
  "/apis/batch/v1",
  "/apis/coordination.k8s.io/v1",
  "/apis/apiextensions.k8s.io/v1",
  "/apis/nope/v9",
  "/openapi/v3",
  "/version",
  "",
];
const SEGMENTS = [
  "namespaces",
  "default",
  "kube-system",
  "missing",
  "pods",
  "configmaps",
  "secrets",
  "deployments",
  "widgets",
  "leases",
  "customresourcedefinitions",
  "status",
  "scale",
  "proxy",
  "log",
  "w1",
  "..",
  "%2F",
  "%zz",
  "Bad_Name",
  "a".repeat(300),
  "",
  "x:80",
];
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const CONTENT_TYPES = [
  "application/json",
  "application/yaml",
  "application/merge-patch+json",
  "application/json-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
  "application/vnd.kubernetes.protobuf",
  "text/plain",
  "",
];
const QUERIES = [
  "",
  "?limit=2",
  "?limit=-1",
  "?continue=zzz",
  "?labelSelector=a%20in%20(",
  "?labelSelector=app%3Ddemo",
  "?fieldSelector=metadata.name%3Dw1",
  "?fieldSelector=spec.nope%3Dx",
  "?dryRun=All",
  "?dryRun=Maybe",
  "?fieldValidation=Strict",
  "?fieldValidation=Loose",
  "?fieldManager=fuzz&force=true",
  "?propagationPolicy=Sideways",
  "?gracePeriodSeconds=abc",
  "?resourceVersion=abc",
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function randomJson(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 3 ? 4 : 7));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() > 0.5;
    case 2:
      return Math.floor(r() * 2000) - 1000;
    case 3:
      return pick(r, ["", "w1", "v1", "Widget", "ConfigMap", "apps/v1", "\u0000", "😀"]);
    case 4:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomJson(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = [
        "apiVersion",
        "kind",
        "metadata",
        "spec",
        "status",
        "data",
        "name",
        "namespace",
        "labels",
        "op",
        "path",
        "value",
        "finalizers",
        "size",
      ];
      for (let i = Math.floor(r() * 5); i > 0; i--) o[pick(r, keys)] = randomJson(r, depth + 1);
      return o;
    }
  }
}

function randomBody(r: () => number): string | Uint8Array<ArrayBuffer> | undefined {
  switch (Math.floor(r() * 8)) {
    case 0:
      return undefined;
    case 1:
      return JSON.stringify(randomJson(r));
    case 2:
      return JSON.stringify({
        apiVersion: pick(r, ["v1", "demo.example.com/v1", "apps/v1"]),
        kind: pick(r, ["ConfigMap", "Widget", "Pod", "Deployment"]),
        metadata: randomJson(r),
        spec: randomJson(r),
      });
    case 3:
      return JSON.stringify([
        {
          op: pick(r, ["add", "remove", "replace", "move", "test", "bogus"]),
          path: pick(r, ["/spec", "/metadata/labels/x", "", "/a/b/c"]),
          value: randomJson(r),
        },
      ]);
    case 4:
      return '{"apiVersion": "v1", "kind": ';
    case 5:
      return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n";
    case 6:
      return new Uint8Array([
        0x6b,
        0x38,
        0x73,
        0x00,
        ...Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256)),
      ]);
    default:
      return new Uint8Array(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
  }
}

describe("fuzzing the HTTP API", () => {
  it("answers 1500 random requests with JSON objects or Status errors and stays up", async () => {
    const r = prng(20261128);
    const failures: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const segs = Array.from({ length: Math.floor(r() * 5) }, () => pick(r, SEGMENTS));
      const path = `${pick(r, PREFIXES)}/${segs.join("/")}${pick(r, QUERIES)}`;
      const method = pick(r, METHODS);
      const headers: Record<string, string> = {};
      const ct = pick(r, CONTENT_TYPES);
      if (ct) headers["Content-Type"] = ct;
      if (r() < 0.2) headers.Accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
      const body = method === "GET" || method === "HEAD" ? undefined : randomBody(r);
      const res = await fetch(cluster.url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      const where = `${method} ${path} [${ct}] -> ${res.status}`;
      if (res.status >= 500) {
        failures.push(`${where}: ${text.slice(0, 200)}`);
        continue;
      }
      if (method === "HEAD" || path.includes("/proxy") || res.status === 204) continue;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        failures.push(`${where}: not JSON: ${text.slice(0, 80)}`);
        continue;
      }
      if (res.status >= 400) {
        if (parsed.kind !== "Status" || parsed.code !== res.status)
          failures.push(`${where}: not a Status: ${text.slice(0, 120)}`);
      } else if (!path.startsWith("/version") && !path.startsWith("/openapi") && typeof parsed.kind !== "string") {
        failures.push(`${where}: 2xx without kind`);
      }
    }
    expect(failures).toEqual([]);
    const alive = await fetch(`${cluster.url}/version`);
    expect(alive.status).toBe(200);
    // 1,500 requests one after another take ~5 s alone and several times that on a loaded, shared machine.
  }, 180_000);
});
