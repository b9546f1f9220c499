/** Kubeconfigs for identities other than the admin, so tests run subject to RBAC. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ApiException, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { EnvtestError } from "./errors.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import type { CertificateAuthority } from "./pki.ts";

/** Who a scoped kubeconfig authenticates as. */
export type ClusterIdentity =
  | {
      /** The Kubernetes user name (the client certificate's CN). */
      readonly user: string;
      /** The user's groups (the client certificate's O entries); `system:authenticated` is added by the server. */
      readonly groups?: readonly string[];
    }
  | {
      /** A ServiceAccount; it is created when missing (its namespace must exist). */
      readonly serviceAccount: { readonly namespace: string; readonly name: string };
      /** The token's lifetime in seconds (default 3600; the API server's minimum is 600). */
      readonly expirationSeconds?: number;
    };

/** A kubeconfig for one identity. */
export interface ScopedKubeconfig {
  /** The user name the API server sees (`system:serviceaccount:<ns>:<name>` for a service account). */
  readonly username: string;
  /** A client-node `KubeConfig`. */
  readonly kubeConfig: KubeConfig;
  /** The same as a file, for kubectl (`--kubeconfig`). */
  readonly kubeconfigPath: string;
}

let counter = 0;

function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 80);
}

/** Builds the kubeconfig of `identity` for the API server at `server`, using `admin` for TokenRequests. */
export async function scopedKubeconfig(input: {
  identity: ClusterIdentity;
  ca: CertificateAuthority;
  server: string;
  admin: KubeConfig;
  dir: string;
}): Promise<ScopedKubeconfig> {
  const { identity, ca, server, admin } = input;
  const dir = join(input.dir, "kubeconfigs");
  mkdirSync(dir, { recursive: true });
  if ("user" in identity) {
    if (typeof identity.user !== "string" || identity.user.trim() === "")
      throw new EnvtestError("INVALID_INPUT", "kubeconfigFor: user must be a non-empty string");
    if (identity.user.startsWith("system:serviceaccount:"))
      throw new EnvtestError(
        "INVALID_INPUT",
        `kubeconfigFor: user "${identity.user}" names a service account; pass { serviceAccount: { namespace, name } } to get a token instead`,
      );
    const credential = await ca.issue({
      commonName: identity.user,
      organizations: identity.groups ?? [],
      usage: "client",
    });
    const kubeconfigPath = join(dir, `${safeFileName(identity.user)}-${++counter}.kubeconfig`);
    const kubeConfig = writeKubeconfig(kubeconfigPath, {
      server,
      caCertificate: ca.cert,
      userName: identity.user,
      credential: { clientCertificate: credential.cert, clientKey: credential.key },
    });
    return { username: identity.user, kubeConfig, kubeconfigPath };
  }
  const { namespace, name } = identity.serviceAccount ?? {};
  if (!namespace || !name)
    throw new EnvtestError("INVALID_INPUT", "kubeconfigFor: serviceAccount needs both namespace and name");
  const where = `ServiceAccount ${namespace}/${name}`;
  const core = admin.makeApiClient(CoreV1Api);
  try {
    await core.readNamespacedServiceAccount({ namespace, name });
  } catch (e) {
    if (!(e instanceof ApiException && e.code === 404)) throw tokenError(where, e);
    try {
      await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name, namespace } } });
    } catch (create) {
      if (!(create instanceof ApiException && create.code === 409)) throw tokenError(where, create);
    }
  }
  let token: string | undefined;
  try {
    const tr = await core.createNamespacedServiceAccountToken({
      namespace,
      name,
      body: { spec: { audiences: [], expirationSeconds: identity.expirationSeconds ?? 3600 } },
    });
    token = tr.status?.token;
  } catch (e) {
    throw tokenError(where, e);
  }
  if (!token) throw tokenError(where, new Error("the TokenRequest answer had no status.token"));
  const kubeconfigPath = join(dir, `sa-${safeFileName(namespace)}-${safeFileName(name)}-${++counter}.kubeconfig`);
  const kubeConfig = writeKubeconfig(kubeconfigPath, {
    server,
    caCertificate: ca.cert,
    userName: `${namespace}/${name}`,
    credential: { token },
    namespace,
  });
  return { username: `system:serviceaccount:${namespace}:${name}`, kubeConfig, kubeconfigPath };
}

function tokenError(where: string, e: unknown): EnvtestError {
  const status = e instanceof ApiException ? ` (HTTP ${e.code}: ${statusMessage(e.body)})` : ` (${String(e)})`;
  return new EnvtestError(
    "TOKEN_REQUEST_FAILED",
    `kubeconfigFor: could not get a token for ${where}${status}; check that the namespace exists`,
    { cause: e },
  );
}

function statusMessage(body: unknown): string {
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === "string") return parsed.message;
    } catch {
      return body.slice(0, 200);
    }
  }
  if (typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string")
    return (body as { message: string }).message;
  return "no message";
}
