/**
 * The composition root: a {@link Manager} with leader election, the Workspace controller with the chosen node
 * provisioner, the admission handler over informer caches, the probe/metrics server and the webhook server. No
 * business logic lives here — every decision is in reconciler-core and node-provisioner.
 */
import { hostname } from "node:os";
import type { KubernetesObjectPort, NodeProvisioner } from "@kaito-ts/node-provisioner";
import { createByoProvisioner } from "@kaito-ts/node-provisioner/byo";
import { createKarpenterProvisioner } from "@kaito-ts/node-provisioner/karpenter";
import {
  type BuildOptionsInput,
  type ClusterConnection,
  createAdmissionHandler,
  inClusterAccess,
  informerClusterLookup,
  type LogReader,
  Manager,
  type NodeProvisionerMode,
  Resources,
  type RuntimeLogger,
  setupWorkspaceController,
} from "@kaito-ts/reconciler-core";
import type { Logger } from "pino";
import { OperatorError } from "../errors.ts";
import type { OperatorConfig } from "./config.ts";
import { createOperatorLogger, toRuntimeLogger } from "./logger.ts";
import { createOperatorMetrics, type OperatorMetrics } from "./metrics.ts";
import { type ListeningServer, startMetricsServer, startProbeServer, startWebhookServer } from "./servers.ts";
import { loadCertificateDir, selfSignedCertificate } from "./tls.ts";

/** Extra wiring a caller (the demo, a test) may pass in-process. */
export interface StartOperatorOptions {
  /** A client-node `KubeConfig` (or a reconciler-core `ClusterAccess`) instead of `config.kubeconfig` / in-cluster. */
  readonly kubeConfig?: ClusterConnection;
  /** A logger instead of pino on stdout. */
  readonly logger?: Logger;
  /** Where trainer logs come from (default: the API's `pods/log`). */
  readonly logs?: LogReader;
  /** Build options on top of those the config gives (e.g. `insecureRegistries`). */
  readonly buildOptions?: BuildOptionsInput;
  /** A provisioner instead of the one `config.provisioner` names. */
  readonly provisioner?: (port: KubernetesObjectPort) => NodeProvisioner;
}

/** A running operator. */
export interface RunningOperator {
  readonly manager: Manager;
  readonly metrics: OperatorMetrics;
  readonly logger: Logger;
  /** Port of `/healthz` and `/readyz`. */
  readonly healthPort: number;
  /** Port of `/metrics`. */
  readonly metricsPort: number;
  /** HTTPS port of the webhook, `undefined` when off. */
  readonly webhookPort: number | undefined;
  /** PEM of the webhook's serving certificate (its own CA when self-signed: the `caBundle` to register). */
  readonly webhookCertificate: string | undefined;
  /** `undefined` when ready, else why not. */
  readiness(): string | undefined;
  /** Graceful stop: stop taking work, finish or abandon reconciles in flight, release the Lease, close the servers. */
  stop(): Promise<void>;
  /** Settles when stopped: resolves after {@link RunningOperator.stop}, rejects when leadership is lost. */
  readonly done: Promise<void>;
}

/**
 * Where the operator finds its API server: the given kubeconfig file, else in-cluster when running in a pod (the
 * ServiceAccount; client-node is then not loaded at all, ≈ 85 MB less resident memory), else `KUBECONFIG` /
 * `~/.kube/config` through client-node.
 * `env` decides whether it runs in a pod (`KUBERNETES_SERVICE_HOST` set, `KUBECONFIG` not); client-node reads
 * `KUBECONFIG` and `~/.kube/config` from the process itself.
 * @throws OperatorError `INPUT_UNREADABLE` naming the file or what is missing and how to point the operator at a cluster.
 */
