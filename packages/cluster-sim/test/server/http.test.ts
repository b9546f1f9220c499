/** The HTTP API: discovery, OpenAPI, lists, watches, errors, protobuf bodies, proxy, webhooks, faults. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../src/index.ts";
import { fixture, kubectlFor } from "../clients/kubectl-runner.ts";

let cluster: Cluster;
let backend: Server;
let backendPort = 0;
const webhookCalls: Record<string, unknown>[] = [];

const JSON_HEADERS = { "Content-Type": "application/json" };

async function call(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers; text: string }> {
  const r = await fetch(cluster.url + path, init);
  const text = await r.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = {};
  }
  return { status: r.status, body, headers: r.headers, text };
}

/** Reads watch lines until `count` arrived or the stream ends. */
async function watchLines(
  path: string,
  count: number,
  init: RequestInit = {},
  onOpen?: () => void,
): Promise<Record<string, unknown>[]> {
  const controller = new AbortController();
  const r = await fetch(cluster.url + path, { ...init, signal: controller.signal });
  expect(r.status).toBe(200);
  onOpen?.();
  const reader = r.body?.getReader();
  const lines: Record<string, unknown>[] = [];
  let buf = "";
  const decoder = new TextDecoder();
  while (reader && lines.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let nl = buf.indexOf("\n");
    while (nl >= 0) {
      lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      buf = buf.slice(nl + 1);
      nl = buf.indexOf("\n");
    }
  }
  controller.abort();
  return lines;
}

function post(path: string, body: unknown): Promise<ReturnType<typeof call> extends Promise<infer T> ? T : never> {
  return call(path, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify(body) });
}

