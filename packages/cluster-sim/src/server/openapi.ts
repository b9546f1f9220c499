/**
 * OpenAPI v3 documents as `kubectl apply` (the `fieldValidation` probe) and `kubectl explain` read them: an index of
 * group-versions and one document per group-version with a PATCH operation carrying `x-kubernetes-group-version-kind`
 * and the `fieldValidation` parameter, plus each kind's schema.
 */
import { createHash } from "node:crypto";
import { OBJECT_META_SCHEMA } from "../builtin/schemas.ts";
import type { ResourceDefinition } from "../builtin/types.ts";
import type { Registry } from "../store/registry.ts";

type Json = Record<string, unknown>;

const META_REF = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/** The `components.schemas` name of a kind (`io.k8s.api.core.v1.Pod`, `com.example.demo.v1.Widget`). */
export function schemaName(d: ResourceDefinition): string {
  if (d.builtin) {
    const g = d.group === "" ? "core" : (d.group.split(".")[0] ?? d.group);
    return `io.k8s.api.${g}.${d.version}.${d.kind}`;
  }
  return `${d.group.split(".").reverse().join(".")}.${d.version}.${d.kind}`;
}

const param = (name: string, description: string): Json => ({
  name,
  in: "query",
  description,
  schema: { type: "string", uniqueItems: true },
});

const WRITE_PARAMS = [
  param("dryRun", "When present, indicates that modifications should not be persisted."),
  param("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
  param(
    "fieldValidation",
    "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.",
  ),
];

function kindSchema(d: ResourceDefinition): Json {
  const gvk = [{ group: d.group, version: d.version, kind: d.kind }];
  const base = (d.schema ?? { type: "object" }) as Json;
  const props = { ...((base.properties as Json | undefined) ?? {}) };
  props.apiVersion ??= {
    type: "string",
    description: "APIVersion defines the versioned schema of this representation of an object.",
  };
  props.kind ??= {
    type: "string",
    description: "Kind is a string value representing the REST resource this object represents.",
  };
  props.metadata = {
    description: "Standard object's metadata.",
    allOf: [{ $ref: `#/components/schemas/${META_REF}` }],
  };
  return { ...base, type: "object", properties: props, "x-kubernetes-group-version-kind": gvk };
}

function operations(d: ResourceDefinition, item: boolean): Json {
  const gvk = { group: d.group, version: d.version, kind: d.kind };
  const ref = { $ref: `#/components/schemas/${schemaName(d)}` };
  const resp = { "200": { description: "OK", content: { "application/json": { schema: ref } } } };
  const op = (verb: string, action: string, extra: Json = {}): Json => ({
    description: `${verb} ${d.kind}`,
    operationId: `${action}${d.kind}`,
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvk,
    responses: resp,
    ...extra,
  });
  if (!item) {
    return {
      get: op("list or watch objects of kind", "list"),
      post: op("create a", "post", {
        parameters: WRITE_PARAMS,
        requestBody: { content: { "application/json": { schema: ref } } },
      }),
    };
  }
  return {
    get: op("read the specified", "get"),
    put: op("replace the specified", "put", {
      parameters: WRITE_PARAMS,
      requestBody: { content: { "application/json": { schema: ref } } },
    }),
    patch: op("partially update the specified", "patch", {
      parameters: [...WRITE_PARAMS, param("force", "Force is going to force Apply requests.")],
      requestBody: { content: { "application/merge-patch+json": { schema: { type: "object" } } } },
    }),
    delete: op("delete a", "delete"),
  };
}

/** The OpenAPI v3 document of one group-version, or undefined when not served. */
export function openApiDocument(registry: Registry, group: string, version: string): Json | undefined {
  const defs = registry.definitions().filter((d) => d.group === group && d.version === version);
  if (defs.length === 0) return undefined;
  const prefix = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
  const paths: Json = {};
  const schemas: Json = { [META_REF]: OBJECT_META_SCHEMA };
  for (const d of defs) {
    const scoped = d.namespaced ? `${prefix}/namespaces/{namespace}/${d.resource}` : `${prefix}/${d.resource}`;
    paths[scoped] = operations(d, false);
    paths[`${scoped}/{name}`] = operations(d, true);
    if (d.namespaced) paths[`${prefix}/${d.resource}`] = { get: operations(d, false).get };
    if (d.statusSubresource) paths[`${scoped}/{name}/status`] = operations(d, true);
    schemas[schemaName(d)] = kindSchema(d);
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.37.2" },
    paths,
    components: { schemas },
  };
}

/** Caches documents and their hashes per registry generation. */
export class OpenApiCache {
  private generation = -1;
  private docs = new Map<string, { body: string; hash: string }>();

  private readonly registry: Registry;

  constructor(registry: Registry) {
    this.registry = registry;
  }

  private sync(): void {
    const g = this.registry.generation;
    if (g !== this.generation) {
      this.docs.clear();
      this.generation = g;
    }
  }

  /** The serialized document and its content hash. */
  document(group: string, version: string): { body: string; hash: string } | undefined {
    this.sync();
    const key = `${group}/${version}`;
    let entry = this.docs.get(key);
    if (!entry) {
      const doc = openApiDocument(this.registry, group, version);
      if (!doc) return undefined;
      const body = JSON.stringify(doc);
      entry = { body, hash: createHash("sha256").update(body).digest("hex").slice(0, 32).toUpperCase() };
      this.docs.set(key, entry);
    }
    return entry;
  }

  /** `GET /openapi/v3`. */
  index(): Json {
    const paths: Json = {};
    for (const [group, versions] of this.registry.groups()) {
      for (const version of versions) {
        const key = group === "" ? `api/${version}` : `apis/${group}/${version}`;
        const doc = this.document(group, version);
        if (doc) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
      }
    }
    return { paths };
  }
}
