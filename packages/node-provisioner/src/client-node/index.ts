/**
 * `@kaito-ts/node-provisioner/client-node`: a {@link KubernetesObjectPort} over `@kubernetes/client-node` (an
 * optional peer dependency), for callers without an informer cache of their own (scripts, tests, simple operators).
 *
 * @packageDocumentation
 */
export { kubernetesObjectPort } from "./port.ts";
