/** Server-side printing: answers `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` with a `meta.k8s.io/v1 Table`. */
import type { ResourceDefinition } from "../builtin/types.ts";
import { buildTable, type IncludeObject } from "../semantics/index.ts";
import type { KubeObject } from "../store/api.ts";

/** True when the Accept header asks for a Table (v1 or v1beta1). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept?.includes("as=Table") ?? false) && (accept?.includes("g=meta.k8s.io") ?? false);
}

/** The `includeObject` query value (default `Metadata`, as on the real server). */
export function includeObjectOf(url: URL): IncludeObject {
  const v = url.searchParams.get("includeObject");
  return v === "None" || v === "Object" ? v : "Metadata";
}

/** The Table of `objects` for a resource type (CRD printer columns, or the built-in kind's standard columns). */
export function tableFor(
  def: ResourceDefinition,
  objects: KubeObject[],
  resourceVersion: string,
  accept: string | undefined,
  options: { includeObject?: IncludeObject; omitColumnDefinitions?: boolean; continue?: string } = {},
): Record<string, unknown> {
  const v1 = accept?.split(",").some((p) => p.includes("as=Table") && /;\s*v=v1(;|$)/.test(p)) ?? true;
  const table = buildTable({
    objects,
    ...(def.builtin ? { builtinKind: { group: def.group, kind: def.kind } } : { columns: def.printerColumns ?? [] }),
    includeObject: options.includeObject ?? "Metadata",
    resourceVersion,
    ...(options.continue !== undefined ? { continue: options.continue } : {}),
    ...(options.omitColumnDefinitions ? { omitColumnDefinitions: true } : {}),
  }) as unknown as Record<string, unknown>;
  if (!v1) table.apiVersion = "meta.k8s.io/v1beta1";
  return table;
}
