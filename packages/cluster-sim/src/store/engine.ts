/**
 * The store's composition root: builds the object table, watch history, admission chain, committer, background
 * queue, garbage collector, namespace finalizer and deletion, wires them together, and offers them as one
 * {@link StoreBackend} to the HTTP layer (and, through `MemoryStore`, as the {@link ClusterStore} contract).
 * The reactions after a commit live here because they join the parts: CRD kinds served or forgotten, the default
 * ServiceAccount of a new Namespace, garbage collection and namespace termination triggered by removals.
 */
import type { ResourceDefinition } from "../builtin/types.ts";
import { isClusterSimError } from "../errors/index.ts";
import { AdmissionChain, type AdmissionHook } from "./admission.ts";
import type { KubeObject, ListOptions, PatchType, ResourceKey, StoreEvent } from "./api.ts";
import { BackgroundQueue } from "./background.ts";
import type {
  CommittedEvent,
  DeleteResult,
  StoreBackend,
  StoreDeleteOptions,
  StoredEntry,
  StoreWriteOptions,
  WriteResult,
} from "./backend.ts";
import { Committer, type CommitReactions } from "./commit.ts";
import type { WriteContext } from "./crud/context.ts";
import { createObject } from "./crud/create.ts";
import { patchObject } from "./crud/patch.ts";
import { getRef, listRefs, mustGetRef, selectorMatcher } from "./crud/read.ts";
import { updateObject } from "./crud/update.ts";
import { isCrdKind } from "./crud/validate.ts";
import { Deletion } from "./deletion.ts";
import { GarbageCollector } from "./garbage-collector.ts";
import { NamespaceFinalizer } from "./namespace-finalizer.ts";
import { ObjectTable } from "./objects.ts";
import type { MemoryStoreOptions } from "./options.ts";
import { OwnerIndex } from "./owner-index.ts";
import type { Registry } from "./registry.ts";
import { patchScale, scaleOf, updateScale } from "./scale.ts";
import { WatchHistory } from "./watch-history.ts";

const NAMESPACES: ResourceKey = { group: "", version: "v1", resource: "namespaces" };
const SERVICE_ACCOUNTS: ResourceKey = { group: "", version: "v1", resource: "serviceaccounts" };

/** The in-memory store with the API server's semantics. */
export class StoreEngine implements StoreBackend {
  readonly registry: Registry;
  private readonly table = new ObjectTable();
  private readonly history: WatchHistory;
  private readonly admission = new AdmissionChain();
  private readonly background = new BackgroundQueue();
  private readonly owners = new OwnerIndex();
  private readonly commit: Committer;
  private readonly garbageCollector: GarbageCollector;
  private readonly namespaces: NamespaceFinalizer;
  private readonly deletion: Deletion;
  private readonly ctx: WriteContext;
  private ipCounter = 10;

  constructor(options: MemoryStoreOptions = {}) {
    this.registry = this.table.registry;
    this.history = new WatchHistory(options.historySize ?? 5000);
    const reactions: CommitReactions = {
      written: (def, obj, old) => this.afterWrite(def, obj, old),
      removed: (def, stored, last) => this.afterRemove(def, stored, last),
    };
    this.commit = new Committer(this.table, this.owners, this.history, reactions);
    const deleteObject = (r: ResourceKey, ns: string | undefined, name: string, o: StoreDeleteOptions) =>
      this.deletion.delete(r, ns, name, o);
    const parts = { table: this.table, commit: this.commit, background: this.background, deleteObject };
    this.garbageCollector = new GarbageCollector({ ...parts, owners: this.owners });
    this.namespaces = new NamespaceFinalizer(parts);
    this.deletion = new Deletion({
      table: this.table,
      owners: this.owners,
      admission: this.admission,
      commit: this.commit,
      garbageCollector: this.garbageCollector,
      namespaces: this.namespaces,
      podTerminationDelayMs: options.podTerminationDelayMs ?? 50,
    });
    this.ctx = {
      table: this.table,
      admission: this.admission,
      commit: this.commit,
      trackManagedFields: options.trackManagedFields ?? true,
      allocateClusterIP: () => this.allocateClusterIP(),
    };
    this.bootstrap();
  }

