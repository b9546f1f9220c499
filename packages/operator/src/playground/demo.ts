/**
 * `kaito demo`: the seed's story told completely, on one machine with no cloud and no Docker — tune, publish, serve,
 * chat. cluster-sim (an in-process Kubernetes API server) with Kaito's CRDs and admission rules and simulated GPU
 * nodes; the operator composed in-process (the same `startOperator` as `kaito operator`); Debian's `docker-registry`
 * when installed. What is simulated is said on screen: GPU nodes, the trainer, the model (a tiny random-weight model).
 */
import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KubeObject, KubeRestClient, Resources, isReconcilerError } from "@kaito-ts/reconciler-core";
import { listSkus } from "@kaito-ts/preset-catalog";
import { allCrds } from "@kaito-ts/workspace-types";
import { pino } from "pino";
import type { CliIO } from "../cli/io.ts";
import { OperatorError } from "../errors.ts";
import { resolveOperatorConfig } from "../operator/config.ts";
import { startOperator } from "../operator/run.ts";
import { type ClusterSimModule, loadClusterSim } from "./cluster-sim-loader.ts";
import { simulatedSku } from "./cluster-up.ts";
import { type DemoModelServer, modelServerMapping } from "./demo-model.ts";
import { pusherArgv, TRAINER_SCRIPT } from "./demo-processes.ts";
import { startDemoRegistry } from "./demo-registry.ts";
import { conditionSummary, statusRow, statusTable } from "./demo-status.ts";
import { workspaceAdmissionHook } from "./workspace-admission.ts";

/** The seed's fine-tuning example as written (placeholders and all). */
export const SEED_TUNING_EXAMPLE = `apiVersion: kaito.sh/v1alpha1
kind: Workspace
metadata:
  name: workspace-tuning-phi-3
resource:
  instanceType: "Standard_NC6s_v3"
  labelSelector:
    matchLabels:
      app: tuning-phi-3
tuning:
  preset:
    name: phi-3-mini-128k-instruct
  method: qlora
  input:
    urls:
      - "https://huggingface.co/datasets/philschmid/dolly-15k-oai-style/resolve/main/data/train-00000-of-00001-54e3756291ca09c6.parquet?download=true"
  output:
    image: "ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1" # Tuning Output ACR Path
    imagePushSecret: ACR_REGISTRY_SECRET_HERE
`;

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Keep running (until interrupted) after the chat, so the user can try the printed commands. */
  readonly keep: boolean;
  /** Where to write the kubeconfig (default: a temporary file). */
  readonly kubeconfig?: string;
  /** Longest wait of each phase (default 180 s). */
  readonly phaseTimeoutMs?: number;
}

