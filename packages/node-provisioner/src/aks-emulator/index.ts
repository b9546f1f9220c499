/**
 * `@kaito-ts/node-provisioner/aks-emulator`: a local HTTPS emulation of the AKS agentPools ARM API for tests of the
 * `/aks` provisioner and of anything that drives it (the reconciler's and operator's end-to-end tests). Not for
 * production.
 *
 * @packageDocumentation
 */
export {
  type AksEmulator,
  type AksEmulatorOptions,
  type EmulatedAgentPool,
  type EmulatedAgentPoolProperties,
  type EmulatorRequest,
  type QuotaFault,
  startAksEmulator,
  type ThrottleFault,
} from "./emulator.ts";
export { type AgentPoolNode, type AgentPoolNodeOptions, agentPoolNode } from "./node.ts";
export { type EmulatorTls, generateEmulatorTls } from "./tls.ts";
