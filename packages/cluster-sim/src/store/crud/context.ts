/** What the create, update and patch paths share: the table, admission, the committer and the store's options. */
import type { AdmissionChain } from "../admission.ts";
import type { Committer } from "../commit.ts";
import type { ObjectTable } from "../objects.ts";

/** The parts of the store a write path uses. */
export interface WriteContext {
  table: ObjectTable;
  admission: AdmissionChain;
  commit: Committer;
  /** Maintain `metadata.managedFields` on non-apply writes (see `MemoryStoreOptions.trackManagedFields`). */
  trackManagedFields: boolean;
  /** The next free Service ClusterIP. */
  allocateClusterIP(): string;
}
