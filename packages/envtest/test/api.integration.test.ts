/**
 * One real control plane (etcd + kube-apiserver) for the file: the admin identity, kubectl of the same version,
 * CRDs installed and served, RBAC-scoped users and service accounts, and an admission webhook served by this test
 * process that the real API server calls.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  ApiException,
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  VersionApi,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ControlPlane,
  isEnvtestError,
  kubectlPath,
  resolveBinaries,
  startControlPlane,
  webhookServerCertificate,
} from "../src/index.ts";

const run = promisify(execFile);
let cp: ControlPlane;
const scratch = mkdtempSync(join(tmpdir(), "envtest-api-"));

beforeAll(async () => {
  cp = await startControlPlane();
});
afterAll(async () => {
  await cp?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const kubectl = (kubeconfig: string, ...args: string[]) =>
  run(kubectlPath(), ["--kubeconfig", kubeconfig, "--cache-dir", join(scratch, "kubectl-cache"), ...args], {
    encoding: "utf8",
  });

/** The HTTP status of a failed client-node call (0 when it did not fail). */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 0;
  } catch (e) {
    if (e instanceof ApiException) return e.code;
    throw e;
  }
}

/** Polls `call` until it answers with `status` (RBAC changes reach the authorizer's cache a moment later). */
async function eventuallyStatus(status: number, call: () => Promise<unknown>): Promise<number> {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    last = await statusOf(call());
    if (last === status) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  return last;
}

function crd(group: string, kind: string, plural: string): V1CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  properties: { size: { type: "integer", minimum: 1 } },
                  required: ["size"],
                },
              },
            },
          },
        },
      ],
    },
  };
}

describe("the admin and the version", () => {
  it("serves /version with the version of tools/kube/go.mod, to client-node and kubectl alike", async () => {
    const expected = resolveBinaries().versions["kube-apiserver"];
    const info = await cp.kubeConfig.makeApiClient(VersionApi).getCode();
    expect(info.gitVersion).toBe(expected);
    const out = JSON.parse((await kubectl(cp.kubeconfigPath, "version", "-o", "json")).stdout) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    expect(out.clientVersion.gitVersion).toBe(expected);
    expect(out.serverVersion.gitVersion).toBe(expected);
  });

  it("the admin is a client certificate in group system:masters", async () => {
    const review = await cp.kubeConfig
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
    expect(review.status?.userInfo?.username).toBe("envtest-admin");
    expect(review.status?.userInfo?.groups).toContain("system:masters");
  });

  it("runs the default admission plugins (NamespaceLifecycle refuses objects in a missing namespace)", async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const status = await statusOf(
      core.createNamespacedConfigMap({ namespace: "no-such-ns", body: { metadata: { name: "x" } } }),
    );
    expect(status).toBe(404);
    const ns = await core.readNamespace({ name: "default" });
    expect(ns.status?.phase).toBe("Active");
  });
});