beforeAll(async () => {
  cluster = await startCluster({ crds: [fixture("widget-crd.yaml")], bookmarkIntervalMs: 100, simulation: false });
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url?.startsWith("/validate") || req.url?.startsWith("/mutate")) {
        const review = JSON.parse(Buffer.concat(chunks).toString()) as { request: Record<string, unknown> };
        webhookCalls.push(review.request);
        const obj = review.request.object as { metadata: { name: string } } | null;
        const response: Record<string, unknown> = { uid: review.request.uid, allowed: true };
        if (req.url.startsWith("/validate") && obj?.metadata.name === "rejected")
          Object.assign(response, { allowed: false, status: { code: 403, message: "name not allowed" } });
        if (req.url.startsWith("/mutate")) {
          response.patchType = "JSONPatch";
          response.patch = Buffer.from(
            JSON.stringify([{ op: "add", path: "/metadata/labels", value: { mutated: "true" } }]),
          ).toString("base64");
        }
        res.writeHead(200, JSON_HEADERS);
        res.end(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response }));
        return;
      }
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end(`backend ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((r) => backend.listen(0, "127.0.0.1", () => r()));
  backendPort = (backend.address() as AddressInfo).port;
});

afterAll(async () => {
  await cluster?.stop();
  await new Promise((r) => backend?.close(r));
});

describe("discovery", () => {
  it("serves aggregated discovery only when asked, with the exact content type", async () => {
    const v2 = await call("/apis", {
      headers: {
        Accept:
          "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json",
      },
    });
    expect(v2.headers.get("content-type")).toBe("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    const items = v2.body.items as {
      metadata: { name: string };
      versions: { version: string; resources: Record<string, unknown>[] }[];
    }[];
    const demo = items.find((i) => i.metadata.name === "demo.example.com");
    expect(demo?.versions.map((v) => v.version)).toEqual(["v1", "v1beta1"]);
    expect(demo?.versions[0]?.resources[0]).toMatchObject({
      resource: "widgets",
      responseKind: { group: "demo.example.com", version: "v1", kind: "Widget" },
      scope: "Namespaced",
      shortNames: ["wg"],
    });
    const beta = await call("/api", {
      headers: { Accept: "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList" },
    });
    expect(beta.headers.get("content-type")).toBe(
      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
    );
    const legacy = await call("/api");
    expect(legacy.body).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
  });

  it("lists resources of a group-version with subresources", async () => {
    const r = await call("/apis/demo.example.com/v1");
    const names = (r.body.resources as { name: string }[]).map((x) => x.name);
    expect(names).toEqual(["widgets", "widgets/status", "widgets/scale"]);
    expect((await call("/apis/nope.example.com/v1")).status).toBe(404);
  });

  it("OpenAPI v3 has the PATCH operation with fieldValidation for every kind", async () => {
    const index = await call("/openapi/v3");
    const url = (index.body.paths as Record<string, { serverRelativeURL: string }>)["apis/demo.example.com/v1"]
      ?.serverRelativeURL;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/demo.example.com\/v1\?hash=/);
    const doc = await call(url ?? "");
    const item = (doc.body.paths as Record<string, Record<string, Record<string, unknown>>>)[
      "/apis/demo.example.com/v1/namespaces/{namespace}/widgets/{name}"
    ];
    expect(item?.patch?.["x-kubernetes-group-version-kind"]).toEqual({
      group: "demo.example.com",
      version: "v1",
      kind: "Widget",
    });
    const params = (item?.patch?.parameters ?? []) as { name: string }[];
    expect(params.map((p) => p.name)).toContain("fieldValidation");
    expect((await call("/openapi/v2")).status).toBe(404);
  });
});

describe("lists and watches", () => {
  it("paginates with limit and continue", async () => {
    for (let i = 0; i < 5; i++)
      await post("/api/v1/namespaces/default/configmaps", { metadata: { name: `page-${i}`, labels: { page: "yes" } } });
    const first = await call("/api/v1/namespaces/default/configmaps?labelSelector=page%3Dyes&limit=2");
    expect((first.body.items as unknown[]).length).toBe(2);
    const meta = first.body.metadata as { continue: string; remainingItemCount: number };
    expect(meta.remainingItemCount).toBe(3);
    const second = await call(
      `/api/v1/namespaces/default/configmaps?labelSelector=page%3Dyes&limit=10&continue=${meta.continue}`,
    );
    expect((second.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual([
      "page-2",
      "page-3",
      "page-4",
    ]);
    expect((await call("/api/v1/namespaces/default/configmaps?continue=garbage")).status).toBe(400);
    expect((await call("/api/v1/configmaps?fieldSelector=spec.foo%3Dx")).body).toMatchObject({
      code: 400,
      message: "field label not supported: spec.foo",
    });
  });

  it("watch from 0 sends synthetic ADDED; from a resourceVersion only newer events; bookmarks when allowed", async () => {
    const list = await call("/api/v1/namespaces/default/configmaps?labelSelector=page%3Dyes");
    const rv = (list.body.metadata as { resourceVersion: string }).resourceVersion;
    const initial = await watchLines(
      "/api/v1/namespaces/default/configmaps?watch=true&labelSelector=page%3Dyes&resourceVersion=0",
      5,
    );
    expect(initial.map((l) => l.type)).toEqual(["ADDED", "ADDED", "ADDED", "ADDED", "ADDED"]);
    const live = await watchLines(
      `/api/v1/namespaces/default/configmaps?watch=true&labelSelector=page%3Dyes&resourceVersion=${rv}&allowWatchBookmarks=true`,
      3,
      {},
      () => {
        void call("/api/v1/namespaces/default/configmaps/page-0", {
          method: "PATCH",
          headers: { "Content-Type": "application/merge-patch+json" },
          body: JSON.stringify({ metadata: { labels: { page: "no" } } }),
        });
      },
    );
    const types = live.map((l) => l.type);
    expect(types).toContain("DELETED");
    expect(types).toContain("BOOKMARK");
    const bookmark = live.find((l) => l.type === "BOOKMARK")?.object as Record<string, unknown>;
    expect(bookmark).toMatchObject({ kind: "ConfigMap", apiVersion: "v1" });
  });

  it("timeoutSeconds ends the stream; an expired resourceVersion is an in-stream 410", async () => {
    const ended = await watchLines(
      "/api/v1/namespaces/default/secrets?watch=true&resourceVersion=0&timeoutSeconds=1",
      100,
    );
    expect(ended).toEqual([]);
    cluster.faults.compact("configmaps");
    const expired = await watchLines("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1", 5);
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } });
  });

  it("a watch on an item path follows that object only", async () => {
    const lines = await watchLines("/api/v1/namespaces/default/configmaps/page-3?watch=true&resourceVersion=0", 1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ type: "ADDED", object: { metadata: { name: "page-3" } } });
  });

  it("deleting a CRD ends the watches on its kind", async () => {
    const crd = structuredClone(fixture("widget-crd.yaml"));
    crd.metadata.name = "gadgets.demo.example.com";
    const spec = crd.spec as { names: Record<string, unknown> };
    spec.names = { kind: "Gadget", listKind: "GadgetList", plural: "gadgets", singular: "gadget" };
    expect((await post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).status).toBe(201);
    const lines = await watchLines("/apis/demo.example.com/v1/namespaces/default/gadgets?watch=true", 10, {}, () => {
      void call("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.demo.example.com", {
        method: "DELETE",
      });
    });
    expect(lines).toEqual([]);
    expect((await call("/apis/demo.example.com/v1/namespaces/default/gadgets")).status).toBe(404);
  });

  it("Table watch events are one-row tables", async () => {
    const lines = await watchLines(
      "/apis/demo.example.com/v1/namespaces/default/widgets?watch=true",
      1,
      {
        headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" },
      },
      () => {
        void post("/apis/demo.example.com/v1/namespaces/default/widgets", {
          apiVersion: "demo.example.com/v1",
          kind: "Widget",
          metadata: { name: "tw" },
          spec: { size: "small" },
        });
      },
    );
    const table = lines[0]?.object as {
      kind: string;
      rows: { cells: unknown[] }[];
      columnDefinitions: { name: string }[];
    };
    expect(table.kind).toBe("Table");
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Size", "Replicas", "Age"]);
    expect(table.rows[0]?.cells.slice(0, 3)).toEqual(["tw", "small", 1]);
  });
});

describe("bad input answers with Status objects", () => {
  it("unknown paths, unknown kinds, bad JSON, wrong methods, wrong patch types", async () => {
    expect((await call("/nope")).body).toMatchObject({ kind: "Status", code: 404, reason: "NotFound" });
    expect((await call("/apis/apps/v1/namespaces/default/frobnicators")).status).toBe(404);
    const badJson = await call("/api/v1/namespaces/default/configmaps", {
      method: "POST",
      headers: JSON_HEADERS,
      body: "{nope",
    });
    expect(badJson.body).toMatchObject({ kind: "Status", code: 400, reason: "BadRequest" });
    expect(
      (await call("/api/v1/namespaces/default/configmaps/x", { method: "POST", headers: JSON_HEADERS, body: "{}" }))
        .status,
    ).toBe(405);
    const patch415 = await call("/api/v1/namespaces/default/configmaps/page-1", {
      method: "PATCH",
      headers: { "Content-Type": "text/plain" },
      body: "x",
    });
    expect(patch415.body).toMatchObject({ code: 415, reason: "UnsupportedMediaType" });
    const notArray = await call("/api/v1/namespaces/default/configmaps/page-1", {
      method: "PATCH",
      headers: { "Content-Type": "application/json-patch+json" },
      body: "{}",
    });
    expect(notArray.body).toMatchObject({ code: 400, reason: "BadRequest" });
    const ssaNoManager = await call("/api/v1/namespaces/default/configmaps/page-1", {
      method: "PATCH",
      headers: { "Content-Type": "application/apply-patch+yaml" },
      body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: page-1\n",
    });
    expect(ssaNoManager.body).toMatchObject({
      code: 422,
      message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    });
  });

  it("fieldValidation: Strict rejects unknown fields, Warn sends Warning headers", async () => {
    const body = {
      apiVersion: "demo.example.com/v1",
      kind: "Widget",
      metadata: { name: "fv" },
      spec: { size: "small", bogus: 1 },
    };
    const strict = await call("/apis/demo.example.com/v1/namespaces/default/widgets?fieldValidation=Strict", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
    });
    expect(strict.body).toMatchObject({
      code: 400,
      message:
        'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus"',
    });
    const warn = await post("/apis/demo.example.com/v1/namespaces/default/widgets", body);
    expect(warn.status).toBe(201);
    expect(warn.headers.get("warning")).toBe('299 - "unknown field \\"spec.bogus\\""');
  });

  it("unknown top-level fields of built-in kinds follow fieldValidation too", async () => {
    const body = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "typo", lables: { a: "b" } },
      dta: { k: "v" },
    };
    const strict = await call("/api/v1/namespaces/default/configmaps?fieldValidation=Strict", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
    });
    expect(strict.body).toMatchObject({
      code: 400,
      message:
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "dta", unknown field "metadata.lables"',
    });
    const warn = await post("/api/v1/namespaces/default/configmaps", body);
    expect(warn.status).toBe(201);
    expect(warn.body).not.toHaveProperty("dta");
    expect(warn.headers.get("warning")).toContain('unknown field \\"dta\\"');
  });

  it("a CRD with a bad printer column is a 422 Invalid Status naming the column", async () => {
    const crd = (columns: unknown[]) => ({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "gizmos.demo.example.com" },
      spec: {
        group: "demo.example.com",
        scope: "Namespaced",
        names: { kind: "Gizmo", plural: "gizmos" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
            additionalPrinterColumns: columns,
          },
        ],
      },
    });
    const bad = await post(
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      crd([{ name: "Size", type: "text", jsonPath: ".spec.size" }]),
    );
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "Invalid",
      code: 422,
      details: {
        name: "gizmos.demo.example.com",
        group: "apiextensions.k8s.io",
        kind: "CustomResourceDefinition",
        causes: [
          {
            reason: "FieldValueInvalid",
            field: "spec.versions[0].additionalPrinterColumns[0].type",
            message: 'Invalid value: "text": must be one of boolean,date,integer,number,string',
          },
        ],
      },
    });
    const good = await post(
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      crd([{ name: "Type", type: "string", jsonPath: ".metadata.labels.node\\.kubernetes\\.io/instance-type" }]),
    );
    expect(good.status, good.text).toBe(201);
    const del = await call("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.demo.example.com", {
      method: "DELETE",
    });
    expect(del.status).toBe(200);
  });

  it("dryRun=All validates without storing", async () => {
    const r = await call("/api/v1/namespaces/default/configmaps?dryRun=All", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ metadata: { name: "dry" } }),
    });
    expect(r.status).toBe(201);
    expect((await call("/api/v1/namespaces/default/configmaps/dry")).status).toBe(404);
  });
});

describe("protobuf request bodies", () => {
  const field = (num: number, payload: Buffer): Buffer => {
    const len: number[] = [];
    let n = payload.length;
    do {
      len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
      n >>= 7;
    } while (n > 0);
    return Buffer.concat([Buffer.from([(num << 3) | 2, ...len]), payload]);
  };
  const str = (num: number, s: string) => field(num, Buffer.from(s));

  it("decodes a ConfigMap sent as application/vnd.kubernetes.protobuf", async () => {
    const meta = str(1, "proto-cm");
    const entry = Buffer.concat([str(1, "key"), str(2, "value")]);
    const raw = Buffer.concat([field(1, meta), field(2, entry)]);
    const unknown = Buffer.concat([field(1, Buffer.concat([str(1, "v1"), str(2, "ConfigMap")])), field(2, raw)]);
    const body = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), unknown]);
    const r = await call("/api/v1/namespaces/default/configmaps", {
      method: "POST",
      headers: {
        "Content-Type": "application/vnd.kubernetes.protobuf",
        Accept: "application/vnd.kubernetes.protobuf,application/json",
      },
      body,
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: "ConfigMap", metadata: { name: "proto-cm" }, data: { key: "value" } });
    const garbage = await call("/api/v1/namespaces/default/configmaps", {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kubernetes.protobuf" },
      body: Buffer.from("k8s\u0000\u00ff\u00ff"),
    });
    expect(garbage.body).toMatchObject({ kind: "Status", code: 400 });
  });
});

describe("service proxy, webhooks and faults", () => {
  it("forwards service proxy requests to the resolved endpoint", async () => {
    cluster.setServiceResolver((ns, svc, port) =>
      ns === "default" && svc === "chat" && port === "80" ? { host: "127.0.0.1", port: backendPort } : undefined,
    );
    const r = await call("/api/v1/namespaces/default/services/chat:80/proxy/v1/chat/completions?x=1", {
      method: "POST",
      body: "hi",
    });
    expect(r.text).toBe("backend POST /v1/chat/completions?x=1");
    const none = await call("/api/v1/namespaces/default/services/other:80/proxy/");
    expect(none.body).toMatchObject({
      code: 503,
      reason: "ServiceUnavailable",
      message: 'no endpoints available for service "other"',
    });
    cluster.setServiceResolver(undefined);
  });

  it("calls mutating and validating webhooks with AdmissionReview v1", async () => {
    const hook = (path: string) => ({
      name: `${path}.demo.example.com`,
      clientConfig: { url: `http://127.0.0.1:${backendPort}/${path}` },
      rules: [{ operations: ["CREATE"], apiGroups: ["demo.example.com"], apiVersions: ["v1"], resources: ["widgets"] }],
      admissionReviewVersions: ["v1"],
      sideEffects: "None",
    });
    await post("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "m" },
      webhooks: [hook("mutate")],
    });
    await post("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "v" },
      webhooks: [hook("validate")],
    });
    const ok = await post("/apis/demo.example.com/v1/namespaces/default/widgets", {
      apiVersion: "demo.example.com/v1",
      kind: "Widget",
      metadata: { name: "hooked" },
      spec: { size: "small" },
    });
    expect(ok.status).toBe(201);
    expect((ok.body.metadata as { labels: Record<string, string> }).labels).toEqual({ mutated: "true" });
    const denied = await post("/apis/demo.example.com/v1/namespaces/default/widgets", {
      apiVersion: "demo.example.com/v1",
      kind: "Widget",
      metadata: { name: "rejected" },
      spec: { size: "small" },
    });
    expect(denied.body).toMatchObject({
      code: 403,
      message: 'admission webhook "validate.demo.example.com" denied the request: name not allowed',
    });
    expect(webhookCalls[0]).toMatchObject({ operation: "CREATE", kind: { kind: "Widget" }, namespace: "default" });
    await call("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/m", { method: "DELETE" });
    await call("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/v", { method: "DELETE" });
  });

  it("calls HTTPS webhooks with the configured caBundle and honours failurePolicy", async () => {
    const { generateTlsMaterial } = await import("../../src/server/tls.ts");
    const tls = await generateTlsMaterial();
    const https = await import("node:https");
    const secure = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const review = JSON.parse(Buffer.concat(chunks).toString()) as { request: { uid: string } };
        res.writeHead(200, JSON_HEADERS);
        res.end(
          JSON.stringify({
            apiVersion: "admission.k8s.io/v1",
            kind: "AdmissionReview",
            response: { uid: review.request.uid, allowed: false, status: { code: 403, message: "tls says no" } },
          }),
        );
      });
    });
    await new Promise<void>((r) => secure.listen(0, "127.0.0.1", () => r()));
    const port = (secure.address() as AddressInfo).port;
    const rule = { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["secrets"] };
    const config = (failurePolicy: string, url: string) => ({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: `tls-${failurePolicy.toLowerCase()}` },
      webhooks: [
        {
          name: `tls-${failurePolicy.toLowerCase()}.demo.example.com`,
          clientConfig: { url, caBundle: Buffer.from(tls.caCert).toString("base64") },
          rules: [rule],
          failurePolicy,
          admissionReviewVersions: ["v1"],
          sideEffects: "None",
        },
      ],
    });
    try {
      await post(
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
        config("Fail", `https://127.0.0.1:${port}/check`),
      );
      const denied = await post("/api/v1/namespaces/default/secrets", { metadata: { name: "guarded" } });
      expect(denied.body).toMatchObject({
        code: 403,
        message: 'admission webhook "tls-fail.demo.example.com" denied the request: tls says no',
      });
      await call("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/tls-fail", {
        method: "DELETE",
      });
      await post(
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
        config("Ignore", "https://127.0.0.1:1/unreachable"),
      );
      expect((await post("/api/v1/namespaces/default/secrets", { metadata: { name: "guarded" } })).status).toBe(201);
      await call("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/tls-ignore", {
        method: "DELETE",
      });
    } finally {
      await new Promise((r) => secure.close(r));
    }
  });

  it("injects 503 with Retry-After, latency and dropped watches; counts requests by client", async () => {
    const off = cluster.faults.add({ verb: "list", resource: "secrets", status: 503, retryAfterSeconds: 3 });
    const r = await call("/api/v1/namespaces/default/secrets", { headers: { "User-Agent": "bench-client/1.0" } });
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("3");
    off();
    expect(cluster.counters.get({ verb: "list", resource: "secrets", client: "bench-client" })).toBe(1);
    cluster.faults.add({ verb: "watch", resource: "leases", dropWatchAfterMs: 50, times: 1 });
    const lines = await watchLines(
      "/apis/coordination.k8s.io/v1/namespaces/default/leases?watch=true&resourceVersion=0",
      10,
    );
    expect(lines).toEqual([]);
  });
});

describe("TLS and bearer tokens", () => {
  it("serves HTTPS with the generated CA and requires the token", async () => {
    const secure = await startCluster({ tls: true, token: "s3cret", simulation: false });
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(secure.kubeconfigYaml).toContain("certificate-authority-data:");
      const https = await import("node:https");
      const get = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          https
            .get(`${secure.url}/api/v1/namespaces`, { ca: secure.caCert, headers }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            })
            .on("error", reject);
        });
      expect(await get({})).toBe(401);
      expect(await get({ Authorization: "Bearer wrong" })).toBe(401);
      expect(await get({ Authorization: "Bearer s3cret" })).toBe(200);
      const k8s = await import("@kubernetes/client-node");
      const core = secure.kubeConfig.makeApiClient(k8s.CoreV1Api);
      const nsList = await core.listNamespace();
      expect(nsList.items.map((n) => n.metadata?.name)).toContain("kube-system");
      expect(await kubectlFor(secure.kubeconfigPath).ok(["get", "ns", "kube-system", "-o", "name"])).toBe(
        "namespace/kube-system\n",
      );
    } finally {
      await secure.stop();
    }
  });
});
