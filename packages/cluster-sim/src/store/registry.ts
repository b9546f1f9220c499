/** The registry of served resource types: the built-in kinds plus the kinds of the stored CRDs. */
import { builtinDefinitions } from "../builtin/kinds.ts";
import { compareVersions, type ResourceDefinition } from "../builtin/types.ts";
import type { KubeObject } from "./api.ts";
import { definitionsFromCrd } from "./crd.ts";

/** `group/resource`: the storage identity of a resource type, independent of version. */
export function groupResourceKey(group: string, resource: string): string {
  return `${group}/${resource}`;
}

/** The resource-type registry. */
export class Registry {
  private readonly builtins: ResourceDefinition[];
  private crdDefs = new Map<string, ResourceDefinition[]>();
  private byGvr = new Map<string, ResourceDefinition>();
  private all: ResourceDefinition[] = [];
  /** Bumped on every change of the served kinds (used as the OpenAPI hash seed). */
  generation = 0;

  constructor() {
    this.builtins = builtinDefinitions();
    this.rebuild();
  }

  private rebuild(): void {
    this.all = [...this.builtins];
    for (const defs of this.crdDefs.values()) this.all.push(...defs);
    this.byGvr.clear();
    for (const d of this.all) this.byGvr.set(`${d.group}/${d.version}/${d.resource}`, d);
    this.generation++;
  }

  /** Adds or replaces the kinds of a CRD object. Returns the definitions it serves. */
  applyCrd(crd: KubeObject): ResourceDefinition[] {
    const defs = definitionsFromCrd(crd);
    this.crdDefs.set(crd.metadata.name ?? "", defs);
    this.rebuild();
    return defs;
  }

  /** Removes the kinds of a CRD. */
  removeCrd(name: string): void {
    if (this.crdDefs.delete(name)) this.rebuild();
  }

  /** The definition of `group/version/resource`, if served. */
  get(group: string, version: string, resource: string): ResourceDefinition | undefined {
    return this.byGvr.get(`${group}/${version}/${resource}`);
  }

  /** The definition of a resource at its storage version (any served version when `version` is not served). */
  storageDefinition(group: string, resource: string): ResourceDefinition | undefined {
    let any: ResourceDefinition | undefined;
    for (const d of this.all) {
      if (d.group !== group || d.resource !== resource) continue;
      if (d.version === d.storageVersion) return d;
      any ??= d;
    }
    return any;
  }

  /** The definition serving `apiVersion`+`kind`. */
  byKind(apiVersion: string, kind: string): ResourceDefinition | undefined {
    const slash = apiVersion.indexOf("/");
    const group = slash < 0 ? "" : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    for (const d of this.all) if (d.group === group && d.version === version && d.kind === kind) return d;
    return undefined;
  }

  /** All served definitions. */
  definitions(): readonly ResourceDefinition[] {
    return this.all;
  }

  /** Groups with their served versions, preferred version first; the core group is `""`. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const d of this.all) {
      const versions = out.get(d.group) ?? [];
      if (!versions.includes(d.version)) versions.push(d.version);
      out.set(d.group, versions);
    }
    for (const versions of out.values()) versions.sort(compareVersions);
    return out;
  }
}
