/** The documented tunables of the store (`MemoryStore`, and `startCluster({ store })`). */

/** Tunables of the store. */
export interface MemoryStoreOptions {
  /** Watch events retained per resource type (older resourceVersions answer 410 Expired). Default 5000. */
  historySize?: number;
  /**
   * How long a pod with a grace period stays Terminating before the store removes it. Default 50 ms. Not used while
   * a kubelet handles pod termination (`startCluster` with the simulation): the kubelet removes the pod once its
   * processes have stopped or the grace period has passed.
   */
  podTerminationDelayMs?: number;
  /**
   * Maintain `metadata.managedFields` on non-apply writes, as the real server does. Default true. Turning it off
   * makes in-process writes about 2–4× faster; server-side apply still records its own managers.
   */
  trackManagedFields?: boolean;
}
