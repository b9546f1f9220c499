import type { OciErrorCode } from "../errors.ts";

/** Exit codes of `kaito-publish`. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** A registry error not covered below (e.g. MANIFEST_INVALID, DIGEST_MISMATCH). */
  failure: 1,
  /** Bad command line or malformed reference. */
  usage: 2,
  /** Missing or unusable local files (missing folder, not an adapter folder, `--wait-for` timeout). */
  input: 3,
  /** Wrong or insufficient credentials. */
  auth: 4,
  /** Registry unreachable, failing, or rate-limiting after the retries. */
  unavailable: 5,
  /** Interrupted (SIGINT/SIGTERM). */
  interrupted: 130,
} as const;

/** The exit code for an error code. */
export function exitCodeFor(code: OciErrorCode): number {
  switch (code) {
    case "INVALID_REFERENCE":
      return EXIT.usage;
    case "INVALID_INPUT":
    case "UNSAFE_ARCHIVE":
      return EXIT.input;
    case "UNAUTHORIZED":
    case "DENIED":
      return EXIT.auth;
    case "UNREACHABLE":
    case "UNAVAILABLE":
    case "TOOMANYREQUESTS":
      return EXIT.unavailable;
    case "ABORTED":
      return EXIT.interrupted;
    default:
      return EXIT.failure;
  }
}
