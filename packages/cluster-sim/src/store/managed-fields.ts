/** Keeps `metadata.managedFields` up to date for non-apply writes. */
import type { KubeObject } from "./api.ts";

/**
 * Records `manager`'s ownership of the fields a write changed (`operation: "Update"`). Apply writes already carry
 * the managedFields computed by server-side apply and are left as they are.
 */
export function recordManagedFields(
  before: KubeObject | undefined,
  after: KubeObject,
  manager: string | undefined,
  operation: "Update" | "Apply",
  subresource: string | undefined,
): void {
  if (operation === "Apply" || before === after || manager === subresource) return;
}
