/** Shapes of the resource-type registry shared by the built-in kinds and the CRD-derived kinds. */

/** The `scale` subresource mapping (as in a CRD's `subresources.scale`). */
export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** A printer column (as in a CRD's `additionalPrinterColumns`). */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** Which rule validates `metadata.name`. */
export type NameRule = "subdomain" | "label" | "label1035" | "crd";

/** One served resource type at one version. */
export interface ResourceDefinition {
  group: string;
  version: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  verbs: string[];
  categories: string[];
  statusSubresource: boolean;
  scale?: ScaleSubresource;
  /** Whether `metadata.generation` is maintained. */
  generation: boolean;
  nameRule: NameRule;
  /** True for compiled-in kinds (strategic merge patch allowed), false for CRD kinds. */
  builtin: boolean;
  /** The version objects are stored at. */
  storageVersion: string;
  /** OpenAPI v3 schema of the object (CRD `openAPIV3Schema`, or the compiled-in summary for built-ins). */
  schema?: Record<string, unknown>;
  /** Whether the schema is authoritative for validation, defaulting and pruning (CRDs). */
  structural: boolean;
  printerColumns?: PrinterColumn[];
  /** Name of the CRD that defines this kind. */
  crdName?: string;
  /** Extra field-selector paths (CRD `selectableFields`). */
  selectableFields?: string[];
  /**
   * The `Warning:` text of a deprecated API, sent with every answer about this resource (core/v1 Endpoints; a CRD
   * version marked `deprecated`).
   */
  deprecationWarning?: string;
}

/** Standard verbs of a resource collection. */
export const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** Orders versions as Kubernetes does: GA > beta > alpha, higher numbers first, others alphabetically last. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    const level = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return [level, Number(m[1]), Number(m[3] ?? 0)];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa && pb) {
    if (pa[0] !== pb[0]) return pb[0] - pa[0];
    if (pa[1] !== pb[1]) return pb[1] - pa[1];
    return pb[2] - pa[2];
  }
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
