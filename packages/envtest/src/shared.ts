/**
 * A control plane started elsewhere (by the vitest global setup, in another process) used from a test: its admin
 * kubeconfig, and scoped kubeconfigs signed with its CA (read from the instance folder).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type KubeConfig, KubeConfig as KubeConfigClass } from "@kubernetes/client-node";
import { type CrdSource, type InstallCrdsOptions, type InstalledCrd, installCRDs } from "./crds.ts";
import { EnvtestError } from "./errors.ts";
import { type ClusterIdentity, type ScopedKubeconfig, scopedKubeconfig } from "./identity.ts";
import { loadCertificateAuthority } from "./pki.ts";

/** What the global setup passes to test files (serialisable). */
export interface SharedControlPlaneInfo {
  /** The API server URL. */
  readonly url: string;
  /** The admin kubeconfig file. */
  readonly kubeconfigPath: string;
  /** The instance folder (holds `pki/ca.crt` and `pki/ca.key`, used to sign user certificates). */
  readonly dir: string;
}

/** A shared control plane as seen from a test file. */
export interface SharedControlPlane extends SharedControlPlaneInfo {
  /** A client-node `KubeConfig` for the admin. */
  readonly kubeConfig: KubeConfig;
  /** Like `ControlPlane.kubeconfigFor`. */
  kubeconfigFor(identity: ClusterIdentity): Promise<ScopedKubeconfig>;
  /** Like `ControlPlane.installCRDs`. */
  installCRDs(objectsOrPaths: CrdSource | readonly CrdSource[], options?: InstallCrdsOptions): Promise<InstalledCrd[]>;
}

/**
 * Connects to a control plane started by `@kaito-ts/envtest/vitest` (pass `inject("kaitoEnvtest")`), or by anyone
 * who handed over its `url`, `kubeconfigPath` and `dir`.
 */
export function connectSharedControlPlane(info: SharedControlPlaneInfo | undefined): SharedControlPlane {
  if (info === undefined || typeof info.kubeconfigPath !== "string")
    throw new EnvtestError(
      "INVALID_INPUT",
      'connectSharedControlPlane: no control plane was provided; add "@kaito-ts/envtest/vitest" (or a file exporting controlPlaneGlobalSetup()) to test.globalSetup in the vitest config',
    );
  const kubeConfig = new KubeConfigClass();
  try {
    kubeConfig.loadFromFile(info.kubeconfigPath);
  } catch (e) {
    throw new EnvtestError(
      "STOPPED",
      `connectSharedControlPlane: cannot read ${info.kubeconfigPath}; the shared control plane at ${info.url} is gone (stopped, or its global setup failed)`,
      { cause: e },
    );
  }
  let ca: ReturnType<typeof loadCertificateAuthority> | undefined;
  return {
    ...info,
    kubeConfig,
    async kubeconfigFor(identity) {
      ca ??= loadCertificateAuthority(
        readFileSync(join(info.dir, "pki", "ca.crt"), "utf8"),
        readFileSync(join(info.dir, "pki", "ca.key"), "utf8"),
      );
      return scopedKubeconfig({ identity, ca: await ca, server: info.url, admin: kubeConfig, dir: info.dir });
    },
    installCRDs: (objectsOrPaths, options) => installCRDs(kubeConfig, objectsOrPaths, options),
  };
}
