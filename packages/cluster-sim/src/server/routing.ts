/** Parses API server URL paths into what they address. Pure. */

/** A request to a resource type, an object, or an object's subresource. */
export interface ResourceTarget {
  type: "resource";
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Path after `/proxy` for the proxy subresource (starts with `/`). */
  proxyPath?: string;
}

/** A path with a fixed meaning. */
export type Target =
  | ResourceTarget
  | { type: "version" }
  | { type: "health" }
  | { type: "core-versions" }
  | { type: "groups" }
  | { type: "group"; group: string }
  | { type: "resource-list"; group: string; version: string }
  | { type: "openapi-v2" }
  | { type: "openapi-v3-index" }
  | { type: "openapi-v3"; group: string; version: string }
  | { type: "not-found" };

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Routes a URL path (without query). */
export function route(pathname: string): Target {
  const t = routeSegments(pathname);
  if (t.type === "resource" && t.proxyPath !== undefined && t.proxyPath !== "/" && pathname.endsWith("/"))
    t.proxyPath += "/";
  return t;
}

function routeSegments(pathname: string): Target {
  const raw = pathname.split("/").filter((s) => s !== "");
  const parts: string[] = [];
  for (const r of raw) {
    const d = decode(r);
    if (d === undefined) return { type: "not-found" };
    parts.push(d);
  }
  const [first, ...rest] = parts;
  switch (first) {
    case "version":
      return rest.length === 0 ? { type: "version" } : { type: "not-found" };
    case "healthz":
    case "livez":
    case "readyz":
      return { type: "health" };
    case "openapi":
      if (rest[0] === "v2" && rest.length === 1) return { type: "openapi-v2" };
      if (rest[0] === "v3") {
        if (rest.length === 1) return { type: "openapi-v3-index" };
        if (rest[1] === "api" && rest[2] === "v1" && rest.length === 3)
          return { type: "openapi-v3", group: "", version: "v1" };
        if (rest[1] === "apis" && rest.length === 4)
          return { type: "openapi-v3", group: rest[2] ?? "", version: rest[3] ?? "" };
      }
      return { type: "not-found" };
    case "api": {
      if (rest.length === 0) return { type: "core-versions" };
      const [version, ...tail] = rest;
      if (tail.length === 0) return { type: "resource-list", group: "", version: version ?? "" };
      return resourceTarget("", version ?? "", tail, raw.slice(2));
    }
    case "apis": {
      if (rest.length === 0) return { type: "groups" };
      const [group, version, ...tail] = rest;
      if (version === undefined) return { type: "group", group: group ?? "" };
      if (tail.length === 0) return { type: "resource-list", group: group ?? "", version };
      return resourceTarget(group ?? "", version, tail, raw.slice(3));
    }
    default:
      return { type: "not-found" };
  }
}

function resourceTarget(group: string, version: string, tail: string[], rawTailIn: string[]): Target {
  let rawTail = rawTailIn;
  const base = { type: "resource" as const, group, version };
  let namespace: string | undefined;
  let seg = tail;
  if (seg[0] === "namespaces" && seg.length >= 3) {
    const isNamespaceSub = group === "" && seg.length === 3 && (seg[2] === "status" || seg[2] === "finalize");
    if (!isNamespaceSub) {
      namespace = seg[1];
      seg = seg.slice(2);
      rawTail = rawTail.slice(2);
    }
  }
  const [resource, name, subresource, ...more] = seg;
  if (resource === undefined || resource === "") return { type: "not-found" };
  const t: ResourceTarget = { ...base, resource };
  if (namespace !== undefined) t.namespace = namespace;
  if (name !== undefined) t.name = name;
  if (subresource !== undefined) t.subresource = subresource;
  if (more.length > 0) {
    if (subresource !== "proxy") return { type: "not-found" };
    t.proxyPath = `/${rawTail.slice(3).join("/")}`;
  } else if (subresource === "proxy") t.proxyPath = "/";
  return t;
}
