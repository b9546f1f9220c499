/**
 * The in-memory implementation of {@link ClusterStore}: objects, one monotonic resourceVersion, generation rules,
 * status subresource rules, optimistic concurrency, finalizers, graceful pod deletion, namespace termination, the
 * garbage collector for ownerReferences, a bounded watch history per resource type, and in-process admission hooks.
 */
import { randomUUID } from "node:crypto";
import {
  defaultBuiltinOnCreate,
  defaultBuiltinOnWrite,
  unknownBuiltinFields,
  validateBuiltin,
} from "../builtin/defaults.ts";
import type { ResourceDefinition } from "../builtin/types.ts";
import {
  alreadyExists,
  badRequest,
  ClusterSimError,
  conflict,
  expired,
  type FieldCause,
  forbidden,
  invalid,
  isClusterSimError,
  notFound,
  pathNotFound,
} from "../errors/index.ts";
import {
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  strictUnknownFieldsMessage,
  unknownFieldWarning,
  unsupportedFieldSelectorMessage,
} from "../semantics/index.ts";
import type {
  ClusterStore,
  DeleteOptions,
  KubeObject,
  ListOptions,
  OwnerReference,
  PatchType,
  ResourceKey,
  StoreEvent,
  StoreEventType,
  WriteOptions,
} from "./api.ts";
import { crdStatus, validateCrd } from "./crd.ts";
import { cloneJson, deepEqual, isObject, nowRfc3339, randomSuffix } from "./json.ts";
import { validateName } from "./names.ts";
import { applyPatch, type PatchContext } from "./patching.ts";
import { groupResourceKey, Registry } from "./registry.ts";
import { prepareCustomResource } from "./schema-pipeline.ts";
import { recordManagedFields } from "./managed-fields.ts";

/** `fieldValidation` modes. */
export type FieldValidation = "Strict" | "Warn" | "Ignore";

/** Write options beyond the public {@link WriteOptions}, used by the HTTP layer. */
export interface StoreWriteOptions extends WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Server-side apply `force`. */
  force?: boolean;
  /** The namespace named by the request URL. */
  namespace?: string;
  /** Internal: a create done by a server-side apply keeps the managedFields the apply computed. */
  applyCreate?: boolean;
}

/** Delete options beyond the public {@link DeleteOptions}. */
export interface StoreDeleteOptions extends DeleteOptions {
  dryRun?: boolean;
  preconditionResourceVersion?: string;
}

/** A write's result with the warnings the server sends as `Warning:` headers. */
export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  /** True when a create happened (POST, or an apply patch / PUT that created). */
  created: boolean;
}

/** A delete's result: the object's last state and whether it is gone. */
export interface DeleteResult {
  object: KubeObject;
  removed: boolean;
}

/** A committed change with its resourceVersion and the previous state. */
export interface InternalEvent extends StoreEvent {
  rv: number;
  groupResource: string;
  oldObject?: KubeObject;
}

/** What in-process admission hooks see. */
export interface AdmissionAttributes {
  operation: "CREATE" | "UPDATE" | "DELETE";
  resource: ResourceKey;
  kind: { group: string; version: string; kind: string };
  subresource?: string;
  namespace?: string;
  name: string;
  /** The object after the change (mutable for mutating hooks); absent on DELETE. */
  object?: KubeObject;
  oldObject?: KubeObject;
  dryRun: boolean;
}

/**
 * An in-process admission hook. `mutate` may change `attrs.object` in place; `validate` returns a denial message
 * (or throws a `ClusterSimError`) to reject the request.
 */
export interface AdmissionHook {
  name: string;
  mutate?: (attrs: AdmissionAttributes) => void;
  validate?: (attrs: AdmissionAttributes) => string | undefined;
}

/** Tunables of the store. */
export interface MemoryStoreOptions {
  /** Watch events retained per resource type (older resourceVersions answer 410 Gone). Default 5000. */
  historySize?: number;
  /**
   * How long a pod with a grace period stays Terminating before the store removes it. Default 50 ms. Not used while
   * a kubelet handles pod termination (`startCluster` with the simulation): the kubelet removes the pod once its
   * processes have stopped or the grace period has passed.
   */
  podTerminationDelayMs?: number;
  /**
   * Maintain `metadata.managedFields` on non-apply writes, as the real server does. Default true. Turning it off
   * makes in-process writes about 2–4× faster; server-side apply still records its own managers.
   */
  trackManagedFields?: boolean;
}

interface Entry {
  obj: KubeObject;
  /** Cached JSON of `obj` (at the storage version). */
  json?: string;
}

interface ResourceState {
  groupResource: string;
  items: Map<string, Entry>;
  history: InternalEvent[];
  historyStart: number;
  /** Events with rv <= compactedRv are gone from the history. */
  compactedRv: number;
  /** Item keys in order (rebuilt after an insert or removal). */
  sortedKeys: string[] | undefined;
}

const itemKey = (namespace: string | undefined, name: string): string => `${namespace ?? ""}/${name}`;

