import { serviceProxyUrl, workspaceServiceUrl } from "@kaito-ts/chat-client";
import type { Command } from "commander";
import type { CliIO } from "../io.ts";
import { type ClusterOptions, clientFor, clusterOptionsOf, withClientErrors, withClusterOptions } from "./apply.ts";

/** The ways to reach a Workspace's inference endpoint. */
export interface WorkspaceEndpoint {
  /** `http://<ws>.<ns>.svc.cluster.local:80` (from a pod in the cluster). */
  readonly inCluster: string;
  /** `<server>/api/v1/namespaces/<ns>/services/<ws>:80/proxy/` (from outside, with the kubeconfig's credentials). */
  readonly serviceProxy: string;
}

/** The in-cluster and service-proxy URLs of a Workspace. */
export function workspaceEndpoint(server: string, namespace: string, name: string): WorkspaceEndpoint {
  return {
    inCluster: workspaceServiceUrl({ name, namespace }),
    serviceProxy: `${serviceProxyUrl({ server, namespace, name })}/`,
  };
}

/** Runs `kaito endpoint`: checks the Workspace serves inference, prints its URLs and chat paths. */
export async function runEndpoint(io: CliIO, name: string, options: ClusterOptions): Promise<number> {
  return withClientErrors(io, async () => {
    const client = await clientFor(options);
    const ws = await client.get(name, options.namespace);
    const namespace = ws.metadata.namespace ?? client.namespace;
    if ((ws as { tuning?: unknown }).tuning !== undefined) {
      io.stderr(
        `error: Workspace ${namespace}/${name} is a tuning Workspace: it serves no endpoint (its adapter goes to tuning.output.image; serve it with an inference Workspace's adapters)\n`,
      );
      return 1;
    }
    const e = workspaceEndpoint(client.server, namespace, name);
    const lines = [
      `in-cluster URL:     ${e.inCluster}`,
      `service proxy URL:  ${e.serviceProxy}   (with the kubeconfig's credentials)`,
      `chat (OpenAI):      POST v1/chat/completions   e.g. ${e.serviceProxy}v1/chat/completions`,
      `chat (classic):     POST chat {"prompt": …}   e.g. ${e.serviceProxy}chat`,
      `models:             GET v1/models`,
      `try it:             kaito chat ${name} -n ${namespace} "Hello"`,
    ];
    io.stdout(`${lines.join("\n")}\n`);
    return 0;
  });
}

/** Registers `kaito endpoint`. */
export function registerEndpointCommand(program: Command, io: CliIO, setExitCode: (code: number) => void): void {
  withClusterOptions(
    program
      .command("endpoint")
      .description(
        "print how to reach a Workspace's inference endpoint: in-cluster URL, API server service-proxy URL, chat paths",
      )
      .argument("<name>", "an inference Workspace"),
  ).action(async (name: string, o: Record<string, unknown>) => {
    setExitCode(await runEndpoint(io, name, clusterOptionsOf(o)));
  });
}
