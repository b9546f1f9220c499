/**
 * A small in-memory ClusterStore honouring the contract the simulation relies on: resourceVersion, generation,
 * status subresource writes, optimistic concurrency, generateName, finalizers and deletionTimestamp, pod grace
 * periods, garbage collection of dependents, and synchronous subscribe events.
 */
import { randomUUID } from "node:crypto";
import type {
  ClusterStore,
  DeleteOptions,
  KubeObject,
  ListOptions,
  PatchType,
  ResourceKey,
  StoreEvent,
  WriteOptions,
} from "../../src/store/api.ts";

/** A store error carrying a Kubernetes Status, like the real store's. */
export class StoreDoubleError extends Error {
  readonly status: { kind: "Status"; status: "Failure"; reason: string; code: number; message: string };
  constructor(reason: string, code: number, message: string) {
    super(message);
    this.status = { kind: "Status", status: "Failure", reason, code, message };
  }
}

const WITH_STATUS = new Set([
  "pods",
  "nodes",
  "services",
  "deployments",
  "replicasets",
  "statefulsets",
  "jobs",
  "nodeclaims",
]);

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Json = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function stable(v: unknown): string {
  if (!isObj(v)) return Array.isArray(v) ? `[${v.map(stable).join(",")}]` : JSON.stringify(v);
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${k}:${stable(v[k])}`)
    .join(",")}}`;
}

function withoutMetaStatus(o: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = o;
  return stable(rest);
}

