/**
 * `inClusterAccess` against the real kube-apiserver (envtest): a ServiceAccount's token and the cluster CA laid out as
 * Kubernetes mounts them into a pod. The real authenticator and RBAC judge: the token is what is sent (the
 * ServiceAccount's RoleBinding decides), a rotated token is picked up, a wrong CA fails the TLS handshake — and no
 * message carries the token. `kubeConfigAccess` reaches the same server through client-node's `KubeConfig`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ControlPlane, startControlPlane, webhookServerCertificate } from "@kaito-ts/envtest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isReconcilerError, type ReconcilerError } from "../../src/errors.ts";
import {
  inClusterAccess,
  KubeRestClient,
  kubeConfigAccess,
  Manager,
  Resources,
  type ResourceType,
} from "../../src/runtime/index.ts";

const NS = "access-test";
const SA = { namespace: NS, name: "reader" };
const roles: ResourceType = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  resource: "roles",
  kind: "Role",
  namespaced: true,
};
const roleBindings: ResourceType = { ...roles, resource: "rolebindings", kind: "RoleBinding" };

let cp: ControlPlane;
let dir: string;
let token: string;
let env: { KUBERNETES_SERVICE_HOST: string; KUBERNETES_SERVICE_PORT: string };

beforeAll(async () => {
  cp = await startControlPlane();
  const admin = new KubeRestClient(cp.kubeConfig);
  await admin.create(Resources.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  // The ServiceAccount may read ConfigMaps in its namespace, nothing else.
  await admin.create(roles, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "configmap-reader", namespace: NS },
    rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
  });
  await admin.create(roleBindings, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "reader", namespace: NS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "configmap-reader" },
    subjects: [{ kind: "ServiceAccount", ...SA }],
  });
  await admin.create(Resources.ConfigMap, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "settings", namespace: NS },
    data: { a: "1" },
  });
  const scoped = await cp.kubeconfigFor({ serviceAccount: SA });
  token = scoped.kubeConfig.getCurrentUser()?.token ?? "";
  expect(token).not.toBe("");
  // As Kubernetes mounts them into a pod.
  dir = mkdtempSync(join(tmpdir(), "kaito-ts-sa-"));
  writeFileSync(join(dir, "token"), token);
  writeFileSync(join(dir, "ca.crt"), cp.caCertificate);
  const url = new URL(cp.url);
  env = { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port };
}, 120_000);

afterAll(async () => {
  await cp?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<ReconcilerError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isReconcilerError(e)) throw new Error(`expected a ReconcilerError, got ${String(e)}`);
  return e;
}

describe("inClusterAccess on the real API server", () => {
  it("authenticates as the ServiceAccount: what its Role allows works, the rest is Forbidden", async () => {
    const client = new KubeRestClient(inClusterAccess({ env, serviceAccountDir: dir }));
    expect((await client.get(Resources.ConfigMap, NS, "settings"))?.data).toEqual({ a: "1" });
    const e = await failure(client.list(Resources.Secret, { namespace: NS }));
    expect(e.code).toBe("FORBIDDEN");
    expect(e.message).toContain(`system:serviceaccount:${NS}:${SA.name}`);
  });

  it("reads the token again (rotation): a bad token is UNAUTHORIZED, the good one works again; no message shows it", async () => {
    const client = new KubeRestClient(inClusterAccess({ env, serviceAccountDir: dir }), { authCacheSeconds: 0 });
    const bogus = "not-a-valid-token-0123456789";
    writeFileSync(join(dir, "token"), bogus);
    try {
      const e = await failure(client.get(Resources.ConfigMap, NS, "settings"));
      expect(e.code).toBe("UNAUTHORIZED");
      expect(e.message).not.toContain(bogus);
      expect(e.message).not.toContain(token);
    } finally {
      writeFileSync(join(dir, "token"), token);
    }
    expect((await client.get(Resources.ConfigMap, NS, "settings"))?.data).toEqual({ a: "1" });
  });

  it("trusts only the mounted CA: another CA fails the TLS handshake with UNREACHABLE", async () => {
    const otherDir = mkdtempSync(join(tmpdir(), "kaito-ts-sa-"));
    try {
      writeFileSync(join(otherDir, "token"), token);
      writeFileSync(join(otherDir, "ca.crt"), (await webhookServerCertificate()).caBundle);
      const client = new KubeRestClient(inClusterAccess({ env, serviceAccountDir: otherDir }));
      const e = await failure(client.get(Resources.ConfigMap, NS, "settings"));
      expect(e.code).toBe("UNREACHABLE");
      expect(e.message).toContain(cp.url);
      expect(e.message).not.toContain(token);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it("runs a Manager: its informer syncs through the ServiceAccount", async () => {
    const mgr = new Manager({ kubeConfig: inClusterAccess({ env, serviceAccountDir: dir }) });
    const configMaps = mgr.informer(Resources.ConfigMap, { namespace: NS });
    await mgr.start();
    try {
      await configMaps.waitForSync(30_000);
      expect(configMaps.list().map((o) => o.metadata.name)).toEqual(["settings"]);
    } finally {
      await mgr.stop();
    }
  });
});

describe("kubeConfigAccess on the real API server", () => {
  it("reaches the server with the kubeconfig's client certificate, as KubeRestClient(kubeConfig) does", async () => {
    const viaAccess = new KubeRestClient(kubeConfigAccess(cp.kubeConfig));
    const direct = new KubeRestClient(cp.kubeConfig);
    expect((await viaAccess.get(Resources.ConfigMap, NS, "settings"))?.data).toEqual({ a: "1" });
    expect((await viaAccess.list(Resources.Secret, { namespace: NS })).items).toEqual(
      (await direct.list(Resources.Secret, { namespace: NS })).items,
    );
  });
});