/** The in-memory store. */
export class MemoryStore implements ClusterStore {
  readonly registry = new Registry();
  private rv = 1000;
  private readonly states = new Map<string, ResourceState>();
  private readonly listeners = new Set<(e: InternalEvent) => void>();
  private readonly publicListeners = new Set<(e: StoreEvent) => void>();
  private readonly byUid = new Map<string, { gr: string; key: string }>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly hooks: AdmissionHook[] = [];
  private readonly historySize: number;
  private readonly podTerminationDelayMs: number;
  private readonly trackManagedFields: boolean;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly jsonCache = new WeakMap<KubeObject, string>();
  /** How many running kubelets took over the removal of terminating pods (see deferPodRemovalToKubelet). */
  private kubeletHandoffs = 0;
  private gcQueue: Array<() => void> = [];
  private gcScheduled = false;
  private ipCounter = 10;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.historySize = options.historySize ?? 5000;
    this.podTerminationDelayMs = options.podTerminationDelayMs ?? 50;
    this.trackManagedFields = options.trackManagedFields ?? true;
    for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      this.create(
        { group: "", version: "v1", resource: "namespaces" },
        {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name },
        },
      );
    }
    this.create(
      { group: "", version: "v1", resource: "services" },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name: "kubernetes",
          namespace: "default",
          labels: { component: "apiserver", provider: "kubernetes" },
        },
        spec: { clusterIP: "10.96.0.1", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] },
      },
    );
  }

  /** The latest committed resourceVersion. */
  currentResourceVersion(): string {
    return String(this.rv);
  }

  /** Stops the timers of graceful deletions. */
  /**
   * Leaves the final removal of gracefully deleted pods to a kubelet (the simulation's: it removes a pod with grace 0
   * once its containers have stopped or the grace period has passed), instead of the store's
   * `podTerminationDelayMs` timer. Returns the function that gives the job back to the store; pods still terminating
   * then get the store's timer.
   */
  deferPodRemovalToKubelet(): () => void {
    this.kubeletHandoffs++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.kubeletHandoffs--;
      if (this.kubeletHandoffs > 0) return;
      const def = this.registry.get("", "v1", "pods");
      if (!def) return;
      for (const e of this.state(def).items.values()) {
        if (e.obj.metadata.deletionTimestamp !== undefined && (e.obj.metadata.deletionGracePeriodSeconds ?? 0) > 0)
          this.scheduleGracefulRemoval(def, e.obj.metadata.namespace, e.obj.metadata.name ?? "");
      }
    };
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  // ---------------------------------------------------------------- resolution

  /** The definition served at `key` (any version for a known group/resource), or a NotFound error. */
  definition(key: ResourceKey): ResourceDefinition {
    const def =
      this.registry.get(key.group, key.version, key.resource) ??
      (key.version === "" ? this.registry.storageDefinition(key.group, key.resource) : undefined);
    if (!def) throw pathNotFound();
    return def;
  }

  private storageDef(def: ResourceDefinition): ResourceDefinition {
    return this.registry.get(def.group, def.storageVersion, def.resource) ?? def;
  }

  private state(def: ResourceDefinition): ResourceState {
    const gr = groupResourceKey(def.group, def.resource);
    let s = this.states.get(gr);
    if (!s) {
      s = { groupResource: gr, items: new Map(), history: [], historyStart: 0, compactedRv: 0, sortedKeys: undefined };
      this.states.set(gr, s);
    }
    return s;
  }

  private apiVersion(def: ResourceDefinition): string {
    return def.group === "" ? def.version : `${def.group}/${def.version}`;
  }

  /** The object as served at `def`'s version (a copy when the apiVersion changes, else the stored reference). */
  served(def: ResourceDefinition, obj: KubeObject): KubeObject {
    const apiVersion = this.apiVersion(def);
    return obj.apiVersion === apiVersion ? obj : { ...obj, apiVersion };
  }

  private namespaceOf(def: ResourceDefinition, requested: string | undefined): string | undefined {
    if (!def.namespaced) return undefined;
    return requested === undefined || requested === "" ? "default" : requested;
  }

  // ---------------------------------------------------------------- reads

  get(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined {
    const ref = this.getRef(resource, namespace, name);
    return ref ? cloneJson(ref) : undefined;
  }

  /** The stored object (not a copy: do not mutate), served at the requested version. */
  getRef(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined {
    const def = this.definition(resource);
    const e = this.state(def).items.get(itemKey(this.namespaceOf(def, namespace), name));
    return e ? this.served(def, e.obj) : undefined;
  }

  /** Like {@link getRef} but throws NotFound. */
  mustGetRef(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject {
    const obj = this.getRef(resource, namespace, name);
    if (!obj) {
      const def = this.definition(resource);
      throw notFound(def, name);
    }
    return obj;
  }

  list(resource: ResourceKey, options: ListOptions = {}): KubeObject[] {
    return this.listRefs(resource, options).map((o) => cloneJson(o));
  }

  /** Builds a matcher for the selectors of a list or watch (throws 400 on a bad selector). */
  matcher(def: ResourceDefinition, options: ListOptions): (obj: KubeObject) => boolean {
    const ns = def.namespaced && options.namespace ? options.namespace : undefined;
    const label = options.labelSelector ? parseLabelSelector(options.labelSelector) : undefined;
    const field = options.fieldSelector ? parseFieldSelector(options.fieldSelector) : undefined;
    if (field) {
      const msg = unsupportedFieldSelectorMessage(
        { group: def.group, kind: def.kind },
        field,
        def.builtin ? undefined : (def.selectableFields ?? []),
      );
      if (msg !== undefined) throw badRequest(msg);
    }
    if (!ns && !label && !field) return () => true;
    return (obj) => {
      if (ns !== undefined && obj.metadata.namespace !== ns) return false;
      if (label && !matchesLabelSelector(label, obj.metadata.labels)) return false;
      if (field && !matchesFieldSelector(field, obj)) return false;
      return true;
    };
  }

  /** The stored objects matching `options`, sorted by namespace/name (references: do not mutate). */
  listRefs(resource: ResourceKey, options: ListOptions = {}): KubeObject[] {
    const def = this.definition(resource);
    const match = this.matcher(def, options);
    const out: KubeObject[] = [];
    for (const e of this.sortedEntries(def)) if (match(e.obj)) out.push(this.served(def, e.obj));
    return out;
  }

  /** Entries in key order, with their cached JSON at the storage version. */
  sortedEntries(def: ResourceDefinition): Entry[] {
    const s = this.state(def);
    s.sortedKeys ??= [...s.items.keys()].sort();
    const keys = s.sortedKeys;
    const out: Entry[] = [];
    for (const k of keys) {
      const e = s.items.get(k);
      if (e) out.push(e);
    }
    return out;
  }

  /** True when at least one object of the type is stored (cheaper than listing). */
  hasEntries(def: ResourceDefinition): boolean {
    return this.state(def).items.size > 0;
  }

  /** The cached JSON text of a stored entry. */
  entryJson(e: Entry): string {
    e.json ??= this.objectJson(e.obj);
    return e.json;
  }

  /**
   * The JSON text of a committed object (stored objects are never changed in place: every write stores a new one),
   * serialised once and shared by the write's response, its watch events and lists. Objects served at another
   * version than the stored one are serialised each time.
   */
  objectJson(obj: KubeObject): string {
    let s = this.jsonCache.get(obj);
    if (s === undefined) {
      s = JSON.stringify(obj);
      this.jsonCache.set(obj, s);
    }
    return s;
  }

  // ---------------------------------------------------------------- events and watch

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.publicListeners.add(listener);
    return () => {
      this.publicListeners.delete(listener);
    };
  }

  /**
   * Replays the retained events of a resource type after `fromRv` and then delivers live ones, atomically.
   * Throws 410 Expired when `fromRv` is older than the retained history.
   */
  watch(def: ResourceDefinition, fromRv: number | undefined, listener: (e: InternalEvent) => void): () => void {
    const s = this.state(def);
    if (fromRv !== undefined) {
      if (fromRv < s.compactedRv) throw expired(String(fromRv), s.compactedRv + 1);
      for (let i = s.historyStart; i < s.history.length; i++) {
        const ev = s.history[i];
        if (ev && ev.rv > fromRv) listener(ev);
      }
    }
    const gr = s.groupResource;
    const wrapped = (e: InternalEvent): void => {
      if (e.groupResource === gr) listener(e);
    };
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  /** Drops the retained history of one resource type (or all): older watches get 410 (fault injection). */
  compact(def?: ResourceDefinition): void {
    const states = def ? [this.state(def)] : [...this.states.values()];
    for (const s of states) {
      s.history = [];
      s.historyStart = 0;
      s.compactedRv = this.rv;
    }
  }

  private emit(def: ResourceDefinition, type: StoreEventType, obj: KubeObject, old: KubeObject | undefined): void {
    const s = this.state(def);
    const resource: ResourceKey = { group: def.group, version: def.storageVersion, resource: def.resource };
    const ev: InternalEvent = { type, resource, object: obj, rv: this.rv, groupResource: s.groupResource };
    if (old) ev.oldObject = old;
    s.history.push(ev);
    if (s.history.length - s.historyStart > this.historySize) {
      const dropped = s.history[s.historyStart];
      if (dropped) s.compactedRv = dropped.rv;
      s.historyStart++;
      if (s.historyStart > 1024 && s.historyStart * 2 > s.history.length) {
        s.history = s.history.slice(s.historyStart);
        s.historyStart = 0;
      }
    }
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // a watcher's failure must not break the write that triggered it
      }
    }
    if (this.publicListeners.size > 0) {
      const pub: StoreEvent = { type, resource, object: cloneJson(obj) };
      for (const l of this.publicListeners) {
        try {
          l(pub);
        } catch {
          // a listener's failure must not break the write that triggered it
        }
      }
    }
  }

  // ---------------------------------------------------------------- admission hooks

  /** Registers an in-process admission hook; returns its removal function. */
  addAdmissionHook(hook: AdmissionHook): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  private admit(attrs: AdmissionAttributes): void {
    for (const h of this.hooks) h.mutate?.(attrs);
    for (const h of this.hooks) {
      const denial = h.validate?.(attrs);
      if (denial !== undefined) {
        throw new ClusterSimError("Forbidden", `admission webhook "${h.name}" denied the request: ${denial}`);
      }
    }
  }

  private attrs(
    def: ResourceDefinition,
    operation: AdmissionAttributes["operation"],
    name: string,
    namespace: string | undefined,
    object: KubeObject | undefined,
    oldObject: KubeObject | undefined,
    opts: StoreWriteOptions,
  ): AdmissionAttributes {
    const a: AdmissionAttributes = {
      operation,
      resource: { group: def.group, version: def.version, resource: def.resource },
      kind: { group: def.group, version: def.version, kind: def.kind },
      name,
      dryRun: opts.dryRun === true,
    };
    if (opts.subresource) a.subresource = opts.subresource;
    if (namespace !== undefined) a.namespace = namespace;
    if (object) a.object = object;
    if (oldObject) a.oldObject = oldObject;
    return a;
  }

  // ---------------------------------------------------------------- create

  create(resource: ResourceKey, object: KubeObject, options: WriteOptions = {}): KubeObject {
    return cloneJson(this.createEx(resource, object, options).object);
  }

  /** Create with the HTTP layer's options; returns the object as served and the warnings. */
  createEx(resource: ResourceKey, input: KubeObject, opts: StoreWriteOptions = {}): WriteResult {
    const def = this.definition(resource);
    if (opts.subresource) throw methodNotAllowedFor();
    const obj = this.normalizeBody(def, input, opts.namespace ?? input?.metadata?.namespace);
    const meta = obj.metadata;
    const warnings: string[] = [];
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    const name = meta.name ?? "";
    const nameCauses: FieldCause[] = [];
    if (name === "") {
      nameCauses.push({
        field: "metadata.name",
        reason: "FieldValueRequired",
        message: "Required value: name or generateName is required",
      });
    } else nameCauses.push(...validateName(name, def.nameRule));
    if (nameCauses.length > 0) throw invalid(def.group, def.kind, name, nameCauses);
    const namespace = meta.namespace;
    if (def.namespaced && namespace !== undefined) this.assertNamespaceWritable(def, namespace, name);
    const s = this.state(def);
    const key = itemKey(namespace, name);
    if (s.items.has(key)) throw alreadyExists(def, name);

    meta.uid = randomUUID();
    meta.creationTimestamp = nowRfc3339();
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (def.generation) meta.generation = 1;
    else delete meta.generation;
    if (def.builtin) {
      defaultBuiltinOnCreate(def.kind, def.group, obj, { allocateClusterIP: () => this.allocateClusterIP() });
      defaultBuiltinOnWrite(def.kind, def.group, obj);
    } else if (def.statusSubresource) delete obj.status;
    this.validateAndPrepare(def, obj, undefined, opts, warnings);
    if (def.group === "apiextensions.k8s.io" && def.resource === "customresourcedefinitions") {
      obj.status = crdStatus(obj, meta.creationTimestamp, undefined);
    }
    if (this.trackManagedFields || opts.applyCreate)
      recordManagedFields(def, undefined, obj, opts.fieldManager, opts.applyCreate ? "Apply" : "Update", undefined);
    this.admit(this.attrs(def, "CREATE", name, namespace, obj, undefined, opts));
    if (opts.dryRun) return { object: this.served(def, obj), warnings, created: true };
    const stored = this.toStorage(def, obj);
    this.commitCreate(def, stored);
    return { object: this.served(def, stored), warnings, created: true };
  }

  private commitCreate(def: ResourceDefinition, obj: KubeObject): void {
    const s = this.state(def);
    this.rv++;
    obj.metadata.resourceVersion = String(this.rv);
    const key = itemKey(obj.metadata.namespace, obj.metadata.name ?? "");
    s.items.set(key, { obj });
    s.sortedKeys = undefined;
    this.indexOwners(s.groupResource, key, obj, undefined);
    this.emit(def, "ADDED", obj, undefined);
    this.afterCommit(def, obj, undefined);
  }

  private afterCommit(def: ResourceDefinition, obj: KubeObject, old: KubeObject | undefined): void {
    if (def.group === "apiextensions.k8s.io" && def.resource === "customresourcedefinitions") {
      this.registry.applyCrd(obj);
    }
    if (def.group === "" && def.resource === "namespaces" && !old) {
      const sa = { group: "", version: "v1", resource: "serviceaccounts" };
      try {
        this.createEx(
          sa,
          { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } },
          {
            namespace: obj.metadata.name ?? "",
          },
        );
      } catch (e) {
        if (!isClusterSimError(e)) throw e;
      }
    }
  }

  private allocateClusterIP(): string {
    const n = this.ipCounter++;
    return `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  }

  private assertNamespaceWritable(def: ResourceDefinition, namespace: string, name: string): void {
    const ns = this.state(this.registry.get("", "v1", "namespaces") as ResourceDefinition).items.get(
      itemKey(undefined, namespace),
    );
    if (!ns) throw notFound({ group: "", resource: "namespaces" }, namespace);
    if (ns.obj.metadata.deletionTimestamp)
      throw forbidden(
        def,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
  }

  /** Copies the body, checks apiVersion/kind, defaults them from the URL, and sets the namespace. */
  private normalizeBody(def: ResourceDefinition, input: unknown, namespace: string | undefined): KubeObject {
    if (!isObject(input)) throw badRequest(`Object in version "${def.version}" cannot be handled as a ${def.kind}`);
    const copy = cloneJson(input) as KubeObject;
    const obj = Object.assign(
      { apiVersion: copy.apiVersion, kind: copy.kind, metadata: copy.metadata },
      copy,
    ) as KubeObject;
    const apiVersion = this.apiVersion(def);
    if (obj.apiVersion === undefined || obj.apiVersion === "") obj.apiVersion = apiVersion;
    if (obj.kind === undefined || obj.kind === "") obj.kind = def.kind;
    if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string")
      throw badRequest(
        `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: invalid apiVersion or kind`,
      );
    if (obj.kind !== def.kind)
      throw badRequest(
        `${obj.kind} in version "${def.version}" cannot be handled as a ${def.kind}: the kind of the object (${obj.kind}) does not match the resource (${def.kind})`,
      );
    if (obj.apiVersion !== apiVersion) {
      const other = this.registry.byKind(obj.apiVersion, obj.kind);
      if (!other || other.group !== def.group || other.resource !== def.resource)
        throw badRequest(
          `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`,
        );
      obj.apiVersion = apiVersion;
    }
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (!isObject(obj.metadata))
      throw badRequest(
        `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: metadata must be an object`,
      );
    const meta = obj.metadata;
    for (const k of ["name", "generateName", "namespace", "resourceVersion"]) {
      if (meta[k] !== undefined && typeof meta[k] !== "string")
        throw badRequest(
          `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal into Go struct field ObjectMeta.metadata.${k} of type string`,
        );
      if (meta[k] === "") delete meta[k];
    }
    if (def.namespaced) {
      if (namespace !== undefined && namespace !== "" && meta.namespace !== undefined && meta.namespace !== namespace)
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      meta.namespace = namespace || meta.namespace || "default";
    } else delete meta.namespace;
    for (const k of ["labels", "annotations"]) {
      const m = meta[k];
      if (m === undefined || m === null) {
        delete meta[k];
        continue;
      }
      if (!isObject(m) || Object.values(m).some((v) => typeof v !== "string"))
        throw badRequest(
          `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal into Go struct field ObjectMeta.metadata.${k} of type map[string]string`,
        );
    }
    if (meta.finalizers !== undefined && !Array.isArray(meta.finalizers))
      throw badRequest(
        `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal into Go struct field ObjectMeta.metadata.finalizers of type []string`,
      );
    return obj;
  }

  /** Schema defaulting, pruning, validation and CEL for CRs; built-in validation; CRD validation. */
  private validateAndPrepare(
    def: ResourceDefinition,
    obj: KubeObject,
    old: KubeObject | undefined,
    opts: StoreWriteOptions,
    warnings: string[],
  ): void {
    const name = obj.metadata.name ?? "";
    let causes: FieldCause[] = [];
    if (def.structural && def.schema) {
      const r = prepareCustomResource(def, obj, old, opts.fieldValidation ?? "Warn");
      warnings.push(...r.warnings);
      causes = r.causes;
    } else if (def.builtin) {
      const unknown = unknownBuiltinFields(def.kind, def.group, obj);
      if (unknown.length > 0) {
        const mode = opts.fieldValidation ?? "Warn";
        if (mode === "Strict") throw badRequest(strictUnknownFieldsMessage(def.kind, def.version, unknown));
        if (mode === "Warn") warnings.push(...unknown.map(unknownFieldWarning));
        for (const path of unknown) {
          if (path.startsWith("metadata.")) delete obj.metadata[path.slice(9)];
          else delete obj[path];
        }
      }
      causes = validateBuiltin(def.kind, def.group, obj);
      if (def.group === "apiextensions.k8s.io" && def.resource === "customresourcedefinitions")
        causes.push(...validateCrd(obj));
    }
    const finalizers = obj.metadata.finalizers;
    if (Array.isArray(finalizers)) {
      finalizers.forEach((f, i) => {
        if (typeof f !== "string" || f === "")
          causes.push({
            field: `metadata.finalizers[${i}]`,
            reason: "FieldValueInvalid",
            message: `Invalid value: ${JSON.stringify(f)}: name part must be non-empty`,
          });
      });
    }
    if (causes.length > 0) throw invalid(def.group, def.kind, name, causes);
  }

  /** Rewrites apiVersion to the storage version (no conversion webhook: fields are kept as they are). */
  private toStorage(def: ResourceDefinition, obj: KubeObject): KubeObject {
    const sdef = this.storageDef(def);
    obj.apiVersion = this.apiVersion(sdef);
    return obj;
  }

  // ---------------------------------------------------------------- update

  update(resource: ResourceKey, object: KubeObject, options: WriteOptions = {}): KubeObject {
    return cloneJson(this.updateEx(resource, object, options).object);
  }

  /** PUT semantics with the HTTP layer's options. */
  updateEx(resource: ResourceKey, input: KubeObject, opts: StoreWriteOptions = {}): WriteResult {
    const def = this.definition(resource);
    if (opts.subresource === "scale") return this.updateScale(def, input, opts);
    const obj = this.normalizeBody(def, input, opts.namespace ?? input?.metadata?.namespace);
    const name = obj.metadata.name ?? "";
    if (name === "")
      throw invalid(def.group, def.kind, name, [
        { field: "metadata.name", reason: "FieldValueRequired", message: "Required value: name is required" },
      ]);
    const existing = this.state(def).items.get(itemKey(obj.metadata.namespace, name));
    if (!existing) throw notFound(def, name);
    const rvWanted = obj.metadata.resourceVersion;
    if (rvWanted !== undefined && rvWanted !== existing.obj.metadata.resourceVersion) throw conflict(def, name);
    return this.writeUpdate(def, existing.obj, obj, opts, "Update");
  }

  /**
   * The common tail of update and patch: applies subresource rules, metadata immutability, generation, validation,
   * change detection, admission and commit.
   */
  private writeUpdate(
    def: ResourceDefinition,
    oldStored: KubeObject,
    incoming: KubeObject,
    opts: StoreWriteOptions,
    operation: "Update" | "Apply",
  ): WriteResult {
    const warnings: string[] = [];
    const old = this.served(def, oldStored);
    let next: KubeObject;
    if (opts.subresource === "status") {
      next = cloneJson(old);
      if (incoming.status === undefined) delete next.status;
      else next.status = cloneJson(incoming.status);
      if (operation === "Apply" && incoming.metadata.managedFields !== undefined)
        next.metadata.managedFields = cloneJson(incoming.metadata.managedFields);
    } else {
      next = incoming;
      if (def.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = cloneJson(old.status);
      }
    }
    const meta = next.metadata;
    const oldMeta = old.metadata;
    meta.name = oldMeta.name ?? "";
    if (def.namespaced) meta.namespace = oldMeta.namespace ?? "";
    meta.uid = oldMeta.uid ?? "";
    meta.creationTimestamp = oldMeta.creationTimestamp ?? "";
    meta.resourceVersion = oldMeta.resourceVersion ?? "";
    if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
    else delete meta.generation;
    if (oldMeta.deletionTimestamp !== undefined) {
      meta.deletionTimestamp = oldMeta.deletionTimestamp;
      if (oldMeta.deletionGracePeriodSeconds !== undefined)
        meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
      const before = new Set(oldMeta.finalizers ?? []);
      const added = (meta.finalizers ?? []).filter((f) => !before.has(f));
      if (added.length > 0)
        throw invalid(def.group, def.kind, meta.name ?? "", [
          {
            field: "metadata.finalizers",
            reason: "FieldValueForbidden",
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
          },
        ]);
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    if (def.builtin) defaultBuiltinOnWrite(def.kind, def.group, next);
    if (
      def.builtin &&
      def.group === "" &&
      (def.kind === "ConfigMap" || def.kind === "Secret") &&
      old.immutable === true
    ) {
      const causes: FieldCause[] = [];
      for (const f of def.kind === "Secret" ? ["data", "immutable"] : ["data", "binaryData", "immutable"])
        if (!deepEqual(old[f], next[f]))
          causes.push({
            field: f,
            reason: "FieldValueForbidden",
            message: "Forbidden: field is immutable when `immutable` is set",
          });
      if (causes.length > 0) throw invalid(def.group, def.kind, meta.name ?? "", causes);
    }
    this.validateAndPrepare(def, next, old, opts, warnings);
    if (def.group === "apiextensions.k8s.io" && def.resource === "customresourcedefinitions") {
      next.status = crdStatus(next, nowRfc3339(), old.status);
    }
    if (def.generation && specChanged(def, old, next)) meta.generation = (oldMeta.generation ?? 0) + 1;
    if (this.trackManagedFields) recordManagedFields(def, old, next, opts.fieldManager, operation, opts.subresource);
    if (deepEqual(stripVolatile(old), stripVolatile(next))) {
      return { object: old, warnings, created: false };
    }
    this.admit(this.attrs(def, "UPDATE", meta.name ?? "", meta.namespace, next, old, opts));
    if (opts.dryRun) return { object: this.served(def, next), warnings, created: false };
    const stored = this.toStorage(def, next);
    const removed = this.commitUpdate(def, oldStored, stored);
    return { object: this.served(def, removed ?? stored), warnings, created: false };
  }

  /** Commits an update; when it empties the finalizers of a deleting object, removes it and returns its last state. */
  private commitUpdate(def: ResourceDefinition, oldStored: KubeObject, obj: KubeObject): KubeObject | undefined {
    const s = this.state(def);
    const key = itemKey(obj.metadata.namespace, obj.metadata.name ?? "");
    const isNamespace = def.group === "" && def.resource === "namespaces";
    if (
      obj.metadata.deletionTimestamp &&
      (obj.metadata.finalizers ?? []).length === 0 &&
      !isNamespace &&
      !this.isGracefulPending(def, obj)
    ) {
      return this.removeEntry(def, oldStored, obj);
    }
    this.rv++;
    obj.metadata.resourceVersion = String(this.rv);
    s.items.set(key, { obj });
    this.indexOwners(s.groupResource, key, obj, oldStored);
    this.emit(def, "MODIFIED", obj, oldStored);
    this.afterCommit(def, obj, oldStored);
    return undefined;
  }

  private isGracefulPending(def: ResourceDefinition, obj: KubeObject): boolean {
    return def.group === "" && def.resource === "pods" && (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0;
  }

  // ---------------------------------------------------------------- patch

  patch(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    return cloneJson(this.patchEx(resource, namespace, name, type, patch, options).object);
  }

  /** PATCH with the HTTP layer's options. */
  patchEx(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: StoreWriteOptions = {},
  ): WriteResult {
    const def = this.definition(resource);
    const ns = this.namespaceOf(def, namespace);
    const existing = this.state(def).items.get(itemKey(ns, name));
    const ctx: PatchContext = {
      def,
      type,
      patch,
      fieldManager: opts.fieldManager,
      force: opts.force === true,
      subresource: opts.subresource,
    };
    if (opts.subresource === "scale") {
      if (!existing) throw notFound(def, name);
      const scale = this.scaleOf(def, this.served(def, existing.obj));
      const patchedScale = applyPatch({ ...ctx, def: SCALE_DEF }, scale).object;
      return this.updateScale(def, patchedScale, { ...opts, namespace: ns ?? "" });
    }
    if (!existing) {
      if (type !== "apply") throw notFound(def, name);
      const applied = applyPatch(ctx, undefined);
      const body = applied.object;
      body.metadata.name = name;
      if (def.namespaced) body.metadata.namespace = ns ?? "default";
      return this.createEx(resource, body, { ...opts, applyCreate: true });
    }
    const current = this.served(def, existing.obj);
    const result = applyPatch(ctx, current);
    const next = this.normalizeBody(def, result.object, ns);
    if (next.metadata.name !== undefined && next.metadata.name !== name)
      throw badRequest(
        `the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${name})`,
      );
    next.metadata.name = name;
    const rvWanted = next.metadata.resourceVersion;
    if (rvWanted !== undefined && rvWanted !== existing.obj.metadata.resourceVersion) throw conflict(def, name);
    if (result.managedFields) next.metadata.managedFields = result.managedFields;
    const w = this.writeUpdate(def, existing.obj, next, opts, type === "apply" ? "Apply" : "Update");
    w.warnings.unshift(...result.warnings);
    return w;
  }

  // ---------------------------------------------------------------- scale

  /** The `autoscaling/v1 Scale` view of an object. */
  scaleOf(def: ResourceDefinition, obj: KubeObject): KubeObject {
    if (!def.scale) throw pathNotFound();
    const read = (path: string): unknown => {
      let cur: unknown = obj;
      for (const p of path.replace(/^\./, "").split(".")) cur = isObject(cur) ? cur[p] : undefined;
      return cur;
    };
    const status: Record<string, unknown> = { replicas: Number(read(def.scale.statusReplicasPath) ?? 0) };
    let selector: unknown;
    if (def.scale.labelSelectorPath) selector = read(def.scale.labelSelectorPath);
    else if (def.builtin) selector = read(".spec.selector");
    if (typeof selector === "string") status.selector = selector;
    else if (isObject(selector) && isObject(selector.matchLabels))
      status.selector = Object.entries(selector.matchLabels)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(",");
    const meta: Record<string, unknown> = {
      name: obj.metadata.name,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    };
    if (obj.metadata.namespace) meta.namespace = obj.metadata.namespace;
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: meta,
      spec: { replicas: Number(read(def.scale.specReplicasPath) ?? 0) },
      status,
    };
  }

  private updateScale(def: ResourceDefinition, scale: KubeObject, opts: StoreWriteOptions): WriteResult {
    if (!def.scale) throw pathNotFound();
    const ns = this.namespaceOf(def, opts.namespace ?? scale?.metadata?.namespace);
    const name = String(scale?.metadata?.name ?? "");
    const existing = this.state(def).items.get(itemKey(ns, name));
    if (!existing) throw notFound(def, name);
    const rvWanted = scale.metadata?.resourceVersion;
    if (rvWanted !== undefined && rvWanted !== "" && rvWanted !== existing.obj.metadata.resourceVersion)
      throw conflict(def, name);
    const spec = isObject(scale.spec) ? scale.spec : {};
    const replicas = spec.replicas;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0)
      throw invalid("autoscaling", "Scale", name, [
        {
          field: "spec.replicas",
          reason: "FieldValueInvalid",
          message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
        },
      ]);
    const next = cloneJson(this.served(def, existing.obj));
    const path = def.scale.specReplicasPath.replace(/^\./, "").split(".");
    let cur: Record<string, unknown> = next;
    for (const p of path.slice(0, -1)) {
      if (!isObject(cur[p])) cur[p] = {};
      cur = cur[p] as Record<string, unknown>;
    }
    cur[path[path.length - 1] ?? "replicas"] = replicas;
    const w = this.writeUpdate(def, existing.obj, next, { ...opts, subresource: undefined as never }, "Update");
    return { ...w, object: this.scaleOf(def, w.object) };
  }

  // ---------------------------------------------------------------- delete

  delete(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject | undefined {
    const r = this.deleteEx(resource, namespace, name, options);
    return r.removed ? undefined : cloneJson(r.object);
  }

  /** DELETE with the HTTP layer's options. */
  deleteEx(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    opts: StoreDeleteOptions = {},
  ): DeleteResult {
    const def = this.definition(resource);
    const ns = this.namespaceOf(def, namespace);
    const existing = this.state(def).items.get(itemKey(ns, name));
    if (!existing) throw notFound(def, name);
    const old = existing.obj;
    if (opts.preconditionUid !== undefined && opts.preconditionUid !== old.metadata.uid)
      throw conflict(
        def,
        name,
        `Precondition failed: UID in precondition: ${opts.preconditionUid}, UID in object meta: ${old.metadata.uid ?? ""}`,
      );
    if (
      opts.preconditionResourceVersion !== undefined &&
      opts.preconditionResourceVersion !== old.metadata.resourceVersion
    )
      throw conflict(
        def,
        name,
        `Precondition failed: ResourceVersion in precondition: ${opts.preconditionResourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion ?? ""}`,
      );
    this.admit(this.attrs(def, "DELETE", name, ns, undefined, this.served(def, old), { dryRun: opts.dryRun === true }));
    const policy = opts.propagationPolicy ?? "Background";
    const isNamespace = def.group === "" && def.resource === "namespaces";
    const isPod = def.group === "" && def.resource === "pods";
    const finalizers = [...(old.metadata.finalizers ?? [])];
    const hasDependents = (this.dependents.get(old.metadata.uid ?? "")?.size ?? 0) > 0;
    if (policy === "Foreground" && hasDependents && !finalizers.includes("foregroundDeletion"))
      finalizers.push("foregroundDeletion");
    if (policy === "Orphan" && hasDependents && !finalizers.includes("orphan")) finalizers.push("orphan");
    const podGrace = isPod && isObject(old.spec) && typeof old.spec.nodeName === "string" && old.spec.nodeName !== "";
    const grace = podGrace
      ? (opts.gracePeriodSeconds ??
        (isObject(old.spec) && typeof old.spec.terminationGracePeriodSeconds === "number"
          ? old.spec.terminationGracePeriodSeconds
          : 30))
      : 0;
    const keep = finalizers.length > 0 || isNamespace || grace > 0;
    if (!keep) {
      if (opts.dryRun) return { object: this.served(def, old), removed: true };
      const last = this.removeEntry(def, old, cloneJson(old));
      return { object: this.served(def, last), removed: true };
    }
    const next = cloneJson(old);
    const alreadyDeleting = next.metadata.deletionTimestamp !== undefined;
    next.metadata.finalizers = finalizers;
    if (finalizers.length === 0) delete next.metadata.finalizers;
    if (!alreadyDeleting) {
      const at = new Date(Date.now() + grace * 1000);
      next.metadata.deletionTimestamp = nowRfc3339(at);
      next.metadata.deletionGracePeriodSeconds = grace;
      if (isNamespace) next.status = { ...(isObject(next.status) ? next.status : {}), phase: "Terminating" };
    } else if (grace < (next.metadata.deletionGracePeriodSeconds ?? 0)) {
      next.metadata.deletionGracePeriodSeconds = grace;
    }
    if (opts.dryRun) return { object: this.served(def, next), removed: false };
    if (grace === 0 && finalizers.length === 0 && !isNamespace) {
      const last = this.removeEntry(def, old, next);
      return { object: this.served(def, last), removed: true };
    }
    if (!deepEqual(old, next)) this.commitUpdate(def, old, next);
    const current = this.state(def).items.get(itemKey(ns, name))?.obj ?? next;
    if (!alreadyDeleting) {
      if (isNamespace) this.scheduleGc(() => this.finalizeNamespace(name));
      if (finalizers.includes("foregroundDeletion") || finalizers.includes("orphan"))
        this.scheduleGc(() => this.processOwnerDeletion(def, ns, name));
      if (grace > 0 && this.kubeletHandoffs === 0) this.scheduleGracefulRemoval(def, ns, name);
    }
    return { object: this.served(def, current), removed: false };
  }

  /** Deletes every object of a type matching the selectors; returns their last states. */
  deleteCollection(resource: ResourceKey, options: ListOptions, opts: StoreDeleteOptions = {}): KubeObject[] {
    const out: KubeObject[] = [];
    for (const obj of this.listRefs(resource, options)) {
      try {
        out.push(this.deleteEx(resource, obj.metadata.namespace, obj.metadata.name ?? "", opts).object);
      } catch (e) {
        if (!isClusterSimError(e) || e.code !== "NotFound") throw e;
      }
    }
    return out;
  }

  private scheduleGracefulRemoval(def: ResourceDefinition, ns: string | undefined, name: string): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      const e = this.state(def).items.get(itemKey(ns, name));
      if (!e?.obj.metadata.deletionTimestamp) return;
      const next = cloneJson(e.obj);
      next.metadata.deletionGracePeriodSeconds = 0;
      if ((next.metadata.finalizers ?? []).length === 0) this.removeEntry(def, e.obj, next);
      else this.commitUpdate(def, e.obj, next);
    }, this.podTerminationDelayMs);
    this.timers.add(t);
  }

  /** Removes an object for good: DELETED event with a fresh resourceVersion, then garbage collection. */
  private removeEntry(def: ResourceDefinition, oldStored: KubeObject, last: KubeObject): KubeObject {
    const s = this.state(def);
    const key = itemKey(oldStored.metadata.namespace, oldStored.metadata.name ?? "");
    s.items.delete(key);
    s.sortedKeys = undefined;
    this.rv++;
    last.metadata.resourceVersion = String(this.rv);
    this.unindexOwners(s.groupResource, key, oldStored);
    const uid = oldStored.metadata.uid ?? "";
    this.byUid.delete(uid);
    this.emit(def, "DELETED", last, oldStored);
    if (def.group === "apiextensions.k8s.io" && def.resource === "customresourcedefinitions") {
      this.removeCrdData(last);
    }
    const deps = this.dependents.get(uid);
    if (deps && deps.size > 0) this.scheduleGc(() => this.collectOrphansOf(uid));
    for (const ref of oldStored.metadata.ownerReferences ?? []) {
      this.scheduleGc(() => this.recheckForegroundOwner(ref.uid));
    }
    const ns = oldStored.metadata.namespace;
    if (ns !== undefined) this.scheduleGc(() => this.recheckNamespace(ns));
    return last;
  }

  private removeCrdData(crd: KubeObject): void {
    const spec = isObject(crd.spec) ? crd.spec : {};
    const names = isObject(spec.names) ? spec.names : {};
    const gr = groupResourceKey(String(spec.group ?? ""), String(names.plural ?? ""));
    this.registry.removeCrd(crd.metadata.name ?? "");
    const s = this.states.get(gr);
    if (!s) return;
    for (const e of s.items.values()) {
      const uid = e.obj.metadata.uid ?? "";
      this.byUid.delete(uid);
    }
    this.states.delete(gr);
  }

  // ---------------------------------------------------------------- garbage collection

  private indexOwners(gr: string, key: string, obj: KubeObject, old: KubeObject | undefined): void {
    const entryKey = `${gr}|${key}`;
    if (obj.metadata.uid) this.byUid.set(obj.metadata.uid, { gr, key });
    const before = old?.metadata.ownerReferences ?? [];
    const after = obj.metadata.ownerReferences ?? [];
    if (before.length === 0 && after.length === 0) return;
    for (const r of before) this.dependents.get(r.uid)?.delete(entryKey);
    for (const r of after) {
      if (!isObject(r) || typeof r.uid !== "string") continue;
      let set = this.dependents.get(r.uid);
      if (!set) {
        set = new Set();
        this.dependents.set(r.uid, set);
      }
      set.add(entryKey);
    }
  }

  private unindexOwners(gr: string, key: string, obj: KubeObject): void {
    const entryKey = `${gr}|${key}`;
    for (const r of obj.metadata.ownerReferences ?? []) {
      const set = this.dependents.get(r.uid);
      set?.delete(entryKey);
      if (set && set.size === 0) this.dependents.delete(r.uid);
    }
  }

  private scheduleGc(task: () => void): void {
    this.gcQueue.push(task);
    if (this.gcScheduled || this.closed) return;
    this.gcScheduled = true;
    setImmediate(() => {
      this.gcScheduled = false;
      let rounds = 0;
      while (this.gcQueue.length > 0 && rounds++ < 10_000) {
        const tasks = this.gcQueue;
        this.gcQueue = [];
        for (const t of tasks) {
          try {
            t();
          } catch {
            // the object changed underneath the collector; a later event re-triggers it
          }
        }
      }
    });
  }

  private entryByKey(entryKey: string): { def: ResourceDefinition; obj: KubeObject } | undefined {
    const bar = entryKey.indexOf("|");
    const gr = entryKey.slice(0, bar);
    const key = entryKey.slice(bar + 1);
    const s = this.states.get(gr);
    const e = s?.items.get(key);
    if (!e) return undefined;
    const slash = gr.indexOf("/");
    const def = this.registry.storageDefinition(gr.slice(0, slash), gr.slice(slash + 1));
    return def ? { def, obj: e.obj } : undefined;
  }

  private keyOf(obj: KubeObject): ResourceKey | undefined {
    const def = this.registry.byKind(obj.apiVersion, obj.kind);
    return def ? { group: def.group, version: def.version, resource: def.resource } : undefined;
  }

  /** After an owner is gone: delete dependents with no remaining live owner. */
  private collectOrphansOf(ownerUid: string): void {
    const deps = this.dependents.get(ownerUid);
    if (!deps) return;
    for (const entryKey of [...deps]) {
      const found = this.entryByKey(entryKey);
      if (!found) {
        deps.delete(entryKey);
        continue;
      }
      const refs: OwnerReference[] = found.obj.metadata.ownerReferences ?? [];
      const liveOwner = refs.some((r) => r.uid !== ownerUid && this.byUid.has(r.uid));
      if (liveOwner) continue;
      const key = this.keyOf(found.obj);
      if (!key || found.obj.metadata.deletionTimestamp) continue;
      this.deleteEx(key, found.obj.metadata.namespace, found.obj.metadata.name ?? "", {
        propagationPolicy: "Background",
      });
    }
    if (deps.size === 0) this.dependents.delete(ownerUid);
  }

  /** Foreground/orphan deletion of an owner: act on the dependents, then drop the finalizer when done. */
  private processOwnerDeletion(def: ResourceDefinition, ns: string | undefined, name: string): void {
    const e = this.state(def).items.get(itemKey(ns, name));
    if (!e) return;
    const uid = e.obj.metadata.uid ?? "";
    const finalizers = e.obj.metadata.finalizers ?? [];
    const deps = [...(this.dependents.get(uid) ?? [])];
    if (finalizers.includes("orphan")) {
      for (const entryKey of deps) {
        const found = this.entryByKey(entryKey);
        const key = found ? this.keyOf(found.obj) : undefined;
        if (!found || !key) continue;
        const refs = (found.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        const next = cloneJson(found.obj);
        if (refs.length > 0) next.metadata.ownerReferences = refs;
        else delete next.metadata.ownerReferences;
        this.patchlessUpdate(found.def, found.obj, next);
      }
      this.dropFinalizer(def, ns, name, "orphan");
      return;
    }
    if (finalizers.includes("foregroundDeletion")) {
      for (const entryKey of deps) {
        const found = this.entryByKey(entryKey);
        const key = found ? this.keyOf(found.obj) : undefined;
        if (!found || !key || found.obj.metadata.deletionTimestamp) continue;
        this.deleteEx(key, found.obj.metadata.namespace, found.obj.metadata.name ?? "", {
          propagationPolicy: "Foreground",
        });
      }
      this.recheckForegroundOwner(uid);
    }
  }

  private patchlessUpdate(def: ResourceDefinition, old: KubeObject, next: KubeObject): void {
    if (deepEqual(old, next)) return;
    this.commitUpdate(def, old, next);
  }

  /** Removes `foregroundDeletion` once no dependent with `blockOwnerDeletion` remains. */
  private recheckForegroundOwner(ownerUid: string): void {
    const loc = this.byUid.get(ownerUid);
    if (!loc) return;
    const s = this.states.get(loc.gr);
    const e = s?.items.get(loc.key);
    if (!e || !(e.obj.metadata.finalizers ?? []).includes("foregroundDeletion")) return;
    for (const entryKey of this.dependents.get(ownerUid) ?? []) {
      const found = this.entryByKey(entryKey);
      if (!found) continue;
      const ref = (found.obj.metadata.ownerReferences ?? []).find((r) => r.uid === ownerUid);
      if (ref?.blockOwnerDeletion) return;
    }
    const slash = loc.gr.indexOf("/");
    const def = this.registry.storageDefinition(loc.gr.slice(0, slash), loc.gr.slice(slash + 1));
    if (def) this.dropFinalizer(def, e.obj.metadata.namespace, e.obj.metadata.name ?? "", "foregroundDeletion");
  }

  private dropFinalizer(def: ResourceDefinition, ns: string | undefined, name: string, finalizer: string): void {
    const e = this.state(def).items.get(itemKey(ns, name));
    if (!e) return;
    const next = cloneJson(e.obj);
    const rest = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    if (rest.length > 0) next.metadata.finalizers = rest;
    else delete next.metadata.finalizers;
    this.patchlessUpdate(def, e.obj, next);
  }

  /** Namespace termination: delete its content, then the namespace once empty. */
  private finalizeNamespace(name: string): void {
    const nsDef = this.registry.get("", "v1", "namespaces");
    if (!nsDef) return;
    const e = this.state(nsDef).items.get(itemKey(undefined, name));
    if (!e?.obj.metadata.deletionTimestamp) return;
    for (const s of [...this.states.values()]) {
      for (const entry of [...s.items.values()]) {
        if (entry.obj.metadata.namespace !== name || entry.obj.metadata.deletionTimestamp) continue;
        const key = this.keyOf(entry.obj);
        if (key) this.deleteEx(key, name, entry.obj.metadata.name ?? "", { propagationPolicy: "Background" });
      }
    }
    this.recheckNamespace(name);
  }

  private recheckNamespace(name: string): void {
    const nsDef = this.registry.get("", "v1", "namespaces");
    if (!nsDef) return;
    const e = this.state(nsDef).items.get(itemKey(undefined, name));
    if (!e?.obj.metadata.deletionTimestamp || (e.obj.metadata.finalizers ?? []).length > 0) return;
    for (const s of this.states.values())
      for (const entry of s.items.values()) if (entry.obj.metadata.namespace === name) return;
    this.removeEntry(nsDef, e.obj, cloneJson(e.obj));
  }
}

function methodNotAllowedFor(): ClusterSimError {
  return new ClusterSimError("MethodNotAllowed", "the server does not allow this method on the requested resource");
}

/** The Scale pseudo-definition used to patch a Scale object. */
const SCALE_DEF: ResourceDefinition = {
  group: "autoscaling",
  version: "v1",
  resource: "scale",
  kind: "Scale",
  listKind: "ScaleList",
  singular: "scale",
  shortNames: [],
  namespaced: true,
  verbs: ["get", "patch", "update"],
  categories: [],
  statusSubresource: false,
  generation: false,
  nameRule: "subdomain",
  builtin: true,
  storageVersion: "v1",
  structural: false,
};

function specChanged(def: ResourceDefinition, a: KubeObject, b: KubeObject): boolean {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (k === "metadata" || k === "apiVersion" || k === "kind") continue;
    if (k === "status" && def.statusSubresource) continue;
    if (!deepEqual(a[k], b[k])) return true;
  }
  return false;
}

function stripVolatile(o: KubeObject): KubeObject {
  const meta = { ...o.metadata };
  delete meta.managedFields;
  delete meta.resourceVersion;
  return { ...o, metadata: meta };
}
