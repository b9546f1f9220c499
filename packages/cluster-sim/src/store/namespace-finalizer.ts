/**
 * Namespace termination, as the namespace controller does it: a deleted Namespace stays `Terminating` while the
 * objects in it are deleted, and is removed once it is empty (and has no finalizers left). New content is refused
 * meanwhile by the NamespaceLifecycle check (`admission.ts`).
 */
import type { KubeObject } from "./api.ts";
import type { BackgroundQueue } from "./background.ts";
import type { Committer } from "./commit.ts";
import type { DeleteObject } from "./garbage-collector.ts";
import { cloneJson } from "./json.ts";
import type { ObjectTable } from "./objects.ts";

/** What the finalizer works with. */
export interface NamespaceFinalizerDeps {
  table: ObjectTable;
  commit: Committer;
  background: BackgroundQueue;
  deleteObject: DeleteObject;
}

/** The namespace finalizer. */
export class NamespaceFinalizer {
  private readonly d: NamespaceFinalizerDeps;

  constructor(deps: NamespaceFinalizerDeps) {
    this.d = deps;
  }

  /** After a Namespace got its deletionTimestamp: delete its content, then the namespace once empty. */
  terminating(name: string): void {
    this.d.background.schedule(() => this.finalize(name));
  }

  /** After an object was removed: its namespace, if terminating, may now be empty. */
  objectRemoved(stored: KubeObject): void {
    const ns = stored.metadata.namespace;
    if (ns !== undefined) this.d.background.schedule(() => this.removeIfEmpty(ns));
  }

  private namespaceEntry(name: string): { obj: KubeObject } | undefined {
    const nsDef = this.d.table.registry.get("", "v1", "namespaces");
    return nsDef ? this.d.table.entry(nsDef, undefined, name) : undefined;
  }

  private finalize(name: string): void {
    const e = this.namespaceEntry(name);
    if (!e?.obj.metadata.deletionTimestamp) return;
    for (const s of [...this.d.table.typeStates()]) {
      for (const entry of [...s.items.values()]) {
        if (entry.obj.metadata.namespace !== name || entry.obj.metadata.deletionTimestamp) continue;
        const key = this.d.table.keyOf(entry.obj);
        if (key) this.d.deleteObject(key, name, entry.obj.metadata.name ?? "", { propagationPolicy: "Background" });
      }
    }
    this.removeIfEmpty(name);
  }

  private removeIfEmpty(name: string): void {
    const nsDef = this.d.table.registry.get("", "v1", "namespaces");
    if (!nsDef) return;
    const e = this.d.table.entry(nsDef, undefined, name);
    if (!e?.obj.metadata.deletionTimestamp || (e.obj.metadata.finalizers ?? []).length > 0) return;
    for (const s of this.d.table.typeStates())
      for (const entry of s.items.values()) if (entry.obj.metadata.namespace === name) return;
    this.d.commit.remove(nsDef, e.obj, cloneJson(e.obj));
  }
}
