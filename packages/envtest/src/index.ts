/**
 * `@kaito-ts/envtest`: a real Kubernetes control plane (etcd + kube-apiserver, optionally kube-controller-manager
 * and kube-scheduler) started from TypeScript for tests, with RBAC-scoped kubeconfigs, CRD installation and
 * certificates for webhooks served by the test process. Binaries come from `pnpm test-deps`.
 */
export {
  BINARY_SPECS,
  type BinaryName,
  type BinarySpec,
  binaryCacheDir,
  kubectlPath,
  orasPath,
  type ResolveBinariesOptions,
  type ResolvedBinaries,
  requireBinaries,
  resolveBinaries,
} from "./binaries.ts";
export {
  type ComponentName,
  type ControlPlane,
  type ControlPlaneBinary,
  type ControlPlaneOptions,
  startControlPlane,
} from "./control-plane.ts";
export { type CrdSource, type InstallCrdsOptions, type InstalledCrd, installCRDs } from "./crds.ts";
export { type EventuallyOptions, eventually } from "./eventually.ts";
export { EnvtestError, type EnvtestErrorCode, type EnvtestErrorOptions, isEnvtestError } from "./errors.ts";
export type { ClusterIdentity, ScopedKubeconfig } from "./identity.ts";
export { type WebhookServerCertificate, webhookServerCertificate } from "./pki.ts";
export { connectSharedControlPlane, type SharedControlPlane, type SharedControlPlaneInfo } from "./shared.ts";
