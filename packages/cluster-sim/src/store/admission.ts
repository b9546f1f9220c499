/**
 * Admission inside the store, as the real server's admission chain runs it on every write: the built-in
 * NamespaceLifecycle check, then the in-process hooks (mutating first, then validating). Webhook admission over
 * HTTP(S) runs in the HTTP layer (`src/server/admission-webhooks.ts`) before the store is called.
 */
import type { ResourceDefinition } from "../builtin/types.ts";
import { ClusterSimError, forbidden, notFound } from "../errors/index.ts";
import type { KubeObject, ResourceKey } from "./api.ts";
import type { ObjectTable } from "./objects.ts";

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

/** The registered in-process hooks. */
export class AdmissionChain {
  private readonly hooks: AdmissionHook[] = [];

  /** Registers a hook; returns its removal function. */
  add(hook: AdmissionHook): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /** Runs every mutating hook, then every validating one; a denial throws 403 naming the hook. */
  admit(attrs: AdmissionAttributes): void {
    for (const h of this.hooks) h.mutate?.(attrs);
    for (const h of this.hooks) {
      const denial = h.validate?.(attrs);
      if (denial !== undefined) {
        throw new ClusterSimError("Forbidden", `admission webhook "${h.name}" denied the request: ${denial}`);
      }
    }
  }
}

/** The attributes of one write. */
export function admissionAttributes(
  def: ResourceDefinition,
  operation: AdmissionAttributes["operation"],
  name: string,
  namespace: string | undefined,
  object: KubeObject | undefined,
  oldObject: KubeObject | undefined,
  opts: { dryRun?: boolean; subresource?: string | undefined },
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

/**
 * The NamespaceLifecycle admission plugin: new objects need an existing namespace that is not being terminated
 * (404 for a missing namespace, 403 while it terminates).
 */
export function checkNamespaceLifecycle(
  table: ObjectTable,
  def: ResourceDefinition,
  namespace: string,
  name: string,
): void {
  const nsDef = table.registry.get("", "v1", "namespaces");
  const ns = nsDef ? table.entry(nsDef, undefined, namespace) : undefined;
  if (!ns) throw notFound({ group: "", resource: "namespaces" }, namespace);
  if (ns.obj.metadata.deletionTimestamp)
    throw forbidden(def, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
}
