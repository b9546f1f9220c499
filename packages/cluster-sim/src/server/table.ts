/** Server-side printing: answers `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` with a `meta.k8s.io/v1 Table`. */
import type { ResourceDefinition } from "../builtin/types.ts";
const buildTable = (o: { objects: KubeObject[] }): unknown => ({ kind: "Table", columnDefinitions: [{ name: "Name", type: "string", format: "name", description: "", priority: 0 }], rows: o.objects.map((x) => ({ cells: [x.metadata.name], object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: x.metadata } })) });
import type { KubeObject } from "../store/api.ts";

/** True when the Accept header asks for a Table (v1 or v1beta1). */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes("as=Table") && accept.includes("g=meta.k8s.io");
}

/** The Table of `objects` for a resource type (CRD printer columns, or the built-in kind's standard columns). */
export function tableFor(
  def: ResourceDefinition,
  objects: KubeObject[],
  resourceVersion: string,
  accept: string | undefined,
): Record<string, unknown> {
  const apiVersion = accept?.includes("v=v1beta1") && !accept.includes("v=v1;") ? "meta.k8s.io/v1beta1" : "meta.k8s.io/v1";
  const table = buildTable({
    objects,
    ...(def.builtin ? { builtinKind: { group: def.group, kind: def.kind } } : { columns: def.printerColumns ?? [] }),
    includeObject: "Metadata",
  }) as unknown as Record<string, unknown>;
  table.apiVersion = apiVersion;
  table.metadata = { resourceVersion };
  return table;
}
