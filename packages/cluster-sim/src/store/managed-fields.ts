/** Keeps `metadata.managedFields` up to date for non-apply writes. */
import type { ResourceDefinition } from "../builtin/types.ts";
import { type JSONSchemaProps, type ManagedFieldsOptions, updateManagedFields } from "../semantics/index.ts";
import type { KubeObject } from "./api.ts";

/** The managed-fields options of a resource type (CRD schema; status untracked on main writes of status kinds). */
export function managedFieldsOptions(def: ResourceDefinition, subresource: string | undefined): ManagedFieldsOptions {
  const o: ManagedFieldsOptions = {};
  if (!def.builtin && def.schema) o.schema = def.schema as JSONSchemaProps;
  if (def.statusSubresource && subresource === undefined) o.ignoreTopLevelFields = ["status"];
  return o;
}

/**
 * Records `manager`'s ownership of the fields a write changed (`operation: "Update"`). Apply writes already carry
 * the managedFields computed by server-side apply and are left as they are.
 */
export function recordManagedFields(
  def: ResourceDefinition,
  before: KubeObject | undefined,
  after: KubeObject,
  manager: string | undefined,
  operation: "Update" | "Apply",
  subresource: string | undefined,
): void {
  if (operation === "Apply") return;
  const managed = updateManagedFields(
    before,
    after,
    manager ?? "cluster-sim",
    operation,
    subresource,
    managedFieldsOptions(def, subresource),
  );
  if (managed.length > 0) after.metadata.managedFields = managed;
  else delete after.metadata.managedFields;
}
