import { catalogValidationLookups } from "@kaito-ts/preset-catalog";
import {
  type ClusterLookup,
  type ValidationContext,
  validateWorkspace,
  validateWorkspaceUpdate,
} from "@kaito-ts/workspace-types";
import { describe, expect, it } from "vitest";
import { type AdmissionReview, createAdmissionHandler, denialMessage, formatIssue } from "../../src/index.ts";

const SKU = "Standard_NC24ads_A100_v4";

function inference(
  name: string,
  extra: Record<string, unknown> = {},
  preset = "phi-3-mini-4k-instruct",
): Record<string, unknown> {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, namespace: "team-a" },
    resource: { instanceType: SKU, labelSelector: { matchLabels: { apps: name } } },
    inference: { preset: { name: preset } },
    ...extra,
  };
}

function tuning(name: string, config?: string): Record<string, unknown> {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, namespace: "team-a" },
    resource: { instanceType: SKU, labelSelector: { matchLabels: { apps: name } } },
    tuning: {
      preset: { name: "phi-3-mini-4k-instruct" },
      method: "qlora",
      ...(config !== undefined ? { config } : {}),
      input: { urls: ["https://example.com/data.parquet"] },
      output: { image: "registry.example.com/adapters/a:1", imagePushSecret: "push" },
    },
  };
}

function byo(name: string): Record<string, unknown> {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, namespace: "team-a" },
    resource: { labelSelector: { matchLabels: { pool: "gpu" } } },
    inference: { preset: { name: "phi-3-mini-4k-instruct" } },
  };
}

function rv(request: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "u-1",
      kind: { group: "kaito.sh", version: "v1beta1", kind: "Workspace" },
      namespace: "team-a",
      ...request,
    },
  };
}

// The cluster as the cluster-dependent rules see it.
const cluster: ClusterLookup = {
  listNodes: (sel) =>
    sel.pool === "gpu"
      ? [{ name: "n1", labels: { pool: "gpu" } }]
      : sel.pool === "labelled"
        ? [
            {
              name: "n2",
              labels: {
                pool: "labelled",
                "nvidia.com/gpu.product": "NVIDIA-A100-PCIE-80GB",
                "nvidia.com/gpu.count": "1",
                "nvidia.com/gpu.memory": "81920",
              },
            },
          ]
        : [],
  getConfigMap: (ns, name) =>
    ns !== "team-a"
      ? undefined
      : name === "broken-params"
        ? {
            data: {
              "training_config.yaml":
                "training_config:\n  QuantizationConfig:\n    load_in_4bit: true\n    load_in_8bit: true\n",
            },
          }
        : name === "no-key"
          ? { data: { other: "x" } }
          : undefined,
};

const ctx: Partial<ValidationContext> = { cloud: "azure", nodeAutoProvisioning: true, defaultRuntime: "vllm" };
const handle = createAdmissionHandler({ context: ctx, cluster });
const handleByo = createAdmissionHandler({ context: { ...ctx, nodeAutoProvisioning: false }, cluster });
// What workspace-types says for the same objects, with the same lookups: the handler must pass it on verbatim.
const full: Partial<ValidationContext> = { ...catalogValidationLookups(), ...ctx, cluster, namespace: "team-a" };

function response(out: AdmissionReview) {
  expect(out.apiVersion).toBe("admission.k8s.io/v1");
  expect(out.kind).toBe("AdmissionReview");
  return out.response as NonNullable<AdmissionReview["response"]>;
}

