/**
 * `kaito operator`: run the reference operator (the container entrypoint runs this). Flags fall back to environment
 * variables (see `OPERATOR_ENV`); SIGTERM/SIGINT stop it gracefully.
 */
import type { Command } from "commander";
import { OperatorError } from "../../errors.ts";
import { type OperatorFlags, resolveOperatorConfig } from "../../operator/config.ts";
import { startOperator } from "../../operator/run.ts";
import type { CliIO } from "../io.ts";

/** Register `kaito operator` on the program; `setExit` receives the exit code. */
export function registerOperatorCommand(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command("operator")
    .description("run the kaito-ts operator: Workspace controller, admission webhook, /healthz /readyz /metrics")
    .option("--kubeconfig <file>", "kubeconfig (default: KUBECONFIG, in-cluster, ~/.kube/config)")
    .option("--namespace <ns>", "release namespace: Lease, webhook Service (env KAITO_NAMESPACE; default kaito-system)")
    .option("--provisioner <name>", "karpenter | aks | byo (env KAITO_PROVISIONER; default karpenter)")
    .option("--cloud <cloud>", "azure | aws | arc (env CLOUD_PROVIDER; default azure)")
    .option("--preset-registry <registry>", "registry of Kaito's images (env PRESET_REGISTRY_NAME)")
    .option("--pusher-image <image>", "tuning pusher image, kaito-publish (env KAITO_PUSHER_IMAGE)")
    .option("--feature-gates <gates>", "e.g. vLLM=true,enableMIG=false (env FEATURE_GATES)")
    .option("--default-runtime <runtime>", "vllm | transformers for Workspaces without kaito.sh/runtime")
    .option("--insecure-registries <list>", "registries the pusher talks plain HTTP to, comma-separated")
    .option("--leader-elect <bool>", "leader election on a Lease (env KAITO_LEADER_ELECT; default true)")
    .option("--lease-name <name>", "Lease name (default kaito-ts-workspace-controller)")
    .option("--lease-duration-ms <ms>", "Lease duration (default 15000)")
    .option("--renew-deadline-ms <ms>", "renew deadline (default 10000)")
    .option("--retry-period-ms <ms>", "retry period (default 2000)")
    .option("--log-level <level>", "trace | debug | info | warn | error (env LOG_LEVEL; default info)")
    .option("--metrics-port <port>", "port of /metrics (default 8080; 0 picks one)")
    .option("--health-port <port>", "port of /healthz and /readyz (default 8081; 0 picks one)")
    .option("--webhook-port <port>", "HTTPS port of the admission webhook (default 9443; -1 turns it off)")
    .option("--webhook-cert-dir <dir>", "folder with tls.crt and tls.key (default: self-signed for local runs)")
    .option("--bind-address <addr>", "address the servers listen on (default 0.0.0.0)")
    .option("--graceful-shutdown-ms <ms>", "how long SIGTERM waits for reconciles in flight (default 30000)")
    .option("--max-concurrent-reconciles <n>", "Workspace workers (default 5)")
    .action(async (o: Record<string, string | undefined>) => {
      setExit(await runOperator(io, o));
    });
}

async function runOperator(io: CliIO, o: Record<string, string | undefined>): Promise<number> {
  if (io.interrupted === undefined) {
    throw new OperatorError(
      "UNSUPPORTED_ENVIRONMENT",
      "kaito operator runs until SIGTERM; this I/O cannot be interrupted",
    );
  }
  const flags: OperatorFlags = {
    kubeconfig: o.kubeconfig,
    namespace: o.namespace,
    provisioner: o.provisioner,
    cloud: o.cloud,
    presetRegistry: o.presetRegistry,
    pusherImage: o.pusherImage,
    featureGates: o.featureGates,
    defaultRuntime: o.defaultRuntime,
    insecureRegistries: o.insecureRegistries,
    leaderElection: o.leaderElect,
    leaseName: o.leaseName,
    leaseDurationMs: o.leaseDurationMs,
    renewDeadlineMs: o.renewDeadlineMs,
    retryPeriodMs: o.retryPeriodMs,
    logLevel: o.logLevel,
    metricsPort: o.metricsPort,
    healthPort: o.healthPort,
    webhookPort: o.webhookPort,
    webhookCertDir: o.webhookCertDir,
    bindAddress: o.bindAddress,
    gracefulShutdownTimeoutMs: o.gracefulShutdownMs,
    maxConcurrentReconciles: o.maxConcurrentReconciles,
  };
  const config = resolveOperatorConfig(flags);
  const op = await startOperator(config);
  const interrupted = io.interrupted().then(() => "signal" as const);
  const outcome = await Promise.race([
    interrupted,
    op.done.then(
      () => "stopped" as const,
      () => "lost" as const,
    ),
  ]);
  if (outcome === "signal") {
    await op.stop();
    return 0;
  }
  // Leadership lost (or caches never synced): exit non-zero so the Deployment restarts the pod, as controller-runtime does.
  return outcome === "lost" ? 1 : 0;
}
