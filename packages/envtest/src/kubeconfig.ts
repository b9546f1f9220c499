/** Kubeconfig files (JSON, which kubectl and client-node read as YAML) and client-node `KubeConfig`s for them. */
import { writeFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";

/** The credential of a kubeconfig user: a client certificate or a bearer token. */
export type KubeconfigCredential =
  | { readonly clientCertificate: string; readonly clientKey: string }
  | { readonly token: string };

/** What one kubeconfig holds: one cluster, one user, one context. */
export interface KubeconfigSpec {
  /** The API server URL. */
  readonly server: string;
  /** The CA certificate of the API server (PEM). */
  readonly caCertificate: string;
  /** The user's name in the file (not necessarily the Kubernetes user name). */
  readonly userName: string;
  /** The credential. */
  readonly credential: KubeconfigCredential;
  /** The context's default namespace. */
  readonly namespace?: string;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** The kubeconfig document for `spec`, as JSON text; the credential is embedded (`*-data` fields, `token`). */
export function kubeconfigText(spec: KubeconfigSpec): string {
  const user =
    "token" in spec.credential
      ? { token: spec.credential.token }
      : {
          "client-certificate-data": b64(spec.credential.clientCertificate),
          "client-key-data": b64(spec.credential.clientKey),
        };
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "envtest", cluster: { server: spec.server, "certificate-authority-data": b64(spec.caCertificate) } },
    ],
    users: [{ name: spec.userName, user }],
    contexts: [
      {
        name: "envtest",
        context: { cluster: "envtest", user: spec.userName, ...(spec.namespace ? { namespace: spec.namespace } : {}) },
      },
    ],
    "current-context": "envtest",
    preferences: {},
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Writes the kubeconfig of `spec` to `path` (mode 0600) and returns a client-node `KubeConfig` loaded from it. */
export function writeKubeconfig(path: string, spec: KubeconfigSpec): KubeConfig {
  const text = kubeconfigText(spec);
  writeFileSync(path, text, { mode: 0o600 });
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kc;
}
