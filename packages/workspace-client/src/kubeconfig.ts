/**
 * Finding the kubeconfig as kubectl does (`--kubeconfig`, then `KUBECONFIG`, then `~/.kube/config`, then the pod's
 * service account), with a {@link WorkspaceClientError} `NO_KUBECONFIG` that says what to do instead of
 * client-node's silent fallback to `http://localhost:8080`.
 *
 * @packageDocumentation
 */
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { WorkspaceClientError } from "./errors.ts";

/** Options of {@link loadKubeConfig}. */
export interface LoadKubeConfigOptions {
  /** A kubeconfig file (`--kubeconfig`); wins over `KUBECONFIG`. */
  readonly path?: string;
  /** The context to use instead of the file's `current-context`. */
  readonly context?: string;
  /** The environment to read `KUBECONFIG`, `HOME` and the in-cluster variables from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

function noKubeconfig(message: string, cause?: unknown): WorkspaceClientError {
  return new WorkspaceClientError("NO_KUBECONFIG", message, cause === undefined ? {} : { cause });
}

function loadFile(kc: KubeConfig, path: string): void {
  try {
    kc.loadFromFile(path);
  } catch (error) {
    throw noKubeconfig(
      `the kubeconfig ${path} cannot be read as a kubeconfig (${(error as Error).message.split("\n")[0]}); fix the file or point KUBECONFIG at another`,
      error,
    );
  }
}

/**
 * Loads the kubeconfig a person means: `path`, else the files of `KUBECONFIG` (merged, first wins), else
 * `~/.kube/config`, else the in-cluster service account. Selects `context` when given.
 * @throws WorkspaceClientError `NO_KUBECONFIG` when there is none, a named file is missing or unreadable, the context
 *   does not exist, or the current context names no cluster.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): KubeConfig {
  const env = options.env ?? process.env;
  const kc = new KubeConfig();
  if (options.path !== undefined) {
    if (!isFile(options.path)) {
      throw noKubeconfig(`the kubeconfig ${options.path} does not exist; give the path of a kubeconfig file`);
    }
    loadFile(kc, options.path);
  } else if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== "") {
    const files = env.KUBECONFIG.split(delimiter).filter((f) => f !== "");
    const present = files.filter(isFile);
    if (present.length === 0) {
      throw noKubeconfig(
        `KUBECONFIG=${env.KUBECONFIG} names no existing file; point it at a kubeconfig (for a local playground: kaito cluster up --kubeconfig <file>)`,
      );
    }
    loadFile(kc, present[0] as string);
    for (const extra of present.slice(1)) {
      const other = new KubeConfig();
      loadFile(other, extra);
      kc.mergeConfig(other, true);
    }
  } else {
    const home = env.HOME ?? homedir();
    const fallback = join(home, ".kube", "config");
    if (isFile(fallback)) loadFile(kc, fallback);
    else if (env.KUBERNETES_SERVICE_HOST !== undefined && isFile(SERVICE_ACCOUNT_TOKEN)) kc.loadFromCluster();
    else {
      throw noKubeconfig(
        `no kubeconfig: KUBECONFIG is not set and ${fallback} does not exist; set KUBECONFIG or pass --kubeconfig (for a local playground: kaito cluster up --kubeconfig <file>, then export KUBECONFIG=<file>)`,
      );
    }
  }
  if (options.context !== undefined) {
    if (kc.getContextObject(options.context) === null) {
      const known = kc.getContexts().map((c) => c.name);
      throw noKubeconfig(
        `the kubeconfig has no context "${options.context}"${known.length > 0 ? ` (it has: ${known.join(", ")})` : ""}`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  requireCluster(kc);
  return kc;
}

/**
 * The API server URL of the kubeconfig's current context (no trailing slash).
 * @throws WorkspaceClientError `NO_KUBECONFIG` when the current context names no cluster.
 */
export function requireCluster(kc: KubeConfig): string {
  const cluster = kc.getCurrentCluster();
  if (cluster === null || cluster.server === "") {
    const ctx = kc.getCurrentContext();
    throw noKubeconfig(
      ctx === "" || ctx === undefined
        ? "the kubeconfig has no current-context; run kubectl config use-context <name>"
        : `the kubeconfig's context "${ctx}" names no cluster with a server URL; fix the kubeconfig`,
    );
  }
  return cluster.server.replace(/\/+$/, "");
}

/** The namespace of the kubeconfig's current context, else `default` (as kubectl). */
export function contextNamespace(kc: KubeConfig): string {
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return ctx?.namespace !== undefined && ctx.namespace !== "" ? ctx.namespace : "default";
}
