/**
 * The one error family of `@kaito-ts/image-publisher`: {@link OciRegistryError}, with the registry's own error codes
 * (distribution spec §"Error Codes") and a few client-side ones. Messages never carry secrets.
 */

/** Error codes a registry returns in its `{"errors":[{"code":…}]}` body (distribution spec). */
export const REGISTRY_ERROR_CODES = [
  "BLOB_UNKNOWN",
  "BLOB_UPLOAD_INVALID",
  "BLOB_UPLOAD_UNKNOWN",
  "DIGEST_INVALID",
  "MANIFEST_BLOB_UNKNOWN",
  "MANIFEST_INVALID",
  "MANIFEST_UNKNOWN",
  "NAME_INVALID",
  "NAME_UNKNOWN",
  "SIZE_INVALID",
  "UNAUTHORIZED",
  "DENIED",
  "UNSUPPORTED",
  "TOOMANYREQUESTS",
] as const;

/** A registry error code from the distribution spec. */
export type RegistryErrorCode = (typeof REGISTRY_ERROR_CODES)[number];

/**
 * Every code an {@link OciRegistryError} can carry: the registry's codes, plus
 * - `INVALID_REFERENCE`: an image reference that does not parse;
 * - `INVALID_INPUT`: a missing or unusable local file or folder, or a bad option;
 * - `UNSAFE_ARCHIVE`: a tar entry with an absolute path, `..`, or a link escaping the target folder;
 * - `DIGEST_MISMATCH`: content whose digest differs from the one expected (pull verification, registry answers);
 * - `INVALID_RESPONSE`: a registry answer that is not what the protocol says (garbage, missing headers);
 * - `UNAVAILABLE`: the registry kept answering 5xx after the retries;
 * - `UNREACHABLE`: no connection to the registry (refused, DNS, reset) after the retries;
 * - `ABORTED`: cancelled through an `AbortSignal`;
 * - `UNKNOWN`: any other registry error.
 */
export type OciErrorCode =
  | RegistryErrorCode
  | "INVALID_REFERENCE"
  | "INVALID_INPUT"
  | "UNSAFE_ARCHIVE"
  | "DIGEST_MISMATCH"
  | "INVALID_RESPONSE"
  | "UNAVAILABLE"
  | "UNREACHABLE"
  | "ABORTED"
  | "UNKNOWN";

/** One entry of a registry's error body. */
export interface RegistryErrorDetail {
  /** The registry's code, as sent (e.g. `"BLOB_UNKNOWN"`). */
  readonly code: string;
  /** The registry's message. */
  readonly message: string;
  /** The registry's optional detail object. */
  readonly detail?: unknown;
}

/** Options of {@link OciRegistryError}. */
export interface OciRegistryErrorOptions {
  /** HTTP status of the registry answer, when there was one. */
  readonly status?: number;
  /** The request URL without its query string (query strings may carry upload state). */
  readonly url?: string;
  /** The registry's error entries, when the body had them. */
  readonly registryErrors?: readonly RegistryErrorDetail[];
  /** The underlying error. */
  readonly cause?: unknown;
}

const BRAND: unique symbol = Symbol.for("@kaito-ts/image-publisher/OciRegistryError") as never;

/** An error from the OCI client, the layouts or the CLI; `code` says what kind. */
export class OciRegistryError extends Error {
  /** Brand checked by {@link isOciRegistryError}, valid across copies of this package. */
  readonly [BRAND] = true;
  /** What kind of failure this is. */
  readonly code: OciErrorCode;
  /** HTTP status of the registry answer, when there was one. */
  readonly status: number | undefined;
  /** The request URL without its query string. */
  readonly url: string | undefined;
  /** The registry's error entries, when its body had them. */
  readonly registryErrors: readonly RegistryErrorDetail[];
  /**
   * The registry's own code for this failure, as sent (the first entry of its error body), e.g. `"DENIED"` or a
   * vendor code outside the distribution spec; `undefined` when the body had none. {@link OciRegistryError.code} is
   * ours: named after the spec's code where the meaning is the same, `UNKNOWN` for a code the spec does not define.
   */
  readonly registryCode: string | undefined;

  /** Creates an error; `message` must say what is wrong, where, and how to fix it, and carry no secrets. */
  constructor(code: OciErrorCode, message: string, options: OciRegistryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OciRegistryError";
    this.code = code;
    this.status = options.status;
    this.url = options.url;
    this.registryErrors = options.registryErrors ?? [];
    this.registryCode = this.registryErrors[0]?.code;
  }
}

/** True when `e` is an {@link OciRegistryError} (also across copies of this package, via a `Symbol.for` brand). */
export function isOciRegistryError(e: unknown): e is OciRegistryError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** True when `code` is one of the distribution spec's registry error codes. */
export function isRegistryErrorCode(code: string): code is RegistryErrorCode {
  return (REGISTRY_ERROR_CODES as readonly string[]).includes(code);
}

/** Removes the query string and any userinfo from a URL, for messages. */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.href;
  } catch {
    return String(url).replace(/\?.*$/, "");
  }
}
