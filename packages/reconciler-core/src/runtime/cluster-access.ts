/**
 * How the REST client reaches an API server: its URL, and the headers and TLS settings of each request. Two sources:
 * - {@link kubeConfigAccess}: `@kubernetes/client-node`'s `KubeConfig` (every kubeconfig feature: exec plugins,
 *   auth providers, client certificates, proxies);
 * - {@link inClusterAccess}: the pod's ServiceAccount (token and CA mounted under
 *   `/var/run/secrets/kubernetes.io/serviceaccount`, `KUBERNETES_SERVICE_HOST`/`_PORT`), as client-go's
 *   `rest.InClusterConfig`. It needs nothing from client-node: a process that only runs in a pod never loads
 *   client-node's generated API (≈ 85 MB of resident memory).
 *
 * This module imports client-node for types only, so that choosing the in-cluster path really leaves it unloaded.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { AgentOptions, RequestOptions } from "node:https";
import { join } from "node:path";
import type { KubeConfig, RequestContext } from "@kubernetes/client-node";
import { Agent, type Dispatcher, ProxyAgent } from "undici";
import { ReconcilerError } from "../errors.ts";

/** What each request carries: headers (`Authorization`) and the undici dispatcher with the TLS settings. */
export interface ClusterCredentials {
  readonly headers: Readonly<Record<string, string>>;
  /** `undefined`: undici's global dispatcher (plain HTTP, or HTTPS with the system's CAs). */
  readonly dispatcher: Dispatcher | undefined;
}

/** One API server and how to authenticate to it. */
export interface ClusterAccess {
  /** The API server's base URL without a trailing slash, e.g. `https://10.0.0.1:443`. */
  readonly server: string;
  /**
   * The credentials for the next requests. The REST client calls it again once its copy is older than
   * `authCacheSeconds`, so rotating tokens (bound ServiceAccount tokens, exec plugins) are picked up.
   */
  credentials(): Promise<ClusterCredentials>;
}

/** What {@link KubeRestClient} and {@link Manager} connect with: a client-node `KubeConfig` or a {@link ClusterAccess}. */
export type ClusterConnection = KubeConfig | ClusterAccess;

/** True when `c` is a {@link ClusterAccess} (not a `KubeConfig`). */
export function isClusterAccess(c: ClusterConnection): c is ClusterAccess {
  return typeof (c as Partial<ClusterAccess>).credentials === "function";
}

/** The {@link ClusterAccess} of `c`: itself, or {@link kubeConfigAccess} of a `KubeConfig`. */
export function toClusterAccess(c: ClusterConnection): ClusterAccess {
  return isClusterAccess(c) ? c : kubeConfigAccess(c);
}

/**
 * Access through client-node's `KubeConfig` of its current context: its authentication (tokens, client
 * certificates, exec plugins, auth providers), TLS and proxy settings.
 *
 * One dispatcher (connection pool) serves every request: HTTP/1.1 with the kubeconfig's TLS and HTTP proxy settings
 * (see {@link inClusterAccess} for why not HTTP/2); through a SOCKS proxy, client-node's own dispatcher.
 * @throws ReconcilerError `INVALID_ARGUMENT` when the kubeconfig has no current cluster.
 * @example
 * const kc = new KubeConfig(); kc.loadFromDefault();
 * const client = new KubeRestClient(kubeConfigAccess(kc)); // the same as new KubeRestClient(kc)
 */
export function kubeConfigAccess(kc: KubeConfig): ClusterAccess {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) {
    throw new ReconcilerError("INVALID_ARGUMENT", "the kubeconfig has no current cluster: set current-context");
  }
  // Made once, on the first call (concurrent first calls share it).
  let pool: Promise<Dispatcher | undefined> | undefined;
  return {
    server: cluster.server.replace(/\/+$/, ""),
    async credentials() {
      const headers: Record<string, string> = {};
      let dispatcher: Dispatcher | undefined;
      // The two calls `applySecurityAuthentication` makes on its context; constructing client-node's own
      // RequestContext would load client-node's generated API.
      const context = {
        setHeaderParam: (name: string, value: string) => {
          headers[name] = value;
        },
        setDispatcher: (d: Dispatcher) => {
          dispatcher = d;
        },
      };
      await kc.applySecurityAuthentication(context as unknown as RequestContext);
      pool ??= http1Dispatcher(kc, cluster, dispatcher);
      return { headers, dispatcher: await pool };
    },
  };
}

