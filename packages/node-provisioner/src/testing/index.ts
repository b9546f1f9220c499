/**
 * `@kaito-ts/node-provisioner/testing`: an in-memory {@link KubernetesObjectPort} for tests of code that drives a
 * provisioner (the reconciler's pure tests use it). Not for production.
 *
 * @packageDocumentation
 */
export {
  type MemoryObjectPort,
  MemoryPortError,
  type MemoryPortWrite,
  memoryObjectPort,
} from "./memory-port.ts";
