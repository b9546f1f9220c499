/**
 * An in-memory {@link KubernetesObjectPort} for tests: objects keyed by apiVersion/kind/namespace/name, 409 on
 * duplicate create, 404 on patch of a missing object, JSON merge patch, deletion that honours finalizers (sets
 * `deletionTimestamp` and waits for them to be removed), and a log of the writes.
 */
import { randomUUID } from "node:crypto";
import type { JsonMergePatch, KubeObject, KubernetesObjectPort, ListQuery, ObjectRef } from "../types.ts";

/** An error as a real client reports it: an HTTP `statusCode` and a Kubernetes `reason`. */
export class MemoryPortError extends Error {
  /** HTTP status. */
  readonly statusCode: number;
  /** `AlreadyExists`, `NotFound`, … */
  readonly reason: string;
  /** @param statusCode - HTTP status; @param reason - Kubernetes reason. */
  constructor(statusCode: number, reason: string, message: string) {
    super(message);
    this.name = "MemoryPortError";
    this.statusCode = statusCode;
    this.reason = reason;
  }
}

/** One write seen by a {@link MemoryObjectPort}. */
export interface MemoryPortWrite {
  readonly verb: "create" | "patch" | "delete";
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
}

/** A {@link KubernetesObjectPort} over a map, with test helpers. */
export interface MemoryObjectPort extends KubernetesObjectPort {
  /** Every write, in order. */
  readonly writes: MemoryPortWrite[];
  /** Puts an object as it is (no 409, no defaults beyond uid/resourceVersion): seeds nodes, status updates. */
  put<T extends KubeObject>(object: T): T;
  /** Every stored object of a kind. */
  all<T extends KubeObject>(apiVersion: string, kind: string): T[];
  /** Makes the next calls of `verb` reject with this HTTP status (once per entry). */
  failNext(verb: "get" | "list" | "create" | "patch" | "delete", statusCode: number, message?: string): void;
}

function keyOf(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${apiVersion}|${kind}|${namespace ?? ""}|${name}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** RFC 7386 merge. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A new in-memory port. */
export function memoryObjectPort(): MemoryObjectPort {
  const objects = new Map<string, KubeObject>();
  const failures: { verb: string; statusCode: number; message: string }[] = [];
  let rv = 1;
  const writes: MemoryPortWrite[] = [];
  const clone = <T>(o: T): T => structuredClone(o);
  const maybeFail = (verb: string) => {
    const i = failures.findIndex((f) => f.verb === verb);
    if (i < 0) return;
    const [f] = failures.splice(i, 1);
    if (f !== undefined) throw new MemoryPortError(f.statusCode, "InjectedFailure", f.message);
  };
  const refKey = (ref: ObjectRef) => keyOf(ref.apiVersion, ref.kind, ref.namespace, ref.name);
  const stamp = (o: KubeObject): void => {
    o.metadata.uid ??= randomUUID();
    o.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, "Z");
    o.metadata.resourceVersion = String(rv++);
  };
  const port: MemoryObjectPort = {
    writes,
    async get<T extends KubeObject>(ref: ObjectRef) {
      maybeFail("get");
      const o = objects.get(refKey(ref));
      return o === undefined ? undefined : (clone(o) as T);
    },
    async list<T extends KubeObject>(query: ListQuery) {
      maybeFail("list");
      const out: T[] = [];
      for (const o of objects.values()) {
        if (o.apiVersion !== query.apiVersion || o.kind !== query.kind) continue;
        if (query.namespace !== undefined && o.metadata.namespace !== query.namespace) continue;
        const labels = o.metadata.labels ?? {};
        let ok = true;
        for (const [k, v] of Object.entries(query.labelSelector ?? {})) if (labels[k] !== v) ok = false;
        if (ok) out.push(clone(o) as T);
      }
      return out;
    },
    async create<T extends KubeObject>(object: T) {
      maybeFail("create");
      const name = object.metadata.name ?? "";
      const key = keyOf(object.apiVersion, object.kind, object.metadata.namespace, name);
      if (objects.has(key)) {
        throw new MemoryPortError(409, "AlreadyExists", `${object.kind} "${name}" already exists`);
      }
      const stored = clone(object);
      stamp(stored);
      objects.set(key, stored);
      writes.push({ verb: "create", kind: object.kind, name, namespace: object.metadata.namespace });
      return clone(stored);
    },
    async patch<T extends KubeObject>(ref: ObjectRef, patch: JsonMergePatch) {
      maybeFail("patch");
      const key = refKey(ref);
      const o = objects.get(key);
      if (o === undefined) throw new MemoryPortError(404, "NotFound", `${ref.kind} "${ref.name}" not found`);
      const next = mergePatch(o, patch) as KubeObject;
      next.metadata.resourceVersion = String(rv++);
      writes.push({ verb: "patch", kind: ref.kind, name: ref.name, namespace: ref.namespace });
      if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) objects.delete(key);
      else objects.set(key, next);
      return clone(next) as T;
    },
    async delete(ref: ObjectRef) {
      maybeFail("delete");
      const key = refKey(ref);
      const o = objects.get(key);
      if (o === undefined) return false;
      writes.push({ verb: "delete", kind: ref.kind, name: ref.name, namespace: ref.namespace });
      if ((o.metadata.finalizers ?? []).length > 0) {
        o.metadata.deletionTimestamp ??= new Date().toISOString();
        o.metadata.resourceVersion = String(rv++);
      } else {
        objects.delete(key);
      }
      return true;
    },
    put<T extends KubeObject>(object: T): T {
      const stored = clone(object);
      stamp(stored);
      objects.set(keyOf(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name ?? ""), stored);
      return clone(stored);
    },
    all<T extends KubeObject>(apiVersion: string, kind: string): T[] {
      return [...objects.values()]
        .filter((o) => o.apiVersion === apiVersion && o.kind === kind)
        .map((o) => clone(o) as T);
    },
    failNext(verb, statusCode, message = `injected ${statusCode} on ${verb}`) {
      failures.push({ verb, statusCode, message });
    },
  };
  return port;
}
