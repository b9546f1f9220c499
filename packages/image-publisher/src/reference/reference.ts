import { isDigest } from "../digest.ts";
import { OciRegistryError } from "../errors.ts";

/** A parsed, normalised image reference `registry/repository[:tag][@digest]`. */
export interface ImageReference {
  /** Registry host with optional port, e.g. `ghcr.io`, `localhost:5000`, `docker.io`. */
  readonly registry: string;
  /** Repository path, e.g. `library/ubuntu`, `kaito/adapters/phi-3`. */
  readonly repository: string;
  /** Tag, when given (or `latest` when neither tag nor digest was given). */
  readonly tag?: string;
  /** Digest, when given. */
  readonly digest?: string;
}

/** The Docker Hub registry name as written in references. */
export const DOCKER_HUB = "docker.io";
/** The host that serves Docker Hub's registry API. */
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const HOST =
  /^(?:\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]{1,5})?$/;

function fail(input: string, why: string): never {
  throw new OciRegistryError(
    "INVALID_REFERENCE",
    `invalid image reference "${input}": ${why}. Expected [registry[:port]/]repository[:tag][@sha256:<digest>], e.g. ghcr.io/org/adapter:v1`,
  );
}

/**
 * Parses and normalises an image reference: Docker Hub defaults (`docker.io`, `library/` for one-component names),
 * registry ports, `localhost`, the distribution spec's name and tag grammar, `latest` when no tag or digest is
 * given. Throws `INVALID_REFERENCE` with the reason.
 */
export function parseReference(input: string): ImageReference {
  const s = input.trim();
  if (s === "") fail(input, "it is empty");
  if (/\s/.test(s)) fail(input, "it contains whitespace");
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) fail(input, `"${digest}" is not a digest (sha256:<64 lowercase hex>)`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(input, `tag "${tag}" must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`);
  }
  if (rest === "") fail(input, "the repository name is missing");
  const parts = rest.split("/");
  let registry = DOCKER_HUB;
  const first = parts[0] ?? "";
  if (
    parts.length > 1 &&
    (first.includes(".") || first.includes(":") || first === "localhost" || /[A-Z]/.test(first))
  ) {
    registry = first;
    parts.shift();
    if (!HOST.test(registry)) fail(input, `registry "${registry}" is not a host[:port]`);
    const port = /:(\d+)$/.exec(registry)?.[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) fail(input, `port ${port} is out of range`);
  }
  if (registry === "index.docker.io" || registry === DOCKER_HUB_API_HOST) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift("library");
  for (const p of parts) {
    if (p === "") fail(input, "the repository has an empty path component (double or trailing slash)");
    if (/[A-Z]/.test(p)) fail(input, `repository component "${p}" must be lowercase`);
    if (!PATH_COMPONENT.test(p)) {
      fail(input, `repository component "${p}" must match [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*`);
    }
  }
  const repository = parts.join("/");
  if (repository.length + registry.length + 1 > 255) fail(input, "the name is longer than 255 characters");
  if (tag === undefined && digest === undefined) tag = "latest";
  return {
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** Formats a reference back to `registry/repository[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}

/** The host:port the registry API is served from (Docker Hub's API lives on `registry-1.docker.io`). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/** True for loopback registries (`localhost`, `127.0.0.0/8`, `[::1]`), where plain HTTP is common. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, "");
  return host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "[::1]";
}
