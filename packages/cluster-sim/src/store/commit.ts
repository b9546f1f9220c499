/**
 * The three ways a change reaches storage — insert, replace, remove — each with a fresh resourceVersion, the
 * owner index kept current, a watch event, and the reactions of the rest of the store (CRD serving, garbage
 * collection, namespace termination) told afterwards. Every write path ends here; nothing else touches the table.
 */
import type { ResourceDefinition } from "../builtin/types.ts";
import type { KubeObject, StoreEventType } from "./api.ts";
import type { ObjectTable, TypeState } from "./objects.ts";
import type { OwnerIndex } from "./owner-index.ts";
import type { WatchHistory } from "./watch-history.ts";

/** What the rest of the store does after a commit (called after the watch event was delivered). */
export interface CommitReactions {
  /** An object was inserted (`old` undefined) or replaced. */
  written(def: ResourceDefinition, obj: KubeObject, old: KubeObject | undefined): void;
  /** An object was removed for good; `stored` is its state before, `last` the state sent in the DELETED event. */
  removed(def: ResourceDefinition, stored: KubeObject, last: KubeObject): void;
}

/** True while a pod on a node still has its grace period to run (the kubelet, or the store's timer, ends it). */
export function isGracefulPending(def: ResourceDefinition, obj: KubeObject): boolean {
  return def.group === "" && def.resource === "pods" && (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0;
}

/** True for the Namespace kind. */
export function isNamespaceKind(def: ResourceDefinition): boolean {
  return def.group === "" && def.resource === "namespaces";
}

/** Commits changes. */
export class Committer {
  private readonly table: ObjectTable;
  private readonly owners: OwnerIndex;
  private readonly history: WatchHistory;
  private readonly reactions: CommitReactions;

  constructor(table: ObjectTable, owners: OwnerIndex, history: WatchHistory, reactions: CommitReactions) {
    this.table = table;
    this.owners = owners;
    this.history = history;
    this.reactions = reactions;
  }

  /** Inserts a new object (at the storage version). */
  create(def: ResourceDefinition, obj: KubeObject): void {
    const s = this.table.typeState(def);
    obj.metadata.resourceVersion = String(++this.table.rv);
    const key = this.table.put(s, obj, true);
    this.owners.update(s.groupResource, key, obj, undefined);
    this.emit(s, def, "ADDED", obj, undefined);
    this.reactions.written(def, obj, undefined);
  }

  /**
   * Replaces a stored object. When the change empties the finalizers of an object being deleted (and no grace
   * period is pending), the object is removed instead and its last state returned.
   */
  update(def: ResourceDefinition, stored: KubeObject, obj: KubeObject): KubeObject | undefined {
    if (
      obj.metadata.deletionTimestamp &&
      (obj.metadata.finalizers ?? []).length === 0 &&
      !isNamespaceKind(def) &&
      !isGracefulPending(def, obj)
    ) {
      return this.remove(def, stored, obj);
    }
    const s = this.table.typeState(def);
    obj.metadata.resourceVersion = String(++this.table.rv);
    const key = this.table.put(s, obj, false);
    this.owners.update(s.groupResource, key, obj, stored);
    this.emit(s, def, "MODIFIED", obj, stored);
    this.reactions.written(def, obj, stored);
    return undefined;
  }

  /** Removes an object for good: DELETED event with a fresh resourceVersion, then the reactions. Returns `last`. */
  remove(def: ResourceDefinition, stored: KubeObject, last: KubeObject): KubeObject {
    const s = this.table.typeState(def);
    const key = this.table.remove(s, stored);
    last.metadata.resourceVersion = String(++this.table.rv);
    this.owners.remove(s.groupResource, key, stored);
    this.emit(s, def, "DELETED", last, stored);
    this.reactions.removed(def, stored, last);
    return last;
  }

  private emit(
    s: TypeState,
    def: ResourceDefinition,
    type: StoreEventType,
    obj: KubeObject,
    old: KubeObject | undefined,
  ): void {
    this.history.record(s.log, s.groupResource, def, this.table.rv, type, obj, old);
  }
}
