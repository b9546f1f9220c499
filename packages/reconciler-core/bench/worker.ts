/**
 * The child process of the Workspace benchmark: runs one side (`BENCH_SIDE` = `reconciler` | `baseline`) against
 * `BENCH_KUBECONFIG` (the baseline) or as in a pod (`KUBERNETES_SERVICE_HOST`/`_PORT`, `BENCH_SERVICE_ACCOUNT_DIR`: the
 * reconciler) until `BENCH_WORKSPACES` Workspaces are `WorkspaceSucceeded=True`, and talks to the driver over
 * the IPC channel (`protocol.ts`). Not a benchmark on its own (`pnpm bench` runs `*.bench.ts` only).
 */
import type { BenchSide, ChildMessage, DriverMessage } from "./protocol.ts";

const send = (m: ChildMessage) => process.send?.(m);
const side = process.env.BENCH_SIDE as BenchSide;
const kubeconfig = process.env.BENCH_KUBECONFIG ?? "";
const serviceAccountDir = process.env.BENCH_SERVICE_ACCOUNT_DIR ?? "";
const target = Number(process.env.BENCH_WORKSPACES);

try {
  // Each side loads only its own modules: the reconciler's peak RSS must not include client-node's, which only the
  // baseline uses.
  const running =
    side === "baseline"
      ? await (await import("./baseline-side.ts")).startBaselineSide(kubeconfig, target)
      : await (await import("./reconciler-side.ts")).startReconcilerSide(serviceAccountDir, target);
  const progress = setInterval(() => send({ type: "progress", succeeded: running.succeeded() }), 5000);
  process.on("message", (m: DriverMessage) => {
    if (m.type !== "stop") return;
    clearInterval(progress);
    void running.stop().finally(() => process.disconnect());
  });
  send({ type: "ready" });
  send({ type: "done", stats: await running.done });
} catch (e) {
  send({ type: "failed", error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.disconnect();
}
