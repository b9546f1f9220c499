import {
  isRegistryErrorCode,
  type OciErrorCode,
  OciRegistryError,
  type RegistryErrorDetail,
  redactUrl,
} from "../errors.ts";

/** Parses a registry error body `{"errors":[{code,message,detail}]}`; an empty list for anything else. */
export function parseRegistryErrors(body: string): RegistryErrorDetail[] {
  try {
    const data = JSON.parse(body) as unknown;
    if (typeof data !== "object" || data === null) return [];
    const errors = (data as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) return [];
    const out: RegistryErrorDetail[] = [];
    for (const e of errors) {
      if (typeof e !== "object" || e === null) continue;
      const r = e as Record<string, unknown>;
      if (typeof r.code !== "string") continue;
      out.push({
        code: r.code,
        message: typeof r.message === "string" ? r.message : "",
        ...(r.detail !== undefined ? { detail: r.detail } : {}),
      });
    }
    return out;
  } catch {
    return [];
  }
}

const HINTS: Partial<Record<OciErrorCode, string>> = {
  UNAUTHORIZED: "check the credentials (docker config.json given with --docker-config, or the push Secret)",
  DENIED: "the credentials are valid but lack permission for this repository; grant push/pull access",
  NAME_UNKNOWN: "the repository does not exist in this registry; check the reference",
  MANIFEST_UNKNOWN: "no manifest with this tag or digest; check the reference",
  BLOB_UNKNOWN: "the blob is not in this repository",
  MANIFEST_BLOB_UNKNOWN: "a blob the manifest points at is missing; push the blobs first",
  TOOMANYREQUESTS: "the registry rate-limits this client; wait and try again",
  UNAVAILABLE: "the registry is failing; try again later",
  NAME_INVALID: "the repository name is not accepted by the registry",
};

/** The hint appended to messages for a code, if any. */
export function hintFor(code: OciErrorCode): string | undefined {
  return HINTS[code];
}

function codeFromStatus(status: number, fallback404: OciErrorCode): OciErrorCode {
  if (status === 401) return "UNAUTHORIZED";
  if (status === 403) return "DENIED";
  if (status === 404) return fallback404;
  if (status === 429) return "TOOMANYREQUESTS";
  if (status >= 500) return "UNAVAILABLE";
  return "INVALID_RESPONSE";
}

/**
 * Maps a non-expected registry answer to an {@link OciRegistryError}: the body's first known error code, else one
 * derived from the status (`fallback404` for 404). The message names the method, the URL (without query), the
 * status and the registry's own message, plus a hint; no headers or secrets.
 */
export function errorFromResponse(
  method: string,
  url: URL,
  status: number,
  body: string,
  fallback404: OciErrorCode = "NAME_UNKNOWN",
): OciRegistryError {
  const registryErrors = parseRegistryErrors(body);
  const first = registryErrors[0];
  let code: OciErrorCode;
  if (first !== undefined && isRegistryErrorCode(first.code)) code = first.code;
  else if (first !== undefined) code = status >= 500 ? "UNAVAILABLE" : "UNKNOWN";
  else code = codeFromStatus(status, fallback404);
  const what =
    first !== undefined
      ? `${first.code}${first.message ? `: ${first.message}` : ""}`
      : body.trim() === ""
        ? "no error body"
        : `unexpected answer ${JSON.stringify(body.trim().slice(0, 120))}`;
  const hint = hintFor(code);
  return new OciRegistryError(
    code,
    `${method} ${redactUrl(url)} returned ${status} (${what})${hint !== undefined ? `; ${hint}` : ""}`,
    { status, url: redactUrl(url), registryErrors },
  );
}
