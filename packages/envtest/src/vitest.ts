/**
 * `@kaito-ts/envtest/vitest`: a vitest `globalSetup` that starts one control plane for a whole test run (or
 * project) and stops it at the end. Test files get it with `connectSharedControlPlane(inject("kaitoEnvtest"))`.
 *
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ["@kaito-ts/envtest/vitest"] } });
 * // or, with options, a file `envtest.setup.ts`: export default controlPlaneGlobalSetup({ controllers: true });
 * ```
 */
import { type ControlPlaneOptions, startControlPlane } from "./control-plane.ts";
import type { SharedControlPlaneInfo } from "./shared.ts";

export { connectSharedControlPlane, type SharedControlPlane, type SharedControlPlaneInfo } from "./shared.ts";

declare module "vitest" {
  /** What `@kaito-ts/envtest/vitest` provides to test files. */
  export interface ProvidedContext {
    /** The shared control plane: pass to `connectSharedControlPlane`. */
    kaitoEnvtest: SharedControlPlaneInfo;
  }
}

/** The part of vitest's `TestProject` a global setup uses. */
export interface ProvidingProject {
  /** Makes a value available to test files through `inject(key)`. */
  provide(key: "kaitoEnvtest", value: SharedControlPlaneInfo): void;
}

/**
 * A vitest global setup function: starts a control plane with `options`, provides it as `kaitoEnvtest` (and sets
 * `KAITO_ENVTEST_KUBECONFIG` / `KAITO_ENVTEST_URL` in the environment workers inherit), and returns the teardown
 * that stops it.
 */
export function controlPlaneGlobalSetup(
  options: ControlPlaneOptions = {},
): (project: ProvidingProject) => Promise<() => Promise<void>> {
  return async (project) => {
    const cp = await startControlPlane(options);
    project.provide("kaitoEnvtest", { url: cp.url, kubeconfigPath: cp.kubeconfigPath, dir: cp.dir });
    process.env.KAITO_ENVTEST_KUBECONFIG = cp.kubeconfigPath;
    process.env.KAITO_ENVTEST_URL = cp.url;
    return () => cp.stop();
  };
}

/** The default global setup: a control plane without controllers (set `KAITO_ENVTEST_CONTROLLERS=1` to add them). */
export default controlPlaneGlobalSetup({ controllers: process.env.KAITO_ENVTEST_CONTROLLERS === "1" });