/**
 * The dispatcher for a kubeconfig's cluster: an HTTP/1.1 agent (or HTTP proxy agent) with the options client-node
 * would use (no TLS options: the system's CAs), or client-node's own (`fallback`) through a SOCKS proxy.
 */
async function http1Dispatcher(
  kc: KubeConfig,
  cluster: NonNullable<ReturnType<KubeConfig["getCurrentCluster"]>>,
  fallback: Dispatcher | undefined,
): Promise<Dispatcher | undefined> {
  const tls: RequestOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const agentOptions: AgentOptions = {
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    pfx: tls.pfx,
    passphrase: tls.passphrase,
    ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  };
  const options = kc.createDispatcherOptions(cluster, agentOptions);
  if (options.type === "none") return new Agent({ allowH2: false }); // the system's CAs
  // client-node types the same undici options with its own copy of the types.
  if (options.type === "agent")
    return new Agent({ connect: options.connect as NonNullable<Agent.Options["connect"]>, allowH2: false });
  if (options.type === "proxy") {
    return new ProxyAgent({
      uri: options.uri,
      requestTls: options.requestTls as NonNullable<ProxyAgent.Options["requestTls"]>,
      connect: options.connect as NonNullable<Agent.Options["connect"]>,
      allowH2: false,
    });
  }
  return fallback; // a SOCKS proxy: client-node's connector
}

/** Where {@link inClusterAccess} looks; the defaults are what Kubernetes gives every pod. */
export interface InClusterAccessOptions {
  /** Directory of `token` and `ca.crt` (default `/var/run/secrets/kubernetes.io/serviceaccount`). */
  readonly serviceAccountDir?: string;
  /** Environment with `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The directory Kubernetes mounts a pod's ServiceAccount token, CA and namespace into. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * Access from inside a pod, as client-go's `rest.InClusterConfig`: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`,
 * trusting the mounted `ca.crt`, with the mounted ServiceAccount `token` as bearer token — read again on every
 * {@link ClusterAccess.credentials} call, since Kubernetes rotates bound tokens. Loads nothing from client-node.
 * @throws ReconcilerError `INVALID_ARGUMENT` when the variables are unset (not in a pod) or `ca.crt` is unreadable.
 * Reading the token fails later, per request, with `UNAUTHORIZED`. No message carries the token.
 * @example
 * const mgr = new Manager({ kubeConfig: inClusterAccess() });
 */
export function inClusterAccess(opts: InClusterAccessOptions = {}): ClusterAccess {
  const env = opts.env ?? process.env;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || host === "" || port === undefined || port === "") {
    throw new ReconcilerError(
      "INVALID_ARGUMENT",
      "in-cluster access needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, which Kubernetes sets in every pod: outside a pod, use a kubeconfig",
    );
  }
  const dir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const caPath = join(dir, "ca.crt");
  const tokenPath = join(dir, "token");
  let ca: string;
  try {
    ca = readFileSync(caPath, "utf8");
  } catch (e) {
    throw new ReconcilerError(
      "INVALID_ARGUMENT",
      `cannot read the ServiceAccount CA ${caPath} (${(e as NodeJS.ErrnoException).code ?? String(e)}): mount the ServiceAccount token into the pod (automountServiceAccountToken: true) or use a kubeconfig`,
      { cause: e },
    );
  }
  // HTTP/1.1: undici 8's HTTP/2 client throws an uncaught exception when the server closes an idle session (an API
  // server restart would crash the process); kube-apiserver serves both.
  const dispatcher = new Agent({ connect: { ca }, allowH2: false });
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    async credentials() {
      let token: string;
      try {
        token = (await readFile(tokenPath, "utf8")).trim();
      } catch (e) {
        throw new ReconcilerError(
          "UNAUTHORIZED",
          `cannot read the ServiceAccount token ${tokenPath} (${(e as NodeJS.ErrnoException).code ?? "unreadable"}): mount the ServiceAccount token into the pod (automountServiceAccountToken: true)`,
        );
      }
      if (token === "") {
        throw new ReconcilerError("UNAUTHORIZED", `the ServiceAccount token ${tokenPath} is empty`);
      }
      return { headers: { authorization: `Bearer ${token}` }, dispatcher };
    },
  };
}
