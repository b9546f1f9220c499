import type * as ClusterSim from "@kaito-ts/cluster-sim";
import { OperatorError } from "../errors.ts";

/** The package the playground commands run on; an optional peer dependency of `@kaito-ts/operator`. */
export const CLUSTER_SIM_PACKAGE = "@kaito-ts/cluster-sim";

/** What `@kaito-ts/cluster-sim` exports. */
export type ClusterSimModule = typeof ClusterSim;

/** Imports a module by specifier; injected by tests, `import()` otherwise. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

const nativeImport: ModuleImporter = (specifier) => import(specifier);

/**
 * Loads `@kaito-ts/cluster-sim` on demand. The operator declares it as an optional peer dependency, so that a
 * production install of the operator does not pull the playground's API server, certificate and CEL libraries; when
 * it is missing, the playground commands fail with a one-line `MISSING_DEPENDENCY` {@link OperatorError}
 * saying what to install.
 */
export async function loadClusterSim(
  command: string,
  importer: ModuleImporter = nativeImport,
  specifier: string = CLUSTER_SIM_PACKAGE,
): Promise<ClusterSimModule> {
  try {
    return (await importer(specifier)) as ClusterSimModule;
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const missing =
      (code === "ERR_MODULE_NOT_FOUND" || /Cannot find (?:package|module)/.test(String(message))) &&
      String(message).includes(`'${specifier}'`);
    if (!missing) throw error;
    throw new OperatorError(
      "MISSING_DEPENDENCY",
      `${command} needs ${CLUSTER_SIM_PACKAGE}, which is an optional dependency of @kaito-ts/operator: install it next to the operator (npm install ${CLUSTER_SIM_PACKAGE}) and run again`,
      { cause: error },
    );
  }
}