export async function loadClusterConnection(
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ClusterConnection> {
  if (path === undefined && env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBECONFIG === undefined) {
    try {
      return inClusterAccess({ env });
    } catch (e) {
      throw new OperatorError(
        "INPUT_UNREADABLE",
        `cannot use the pod's ServiceAccount: ${(e as Error).message}; or pass --kubeconfig <file>`,
        { cause: e },
      );
    }
  }
  // Loaded only here: in a pod the operator runs without client-node.
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  try {
    if (path !== undefined) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (e) {
    throw new OperatorError(
      "INPUT_UNREADABLE",
      `cannot load the kubeconfig${path !== undefined ? ` ${path}` : ""}: ${(e as Error).message}; pass --kubeconfig <file> or set KUBECONFIG`,
      { cause: e },
    );
  }
  if (kc.getCurrentCluster() === null) {
    throw new OperatorError(
      "INPUT_UNREADABLE",
      "no Kubernetes cluster configured: pass --kubeconfig <file>, set KUBECONFIG, or run in a pod with a ServiceAccount",
    );
  }
  return kc;
}

function builderMode(config: OperatorConfig): NodeProvisionerMode {
  if (config.provisioner === "byo") return "byo";
  return config.provisioner === "aks" || config.cloud === "azure" ? "azure-gpu-provisioner" : "karpenter";
}

async function makeProvisioner(config: OperatorConfig): Promise<(port: KubernetesObjectPort) => NodeProvisioner> {
  switch (config.provisioner) {
    case "byo":
      return (port) => createByoProvisioner({ port });
    case "aks": {
      // Loaded only in aks mode: the Azure SDK stays out of the other modes' import graph.
      const aks = await import("@kaito-ts/node-provisioner/aks");
      const cluster = aks.aksClusterFromEnv();
      return (port) => aks.createAksProvisioner({ port, ...cluster });
    }
    default:
      return (port) => createKarpenterProvisioner({ port, cloud: config.cloud });
  }
}

/**
 * Start the operator. Resolves once the servers listen and the manager started (caches syncing, election running).
 * @example
 * const op = await startOperator(resolveOperatorConfig({ kubeconfig: "/tmp/kc", leaderElection: false }));
 * process.once("SIGTERM", () => void op.stop());
 */
export async function startOperator(config: OperatorConfig, opts: StartOperatorOptions = {}): Promise<RunningOperator> {
  const logger = opts.logger ?? createOperatorLogger(config.logLevel);
  const kubeConfig = opts.kubeConfig ?? (await loadClusterConnection(config.kubeconfig));
  const metrics = createOperatorMetrics();
  const provisioner = opts.provisioner ?? (await makeProvisioner(config));
  const runtimeLogger: RuntimeLogger = toRuntimeLogger(logger);
  const manager = new Manager({
    kubeConfig,
    fieldManager: "kaito-ts-operator",
    eventComponent: "kaito-ts-operator",
    gracefulShutdownTimeoutMs: config.gracefulShutdownTimeoutMs,
    metrics: metrics.hooks,
    logger: runtimeLogger,
    ...(config.leaderElection
      ? {
          leaderElection: {
            namespace: config.namespace,
            name: config.leaseName,
            identity: `${process.env.POD_NAME ?? hostname()}_${globalThis.crypto.randomUUID().slice(0, 8)}`,
            leaseDurationMs: config.leaseDurationMs,
            renewDeadlineMs: config.renewDeadlineMs,
            retryPeriodMs: config.retryPeriodMs,
          },
        }
      : {}),
  });
  const gates = config.featureGates;
  const buildOptions: BuildOptionsInput = {
    presetRegistryName: config.presetRegistry,
    cloud: config.cloud,
    nodeProvisioner: builderMode(config),
    defaultRuntime: config.defaultRuntime,
    featureGates: {
      ...(gates.vLLM !== undefined ? { vLLM: gates.vLLM } : {}),
      ...(gates.enableMIG !== undefined ? { enableMIG: gates.enableMIG } : {}),
      ...(gates.disableNodeAutoProvisioning !== undefined
        ? { disableNodeAutoProvisioning: gates.disableNodeAutoProvisioning }
        : {}),
    },
    insecureRegistries: config.insecureRegistries,
    ...(config.pusherImage !== undefined ? { pusherImage: config.pusherImage } : {}),
    ...opts.buildOptions,
  };
  setupWorkspaceController(manager, {
    provisioner,
    buildOptions,
    maxConcurrentReconciles: config.maxConcurrentReconciles,
    watchNodeClaims: config.provisioner === "karpenter",
    ...(opts.logs !== undefined ? { logs: opts.logs } : {}),
  });

  const byo = config.provisioner === "byo" || gates.disableNodeAutoProvisioning === true;
  const handler = createAdmissionHandler({
    context: {
      cloud: config.cloud,
      nodeAutoProvisioning: !byo,
      defaultRuntime: config.defaultRuntime,
      releaseNamespace: config.namespace,
    },
    cluster: informerClusterLookup(manager.informer(Resources.Node), manager.informer(Resources.ConfigMap)),
  });

  let stopping = false;
  const readiness = (): string | undefined => {
    if (stopping) return "shutting down";
    if (!manager.cachesSynced()) return "informer caches not synced yet";
    const state = manager.elector?.state;
    if (state !== undefined && state !== "leading" && state !== "candidate") return `leader election ${state}`;
    return undefined;
  };

  const servers: ListeningServer[] = [];
  const closeServers = () => Promise.all(servers.map((s) => s.close()));
  try {
    const probe = await startProbeServer({
      ready: readiness,
      port: config.healthPort,
      host: config.bindAddress,
      ...(config.metricsPort === config.healthPort ? { registry: metrics.registry } : {}),
    });
    servers.push(probe);
    let metricsPort = probe.port;
    if (config.metricsPort !== config.healthPort) {
      const m = await startMetricsServer(metrics.registry, config.metricsPort, config.bindAddress);
      servers.push(m);
      metricsPort = m.port;
    }
    let webhookPort: number | undefined;
    let webhookCertificate: string | undefined;
    if (config.webhookPort >= 0) {
      const certificate =
        config.webhookCertDir !== undefined
          ? await loadCertificateDir(config.webhookCertDir)
          : await selfSignedCertificate();
      const w = await startWebhookServer({
        handler,
        certificate,
        port: config.webhookPort,
        host: config.bindAddress,
        logger: runtimeLogger,
      });
      servers.push(w);
      webhookPort = w.port;
      webhookCertificate = certificate.cert;
      logger.info({ port: w.port, certificate: certificate.source }, "admission webhook serving");
    }
    logger.info(
      {
        namespace: config.namespace,
        provisioner: config.provisioner,
        cloud: config.cloud,
        leaderElection: config.leaderElection ? `${config.namespace}/${config.leaseName}` : false,
        healthPort: probe.port,
        metricsPort,
        webhookPort,
      },
      "operator starting",
    );
    await manager.start();

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        stopping = true;
        logger.info({}, "shutting down: no new work; finishing reconciles in flight, then releasing the Lease");
        await manager.stop();
        await closeServers();
        logger.info({}, "stopped");
      })();
      return stopped;
    };
    const done = manager.done.then(
      async () => {
        await stopped;
      },
      async (e: unknown) => {
        stopping = true;
        logger.error({ err: e }, "manager stopped with an error");
        await closeServers();
        throw e;
      },
    );
    done.catch(() => {});
    return {
      manager,
      metrics,
      logger,
      healthPort: probe.port,
      metricsPort,
      webhookPort,
      webhookCertificate,
      readiness,
      stop,
      done,
    };
  } catch (e) {
    await closeServers();
    throw e;
  }
}
