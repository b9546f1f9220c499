/**
 * Base URLs for a Kaito Workspace's inference Service (`<ws>`, port `http` 80 → 5000 in the pod), and URL hygiene.
 */
import { invalidRequest } from "./errors.ts";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkLabel(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 63 || !DNS_LABEL.test(value)) {
    throw invalidRequest(
      field,
      `must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function checkPort(field: string, port: unknown): string {
  if (typeof port === "number") {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw invalidRequest(field, `must be an integer port 1-65535 or a port name, got ${port}`);
    }
    return String(port);
  }
  if (typeof port === "string" && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(port) && port.length <= 15) return port;
  throw invalidRequest(
    field,
    `must be a port number or an IANA service name such as "http", got ${JSON.stringify(port)}`,
  );
}

/** Arguments of {@link workspaceServiceUrl}. */
export interface WorkspaceServiceUrlOptions {
  /** Workspace name (the Service has the same name). */
  readonly name: string;
  /** Namespace of the Workspace. */
  readonly namespace: string;
  /** Cluster DNS domain, default `cluster.local`. */
  readonly clusterDomain?: string;
  /** Service port, default 80 (Kaito's `http` port). */
  readonly port?: number;
}

/**
 * The in-cluster base URL of a Workspace's inference Service: `http://<ws>.<ns>.svc.<clusterDomain>:80`.
 * Throws `INVALID_REQUEST` for names that are not DNS labels.
 */
export function workspaceServiceUrl(options: WorkspaceServiceUrlOptions): string {
  const name = checkLabel("name", options.name);
  const namespace = checkLabel("namespace", options.namespace);
  const domain = (options.clusterDomain ?? "cluster.local").replace(/^\.+|\.+$/g, "");
  if (domain.length === 0 || !DNS_SUBDOMAIN.test(domain)) {
    throw invalidRequest(
      "clusterDomain",
      `must be a DNS domain such as "cluster.local", got ${JSON.stringify(options.clusterDomain)}`,
    );
  }
  const port = checkPort("port", options.port ?? 80);
  return `http://${name}.${namespace}.svc.${domain}:${port}`;
}

/** Arguments of {@link serviceProxyUrl}. */
export interface ServiceProxyUrlOptions {
  /** The API server URL, as in a kubeconfig cluster's `server` (may carry a path prefix, e.g. Rancher). */
  readonly server: string;
  /** Namespace of the Workspace. */
  readonly namespace: string;
  /** Workspace name (the Service has the same name). */
  readonly name: string;
  /** Service port number or name, default 80 (Kaito's `http` port; `"http"` works too). */
  readonly port?: number | string;
}

/**
 * The API-server service-proxy base URL of a Workspace's Service:
 * `<server>/api/v1/namespaces/<ns>/services/<name>:<port>/proxy`. Send the kubeconfig's bearer token in the
 * client's `headers` (`{ authorization: "Bearer …" }`).
 */
export function serviceProxyUrl(options: ServiceProxyUrlOptions): string {
  const server = parseHttpUrl("server", options.server);
  const namespace = checkLabel("namespace", options.namespace);
  const name = checkLabel("name", options.name);
  const port = checkPort("port", options.port ?? 80);
  const prefix = server.pathname.replace(/\/+$/, "");
  return `${server.origin}${prefix}/api/v1/namespaces/${namespace}/services/${name}:${port}/proxy`;
}

function parseHttpUrl(field: string, value: unknown): URL {
  if (typeof value !== "string" || value.trim() === "") {
    throw invalidRequest(field, `must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidRequest(field, `must be an absolute http(s) URL, got ${JSON.stringify(redactUrl(value))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalidRequest(field, `must use http or https, got ${JSON.stringify(url.protocol)}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw invalidRequest(field, "must not contain credentials; pass them with apiKey or headers");
  }
  if (url.search !== "" || url.hash !== "") {
    throw invalidRequest(field, "must not have a query or fragment; pass tokens with apiKey or headers");
  }
  return url;
}

/**
 * Normalises a client `baseURL` to the server root: trailing slashes and a trailing `/v1` are removed, so both
 * `http://host:80` and `http://host:80/v1/` give `http://host:80` (the client adds `/v1/…`, `/health`, `/chat`).
 */
export function normalizeBaseUrl(baseURL: unknown): string {
  const url = parseHttpUrl("baseURL", baseURL);
  const path = url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
  return `${url.origin}${path}`;
}

/** A URL fit for messages: credentials, query and fragment removed. Never throws. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return value.replace(/\/\/[^/@]*@/, "//").replace(/[?#].*$/, "");
  }
}
