/**
 * Your own controller process with Kaito's Workspace reconciler inside it — no kaito-ts operator needed.
 *
 * It composes `@kaito-ts/reconciler-core` the way the reference operator does, and adds a controller of its own next
 * to Kaito's: a "cost-center" check that puts a Warning event on Workspaces without a `team` label. Both controllers
 * share the manager's informer caches, leader election and graceful shutdown.
 *
 *   KUBECONFIG=~/.kube/config node --conditions=@kaito-ts/source main.ts
 *
 * Needs: the Workspace CRD (`kaito crds | kubectl apply -f -`), Karpenter's NodeClaim CRD (or use the byo
 * provisioner), and RBAC like the operator's ClusterRole (`kaito manifests`).
 */
import * as k8s from "@kubernetes/client-node";
import type { NodeProvisioner } from "@kaito-ts/node-provisioner";
import { createByoProvisioner } from "@kaito-ts/node-provisioner/byo";
import { createKarpenterProvisioner } from "@kaito-ts/node-provisioner/karpenter";
import {
  type KubeObject,
  Manager,
  MetricNames,
  type ReconcileResultLabel,
  Resources,
  type RuntimeLogger,
  setupWorkspaceController,
} from "@kaito-ts/reconciler-core";
import { ConditionType } from "@kaito-ts/workspace-types";

/** A console logger with reconciler-core's (pino-compatible) shape. */
function consoleLogger(fields: Record<string, unknown> = {}): RuntimeLogger {
  const line =
    (level: string) =>
    (f: Record<string, unknown>, msg: string): void => {
      console.log(JSON.stringify({ level, msg, ...fields, ...f }));
    };
  return {
    debug: () => {},
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
    child: (more) => consoleLogger({ ...fields, ...more }),
  };
}

/** Counts reconciles per result: bind these hooks to your metrics library (prom-client, OpenTelemetry, …). */
const reconciles = new Map<string, number>();
const countReconcile = (controller: string, result: ReconcileResultLabel): void => {
  const key = `${MetricNames.ReconcileTotal}{controller="${controller}",result="${result}"}`;
  reconciles.set(key, (reconciles.get(key) ?? 0) + 1);
};

export async function main(): Promise<void> {
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromDefault();
  const byo = process.env.PROVISIONER === "byo";
  const logger = consoleLogger({ app: "my-platform-controller" });

  const mgr = new Manager({
    kubeConfig,
    fieldManager: "my-platform-controller",
    eventComponent: "my-platform-controller",
    leaderElection: { namespace: process.env.POD_NAMESPACE ?? "default", name: "my-platform-controller" },
    gracefulShutdownTimeoutMs: 20_000,
    logger,
    metrics: { reconcileDone: (controller, result) => countReconcile(controller, result) },
  });

  // 1. Kaito's Workspace controller, with the provisioner of your cluster.
  const { caches } = setupWorkspaceController(mgr, {
    provisioner: (port): NodeProvisioner =>
      byo ? createByoProvisioner({ port }) : createKarpenterProvisioner({ port, cloud: "azure" }),
    buildOptions: {
      presetRegistryName: "mcr.microsoft.com/aks/kaito",
      cloud: "azure",
      nodeProvisioner: byo ? "byo" : "azure-gpu-provisioner",
    },
    tuningProgress: { minIntervalMs: 30_000 },
  });

  // 2. Your own controller on the same caches: a Warning event on Workspaces without a `team` label, and a log line
  //    when one becomes ready.
  mgr
    .controller({
      name: "workspace-team-label",
      maxConcurrentReconciles: 1,
      reconcile: async (req, ctx) => {
        const ws: KubeObject | undefined = caches.workspaces.get(req.key); // from the cache, no API call
        if (ws === undefined || ws.metadata.deletionTimestamp !== undefined) return undefined;
        if (ws.metadata.labels?.team === undefined) {
          mgr.events.event(ws, "Warning", "MissingTeamLabel", "add a `team` label so GPU costs can be charged back");
        }
        const conditions = (ws.status as { conditions?: Array<{ type: string; status: string }> } | undefined)
          ?.conditions;
        if (conditions?.some((c) => c.type === ConditionType.WorkspaceSucceeded && c.status === "True")) {
          ctx.logger.info({ workspace: req.name, namespace: req.namespace }, "workspace ready");
        }
        return undefined;
      },
    })
    .watchFor(caches.workspaces);

  // 3. Start (informers on every replica, controllers on the leader) and stop gracefully on SIGTERM.
  await mgr.start();
  process.once("SIGTERM", () => void mgr.stop());
  process.once("SIGINT", () => void mgr.stop());
  const report = setInterval(() => logger.info(Object.fromEntries(reconciles), "reconciles so far"), 60_000);
  try {
    await mgr.done; // rejects with NOT_LEADER when leadership is lost: exit and let the Deployment restart us
  } finally {
    clearInterval(report);
  }
  // Resources.Workspace is the typed handle of the CRD, for your own reads and writes:
  const remaining = await mgr.readClient.list(Resources.Workspace, {}).catch(() => undefined);
  logger.info({ workspaces: remaining?.items.length }, "stopped");
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