  /** What a fresh cluster has: the four system namespaces and the `default/kubernetes` Service. */
  private bootstrap(): void {
    for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"])
      this.createEx(NAMESPACES, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
    this.createEx(
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

  private afterWrite(def: ResourceDefinition, obj: KubeObject, old: KubeObject | undefined): void {
    if (isCrdKind(def)) this.registry.applyCrd(obj);
    if (def.group === "" && def.resource === "namespaces" && !old) {
      // the serviceaccount controller's job: every namespace has a `default` ServiceAccount
      try {
        this.createEx(
          SERVICE_ACCOUNTS,
          { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } },
          { namespace: obj.metadata.name ?? "" },
        );
      } catch (e) {
        if (!isClusterSimError(e)) throw e;
      }
    }
  }

  private afterRemove(def: ResourceDefinition, stored: KubeObject, last: KubeObject): void {
    if (isCrdKind(def)) this.table.removeCustomResources(last);
    this.garbageCollector.objectRemoved(stored);
    this.namespaces.objectRemoved(stored);
  }

  private allocateClusterIP(): string {
    const n = this.ipCounter++;
    return `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  }

  // ---------------------------------------------------------------- resolution and reads

  definition(key: ResourceKey): ResourceDefinition {
    return this.table.definition(key);
  }

  served(def: ResourceDefinition, obj: KubeObject): KubeObject {
    return this.table.served(def, obj);
  }

  currentResourceVersion(): string {
    return String(this.table.rv);
  }

  getRef(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined {
    return getRef(this.table, resource, namespace, name);
  }

  mustGetRef(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject {
    return mustGetRef(this.table, resource, namespace, name);
  }

  listRefs(resource: ResourceKey, options: ListOptions = {}): KubeObject[] {
    return listRefs(this.table, resource, options);
  }

  matcher(def: ResourceDefinition, options: ListOptions): (obj: KubeObject) => boolean {
    return selectorMatcher(def, options);
  }

  sortedEntries(def: ResourceDefinition): StoredEntry[] {
    return this.table.sortedEntries(def);
  }

  hasEntries(def: ResourceDefinition): boolean {
    return this.table.hasEntries(def);
  }

  entryJson(entry: StoredEntry): string {
    return this.table.entryJson(entry);
  }

  objectJson(obj: KubeObject): string {
    return this.table.objectJson(obj);
  }

  scaleOf(def: ResourceDefinition, obj: KubeObject): KubeObject {
    return scaleOf(def, obj);
  }

  // ---------------------------------------------------------------- writes

  createEx(resource: ResourceKey, input: KubeObject, options: StoreWriteOptions = {}): WriteResult {
    return createObject(this.ctx, resource, input, options);
  }

  updateEx(resource: ResourceKey, input: KubeObject, options: StoreWriteOptions = {}): WriteResult {
    const def = this.table.definition(resource);
    if (options.subresource === "scale") return updateScale(this.ctx, def, input, options);
    return updateObject(this.ctx, def, input, options);
  }

  patchEx(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options: StoreWriteOptions = {},
  ): WriteResult {
    const def = this.table.definition(resource);
    if (options.subresource === "scale") return patchScale(this.ctx, def, namespace, name, type, patch, options);
    return patchObject(this.ctx, resource, def, namespace, name, type, patch, options);
  }

  deleteEx(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    options: StoreDeleteOptions = {},
  ): DeleteResult {
    return this.deletion.delete(resource, namespace, name, options);
  }

  deleteCollection(resource: ResourceKey, selection: ListOptions, options: StoreDeleteOptions = {}): KubeObject[] {
    return this.deletion.deleteCollection(resource, selection, options);
  }

  // ---------------------------------------------------------------- watch, admission, lifecycle

  watch(def: ResourceDefinition, fromRv: number | undefined, listener: (event: CommittedEvent) => void): () => void {
    const s = this.table.typeState(def);
    return this.history.watch(s.log, s.groupResource, fromRv, listener);
  }

  compact(def?: ResourceDefinition): void {
    const states = def ? [this.table.typeState(def)] : [...this.table.typeStates()];
    for (const s of states) this.history.compact(s.log, this.table.rv);
  }

  /** Delivers a copy of every committed change to `listener`; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    return this.history.subscribe(listener);
  }

  /** Registers an in-process admission hook; returns its removal function. */
  addAdmissionHook(hook: AdmissionHook): () => void {
    return this.admission.add(hook);
  }

  /** See {@link Deletion.deferPodRemovalToKubelet}. */
  deferPodRemovalToKubelet(): () => void {
    return this.deletion.deferPodRemovalToKubelet();
  }

  /** Stops the timers of graceful deletions and the background queue. */
  close(): void {
    this.deletion.close();
    this.background.close();
  }
}
