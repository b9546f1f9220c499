/**
 * Answers that once differed from the real kube-apiserver (FIDELITY.md) and are now the same; the parity suite checks
 * them against the real server, these tests pin them on cluster-sim alone: webhook warnings relayed as `Warning:`
 * headers (with a denial too), `pods/log` cut by `tailLines`/`limitBytes`, the `Status` answer to a DELETE of a custom
 * resource, deprecation warnings, the skipped-CEL note and the scale subresource's replica checks.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiServer, type KubeObject, MemoryStore } from "../../src/index.ts";
import { BLOCKING_REASONS, CEL_SKIPPED_CAUSE } from "../../src/store/schema-pipeline.ts";
import { fixture } from "../clients/kubectl-runner.ts";

const CRDS = { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" };
const WIDGETS = "/apis/demo.example.com/v1/namespaces/default/widgets";
const JSON_HEADERS = { "Content-Type": "application/json" };
const LOG = "one\ntwo\nthree\n";

let server: ApiServer;
let url = "";
let hooks: Server;
let hookPort = 0;

async function call(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown>; text: string; warnings: string | null }> {
  const r = await fetch(url + path, init);
  const text = await r.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = {};
  }
  return { status: r.status, body, text, warnings: r.headers.get("warning") };
}

const post = (path: string, body: unknown) =>
  call(path, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify(body) });

const widget = (
  name: string,
  spec: Record<string, unknown> = { size: "small" },
  meta: Record<string, unknown> = {},
) => ({
  apiVersion: "demo.example.com/v1",
  kind: "Widget",
  metadata: { name, ...meta },
  spec,
});

function sprocketsCrd(): KubeObject {
  const version = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    served: true,
    storage: name === "v1",
    schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
    ...extra,
  });
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "sprockets.demo.example.com" },
    spec: {
      group: "demo.example.com",
      scope: "Namespaced",
      names: { kind: "Sprocket", plural: "sprockets", singular: "sprocket", listKind: "SprocketList" },
      versions: [
        version("v1"),
        version("v1beta1", { deprecated: true }),
        version("v1alpha1", { deprecated: true, deprecationWarning: "sprockets v1alpha1 go away" }),
        version("v1alpha2", { deprecated: true, deprecationWarning: "" }),
      ],
    },
  };
}

beforeAll(async () => {
  const store = new MemoryStore();
  store.create(CRDS, fixture("widget-crd.yaml"));
  store.create(CRDS, sprocketsCrd());
  server = new ApiServer({ store });
  server.setPodSource({
    resolvePod: () => undefined,
    logs: (ns, pod) => (ns === "default" && pod === "p" ? LOG : undefined),
  });
  url = await server.listen();
  // a webhook that warns on every answer, and denies widgets named `rejected` (with its warning)
  hooks = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const review = JSON.parse(Buffer.concat(chunks).toString()) as { request: Record<string, unknown> };
      const obj = review.request.object as { metadata: { name: string } } | null;
      const kind = req.url?.slice(1) ?? "";
      const response: Record<string, unknown> = {
        uid: review.request.uid,
        allowed: true,
        warnings: [`${kind}: ${String(review.request.operation)} ${obj?.metadata.name ?? ""}`, "same text from both"],
      };
      if (kind === "validate" && obj?.metadata.name === "rejected")
        Object.assign(response, { allowed: false, status: { code: 400, message: "name not allowed" } });
      res.writeHead(200, JSON_HEADERS);
      res.end(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response }));
    });
  });
  await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", () => r()));
  hookPort = (hooks.address() as AddressInfo).port;
});

afterAll(async () => {
  await server?.close();
  await new Promise((r) => hooks?.close(r));
});

describe("admission webhooks' warnings", () => {
  const hook = (path: string) => ({
    name: `${path}.demo.example.com`,
    clientConfig: { url: `http://127.0.0.1:${hookPort}/${path}` },
    rules: [{ operations: ["CREATE"], apiGroups: ["demo.example.com"], apiVersions: ["v1"], resources: ["widgets"] }],
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
  });

  beforeAll(async () => {
    for (const [resource, kind, path] of [
      ["mutatingwebhookconfigurations", "MutatingWebhookConfiguration", "mutate"],
      ["validatingwebhookconfigurations", "ValidatingWebhookConfiguration", "validate"],
    ] as const) {
      const r = await post(`/apis/admissionregistration.k8s.io/v1/${resource}`, {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind,
        metadata: { name: path },
        webhooks: [hook(path)],
      });
      expect(r.status).toBe(201);
    }
  });

  it("are relayed as Warning headers, mutating first, each text once", async () => {
    const r = await post(WIDGETS, widget("warned"));
    expect(r.status).toBe(201);
    expect(r.warnings).toBe(
      '299 - "mutate: CREATE warned", 299 - "same text from both", 299 - "validate: CREATE warned"',
    );
  });

  it("come after the decoder's own warnings (unknown fields)", async () => {
    const r = await post(`${WIDGETS}?fieldValidation=Warn`, widget("warned-too", { size: "small", flavour: "x" }));
    expect(r.status).toBe(201);
    expect(r.warnings).toBe(
      '299 - "unknown field \\"spec.flavour\\"", 299 - "mutate: CREATE warned-too", 299 - "same text from both", 299 - "validate: CREATE warned-too"',
    );
  });

  it("are relayed with a denial", async () => {
    const r = await post(WIDGETS, widget("rejected"));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      reason: "BadRequest",
      message: 'admission webhook "validate.demo.example.com" denied the request: name not allowed',
    });
    expect(r.warnings).toBe(
      '299 - "mutate: CREATE rejected", 299 - "same text from both", 299 - "validate: CREATE rejected"',
    );
  });
});

describe("pods/log options", () => {
  it.each([
    { query: "", text: LOG },
    { query: "?tailLines=2", text: "two\nthree\n" },
    { query: "?tailLines=0", text: "" },
    { query: "?tailLines=9", text: LOG },
    { query: "?limitBytes=5", text: "one\nt" },
    { query: "?tailLines=2&limitBytes=3", text: "two" },
    { query: "?tailLines=x", text: LOG },
  ])("GET pods/log$query is cut as the kubelet cuts it", async ({ query, text }) => {
    await post("/api/v1/namespaces/default/pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: [{ name: "c", image: "x" }] },
    });
    const r = await call(`/api/v1/namespaces/default/pods/p/log${query}`);
    expect(r.status).toBe(200);
    expect(r.text).toBe(text);
  });
});

describe("DELETE of a custom resource", () => {
  it("answers a Status of Success when the object is gone", async () => {
    const created = await post(WIDGETS, widget("gone"));
    const uid = (created.body.metadata as { uid: string }).uid;
    const r = await call(`${WIDGETS}/gone`, { method: "DELETE" });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: { name: "gone", group: "demo.example.com", kind: "widgets", uid },
    });
  });

  it("answers the object when a finalizer keeps it", async () => {
    await post(WIDGETS, widget("kept", { size: "small" }, { finalizers: ["demo.example.com/keep"] }));
    const r = await call(`${WIDGETS}/kept`, { method: "DELETE" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ kind: "Widget", metadata: { name: "kept" } });
    expect((r.body.metadata as { deletionTimestamp?: string }).deletionTimestamp).toBeTruthy();
  });

  it("of a built-in kind still answers the object", async () => {
    await post("/api/v1/namespaces/default/configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c" },
    });
    const r = await call("/api/v1/namespaces/default/configmaps/c", { method: "DELETE" });
    expect(r.body).toMatchObject({ kind: "ConfigMap", metadata: { name: "c" } });
  });
});

describe("deprecated APIs", () => {
  it.each([
    {
      path: "/api/v1/namespaces/default/endpoints",
      warning: '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"',
    },
    {
      path: "/api/v1/namespaces/default/endpoints/missing",
      warning: '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"',
    },
    {
      path: "/apis/demo.example.com/v1beta1/namespaces/default/sprockets",
      warning: '299 - "demo.example.com/v1beta1 Sprocket is deprecated; use demo.example.com/v1 Sprocket"',
    },
    {
      path: "/apis/demo.example.com/v1alpha1/namespaces/default/sprockets",
      warning: '299 - "sprockets v1alpha1 go away"',
    },
    { path: "/apis/demo.example.com/v1alpha2/namespaces/default/sprockets", warning: null },
    { path: "/apis/demo.example.com/v1/namespaces/default/sprockets", warning: null },
    { path: "/api/v1/namespaces/default/configmaps", warning: null },
  ])("GET $path warns: $warning", async ({ path, warning }) => {
    const r = await call(path);
    expect(r.warnings).toBe(warning);
  });

  it("a write to a deprecated version warns too", async () => {
    const r = await post("/apis/demo.example.com/v1beta1/namespaces/default/sprockets", {
      apiVersion: "demo.example.com/v1beta1",
      kind: "Sprocket",
      metadata: { name: "s" },
      spec: { a: 1 },
    });
    expect(r.status).toBe(201);
    expect(r.warnings).toBe(
      '299 - "demo.example.com/v1beta1 Sprocket is deprecated; use demo.example.com/v1 Sprocket"',
    );
  });
});

describe("CRD validation causes", () => {
  const causesOf = async (name: string, spec: Record<string, unknown>) => {
    const r = await post(WIDGETS, widget(name, spec));
    expect(r.status).toBe(422);
    return (r.body.details as { causes: { field: string; reason: string; message: string }[] }).causes;
  };

  it("a blocking schema error skips the CEL rules and adds the note last", async () => {
    const causes = await causesOf("w1", { size: "tiny", replicas: 9 });
    expect(causes.map((c) => c.field)).toEqual(["spec.size", "<nil>"]);
    expect(causes.at(-1)).toEqual(CEL_SKIPPED_CAUSE);
  });

  it("a non-blocking one (a minimum) lets the CEL rules run: no note", async () => {
    const causes = await causesOf("w2", { size: "small", replicas: -1 });
    expect(causes).toEqual([
      {
        reason: "FieldValueInvalid",
        message: "Invalid value: -1: spec.replicas in body should be greater than or equal to 0",
        field: "spec.replicas",
      },
      {
        reason: "FieldValueInvalid",
        message: "Invalid value: -1: should be a non-negative integer",
        field: ".spec.replicas",
      },
    ]);
  });

  it("the blocking cause types are the real strategy's", () => {
    expect([...BLOCKING_REASONS].sort()).toEqual([
      "FieldValueNotSupported",
      "FieldValueRequired",
      "FieldValueTooLong",
      "FieldValueTooMany",
      "FieldValueTypeInvalid",
    ]);
  });

  it("a status write checks the status replica count only", async () => {
    await post(WIDGETS, widget("w3"));
    const r = await call(`${WIDGETS}/w3/status`, {
      method: "PATCH",
      headers: { "Content-Type": "application/merge-patch+json" },
      body: JSON.stringify({ status: { replicas: -2 } }),
    });
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(
      'Widget.demo.example.com "w3" is invalid: .status.replicas: Invalid value: -2: should be a non-negative integer',
    );
  });
});

describe("managedFields of built-in kinds", () => {
  const DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";
  type Entry = { manager: string; subresource?: string; time?: string; fieldsV1: Record<string, unknown> };
  const entries = async (path: string) =>
    ((await call(path)).body.metadata as { managedFields: Entry[] }).managedFields;

  it("a create owns from the Go zero value: an atomic selector whole, no '.' on non-pointer structs", async () => {
    const r = await call(`${DEPLOYMENTS}?fieldManager=creator`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d" },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: "d" } },
          strategy: {},
          template: {
            metadata: { labels: { app: "d" } },
            spec: {
              nodeSelector: { pool: "gpu" },
              containers: [
                { name: "c", image: "x", env: [{ name: "A", valueFrom: { fieldRef: { fieldPath: "x" } } }] },
              ],
            },
          },
        },
      }),
    });
    expect(r.status).toBe(201);
    const [entry] = await entries(`${DEPLOYMENTS}/d`);
    if (entry === undefined) throw new Error("the create wrote no managedFields entry");
    const spec = (entry.fieldsV1 as { "f:spec": Record<string, Record<string, unknown>> })["f:spec"];
    expect(spec["f:selector"]).toEqual({});
    // the empty strategy the client sent is defaulted, and owned (without a "." of its own: a non-pointer struct)
    expect(spec["f:strategy"]).toEqual({
      "f:rollingUpdate": { ".": {}, "f:maxSurge": {}, "f:maxUnavailable": {} },
      "f:type": {},
    });
    const template = spec["f:template"] as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys(template)).toEqual(["f:metadata", "f:spec"]);
    expect(template["f:metadata"]).toEqual({ "f:labels": { ".": {}, "f:app": {} } });
    const podSpec = template["f:spec"] as Record<string, Record<string, Record<string, unknown>>>;
    expect(podSpec["f:nodeSelector"]).toEqual({});
    expect(Object.keys(podSpec["f:containers"] ?? {})).toEqual(['k:{"name":"c"}']);
    expect(podSpec["f:containers"]?.['k:{"name":"c"}']?.["f:env"]).toEqual({
      ".": {},
      'k:{"name":"A"}': { ".": {}, "f:name": {}, "f:valueFrom": { ".": {}, "f:fieldRef": {} } },
    });
  });

  it.each([{ path: "/apis/apps/v1/namespaces/default/deployments/d" }, { path: `${WIDGETS}/scaled` }])(
    "a write through $path/scale has its own entry: subresource scale, no time, first",
    async ({ path }) => {
      if (path.startsWith(WIDGETS)) await post(WIDGETS, widget("scaled"));
      const r = await call(`${path}/scale?fieldManager=scaler`, {
        method: "PATCH",
        headers: { "Content-Type": "application/merge-patch+json" },
        body: JSON.stringify({ spec: { replicas: 2 } }),
      });
      expect(r.status).toBe(200);
      const all = await entries(path);
      expect(all[0]).toMatchObject({
        manager: "scaler",
        subresource: "scale",
        fieldsV1: { "f:spec": { "f:replicas": {} } },
      });
      expect(all[0]?.time).toBeUndefined();
      expect(all.slice(1).every((e) => e.time !== undefined && e.subresource === undefined)).toBe(true);
    },
  );
});