/** Fill the seed's placeholders for a registry at `host`. */
export function fillSeedPlaceholders(yamlText: string, host: string): string {
  return yamlText
    .replace("ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1", `${host}/tuning/phi-3-mini-128k-adapter:0.0.1`)
    .replace("ACR_REGISTRY_SECRET_HERE", "registry-push-secret")
    .replace(" # Tuning Output ACR Path", "");
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  onTick?: () => Promise<void>,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    await onTick?.();
    if (Date.now() > until) {
      throw new OperatorError(
        "UNSUPPORTED_ENVIRONMENT",
        `demo: ${what} did not happen within ${Math.round(timeoutMs / 1000)} s`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function condStatus(ws: KubeObject | undefined, type: string): string | undefined {
  const conds = (ws?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
  return conds.find((c) => c.type === type)?.status;
}

/** Run the demo; returns the exit code (0 when every step behaved as expected). */
export async function runDemo(
  io: CliIO,
  options: DemoOptions,
  load: () => Promise<ClusterSimModule> = () => loadClusterSim("kaito demo"),
): Promise<number> {
  const timeout = options.phaseTimeoutMs ?? 180_000;
  const say = (t: string) => io.stdout(`${t}\n`);
  const { startCluster } = await load();
  const work = await mkdtemp(join(tmpdir(), "kaito-demo-"));
  const cleanups: Array<() => Promise<void>> = [() => rm(work, { recursive: true, force: true })];
  try {
    say("kaito demo — tune, publish, serve, chat; on this machine, no cloud, no Docker.");
    say("Simulated: the Kubernetes API server (cluster-sim), the GPU nodes, the trainer, and the model (a tiny");
    say("random-weight model served by a real llama.cpp engine). Real: the operator, its reconciler and admission");
    say("rules, kaito-publish, the OCI registry (Debian's docker-registry) and the chat client.\n");

    const registry = await startDemoRegistry();
    const host = "host" in registry ? registry.host : undefined;
    if ("host" in registry) {
      cleanups.unshift(() => registry.stop());
      say(`registry: docker-registry at ${registry.host}`);
    } else {
      say(`registry: none — ${registry.reason}; the demo skips the push and serves the base model.`);
    }

    const model: DemoModelServer = await modelServerMapping(work, host !== undefined ? ["phi-3-adapter"] : []);
    cleanups.unshift(() => model.stop());
    const cluster = await startCluster({
      crds: allCrds.map((crd) => structuredClone(crd) as unknown as KubeObject) as never,
      skus: listSkus({ includeClassic: true }).map(simulatedSku),
      nodeDelayMs: 1500,
      simulation: {
        processRuntime: {
          images: [
            {
              image: "*/kaito-base:*",
              spawn: (ctx) => {
                const owner = (ctx.pod.metadata as { ownerReferences?: Array<{ kind: string }> }).ownerReferences?.[0];
                if (owner?.kind === "Job") {
                  return {
                    command: [process.execPath, "-e", TRAINER_SCRIPT],
                    env: { RESULTS_DIR: ctx.mounts["/mnt/results"] ?? join(ctx.podDir, "results") },
                  };
                }
                return model.spawn(ctx);
              },
            },
            { image: "*/kaito-publish:*", spawn: (ctx) => ({ command: pusherArgv(ctx.argv) }) },
          ],
        },
      },
      ...(options.kubeconfig !== undefined ? { kubeconfigPath: options.kubeconfig } : {}),
    });
    cleanups.unshift(() => cluster.stop());
    cluster.store.addAdmissionHook(
      workspaceAdmissionHook(cluster.store, { cloud: "azure", nodeAutoProvisioning: true, defaultRuntime: "vllm" }),
    );
    say(`cluster: cluster-sim at ${cluster.url} with Kaito's CRDs and simulated GPU nodes`);

    const logFile = join(work, "operator.log");
    const op = await startOperator(
      resolveOperatorConfig(
        {
          leaderElection: "false",
          webhookPort: "-1",
          healthPort: "0",
          metricsPort: "0",
          bindAddress: "127.0.0.1",
          logLevel: "info",
          gracefulShutdownTimeoutMs: "2000",
        },
        {},
      ),
      {
        kubeConfig: cluster.kubeConfig,
        logger: pino({ level: "info" }, pino.destination({ dest: logFile, sync: true })),
        buildOptions: host !== undefined ? { insecureRegistries: [host] } : {},
      },
    );
    cleanups.unshift(() => op.stop());
    say(`operator: running in-process (logs: ${logFile})`);
    say(`\nIn another terminal:\n  export KUBECONFIG=${cluster.kubeconfigPath}\n  kubectl get workspace\n`);

    const client = new KubeRestClient(cluster.kubeConfig);
    const { parse } = await import("yaml");
    // 1. The seed as written: Kaito's admission rules deny it.
    say("$ kubectl apply -f kaito_workspace_tuning_phi_3.yaml            # the seed's example as written");
    try {
      await client.create(Resources.Workspace, {
        ...(parse(SEED_TUNING_EXAMPLE) as KubeObject),
        metadata: { name: "workspace-tuning-phi-3", namespace: "default" },
      });
      throw new OperatorError(
        "UNSUPPORTED_ENVIRONMENT",
        "demo: the seed's example with placeholders was admitted; it must be denied",
      );
    } catch (e) {
      if (!isReconcilerError(e)) throw e;
      say(`denied: ${e.message.replace(/^.*?validation failed: /, "")}\n`);
    }

    // 2. Filled in for the local registry.
    const adapterImage = host !== undefined ? `${host}/tuning/phi-3-mini-128k-adapter:0.0.1` : undefined;
    say(
      "$ kubectl apply -f kaito_workspace_tuning_phi_3.yaml            # placeholders filled in for the local registry",
    );
    await client.create(Resources.Secret, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "registry-push-secret", namespace: "default" },
      type: "kubernetes.io/dockerconfigjson",
      stringData: { ".dockerconfigjson": JSON.stringify({ auths: host !== undefined ? { [host]: {} } : {} }) },
    } as KubeObject);
    const tuning = parse(fillSeedPlaceholders(SEED_TUNING_EXAMPLE, host ?? "localhost:5000")) as KubeObject;
    if (host === undefined)
      (tuning as unknown as { tuning: { output: unknown } }).tuning.output = { volumeSource: { emptyDir: {} } };
    await client.create(Resources.Workspace, { ...tuning, metadata: { ...tuning.metadata, namespace: "default" } });
    say("workspace.kaito.sh/workspace-tuning-phi-3 created\n");

    let last = "";
    const show = async (name: string, kind: "tuning" | "inference") => {
      const ws = await client.get(Resources.Workspace, "default", name);
      if (ws === undefined) return;
      const row = statusRow(ws, kind);
      const line = `${row}   ${conditionSummary(ws)}`;
      if (line !== last) {
        if (last === "") say(statusTable(kind));
        say(line);
        last = line;
      }
    };
    await waitFor(
      "the tuning Workspace succeeding",
      timeout,
      async () => {
        const ws = await client.get(Resources.Workspace, "default", "workspace-tuning-phi-3");
        return condStatus(ws, "WorkspaceSucceeded") === "True" ? ws : undefined;
      },
      () => show("workspace-tuning-phi-3", "tuning"),
    );
    await show("workspace-tuning-phi-3", "tuning");
    if (host !== undefined) {
      const res = await fetch(`http://${host}/v2/tuning/phi-3-mini-128k-adapter/manifests/0.0.1`, {
        method: "HEAD",
        headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
      });
      if (res.status !== 200) {
        throw new OperatorError(
          "UNSUPPORTED_ENVIRONMENT",
          `demo: the adapter image is not in the registry (HTTP ${res.status})`,
        );
      }
      say(
        `\nkaito-publish pushed the adapter image ${adapterImage} (${res.headers.get("docker-content-digest") ?? "digest unknown"})`,
      );
    }

    // 3. Serve it.
    last = "";
    const inference: KubeObject = {
      apiVersion: "kaito.sh/v1beta1",
      kind: "Workspace",
      metadata: { name: "workspace-phi-3-mini", namespace: "default" },
      resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { apps: "phi-3-mini" } } },
      inference: {
        preset: { name: "phi-3-mini-128k-instruct" },
        ...(adapterImage !== undefined
          ? { adapters: [{ source: { name: "phi-3-adapter", image: adapterImage } }] }
          : {}),
      },
    };
    say(
      `\n$ kubectl apply -f workspace-phi-3-mini.yaml                     # inference${adapterImage !== undefined ? " with the tuned adapter" : ""}`,
    );
    await client.create(Resources.Workspace, inference);
    await waitFor(
      "the inference Workspace becoming ready",
      timeout,
      async () => {
        const ws = await client.get(Resources.Workspace, "default", "workspace-phi-3-mini");
        return condStatus(ws, "WorkspaceSucceeded") === "True" ? ws : undefined;
      },
      () => show("workspace-phi-3-mini", "inference"),
    );
    await show("workspace-phi-3-mini", "inference");

    // 4. Chat.
    const proxy = `${cluster.url}/api/v1/namespaces/default/services/workspace-phi-3-mini:80/proxy`;
    await model.chat(io, proxy, cluster.token, adapterImage !== undefined ? "phi-3-adapter" : undefined);
    say(
      `\nTry it yourself (Kaito's classic endpoint through the API server's service proxy; the token is this playground's own)${options.keep ? "" : " — run `kaito demo --keep` to keep the playground up for these"}:`,
    );
    say(`  curl -s -H "Authorization: Bearer ${cluster.token}" -H 'content-type: application/json' \\`);
    say(`    -d '{"prompt": "What is Kaito?"}' ${proxy}/chat`);
    say(`  export KUBECONFIG=${cluster.kubeconfigPath}; kubectl get workspace`);
    if (options.keep && io.interrupted !== undefined) {
      say("\nthe cluster keeps running; press Ctrl-C to stop");
      await io.interrupted();
    }
    say("\ndemo finished: tuned, published, served, chatted.");
    if (options.kubeconfig === undefined) writeFileSync(join(work, "done"), "");
    return 0;
  } finally {
    for (const c of cleanups) await c().catch(() => {});
  }
}