describe("installCRDs", () => {
  it("installs from an object, a file and a folder, each Established and served", async () => {
    const dir = join(scratch, "crds");
    mkdirSync(dir);
    writeFileSync(join(dir, "gadgets.json"), JSON.stringify(crd("e2e.example.com", "Gadget", "gadgets")));
    const file = join(scratch, "gizmos.json");
    writeFileSync(file, JSON.stringify(crd("e2e.example.com", "Gizmo", "gizmos")));
    const installed = await cp.installCRDs([crd("e2e.example.com", "Widget", "widgets"), file, dir]);
    expect(installed.map((c) => c.name)).toEqual([
      "widgets.e2e.example.com",
      "gizmos.e2e.example.com",
      "gadgets.e2e.example.com",
    ]);
    const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    const created = (await custom.createNamespacedCustomObject({
      group: "e2e.example.com",
      version: "v1",
      namespace: "default",
      plural: "widgets",
      body: { apiVersion: "e2e.example.com/v1", kind: "Widget", metadata: { name: "w1" }, spec: { size: 3 } },
    })) as { metadata: { uid: string } };
    expect(created.metadata.uid).toMatch(/[0-9a-f-]{36}/);
    // the schema is enforced by the real API server
    const invalid = await statusOf(
      custom.createNamespacedCustomObject({
        group: "e2e.example.com",
        version: "v1",
        namespace: "default",
        plural: "widgets",
        body: { apiVersion: "e2e.example.com/v1", kind: "Widget", metadata: { name: "w2" }, spec: { size: 0 } },
      }),
    );
    expect(invalid).toBe(422);
    // installing again replaces, and kubectl sees the kind
    await cp.installCRDs(crd("e2e.example.com", "Widget", "widgets"));
    expect((await kubectl(cp.kubeconfigPath, "get", "widgets", "-n", "default", "-o", "name")).stdout.trim()).toBe(
      "widget.e2e.example.com/w1",
    );
  });

  it("installs every CRD of a multi-document YAML file, and names the document that is not a CRD", async () => {
    const yamlCrd = (kind: string, plural: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.yaml.example.com
spec:
  group: yaml.example.com
  scope: Cluster
  names: { kind: ${kind}, plural: ${plural}, singular: ${kind.toLowerCase()}, listKind: ${kind}List }
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;
    const file = join(scratch, "two.yaml");
    writeFileSync(file, `${yamlCrd("Apple", "apples")}---\n${yamlCrd("Pear", "pears")}`);
    const installed = await cp.installCRDs(file);
    expect(installed).toEqual([
      { name: "apples.yaml.example.com", source: `${file} (document 1)` },
      { name: "pears.yaml.example.com", source: `${file} (document 2)` },
    ]);
    const mixed = join(scratch, "mixed.yaml");
    writeFileSync(mixed, `${yamlCrd("Plum", "plums")}---\napiVersion: v1\nkind: Namespace\nmetadata: { name: x }\n`);
    const e = await cp.installCRDs(mixed).catch((err: unknown) => err);
    expect(isEnvtestError(e) && e.code).toBe("INVALID_INPUT");
    expect((e as Error).message).toBe(
      `installCRDs: ${mixed} (document 2) is a Namespace, not a CustomResourceDefinition`,
    );
  });

  it("keeps the wire-only keys of a plain-object CRD (enum, default, x-kubernetes-* are not dropped)", async () => {
    const plain = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "gadgets.plain.example.com" },
      spec: {
        group: "plain.example.com",
        scope: "Namespaced",
        names: { kind: "Gadget", plural: "gadgets", singular: "gadget", listKind: "GadgetList" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                  mode: {
                    type: "string",
                    enum: ["a", "b"],
                    default: "a",
                    "x-kubernetes-validations": [{ rule: "self != 'b'", message: "mode b is retired" }],
                  },
                },
              },
            },
          },
        ],
      },
    };
    await cp.installCRDs(plain);
    const live = await cp.kubeConfig.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({
      name: "gadgets.plain.example.com",
    });
    const props = live.spec.versions[0]?.schema?.openAPIV3Schema?.properties;
    expect(props?.spec?.x_kubernetes_preserve_unknown_fields).toBe(true);
    expect(props?.mode?._enum).toEqual(["a", "b"]);
    expect(props?.mode?._default).toBe("a");
    expect(props?.mode?.x_kubernetes_validations).toEqual([{ rule: "self != 'b'", message: "mode b is retired" }]);
  });

  it("a CRD that never becomes Established times out naming the CRD and its conditions", async () => {
    await cp.installCRDs(crd("clash.example.com", "Thing", "things"));
    // same group, same kind under another plural: the API server refuses the names, so it is never Established
    const clash = crd("clash.example.com", "Thing", "otherthings");
    let caught: unknown;
    try {
      await cp.installCRDs(clash, { timeoutMs: 1_500 });
    } catch (e) {
      caught = e;
    }
    expect(isEnvtestError(caught) && caught.code).toBe("CRD_NOT_ESTABLISHED");
    expect((caught as Error).message).toContain("otherthings.clash.example.com");
    expect((caught as Error).message).toMatch(
      /NamesAccepted=False \((ListKind|Kind)Conflict: "Thing(List)?" is already in use\)/,
    );
  });

  it.each([
    [
      "a ConfigMap",
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } },
      /object #0 is a ConfigMap, not a CustomResourceDefinition/,
    ],
    [
      "a v1beta1 CRD",
      { apiVersion: "apiextensions.k8s.io/v1beta1", kind: "CustomResourceDefinition", metadata: { name: "a.b" } },
      /apiextensions\.k8s\.io\/v1beta1; only apiextensions\.k8s\.io\/v1 is served/,
    ],
    ["a missing file", "/no/such/crd.yaml", /\/no\/such\/crd\.yaml does not exist/],
    [
      "a CRD the API server refuses",
      { ...crd("bad.example.com", "Bad", "bads"), metadata: { name: "wrong-name.bad.example.com" } },
      /refused CRD wrong-name\.bad\.example\.com from object #0 \(HTTP 422: .*must be spec\.names\.plural\+"\."\+spec\.group/,
    ],
  ])("bad input: %s is an INVALID_INPUT naming it", async (_what, input, message) => {
    const e = await cp.installCRDs(input as never).catch((err: unknown) => err);
    expect(isEnvtestError(e) && e.code).toBe("INVALID_INPUT");
    expect((e as Error).message).toMatch(message);
  });
});

