/**
 * `@kaito-ts/node-provisioner/byo`: bring-your-own GPU nodes chosen by the Workspace's label selector, with their GPU
 * details from NVIDIA GPU feature discovery labels (compat §1.6, §3.3). Imports no cloud SDK.
 *
 * @packageDocumentation
 */
export { type ByoGpuConfig, type ByoGpuConfigResult, gpuConfigFromNodes } from "./gpu-labels.ts";
export { ByoNodeProvisioner, type ByoProvisionerOptions, createByoProvisioner } from "./provisioner.ts";
