/**
 * OCI image references, following the distribution-spec grammar `[registry[:port]/]name[:tag][@digest]`.
 *
 * @packageDocumentation
 */

/** The parts of a parsed image reference. */
export interface ImageReference {
  /** Registry host, e.g. `myregistry.azurecr.io` or `localhost`; absent for Docker Hub short names. */
  readonly registry?: string;
  /** Registry port, e.g. `5000`. */
  readonly port?: number;
  /** Repository path, e.g. `tuning/phi-3-adapter`. */
  readonly repository: string;
  /** Tag, e.g. `0.0.1`. */
  readonly tag?: string;
  /** Digest, e.g. `sha256:…`. */
  readonly digest?: string;
}

/** Result of {@link parseImageReference}: the parts, or why the text is not a reference. */
export type ImageReferenceResult =
  | { readonly ok: true; readonly reference: ImageReference }
  | {
      readonly ok: false;
      /** One line: `invalid reference format: <problems>`. */
      readonly message: string;
      /** Each problem found, most important first. */
      readonly problems: readonly string[];
    };

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const NAME_MAX_LENGTH = 255;

function looksLikeRegistry(first: string): boolean {
  return first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("[");
}

function checkRegistry(registry: string, problems: string[]): { host: string; port?: number } {
  let host = registry;
  let port: number | undefined;
  const bracket = registry.startsWith("[") ? registry.indexOf("]") : -1;
  const colon = registry.lastIndexOf(":");
  if (colon > bracket) {
    host = registry.slice(0, colon);
    const portText = registry.slice(colon + 1);
    const n = Number(portText);
    if (!/^[0-9]+$/.test(portText) || n < 1 || n > 65535) {
      problems.push(`registry port "${portText}" is not a number between 1 and 65535`);
    } else {
      port = n;
    }
  }
  if (host.startsWith("[")) {
    if (!/^\[[0-9a-fA-F:.]+\]$/.test(host)) problems.push(`registry host "${host}" is not a valid IPv6 literal`);
    return port === undefined ? { host } : { host, port };
  }
  const parts = host.split(".");
  if (parts.some((p) => !DOMAIN_COMPONENT.test(p))) {
    const bad = [...new Set([...host].filter((c) => !/[a-zA-Z0-9.-]/.test(c)))];
    const detail =
      bad.length > 0
        ? `${bad.map((c) => `"${c}"`).join(", ")} ${bad.length === 1 ? "is" : "are"} not allowed (letters, digits, "-" and "." only)`
        : "each dot-separated part must start and end with a letter or digit";
    problems.push(`registry host "${host}" is not a valid host name: ${detail}`);
  }
  return port === undefined ? { host } : { host, port };
}

/**
 * Parse an OCI image reference: `[registry[:port]/]name[:tag][@digest]`.
 *
 * The first path component is the registry when it contains `.` or `:` or is `localhost` (as Docker decides).
 * Repository path components are lowercase alphanumerics joined by `.`, `_`, `__` or dashes; the whole name is at
 * most 255 characters; a tag matches `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`; a digest is `algorithm:hex` (64 hex
 * digits for sha256). Problems are named precisely, e.g. `repository name must be lowercase ("IMAGE_NAME_HERE")`.
 *
 * @example
 * parseImageReference("localhost:5000/tuning/phi-3-adapter:0.0.1")
 * // { ok: true, reference: { registry: "localhost", port: 5000, repository: "tuning/phi-3-adapter", tag: "0.0.1" } }
 */
export function parseImageReference(text: string): ImageReferenceResult {
  return fastParse(text) ?? slowParse(text);
}

/** The whole grammar in one anchored expression, for the common valid case. */
const FAST =
  /^(?:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::([0-9]{1,5}))?\/)?([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/;

function fastParse(text: string): ImageReferenceResult | undefined {
  const m = FAST.exec(text);
  if (m === null) return undefined;
  const [, host, portText, path = "", tag, digest] = m;
  const reference: { registry?: string; port?: number; repository: string; tag?: string; digest?: string } = {
    repository: path,
  };
  if (host !== undefined) {
    if (portText === undefined && !host.includes(".") && host !== "localhost") {
      // not a registry after all (Docker's rule): the first path component; must then be lowercase
      if (/[A-Z]/.test(host)) return undefined;
      reference.repository = `${host}/${path}`;
    } else {
      const port = portText === undefined ? undefined : Number(portText);
      if (port !== undefined && (port < 1 || port > 65535)) return undefined;
      reference.registry = host;
      if (port !== undefined) reference.port = port;
    }
  }
  const nameLength =
    text.length - (tag === undefined ? 0 : tag.length + 1) - (digest === undefined ? 0 : digest.length + 1);
  if (nameLength > NAME_MAX_LENGTH) return undefined;
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return { ok: true, reference };
}

function slowParse(text: string): ImageReferenceResult {
  const problems: string[] = [];
  const fail = (): ImageReferenceResult => ({
    ok: false,
    message: `invalid reference format: ${problems.join("; ")}`,
    problems,
  });
  if (text.length === 0) {
    problems.push("the image reference is empty");
    return fail();
  }
  if (/\s/.test(text)) problems.push("it contains whitespace");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    problems.push(`remove the "${text.slice(0, text.indexOf("://") + 3)}" scheme: an image reference is not a URL`);
    return fail();
  }

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      problems.push(`digest "${digest}" must be <algorithm>:<hex>, e.g. sha256: followed by 64 hex digits`);
    } else if (/^sha256:/i.test(digest) && digest.length !== 7 + 64) {
      problems.push(`sha256 digest "${digest}" must have exactly 64 hex digits`);
    } else if (/^sha512:/i.test(digest) && digest.length !== 7 + 128) {
      problems.push(`sha512 digest "${digest}" must have exactly 128 hex digits`);
    }
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > rest.lastIndexOf("/")) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) {
      problems.push(
        tag.length === 0
          ? "the tag after ':' is empty"
          : `tag "${tag}" must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127} (at most 128 characters, not starting with '.' or '-')`,
      );
    }
  }
  if (rest.length === 0) {
    problems.push("the repository name is empty");
    return fail();
  }
  const components = rest.split("/");
  let registry: string | undefined;
  let port: number | undefined;
  const first = components[0] ?? "";
  if (components.length > 1 && looksLikeRegistry(first)) {
    components.shift();
    const r = checkRegistry(first, problems);
    registry = r.host;
    port = r.port;
  }
  const repository = components.join("/");
  const upper = components.filter((c) => /[A-Z]/.test(c));
  if (upper.length > 0) {
    problems.unshift(`repository name must be lowercase (${upper.map((c) => `"${c}"`).join(", ")})`);
  }
  for (const c of components) {
    if (c.length === 0) {
      problems.push(`repository "${repository}" has an empty path component (leading, trailing or double "/")`);
    } else if (!PATH_COMPONENT.test(c.toLowerCase())) {
      problems.push(
        `repository path component "${c}" must be lowercase letters and digits separated by ".", "_", "__" or "-" (not at the start or end)`,
      );
    }
  }
  if (rest.length > NAME_MAX_LENGTH) {
    problems.push(`the repository name is ${rest.length} characters long (at most ${NAME_MAX_LENGTH} allowed)`);
  }
  if (problems.length > 0) return fail();
  const reference: {
    registry?: string;
    port?: number;
    repository: string;
    tag?: string;
    digest?: string;
  } = { repository };
  if (registry !== undefined) reference.registry = registry;
  if (port !== undefined) reference.port = port;
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return { ok: true, reference };
}