function matchesLabelSelector(selector: string, labels: Record<string, string>): boolean {
  for (const part of selector.split(",").map((s) => s.trim())) {
    if (part === "") continue;
    const inMatch = /^([^\s!]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (inMatch) {
      const values = (inMatch[3] ?? "").split(",").map((s) => s.trim());
      const has = Object.hasOwn(labels, inMatch[1] ?? "");
      const inSet = has && values.includes(labels[inMatch[1] ?? ""] ?? "");
      if (inMatch[2] === "in" ? !inSet : inSet) return false;
    } else if (part.includes("!=")) {
      const [k, v] = part.split("!=");
      if (labels[k ?? ""] === v) return false;
    } else if (part.includes("=")) {
      const [k, v] = part.split(/==?/);
      if (labels[k ?? ""] !== v) return false;
    } else if (part.startsWith("!")) {
      if (Object.hasOwn(labels, part.slice(1))) return false;
    } else if (!Object.hasOwn(labels, part)) return false;
  }
  return true;
}

function fieldValue(o: KubeObject, path: string): string {
  let cur: unknown = o;
  for (const p of path.split(".")) cur = isObj(cur) ? cur[p] : undefined;
  return typeof cur === "string" ? cur : cur === undefined ? "" : String(cur);
}

function matchesFieldSelector(selector: string, o: KubeObject): boolean {
  return selector
    .split(",")
    .filter((p) => p !== "")
    .every((part) => {
      const neg = part.includes("!=");
      const [k, v] = part.split(neg ? "!=" : /==?/);
      const actual = fieldValue(o, k ?? "");
      return neg ? actual !== v : actual === v;
    });
}

/** The in-memory store double. `writes` counts every committed write (for tests that check no busy loops). */
export class StoreDouble implements ClusterStore {
  readonly #objects = new Map<string, { resource: ResourceKey; object: KubeObject }>();
  readonly #listeners = new Set<(e: StoreEvent) => void>();
  #rv = 0;
  writes = 0;

  #key(resource: ResourceKey, namespace: string | undefined, name: string): string {
    return `${resource.group}/${resource.resource}|${namespace ?? ""}|${name}`;
  }

  #emit(type: StoreEvent["type"], resource: ResourceKey, object: KubeObject): void {
    this.writes++;
    for (const l of [...this.#listeners]) l({ type, resource, object: structuredClone(object) });
  }

  get(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined {
    const e = this.#objects.get(this.#key(resource, namespace, name));
    return e ? structuredClone(e.object) : undefined;
  }

  list(resource: ResourceKey, options: ListOptions = {}): KubeObject[] {
    const out: KubeObject[] = [];
    for (const e of this.#objects.values()) {
      if (e.resource.group !== resource.group || e.resource.resource !== resource.resource) continue;
      if (options.namespace !== undefined && e.object.metadata.namespace !== options.namespace) continue;
      if (options.labelSelector && !matchesLabelSelector(options.labelSelector, e.object.metadata.labels ?? {}))
        continue;
      if (options.fieldSelector && !matchesFieldSelector(options.fieldSelector, e.object)) continue;
      out.push(structuredClone(e.object));
    }
    return out;
  }

  create(resource: ResourceKey, object: KubeObject, options: WriteOptions = {}): KubeObject {
    if (options.subresource) throw new StoreDoubleError("MethodNotAllowed", 405, "create of a subresource");
    const o = structuredClone(object);
    const meta = o.metadata;
    if (!meta.name && meta.generateName) {
      const alphabet = "bcdfghjklmnpqrstvwxz2456789";
      meta.name = meta.generateName + [...Array(5)].map(() => alphabet[Math.floor(Math.random() * 27)]).join("");
    }
    if (!meta.name) throw new StoreDoubleError("Invalid", 422, "name or generateName is required");
    const key = this.#key(resource, meta.namespace, meta.name);
    if (this.#objects.has(key)) {
      throw new StoreDoubleError("AlreadyExists", 409, `${resource.resource} "${meta.name}" already exists`);
    }
    meta.uid = randomUUID();
    meta.resourceVersion = String(++this.#rv);
    meta.generation = 1;
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    delete meta.deletionTimestamp;
    if (WITH_STATUS.has(resource.resource) && resource.resource !== "nodes") delete o.status;
    if (resource.resource === "secrets" && isObj(o.stringData)) {
      const data = isObj(o.data) ? o.data : {};
      for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(String(v)).toString("base64");
      o.data = data;
      delete o.stringData;
    }
    this.#objects.set(key, { resource, object: o });
    this.#emit("ADDED", resource, o);
    return structuredClone(o);
  }

  update(resource: ResourceKey, object: KubeObject, options: WriteOptions = {}): KubeObject {
    const name = object.metadata.name ?? "";
    const key = this.#key(resource, object.metadata.namespace, name);
    const cur = this.#objects.get(key);
    if (!cur) throw new StoreDoubleError("NotFound", 404, `${resource.resource} "${name}" not found`);
    const old = cur.object;
    const rv = object.metadata.resourceVersion;
    if (rv !== undefined && rv !== old.metadata.resourceVersion) {
      throw new StoreDoubleError(
        "Conflict",
        409,
        `Operation cannot be fulfilled on ${resource.resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    let next: KubeObject;
    if (options.subresource === "status") {
      next = { ...structuredClone(old), status: structuredClone(object.status) };
    } else {
      next = structuredClone(object);
      next.metadata = { ...next.metadata };
      for (const k of ["uid", "creationTimestamp", "generation"] as const) {
        if (old.metadata[k] !== undefined) next.metadata[k] = old.metadata[k] as never;
      }
      if (old.metadata.deletionTimestamp) next.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
      else delete next.metadata.deletionTimestamp;
      if (WITH_STATUS.has(resource.resource)) next.status = structuredClone(old.status);
      if (withoutMetaStatus(next) !== withoutMetaStatus(old))
        next.metadata.generation = (old.metadata.generation ?? 1) + 1;
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion ?? "";
    if (stable(next) === stable(old)) return structuredClone(old);
    next.metadata.resourceVersion = String(++this.#rv);
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      this.#objects.delete(key);
      this.#emit("DELETED", resource, next);
      this.#collect(next);
      return structuredClone(next);
    }
    cur.object = next;
    this.#emit("MODIFIED", resource, next);
    return structuredClone(next);
  }

  patch(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    if (type !== "merge" && type !== "strategic") {
      throw new StoreDoubleError("UnsupportedMediaType", 415, `patch type ${type} not supported by the double`);
    }
    const cur = this.get(resource, namespace, name);
    if (!cur) throw new StoreDoubleError("NotFound", 404, `${resource.resource} "${name}" not found`);
    const next = mergePatch(cur, patch) as KubeObject;
    if (!isObj(patch) || !isObj(patch.metadata) || patch.metadata.resourceVersion === undefined) {
      next.metadata.resourceVersion = cur.metadata.resourceVersion ?? "";
    }
    return this.update(resource, next, options);
  }

  delete(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject | undefined {
    const key = this.#key(resource, namespace, name);
    const cur = this.#objects.get(key);
    if (!cur) throw new StoreDoubleError("NotFound", 404, `${resource.resource} "${name}" not found`);
    const o = cur.object;
    if (options.preconditionUid !== undefined && options.preconditionUid !== o.metadata.uid) {
      throw new StoreDoubleError("Conflict", 409, "uid precondition failed");
    }
    const graceful =
      resource.resource === "pods" &&
      isObj(o.spec) &&
      typeof o.spec.nodeName === "string" &&
      options.gracePeriodSeconds !== 0 &&
      !(isObj(o.status) && (o.status.phase === "Succeeded" || o.status.phase === "Failed"));
    if ((o.metadata.finalizers ?? []).length > 0 || (graceful && o.metadata.deletionGracePeriodSeconds !== 0)) {
      if (o.metadata.deletionTimestamp && !(options.gracePeriodSeconds === 0 && graceful)) return structuredClone(o);
      const next = structuredClone(o);
      next.metadata.deletionTimestamp ??= new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      if (graceful) next.metadata.deletionGracePeriodSeconds = options.gracePeriodSeconds ?? 30;
      if ((next.metadata.finalizers ?? []).length === 0 && next.metadata.deletionGracePeriodSeconds === 0) {
        this.#objects.delete(key);
        this.#emit("DELETED", resource, next);
        this.#collect(next);
        return undefined;
      }
      next.metadata.resourceVersion = String(++this.#rv);
      cur.object = next;
      this.#emit("MODIFIED", resource, next);
      return structuredClone(next);
    }
    this.#objects.delete(key);
    this.#emit("DELETED", resource, o);
    if (options.propagationPolicy !== "Orphan") this.#collect(o);
    return undefined;
  }

  /** Background garbage collection: delete every object owned by `owner`. */
  #collect(owner: KubeObject): void {
    const uid = owner.metadata.uid;
    for (const e of [...this.#objects.values()]) {
      if (e.object.metadata.ownerReferences?.some((r) => r.uid === uid)) {
        const { namespace, name } = e.object.metadata;
        if (this.#objects.has(this.#key(e.resource, namespace, name ?? ""))) {
          this.delete(e.resource, namespace, name ?? "");
        }
      }
    }
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
