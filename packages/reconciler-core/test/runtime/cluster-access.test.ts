/**
 * `ClusterAccess` without a server: the in-cluster variables and files (and the errors when they are missing), the
 * server URL, the token read per call, `kubeConfigAccess` over client-node's `KubeConfig`, and that the package's
 * runtime loads nothing of client-node (so that a process using `inClusterAccess` never pays for it).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { ProxyAgent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isClientNodeModule, modulesLoaded } from "../support/modules-loaded.ts";
import { isReconcilerError } from "../../src/errors.ts";
import {
  inClusterAccess,
  isClusterAccess,
  kubeConfigAccess,
  SERVICE_ACCOUNT_DIR,
  toClusterAccess,
} from "../../src/runtime/index.ts";

// Any PEM text will do: nothing connects in this file.
const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const ENV = { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kaito-ts-sa-unit-"));
  writeFileSync(join(dir, "ca.crt"), CA);
  writeFileSync(join(dir, "token"), "token-one\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isReconcilerError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected a ReconcilerError");
}

describe("inClusterAccess: bad input", () => {
  const cases: Array<{ name: string; env: Record<string, string | undefined>; saDir?: string; message: RegExp }> = [
    {
      name: "no KUBERNETES_SERVICE_HOST",
      env: { KUBERNETES_SERVICE_PORT: "443" },
      message: /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT.*outside a pod, use a kubeconfig/,
    },
    {
      name: "no KUBERNETES_SERVICE_PORT",
      env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" },
      message: /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT/,
    },
    {
      name: "an empty KUBERNETES_SERVICE_HOST",
      env: { KUBERNETES_SERVICE_HOST: "", KUBERNETES_SERVICE_PORT: "443" },
      message: /KUBERNETES_SERVICE_HOST/,
    },
    {
      name: "no ca.crt in the ServiceAccount folder",
      env: ENV,
      saDir: "/nonexistent/serviceaccount",
      message:
        /cannot read the ServiceAccount CA \/nonexistent\/serviceaccount\/ca\.crt \(ENOENT\).*automountServiceAccountToken/,
    },
  ];
  it.each(cases)("$name → INVALID_ARGUMENT saying what to do", ({ env, saDir, message }) => {
    const e = thrown(() => inClusterAccess({ env, serviceAccountDir: saDir ?? dir }));
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toMatch(message);
  });

  it("defaults to the folder Kubernetes mounts", () => {
    expect(SERVICE_ACCOUNT_DIR).toBe("/var/run/secrets/kubernetes.io/serviceaccount");
  });

  it("a missing or empty token fails the request (UNAUTHORIZED), naming the file", async () => {
    const empty = mkdtempSync(join(tmpdir(), "kaito-ts-sa-unit-"));
    try {
      writeFileSync(join(empty, "ca.crt"), CA);
      const access = inClusterAccess({ env: ENV, serviceAccountDir: empty });
      await expect(access.credentials()).rejects.toMatchObject({
        code: "UNAUTHORIZED",
        message: expect.stringMatching(/cannot read the ServiceAccount token .*token \(ENOENT\)/),
      });
      writeFileSync(join(empty, "token"), "\n");
      await expect(access.credentials()).rejects.toMatchObject({
        code: "UNAUTHORIZED",
        message: expect.stringContaining("is empty"),
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("inClusterAccess", () => {
  it.each([
    ["10.0.0.1", "443", "https://10.0.0.1:443"],
    ["fd00::1", "6443", "https://[fd00::1]:6443"],
    ["kubernetes.default.svc", "443", "https://kubernetes.default.svc:443"],
  ])("host %s, port %s → %s", (host, port, server) => {
    const access = inClusterAccess({
      env: { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port },
      serviceAccountDir: dir,
    });
    expect(access.server).toBe(server);
  });

  it("sends the token as a bearer token, read again on every call (bound tokens rotate), with the CA's dispatcher", async () => {
    const access = inClusterAccess({ env: ENV, serviceAccountDir: dir });
    const first = await access.credentials();
    expect(first.headers).toEqual({ authorization: "Bearer token-one" });
    expect(first.dispatcher).toBeDefined();
    writeFileSync(join(dir, "token"), "token-two");
    const second = await access.credentials();
    expect(second.headers).toEqual({ authorization: "Bearer token-two" });
    // One connection pool for the life of the access.
    expect(second.dispatcher).toBe(first.dispatcher);
  });
});

describe("kubeConfigAccess", () => {
  function kubeConfig(server: string | undefined): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters:
        server === undefined
          ? []
          : [{ name: "c", server, caData: Buffer.from(CA).toString("base64"), skipTLSVerify: false }],
      users: [{ name: "u", token: "kc-token" }],
      contexts: [{ name: "ctx", cluster: "c", user: "u" }],
      currentContext: "ctx",
    });
    return kc;
  }

  it("takes the current cluster's server (no trailing slash) and the user's token", async () => {
    const access = kubeConfigAccess(kubeConfig("https://example.test:6443/"));
    expect(access.server).toBe("https://example.test:6443");
    const creds = await access.credentials();
    expect(creds.headers).toMatchObject({ Authorization: "Bearer kc-token" });
    // client-node makes a new dispatcher per call; the first is kept (one connection pool).
    expect(creds.dispatcher).toBeDefined();
    expect((await access.credentials()).dispatcher).toBe(creds.dispatcher);
  });

  it("without TLS settings (the system's CAs) still gets its own connection pool", async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: "https://public.example.test", skipTLSVerify: false }],
      users: [{ name: "u", token: "kc-token" }],
      contexts: [{ name: "ctx", cluster: "c", user: "u" }],
      currentContext: "ctx",
    });
    const access = kubeConfigAccess(kc);
    const creds = await access.credentials();
    expect(creds.dispatcher).toBeDefined();
    expect((await access.credentials()).dispatcher).toBe(creds.dispatcher);
  });

  it("through an HTTP proxy (proxy-url): an HTTP/1.1 proxy agent", async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        { name: "c", server: "https://example.test", proxyUrl: "http://proxy.example.test:3128", skipTLSVerify: false },
      ],
      users: [{ name: "u", token: "kc-token" }],
      contexts: [{ name: "ctx", cluster: "c", user: "u" }],
      currentContext: "ctx",
    });
    const creds = await kubeConfigAccess(kc).credentials();
    expect(creds.dispatcher).toBeInstanceOf(ProxyAgent);
  });

  it("a kubeconfig without a current cluster → INVALID_ARGUMENT", () => {
    const e = thrown(() => kubeConfigAccess(kubeConfig(undefined)));
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toContain("set current-context");
  });

  it("toClusterAccess passes a ClusterAccess through and wraps a KubeConfig", () => {
    const access = inClusterAccess({ env: ENV, serviceAccountDir: dir });
    expect(isClusterAccess(access)).toBe(true);
    expect(toClusterAccess(access)).toBe(access);
    const kc = kubeConfig("https://example.test");
    expect(isClusterAccess(kc)).toBe(false);
    expect(toClusterAccess(kc).server).toBe("https://example.test");
  });
});

describe("the runtime without client-node", () => {
  it("importing @kaito-ts/reconciler-core and the Karpenter provisioner loads no module of @kubernetes/client-node", () => {
    const loaded = modulesLoaded(fileURLToPath(new URL("..", import.meta.url)), [
      "@kaito-ts/reconciler-core",
      "@kaito-ts/node-provisioner/karpenter",
    ]);
    expect(loaded.length).toBeGreaterThan(50);
    expect(loaded.filter(isClientNodeModule)).toEqual([]);
  });
});
