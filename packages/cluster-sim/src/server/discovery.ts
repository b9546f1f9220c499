/** Discovery documents: legacy (`APIVersions`, `APIGroupList`, `APIResourceList`) and aggregated (`apidiscovery.k8s.io`). */
import type { ResourceDefinition } from "../builtin/types.ts";
import type { Registry } from "../store/registry.ts";

type Json = Record<string, unknown>;

/** The `/version` document (kubectl's dispatcher picks its binary from `minor`). */
export const VERSION_INFO = {
  major: "1",
  minor: "37",
  gitVersion: "v1.37.2",
  gitCommit: "cluster-sim",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: "go1.26.8",
  compiler: "gc",
  platform: "linux/amd64",
};

/** Which aggregated discovery version the Accept header asks for, if any (`v2` preferred over `v2beta1`). */
export function aggregatedDiscoveryVersion(accept: string | undefined): "v2" | "v2beta1" | undefined {
  if (!accept) return undefined;
  const offered = new Set<string>();
  for (const part of accept.split(",")) {
    const params = part.split(";").map((p) => p.trim());
    if (!params.includes("g=apidiscovery.k8s.io") || !params.includes("as=APIGroupDiscoveryList")) continue;
    for (const p of params) if (p.startsWith("v=")) offered.add(p.slice(2));
  }
  if (offered.has("v2")) return "v2";
  if (offered.has("v2beta1")) return "v2beta1";
  return undefined;
}

/** The Content-Type of an aggregated discovery answer. */
export function aggregatedContentType(v: "v2" | "v2beta1"): string {
  return `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;
}

function defsIn(registry: Registry, group: string, version: string): ResourceDefinition[] {
  return registry.definitions().filter((d) => d.group === group && d.version === version);
}

/** `GET /api` (legacy). */
export function coreVersions(serverAddress: string): Json {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupEntry(group: string, versions: string[]): Json {
  const gv = (v: string) => ({ groupVersion: `${group}/${v}`, version: v });
  return { name: group, versions: versions.map(gv), preferredVersion: gv(versions[0] ?? "") };
}

/** `GET /apis` (legacy). */
export function groupList(registry: Registry): Json {
  const groups: Json[] = [];
  for (const [group, versions] of registry.groups()) if (group !== "") groups.push(groupEntry(group, versions));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** `GET /apis/<group>` or undefined when not served. */
export function apiGroup(registry: Registry, group: string): Json | undefined {
  const versions = registry.groups().get(group);
  if (!versions || group === "") return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group, versions) };
}

/** `GET /api/v1` or `/apis/<g>/<v>` or undefined when not served. */
export function resourceList(registry: Registry, group: string, version: string): Json | undefined {
  const defs = defsIn(registry, group, version);
  if (defs.length === 0) return undefined;
  const resources: Json[] = [];
  for (const d of defs) {
    const main: Json = {
      name: d.resource,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: d.verbs,
    };
    if (d.shortNames.length > 0) main.shortNames = d.shortNames;
    if (d.categories.length > 0) main.categories = d.categories;
    resources.push(main);
  }
  for (const d of defs) {
    if (d.statusSubresource)
      resources.push({
        name: `${d.resource}/status`,
        singularName: "",
        namespaced: d.namespaced,
        kind: d.kind,
        verbs: ["get", "patch", "update"],
      });
    if (d.scale)
      resources.push({
        name: `${d.resource}/scale`,
        singularName: "",
        namespaced: d.namespaced,
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
        verbs: ["get", "patch", "update"],
      });
    if (d.group === "" && d.resource === "pods")
      resources.push({ name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] });
    if (d.group === "" && (d.resource === "services" || d.resource === "pods"))
      resources.push({
        name: `${d.resource}/proxy`,
        singularName: "",
        namespaced: true,
        kind: d.resource === "pods" ? "PodProxyOptions" : "ServiceProxyOptions",
        verbs: ["create", "delete", "get", "patch", "update"],
      });
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources,
  };
}

function aggregatedResource(d: ResourceDefinition): Json {
  const kindRef = { group: d.group, version: d.version, kind: d.kind };
  const r: Json = {
    resource: d.resource,
    responseKind: kindRef,
    scope: d.namespaced ? "Namespaced" : "Cluster",
    singularResource: d.singular,
    verbs: d.verbs,
  };
  if (d.shortNames.length > 0) r.shortNames = d.shortNames;
  if (d.categories.length > 0) r.categories = d.categories;
  const subs: Json[] = [];
  if (d.statusSubresource)
    subs.push({ subresource: "status", responseKind: kindRef, verbs: ["get", "patch", "update"] });
  if (d.scale)
    subs.push({
      subresource: "scale",
      responseKind: { group: "autoscaling", version: "v1", kind: "Scale" },
      verbs: ["get", "patch", "update"],
    });
  if (subs.length > 0) r.subresources = subs;
  return r;
}

/** `GET /api` or `GET /apis` in the aggregated form. */
export function aggregatedDiscovery(registry: Registry, core: boolean, v: "v2" | "v2beta1"): Json {
  const items: Json[] = [];
  for (const [group, versions] of registry.groups()) {
    if ((group === "") !== core) continue;
    items.push({
      metadata: { name: group, creationTimestamp: null },
      versions: versions.map((version) => ({
        version,
        freshness: "Current",
        resources: defsIn(registry, group, version).map(aggregatedResource),
      })),
    });
  }
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${v}`, metadata: {}, items };
}
