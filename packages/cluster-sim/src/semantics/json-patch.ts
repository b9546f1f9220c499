/**
 * JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7386), with the real server's error shapes: a body that is not an
 * operation list is a 400 BadRequest; an operation that cannot be applied (missing path, failed `test`) is a 422
 * `the server rejected our request due to an error in our request` whose cause carries the json-patch library's text
 * (a failed `test` has empty `details`, as the real server answers it; the text stays in the error's `cause`).
 */
import { badRequest, ClusterSimError } from "../errors/index.ts";
import { cloneJson, isPlainObject, jsonEqual } from "./schema-types.ts";

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}

class OpFailure extends Error {}

/** The apiserver's limit on operations in one JSON patch (413 beyond it). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** A failed `test` operation: the real server answers it with empty `details` (no cause naming the operation). */
class TestFailure extends OpFailure {}

function fail(index: number, op: unknown, detail: string, withCause = true): ClusterSimError {
  const o = isPlainObject(op) ? op : {};
  const where = `operation ${index} (${String(o.op ?? "?")} ${String(o.path ?? "")})`;
  return new ClusterSimError("Invalid", "the server rejected our request due to an error in our request", {
    details: withCause ? { causes: [{ reason: "UnexpectedServerResponse", message: detail }] } : {},
    cause: new Error(`JSON patch ${where} failed: ${detail}`),
  });
}

/** Splits a JSON pointer (`/a/b~1c/0`) into unescaped tokens; `""` is the whole document. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new OpFailure(`JSON pointer must be empty or start with a "/": ${pointer}`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

type Container = Record<string, unknown> | unknown[];

function arrayIndex(token: string, length: number, forAdd: boolean): number {
  if (forAdd && token === "-") return length;
  if (!/^(0|[1-9]\d*)$/.test(token))
    throw new OpFailure(`Unable to access invalid index: ${token}: invalid index referenced`);
  const i = Number(token);
  if (i > length || (!forAdd && i === length)) {
    throw new OpFailure(`Unable to access invalid index: ${i}: invalid index referenced`);
  }
  return i;
}

/** Finds the parent container of the pointer's last token. */
function resolveParent(
  doc: unknown,
  tokens: string[],
  opName: string,
  pointer: string,
): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(t) || Number(t) >= cur.length) {
        throw new OpFailure(
          `${opName} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}: missing value`,
        );
      }
      cur = cur[Number(t)];
    } else if (isPlainObject(cur) && Object.hasOwn(cur, t)) {
      cur = cur[t];
    } else {
      throw new OpFailure(
        `${opName} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}: missing value`,
      );
    }
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) {
    throw new OpFailure(
      `${opName} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}: missing value`,
    );
  }
  return { parent: cur, key: tokens[tokens.length - 1] ?? "" };
}

function getAt(doc: unknown, pointer: string, opName: string): unknown {
  const tokens = parseJsonPointer(pointer);
  if (tokens.length === 0) return doc;
  const { parent, key } = resolveParent(doc, tokens, opName, pointer);
  if (Array.isArray(parent)) return parent[arrayIndex(key, parent.length, false)];
  if (!Object.hasOwn(parent, key)) {
    throw new OpFailure(`${opName} operation does not apply: doc is missing key: ${pointer}: missing value`);
  }
  return parent[key];
}

function addAt(doc: unknown, pointer: string, value: unknown, opName: string): unknown {
  const tokens = parseJsonPointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = resolveParent(doc, tokens, opName, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, true), 0, value);
  else parent[key] = value;
  return doc;
}

function removeAt(doc: unknown, pointer: string, opName: string): { doc: unknown; removed: unknown } {
  const tokens = parseJsonPointer(pointer);
  if (tokens.length === 0) throw new OpFailure(`${opName} operation does not apply: cannot remove the whole document`);
  const { parent, key } = resolveParent(doc, tokens, opName, pointer);
  if (Array.isArray(parent)) {
    const i = arrayIndex(key, parent.length, false);
    return { doc, removed: parent.splice(i, 1)[0] };
  }
  if (!Object.hasOwn(parent, key)) {
    throw new OpFailure(`Unable to remove nonexistent key: ${key}: missing value`);
  }
  const removed = parent[key];
  delete parent[key];
  return { doc, removed };
}