describe("createAdmissionHandler: Workspace rules", () => {
  const denials: ReadonlyArray<{
    name: string;
    review: Record<string, unknown>;
    code: string;
    byo?: boolean;
    old?: Record<string, unknown>;
  }> = [
    {
      name: "an unknown preset",
      review: rv({ operation: "CREATE", object: inference("a", {}, "no-such-model-7b") }),
      code: "preset-unsupported",
    },
    {
      name: "a tuning ConfigMap that does not exist (cluster rule)",
      review: rv({ operation: "CREATE", object: tuning("t", "missing-params") }),
      code: "tuning-config-not-found",
    },
    {
      name: "a tuning ConfigMap without training_config.yaml (cluster rule)",
      review: rv({ operation: "CREATE", object: tuning("t", "no-key") }),
      code: "tuning-config-key-missing",
    },
    {
      name: "a malformed tuning ConfigMap (cluster rule)",
      review: rv({ operation: "CREATE", object: tuning("t", "broken-params") }),
      code: "tuning-config-quantization-both",
    },
    {
      name: "BYO nodes without GPU labels (cluster rule)",
      review: rv({ operation: "CREATE", object: byo("b") }),
      code: "byo-node-gpu-labels-missing",
      byo: true,
    },
    {
      name: "an immutable field changed on UPDATE",
      old: inference("a"),
      review: rv({
        operation: "UPDATE",
        oldObject: inference("a"),
        object: {
          ...inference("a"),
          resource: { instanceType: "Standard_NC48ads_A100_v4", labelSelector: { matchLabels: { apps: "a" } } },
        },
      }),
      code: "field-immutable",
    },
  ];

  it.each(denials)("denies $name with workspace-types' messages", ({ review, code, byo: isByo }) => {
    const out = response((isByo === true ? handleByo : handle)(review));
    const req = review.request as { object: unknown; oldObject?: unknown; operation: string };
    const expected =
      req.operation === "CREATE"
        ? validateWorkspace(req.object, isByo === true ? { ...full, nodeAutoProvisioning: false } : full)
        : validateWorkspaceUpdate(req.oldObject, req.object, full);
    // (rule ids are being renamed to UPPER_SNAKE_CASE in workspace-types; compare either spelling)
    const norm = (c: string) => c.toUpperCase().replaceAll("-", "_");
    expect(expected.errors.map((e) => norm(e.code))).toContain(norm(code));
    expect(out).toEqual({
      uid: "u-1",
      allowed: false,
      status: { code: 400, reason: "BadRequest", message: denialMessage(expected.errors) },
      ...(expected.warnings.length > 0 ? { warnings: expected.warnings.map(formatIssue) } : {}),
    });
    for (const e of expected.errors) expect(out.status?.message).toContain(`${e.path}: ${e.message}`);
  });

  it("allows a valid Workspace", () => {
    expect(response(handle(rv({ operation: "CREATE", object: inference("ok") })))).toEqual({
      uid: "u-1",
      allowed: true,
    });
  });

  it("allows BYO nodes that carry the GPU labels", () => {
    const ws = { ...byo("b"), resource: { labelSelector: { matchLabels: { pool: "labelled" } } } };
    expect(response(handleByo(rv({ operation: "CREATE", object: ws }))).allowed).toBe(true);
  });

  it("passes warnings through on an allowed request", () => {
    const ws = inference("hf", {}, "someorg/some-model");
    const expected = validateWorkspace(ws, full);
    expect(expected.valid).toBe(true);
    expect(expected.warnings.length).toBeGreaterThan(0);
    expect(response(handle(rv({ operation: "CREATE", object: ws })))).toEqual({
      uid: "u-1",
      allowed: true,
      warnings: expected.warnings.map(formatIssue),
    });
  });

  it.each([
    ["DELETE", rv({ operation: "DELETE", oldObject: inference("a") })],
    [
      "the status subresource",
      rv({
        operation: "UPDATE",
        subResource: "status",
        object: inference("a", {}, "no-such-model"),
        oldObject: inference("a"),
      }),
    ],
    [
      "an UPDATE of a Workspace being deleted (the finalizer's removal)",
      rv({
        operation: "UPDATE",
        oldObject: inference("a"),
        object: {
          ...inference("a", {}, "no-such-model"),
          metadata: { name: "a", namespace: "team-a", deletionTimestamp: "2026-01-01T00:00:00Z" },
        },
      }),
    ],
    [
      "another kind",
      {
        ...rv({ operation: "CREATE", object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } } }),
        request: { uid: "u-1", operation: "CREATE", kind: { group: "", version: "v1", kind: "ConfigMap" }, object: {} },
      },
    ],
  ])("allows %s without validation", (_name, review) => {
    expect(response(handle(review))).toEqual({ uid: "u-1", allowed: true });
  });
});

describe("createAdmissionHandler: malformed reviews get an error response, never a throw", () => {
  it.each([
    ["not an object", "[1,2]", "", /the body is not a JSON object/],
    ["null", null, "", /the body is not a JSON object/],
    [
      "a wrong apiVersion",
      { apiVersion: "admission.k8s.io/v1beta1", kind: "AdmissionReview", request: { uid: "u-2" } },
      "u-2",
      /apiVersion is "admission.k8s.io\/v1beta1", not admission.k8s.io\/v1/,
    ],
    [
      "a wrong kind",
      { apiVersion: "admission.k8s.io/v1", kind: "Review", request: { uid: "u-2" } },
      "u-2",
      /kind is "Review"/,
    ],
    ["no request", { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }, "", /request is missing/],
    [
      "no uid",
      { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { operation: "CREATE" } },
      "",
      /request.uid is missing/,
    ],
    ["an unknown operation", rv({ operation: "PATCH", object: {} }), "u-1", /request.operation is "PATCH"/],
    ["no object", rv({ operation: "CREATE" }), "u-1", /request.object is missing/],
    [
      "no oldObject on UPDATE",
      rv({ operation: "UPDATE", object: inference("a") }),
      "u-1",
      /request.oldObject is missing on UPDATE/,
    ],
  ])("%s", (_name, input, uid, message) => {
    const out = response(handle(typeof input === "string" ? JSON.parse(input) : input));
    expect(out.uid).toBe(uid);
    expect(out.allowed).toBe(false);
    expect(out.status?.code).toBe(400);
    expect(out.status?.reason).toBe("BadRequest");
    expect(out.status?.message).toMatch(message);
    expect(out.status?.message).toMatch(/^malformed AdmissionReview: /);
  });

  it("an object that is not a Workspace at all is denied with the structural errors", () => {
    const out = response(
      handle(
        rv({
          operation: "CREATE",
          object: { apiVersion: "kaito.sh/v1beta1", kind: "Workspace", metadata: { name: "x" }, resource: "oops" },
        }),
      ),
    );
    expect(out.allowed).toBe(false);
    expect(out.status?.message).toMatch(/^validation failed: /);
    expect(out.status?.message).toContain("resource");
  });
});
