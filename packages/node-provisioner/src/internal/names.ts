/**
 * Deterministic node names: `ws` + 9 hex characters of sha256(UID, index). Derived from the Workspace's UID and the
 * node's index (Kaito uses the clock), so a retry after a crash finds what it created. 11 characters matching
 * `^[a-z][a-z0-9]{0,11}$`: valid NodeClaim names and valid AKS agent pool names.
 */
import { createHash } from "node:crypto";

/** Pattern of an AKS agent pool name (Linux): lowercase letter, then up to 11 lowercase letters or digits. */
export const AKS_POOL_NAME_PATTERN = /^[a-z][a-z0-9]{0,11}$/;

/** The name of node `index` (0-based) of the Workspace with UID `uid`. */
export function nodeNameFor(uid: string, index: number): string {
  const hex = createHash("sha256").update(`${uid}/${index}`).digest("hex");
  return `ws${hex.slice(0, 9)}`;
}

/**
 * The first `count` names of the Workspace with UID `uid` that are not in `taken`, lowest index first, so that
 * replacing a lost node reuses its name once the old object is gone.
 */
export function nextNodeNames(uid: string, taken: ReadonlySet<string>, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count && i < taken.size + count + 1024; i++) {
    const name = nodeNameFor(uid, i);
    if (!taken.has(name)) out.push(name);
  }
  return out;
}