function validateOp(op: unknown, index: number): JsonPatchOperation {
  if (!isPlainObject(op))
    throw badRequest(`json: cannot unmarshal ${typeof op} into Go value of type jsonpatch.Operation`);
  const kind = op.op;
  if (typeof kind !== "string" || !["add", "remove", "replace", "move", "copy", "test"].includes(kind)) {
    throw fail(index, op, `Unexpected kind: ${String(kind ?? "")}`);
  }
  if (typeof op.path !== "string") throw fail(index, op, `${kind} operation failed to decode path`);
  if ((kind === "move" || kind === "copy") && typeof op.from !== "string") {
    throw fail(index, op, `${kind} operation failed to decode from`);
  }
  if ((kind === "add" || kind === "replace" || kind === "test") && !Object.hasOwn(op, "value")) {
    throw fail(index, op, `${kind} operation has no value`);
  }
  return op as unknown as JsonPatchOperation;
}

/**
 * Applies an RFC 6902 JSON patch to a copy of `doc` (the input is not modified). Operations: add, remove, replace,
 * move, copy, test; `-` appends to arrays; `~0`/`~1` escapes. A non-array body throws a 400; a failing operation
 * throws a 422 `ClusterSimError` whose cause names the operation index and the failure (e.g.
 * `testing value /spec/x failed: test failed`).
 */
export function applyJsonPatch<T>(doc: T, ops: unknown): T {
  if (!Array.isArray(ops)) {
    throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ClusterSimError(
      "RequestEntityTooLarge",
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  }
  let cur: unknown = cloneJson(doc);
  ops.forEach((raw, index) => {
    const op = validateOp(raw, index);
    try {
      switch (op.op) {
        case "add":
          cur = addAt(cur, op.path, cloneJson(op.value), "add");
          break;
        case "remove":
          cur = removeAt(cur, op.path, "remove").doc;
          break;
        case "replace": {
          const tokens = parseJsonPointer(op.path);
          if (tokens.length === 0) {
            cur = cloneJson(op.value);
            break;
          }
          const { parent, key } = resolveParent(cur, tokens, "replace", op.path);
          if (Array.isArray(parent)) {
            parent[arrayIndex(key, parent.length, false)] = cloneJson(op.value);
          } else {
            if (!Object.hasOwn(parent, key)) {
              throw new OpFailure(`replace operation does not apply: doc is missing key: ${op.path}: missing value`);
            }
            parent[key] = cloneJson(op.value);
          }
          break;
        }
        case "move": {
          const from = op.from ?? "";
          if (op.path.startsWith(`${from}/`)) {
            throw new OpFailure(`move operation does not apply: cannot move ${from} into its own child ${op.path}`);
          }
          const value = getAt(cur, from, "move");
          cur = removeAt(cur, from, "move").doc;
          cur = addAt(cur, op.path, value, "move");
          break;
        }
        case "copy": {
          const value = getAt(cur, op.from ?? "", "copy");
          cur = addAt(cur, op.path, cloneJson(value), "copy");
          break;
        }
        case "test": {
          let actual: unknown;
          try {
            actual = getAt(cur, op.path, "test");
          } catch {
            actual = undefined;
          }
          if (actual === undefined ? op.value !== null : !jsonEqual(actual, op.value)) {
            throw new TestFailure(`testing value ${op.path} failed: test failed`);
          }
          break;
        }
      }
    } catch (e) {
      if (e instanceof OpFailure) throw fail(index, op, e.message, !(e instanceof TestFailure));
      throw e;
    }
  });
  return cur as T;
}

function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return cloneJson(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergeInto(out[k], v);
  }
  return out;
}

/**
 * Applies an RFC 7386 JSON merge patch and returns a new document: objects merge recursively, `null` deletes a key,
 * anything else (arrays included) replaces. A non-object patch replaces the whole document.
 */
export function applyMergePatch<T>(doc: T, patch: unknown): T {
  return mergeInto(cloneJson(doc), patch) as T;
}