describe("kubeconfigFor (subject to RBAC)", () => {
  it("a user gets a client certificate: forbidden until a RoleBinding grants it, and kubectl agrees", async () => {
    const alice = await cp.kubeconfigFor({ user: "alice" });
    expect(alice.username).toBe("alice");
    const core = alice.kubeConfig.makeApiClient(CoreV1Api);
    expect(await statusOf(core.listNamespacedConfigMap({ namespace: "default" }))).toBe(403);
    const rbac = cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: "default",
      body: {
        metadata: { name: "cm-reader" },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: "default",
      body: {
        metadata: { name: "alice-reads" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cm-reader" },
        subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" }],
      },
    });
    expect(await eventuallyStatus(0, () => core.listNamespacedConfigMap({ namespace: "default" }))).toBe(0);
    expect(
      await statusOf(core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "a" } } })),
    ).toBe(403);
    const canList = await kubectl(alice.kubeconfigPath, "auth", "can-i", "list", "configmaps", "-n", "default");
    expect(canList.stdout.trim()).toBe("yes");
    const canCreate = await kubectl(
      alice.kubeconfigPath,
      "auth",
      "can-i",
      "create",
      "configmaps",
      "-n",
      "default",
    ).catch((e: { stdout: string }) => e);
    expect(canCreate.stdout.trim()).toBe("no");
  });

  it("groups are the certificate's organizations and RBAC binds them", async () => {
    const bob = await cp.kubeconfigFor({ user: "bob", groups: ["team-a", "auditors"] });
    const review = await bob.kubeConfig
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
    expect(review.status?.userInfo?.groups).toEqual(["team-a", "auditors", "system:authenticated"]);
    const core = bob.kubeConfig.makeApiClient(CoreV1Api);
    expect(await statusOf(core.listNamespace())).toBe(403);
    // (the built-in view/edit/admin ClusterRoles are aggregated by kube-controller-manager: empty without controllers)
    const rbac = cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createClusterRole({
      body: {
        metadata: { name: "pod-reader" },
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
      },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: "auditors-read-pods" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "pod-reader" },
        subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "auditors" }],
      },
    });
    expect(await eventuallyStatus(0, () => core.listPodForAllNamespaces())).toBe(0);
  });

  it("a service account gets a TokenRequest token (created when missing) and its own RBAC", async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: "operator-system" } } });
    const sa = await cp.kubeconfigFor({ serviceAccount: { namespace: "operator-system", name: "kaito" } });
    expect(sa.username).toBe("system:serviceaccount:operator-system:kaito");
    const review = await sa.kubeConfig
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
    expect(review.status?.userInfo?.username).toBe("system:serviceaccount:operator-system:kaito");
    const saCore = sa.kubeConfig.makeApiClient(CoreV1Api);
    expect(await statusOf(saCore.listNamespacedSecret({ namespace: "operator-system" }))).toBe(403);
    const rbac = cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createClusterRole({
      body: {
        metadata: { name: "secret-reader" },
        rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: "operator-system",
      body: {
        metadata: { name: "kaito-reads-secrets" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "secret-reader" },
        subjects: [{ kind: "ServiceAccount", namespace: "operator-system", name: "kaito" }],
      },
    });
    expect(await eventuallyStatus(0, () => saCore.listNamespacedSecret({ namespace: "operator-system" }))).toBe(0);
    expect(await statusOf(saCore.listNamespacedSecret({ namespace: "default" }))).toBe(403);
    const whoami = await kubectl(sa.kubeconfigPath, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}");
    expect(whoami.stdout).toBe("system:serviceaccount:operator-system:kaito");
  });

  it.each([
    [{ user: "" }, "INVALID_INPUT", /user must be a non-empty string/],
    [{ user: "system:serviceaccount:a:b" }, "INVALID_INPUT", /pass \{ serviceAccount: \{ namespace, name \} \}/],
    [{ serviceAccount: { namespace: "x", name: "" } }, "INVALID_INPUT", /needs both namespace and name/],
    [
      { serviceAccount: { namespace: "no-such-namespace", name: "sa" } },
      "TOKEN_REQUEST_FAILED",
      /ServiceAccount no-such-namespace\/sa \(HTTP 404: namespaces "no-such-namespace" not found\)/,
    ],
  ])("bad identity %j: %s", async (identity, code, message) => {
    const e = await cp.kubeconfigFor(identity).catch((err: unknown) => err);
    expect(isEnvtestError(e) && e.code).toBe(code);
    expect((e as Error).message).toMatch(message);
  });
});

