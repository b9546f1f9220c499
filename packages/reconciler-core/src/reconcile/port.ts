/**
 * The `KubernetesObjectPort` of `@kaito-ts/node-provisioner`, implemented over the runtime: reads come from an
 * informer cache when one is registered for the kind (no API call), writes go through the guarded REST client (so a
 * replica that is not the leader cannot create NodeClaims). Errors carry `statusCode` (see `ReconcilerError`).
 */
import type {
  JsonMergePatch,
  KubeObject as PortObject,
  KubernetesObjectPort,
  ListQuery,
  ObjectRef,
} from "@kaito-ts/node-provisioner";
import { ReconcilerError } from "../errors.ts";
import type { Informer } from "../runtime/informer.ts";
import { apiVersionOf, type KubeObject, Resources, type ResourceType } from "../runtime/resources.ts";
import type { KubeClient } from "../runtime/rest-client.ts";

/** A kind the port serves, with the informer that caches it (if any). */
export interface PortResource {
  readonly type: ResourceType;
  /** Reads of this kind come from here when it has synced. */
  readonly informer?: Informer;
}

/** Options of {@link cachedObjectPort}. */
export interface CachedObjectPortOptions {
  /** The client writes (and uncached reads) go through. */
  readonly client: KubeClient;
  /** Kinds and their caches; the built-in {@link Resources} are known without an entry (read from the API). */
  readonly resources?: readonly PortResource[];
}

function selectorString(sel: Readonly<Record<string, string>> | undefined): string | undefined {
  if (sel === undefined) return undefined;
  const parts = Object.entries(sel).map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? undefined : parts.join(",");
}

function matches(obj: KubeObject, sel: Readonly<Record<string, string>> | undefined): boolean {
  if (sel === undefined) return true;
  const labels = obj.metadata.labels ?? {};
  for (const [k, v] of Object.entries(sel)) if (labels[k] !== v) return false;
  return true;
}

/** A {@link KubernetesObjectPort} over informer caches and a {@link KubeClient}. */
export function cachedObjectPort(opts: CachedObjectPortOptions): KubernetesObjectPort {
  const byKind = new Map<string, PortResource>();
  for (const t of Object.values(Resources)) byKind.set(`${apiVersionOf(t)}|${t.kind}`, { type: t });
  for (const r of opts.resources ?? []) byKind.set(`${apiVersionOf(r.type)}|${r.type.kind}`, r);
  const client = opts.client;

  function resolve(apiVersion: string, kind: string): PortResource {
    const r = byKind.get(`${apiVersion}|${kind}`);
    if (r === undefined) {
      throw new ReconcilerError(
        "INVALID_ARGUMENT",
        `the object port does not know ${kind} (${apiVersion}): register it in cachedObjectPort({ resources })`,
      );
    }
    return r;
  }

  const cache = (r: PortResource): Informer | undefined => (r.informer?.hasSynced() === true ? r.informer : undefined);

  return {
    async get<T extends PortObject>(ref: ObjectRef): Promise<T | undefined> {
      const r = resolve(ref.apiVersion, ref.kind);
      const inf = cache(r);
      const ns = r.type.namespaced ? ref.namespace : undefined;
      const obj = inf !== undefined ? inf.getByName(ns, ref.name) : await client.get(r.type, ns, ref.name);
      return obj as unknown as T | undefined;
    },
    async list<T extends PortObject>(query: ListQuery): Promise<T[]> {
      const r = resolve(query.apiVersion, query.kind);
      const inf = cache(r);
      const ns = r.type.namespaced ? query.namespace : undefined;
      if (inf !== undefined) {
        return inf.list(ns).filter((o) => matches(o, query.labelSelector)) as unknown as T[];
      }
      const sel = selectorString(query.labelSelector);
      const res = await client.list(r.type, {
        ...(ns !== undefined ? { namespace: ns } : {}),
        ...(sel !== undefined ? { labelSelector: sel } : {}),
      });
      return res.items as unknown as T[];
    },
    async create<T extends PortObject>(object: T): Promise<T> {
      const r = resolve(object.apiVersion, object.kind);
      return (await client.create(r.type, object as unknown as KubeObject)) as unknown as T;
    },
    async patch<T extends PortObject>(ref: ObjectRef, patch: JsonMergePatch): Promise<T> {
      const r = resolve(ref.apiVersion, ref.kind);
      const ns = r.type.namespaced ? ref.namespace : undefined;
      return (await client.patch(r.type, ns, ref.name, "merge", patch)) as unknown as T;
    },
    async delete(ref: ObjectRef): Promise<boolean> {
      const r = resolve(ref.apiVersion, ref.kind);
      const ns = r.type.namespaced ? ref.namespace : undefined;
      return client.delete(r.type, ns, ref.name, { propagationPolicy: "Background" });
    },
  };
}
