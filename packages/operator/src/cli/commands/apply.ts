// Loaded on use: the commands that do not talk to a cluster start without client-node.
import type { WorkspaceClient, WorkspaceClientError } from "@kaito-ts/workspace-client";
import { parseWorkspaceDocuments, type Workspace } from "@kaito-ts/workspace-types";
import type { Command } from "commander";
import { isContextObject } from "../cluster-context.ts";
import { type CliIO, readInputOrExplain } from "../io.ts";

/** The options every command that talks to a cluster takes. */
export interface ClusterOptions {
  /** A kubeconfig file (default: `KUBECONFIG`, then `~/.kube/config`). */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig (default: its current context). */
  readonly context?: string;
  /** The namespace (default: the context's, else `default`). */
  readonly namespace?: string;
}

/** Adds `--kubeconfig`, `--context` and `-n/--namespace` to a command. */
export function withClusterOptions(command: Command): Command {
  return command
    .option("--kubeconfig <path>", "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
    .option("--context <name>", "kubeconfig context (default: its current context)")
    .option("-n, --namespace <namespace>", "namespace (default: the context's, else default)");
}

/** The {@link ClusterOptions} of parsed commander options. */
export function clusterOptionsOf(o: Record<string, unknown>): ClusterOptions {
  return {
    ...(typeof o.kubeconfig === "string" ? { kubeconfig: o.kubeconfig } : {}),
    ...(typeof o.context === "string" ? { context: o.context } : {}),
    ...(typeof o.namespace === "string" ? { namespace: o.namespace } : {}),
  };
}

/** A Workspace client for the options (kubeconfig found as kubectl finds it). */
export async function clientFor(options: ClusterOptions): Promise<WorkspaceClient> {
  const { createWorkspaceClient, loadKubeConfig } = await import("@kaito-ts/workspace-client");
  const kc = loadKubeConfig({
    ...(options.kubeconfig !== undefined ? { path: options.kubeconfig } : {}),
    ...(options.context !== undefined ? { context: options.context } : {}),
  });
  return createWorkspaceClient(kc, {
    fieldManager: "kaito-cli",
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
  });
}

/**
 * The exit code of a client error: 1 when the Workspace is invalid, missing, or did not get there in time; 2 when
 * the CLI cannot work here (no kubeconfig, unreachable cluster, no CRD, RBAC, a bad argument).
 */
export function exitCodeOf(e: WorkspaceClientError): number {
  switch (e.code) {
    case "INVALID_WORKSPACE":
    case "NOT_FOUND":
    case "NO_WORKLOAD":
    case "TIMEOUT":
    case "CONFLICT":
    case "API_ERROR":
      return 1;
    default:
      return 2;
  }
}

/** Prints a client error as `error: …` lines (and its validation issues) and returns its exit code. */
export function reportClientError(io: CliIO, e: WorkspaceClientError): number {
  if (e.issues.length > 0) {
    const first = e.message.split("\n")[0] ?? e.message;
    for (const i of e.issues) io.stderr(`${i.path}: ${i.message}${i.hint !== undefined ? ` (hint: ${i.hint})` : ""}\n`);
    io.stderr(`error: ${first}\n`);
  } else io.stderr(`error: ${e.message}\n`);
  return exitCodeOf(e);
}

/** Runs `body`, turning a WorkspaceClientError into its printed form and exit code. */
export async function withClientErrors(io: CliIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    const { isWorkspaceClientError } = await import("@kaito-ts/workspace-client");
    if (isWorkspaceClientError(error)) return reportClientError(io, error);
    throw error;
  }
}

/** Runs `kaito apply`: validates and server-side applies every Workspace of the file. */
export async function runApply(io: CliIO, file: string, options: ClusterOptions): Promise<number> {
  const text = await readInputOrExplain(io, file);
  const source = file === "-" ? "<stdin>" : file;
  const docs = parseWorkspaceDocuments(text, { source });
  const errors: string[] = [];
  const workspaces: Workspace[] = [];
  for (const d of docs) {
    if (isContextObject(d.value)) {
      const m = (d.value as { kind: string; metadata?: { name?: string } }).metadata;
      io.stderr(
        `skipped ${(d.value as { kind: string }).kind} ${m?.name ?? ""} (kaito apply applies Workspaces; use kubectl apply for it)\n`,
      );
      continue;
    }
    for (const e of d.errors)
      errors.push(`${source}${e.line === undefined ? "" : `:${e.line}:${e.column ?? 1}`}: ${e.message}`);
    if (d.errors.length === 0) workspaces.push(d.value as Workspace);
  }
  if (errors.length === 0 && workspaces.length === 0)
    errors.push(`${source}: no Workspace found (expected a document with kind: Workspace)`);
  if (errors.length > 0) {
    io.stderr(`${errors.join("\n")}\n`);
    return 1;
  }
  return withClientErrors(io, async () => {
    const client = await clientFor(options);
    for (const ws of workspaces) {
      const applied = await client.apply(ws, options.namespace !== undefined ? { namespace: options.namespace } : {});
      io.stdout(`workspace.kaito.sh/${applied.metadata.name} serverside-applied\n`);
    }
    const last = workspaces.at(-1)?.metadata?.name;
    if (last !== undefined) {
      io.stderr(
        `watch it: kaito status ${last}${options.namespace !== undefined ? ` -n ${options.namespace}` : ""} --watch\n`,
      );
    }
    return 0;
  });
}

/** Registers `kaito apply`. */
export function registerApplyCommand(program: Command, io: CliIO, setExitCode: (code: number) => void): void {
  withClusterOptions(
    program
      .command("apply")
      .description(
        "validate Workspaces and server-side apply them to the cluster of the kubeconfig (exit 1 when invalid)",
      )
      .argument("<file>", "a Workspace file (YAML or JSON), or - for stdin"),
  ).action(async (file: string, o: Record<string, unknown>) => {
    setExitCode(await runApply(io, file, clusterOptionsOf(o)));
  });
}
