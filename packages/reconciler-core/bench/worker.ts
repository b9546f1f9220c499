/**
 * The child process of the Workspace benchmark: runs one side (`BENCH_SIDE` = `reconciler` | `baseline`) against
 * `BENCH_KUBECONFIG` until `BENCH_WORKSPACES` Workspaces are `WorkspaceSucceeded=True`, and talks to the driver over
 * the IPC channel (`protocol.ts`). Not a benchmark on its own (`pnpm bench` runs `*.bench.ts` only).
 */
import { startBaselineSide } from "./baseline-side.ts";
import type { BenchSide, ChildMessage, DriverMessage } from "./protocol.ts";
import { startReconcilerSide } from "./reconciler-side.ts";

const send = (m: ChildMessage) => process.send?.(m);
const side = process.env.BENCH_SIDE as BenchSide;
const kubeconfig = process.env.BENCH_KUBECONFIG ?? "";
const target = Number(process.env.BENCH_WORKSPACES);

try {
  const running =
    side === "baseline" ? await startBaselineSide(kubeconfig, target) : await startReconcilerSide(kubeconfig, target);
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
