/**
 * Delete and delete-collection, as the real server's `rest.BeforeDelete` + graceful deletion do it: uid and
 * resourceVersion preconditions, admission, propagation (`Foreground`/`Orphan` add their finalizers when the object
 * has dependents), finalizers keeping an object with a `deletionTimestamp`, the grace period of pods on a node
 * (ended by the kubelet, or by this store's timer when no kubelet runs), and Namespaces entering `Terminating`.
 */
import type { ResourceDefinition } from "../builtin/types.ts";
import { conflict, isClusterSimError, notFound } from "../errors/index.ts";
import { type AdmissionChain, admissionAttributes } from "./admission.ts";
import type { KubeObject, ListOptions, ResourceKey } from "./api.ts";
import type { DeleteResult, StoreDeleteOptions } from "./backend.ts";
import { type Committer, isNamespaceKind } from "./commit.ts";
import { listRefs } from "./crud/read.ts";
import type { GarbageCollector } from "./garbage-collector.ts";
import { cloneJson, deepEqual, isObject, nowRfc3339 } from "./json.ts";
import type { NamespaceFinalizer } from "./namespace-finalizer.ts";
import type { ObjectTable } from "./objects.ts";
import type { OwnerIndex } from "./owner-index.ts";

/** What deletion works with. */
export interface DeletionDeps {
  table: ObjectTable;
  owners: OwnerIndex;
  admission: AdmissionChain;
  commit: Committer;
  garbageCollector: GarbageCollector;
  namespaces: NamespaceFinalizer;
  /** How long a pod with a grace period stays Terminating when no kubelet ends it. */
  podTerminationDelayMs: number;
}

/** Deletes objects. */
export class Deletion {
  private readonly d: DeletionDeps;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** How many running kubelets took over the removal of terminating pods (see deferPodRemovalToKubelet). */
  private kubeletHandoffs = 0;
  private closed = false;

  constructor(deps: DeletionDeps) {
    this.d = deps;
  }

  /** DELETE of one object. */
  delete(
    resource: ResourceKey,
    namespace: string | undefined,
    name: string,
    opts: StoreDeleteOptions = {},
  ): DeleteResult {
    const { table, commit } = this.d;
    const def = table.definition(resource);
    const ns = table.namespaceOf(def, namespace);
    const existing = table.entry(def, ns, name);
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
    this.d.admission.admit(
      admissionAttributes(def, "DELETE", name, ns, undefined, table.served(def, old), { dryRun: opts.dryRun === true }),
    );
    const policy = opts.propagationPolicy ?? "Background";
    const isNamespace = isNamespaceKind(def);
    const finalizers = [...(old.metadata.finalizers ?? [])];
    const hasDependents = this.d.owners.hasDependents(old.metadata.uid ?? "");
    if (policy === "Foreground" && hasDependents && !finalizers.includes("foregroundDeletion"))
      finalizers.push("foregroundDeletion");
    if (policy === "Orphan" && hasDependents && !finalizers.includes("orphan")) finalizers.push("orphan");
    const grace = gracePeriodOf(def, old, opts.gracePeriodSeconds);
    const keep = finalizers.length > 0 || isNamespace || grace > 0;
    if (!keep) {
      if (opts.dryRun) return { object: table.served(def, old), removed: true };
      const last = commit.remove(def, old, cloneJson(old));
      return { object: table.served(def, last), removed: true };
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
    if (opts.dryRun) return { object: table.served(def, next), removed: false };
    if (grace === 0 && finalizers.length === 0 && !isNamespace) {
      const last = commit.remove(def, old, next);
      return { object: table.served(def, last), removed: true };
    }
    if (!deepEqual(old, next)) commit.update(def, old, next);
    const current = table.entry(def, ns, name)?.obj ?? next;
    if (!alreadyDeleting) {
      if (isNamespace) this.d.namespaces.terminating(name);
      if (finalizers.includes("foregroundDeletion") || finalizers.includes("orphan"))
        this.d.garbageCollector.ownerDeleting(def, ns, name);
      if (grace > 0 && this.kubeletHandoffs === 0) this.scheduleGracefulRemoval(def, ns, name);
    }
    return { object: table.served(def, current), removed: false };
  }

  /** DELETE of a collection: every object of a type matching the selectors; returns their last states. */
  deleteCollection(resource: ResourceKey, selection: ListOptions, opts: StoreDeleteOptions = {}): KubeObject[] {
    const out: KubeObject[] = [];
    for (const obj of listRefs(this.d.table, resource, selection)) {
      try {
        out.push(this.delete(resource, obj.metadata.namespace, obj.metadata.name ?? "", opts).object);
      } catch (e) {
        if (!isClusterSimError(e) || e.reason !== "NotFound") throw e;
      }
    }
    return out;
  }

  /**
   * Leaves the final removal of gracefully deleted pods to a kubelet (which removes a pod with grace 0 once its
   * containers have stopped or the grace period has passed) instead of this store's timer. Returns the function that
   * gives the job back; pods still terminating then get the timer.
   */
  deferPodRemovalToKubelet(): () => void {
    this.kubeletHandoffs++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.kubeletHandoffs--;
      if (this.kubeletHandoffs > 0) return;
      const def = this.d.table.registry.get("", "v1", "pods");
      if (!def) return;
      for (const e of this.d.table.typeState(def).items.values()) {
        if (e.obj.metadata.deletionTimestamp !== undefined && (e.obj.metadata.deletionGracePeriodSeconds ?? 0) > 0)
          this.scheduleGracefulRemoval(def, e.obj.metadata.namespace, e.obj.metadata.name ?? "");
      }
    };
  }

  /** Stops the timers of graceful deletions. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private scheduleGracefulRemoval(def: ResourceDefinition, ns: string | undefined, name: string): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      const e = this.d.table.entry(def, ns, name);
      if (!e?.obj.metadata.deletionTimestamp) return;
      const next = cloneJson(e.obj);
      next.metadata.deletionGracePeriodSeconds = 0;
      if ((next.metadata.finalizers ?? []).length === 0) this.d.commit.remove(def, e.obj, next);
      else this.d.commit.update(def, e.obj, next);
    }, this.d.podTerminationDelayMs);
    this.timers.add(t);
  }
}

/**
 * The grace period of a delete: pods bound to a node get the request's `gracePeriodSeconds`, else their
 * `terminationGracePeriodSeconds` (default 30); everything else is removed at once (grace 0).
 */
function gracePeriodOf(def: ResourceDefinition, old: KubeObject, requested: number | undefined): number {
  const isPod = def.group === "" && def.resource === "pods";
  const onNode = isPod && isObject(old.spec) && typeof old.spec.nodeName === "string" && old.spec.nodeName !== "";
  if (!onNode) return 0;
  if (requested !== undefined) return requested;
  return isObject(old.spec) && typeof old.spec.terminationGracePeriodSeconds === "number"
    ? old.spec.terminationGracePeriodSeconds
    : 30;
}
