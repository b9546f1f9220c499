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
import { KaitoLabel } from "@kaito-ts/workspace-types";
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

/** How long an object created through the port is read from the port's own memory while its cache lags. */
const RECENT_CREATE_TTL_MS = 30_000;

function selectorString(sel: Readonly<Record<string, string>> | undefined): string | undefined {
  if (sel === undefined) return undefined;
  const parts = Object.entries(sel).map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? undefined : parts.join(",");
}

function matches(obj: KubeObject, sel: ReadonlyArray<readonly [string, string]>): boolean {
  const labels = obj.metadata.labels;
  for (const [k, v] of sel) if (labels?.[k] !== v) return false;
  return true;
}

/**
 * Index name of NodeClaims and Nodes by `<kaito.sh/workspacenamespace>/<kaito.sh/workspace>` (see
 * `setupWorkspaceController`). When the cache of a kind has it, a list by a selector with both labels reads the
 * Workspace's own objects instead of scanning every cached one (the provisioner lists them several times a pass).
 */
export const WORKSPACE_LABELS_INDEX = "workspaceLabels";

/** The cached objects a list by `sel` can match: the index entry of the Workspace labels, or all of `ns`. */
function candidates(inf: Informer, ns: string | undefined, sel: Readonly<Record<string, string>> | undefined) {
  const wsNamespace = sel?.[KaitoLabel.WorkspaceNamespace];
  const wsName = sel?.[KaitoLabel.Workspace];
  if (wsNamespace !== undefined && wsName !== undefined && inf.hasIndex(WORKSPACE_LABELS_INDEX)) {
    const found = inf.byIndex(WORKSPACE_LABELS_INDEX, `${wsNamespace}/${wsName}`);
    return ns === undefined ? found : found.filter((o) => o.metadata.namespace === ns);
  }
  return inf.list(ns);
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

  // Read-your-writes: objects created through this port that their cache has not shown yet (its watch is behind).
  // Without it, the pass right after a create reads "0 NodeClaims exist" and the next one the claim, and the
  // Workspace status is rewritten in between. An entry leaves once the cache has the object, on delete, or after
  // RECENT_CREATE_TTL_MS (a watch that is down: the pass then reads what the cache has, as without the overlay).
  const recent = new Map<string, { readonly obj: KubeObject; readonly at: number }>();
  const recentKey = (r: PortResource, ns: string | undefined, name: string) =>
    `${r.type.group}/${r.type.resource}|${ns ?? ""}/${name}`;
  const recentOf = (r: PortResource, inf: Informer, ns: string | undefined): KubeObject[] => {
    if (recent.size === 0) return [];
    const out: KubeObject[] = [];
    const prefix = `${r.type.group}/${r.type.resource}|`;
    const now = Date.now();
    for (const [k, e] of recent) {
      if (!k.startsWith(prefix)) continue;
      const objNs = r.type.namespaced ? e.obj.metadata.namespace : undefined;
      if (inf.getByName(objNs, e.obj.metadata.name ?? "") !== undefined || now - e.at > RECENT_CREATE_TTL_MS) {
        recent.delete(k);
      } else if (ns === undefined || objNs === ns) {
        out.push(e.obj);
      }
    }
    return out;
  };

  return {
    async get<T extends PortObject>(ref: ObjectRef): Promise<T | undefined> {
      const r = resolve(ref.apiVersion, ref.kind);
      const inf = cache(r);
      const ns = r.type.namespaced ? ref.namespace : undefined;
      const obj =
        inf !== undefined
          ? (inf.getByName(ns, ref.name) ?? recentOf(r, inf, ns).find((o) => o.metadata.name === ref.name))
          : await client.get(r.type, ns, ref.name);
      return obj as unknown as T | undefined;
    },
    async list<T extends PortObject>(query: ListQuery): Promise<T[]> {
      const r = resolve(query.apiVersion, query.kind);
      const inf = cache(r);
      const ns = r.type.namespaced ? query.namespace : undefined;
      if (inf !== undefined) {
        const sel = Object.entries(query.labelSelector ?? {});
        const found = candidates(inf, ns, query.labelSelector).filter((o) => matches(o, sel));
        for (const o of recentOf(r, inf, ns)) if (matches(o, sel)) found.push(o);
        return found as unknown as T[];
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
      const created = await client.create(r.type, object as unknown as KubeObject);
      const inf = cache(r);
      if (inf !== undefined) {
        const ns = r.type.namespaced ? created.metadata.namespace : undefined;
        if (inf.getByName(ns, created.metadata.name ?? "") === undefined) {
          recent.set(recentKey(r, ns, created.metadata.name ?? ""), { obj: created, at: Date.now() });
        }
      }
      return created as unknown as T;
    },
    async patch<T extends PortObject>(ref: ObjectRef, patch: JsonMergePatch): Promise<T> {
      const r = resolve(ref.apiVersion, ref.kind);
      const ns = r.type.namespaced ? ref.namespace : undefined;
      return (await client.patch(r.type, ns, ref.name, "merge", patch)) as unknown as T;
    },
    async delete(ref: ObjectRef): Promise<boolean> {
      const r = resolve(ref.apiVersion, ref.kind);
      const ns = r.type.namespaced ? ref.namespace : undefined;
      recent.delete(recentKey(r, ns, ref.name));
      return client.delete(r.type, ns, ref.name, { propagationPolicy: "Background" });
    },
  };
}