describe("admission webhooks served by the test process", () => {
  let server: Server;
  const seen: string[] = [];
  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it("the real API server calls a URL webhook with a caBundle and relays its denial", async () => {
    const tls = await webhookServerCertificate();
    server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString("utf8");
      });
      req.on("end", () => {
        const review = JSON.parse(body) as {
          request: {
            uid: string;
            operation: string;
            object: { metadata: { name: string; labels?: Record<string, string> } };
          };
        };
        const { uid, object } = review.request;
        seen.push(`${review.request.operation} ${object.metadata.name}`);
        const deny = object.metadata.labels?.forbidden === "true";
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            apiVersion: "admission.k8s.io/v1",
            kind: "AdmissionReview",
            response: deny
              ? {
                  uid,
                  allowed: false,
                  status: { code: 403, message: `ConfigMap ${object.metadata.name} carries forbidden=true` },
                }
              : { uid, allowed: true },
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    await cp.kubeConfig.makeApiClient(AdmissionregistrationV1Api).createValidatingWebhookConfiguration({
      body: {
        metadata: { name: "deny-forbidden-configmaps" },
        webhooks: [
          {
            name: "configmaps.envtest.example.com",
            clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle: tls.caBundleBase64 },
            rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"] }],
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "default" } },
            admissionReviewVersions: ["v1"],
            sideEffects: "None",
            failurePolicy: "Fail",
            timeoutSeconds: 5,
          },
        ],
      },
    });
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    // the webhook configuration takes effect asynchronously: retry until our server has been called
    let denied: ApiException<unknown> | undefined;
    for (let i = 0; i < 100 && denied === undefined; i++) {
      try {
        await core.createNamespacedConfigMap({
          namespace: "default",
          body: { metadata: { name: `bad-${i}`, labels: { forbidden: "true" } } },
        });
        await new Promise((r) => setTimeout(r, 100));
      } catch (e) {
        if (!(e instanceof ApiException)) throw e;
        denied = e;
      }
    }
    expect(denied?.code).toBe(403);
    const body = JSON.parse(String(denied?.body)) as { message: string };
    expect(body.message).toMatch(
      /admission webhook "configmaps\.envtest\.example\.com" denied the request: ConfigMap bad-\d+ carries forbidden=true/,
    );
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "good" } } });
    expect(seen).toContain("CREATE good");
  });
});
