import { formatDuration } from "@kaito-ts/reconciler-core";
import type { WorkspaceClient, WorkspaceEvent } from "@kaito-ts/workspace-client";
import type { Workspace, WorkspaceTuningProgress } from "@kaito-ts/workspace-types";
import type { Command } from "commander";
import { OperatorError } from "../../errors.ts";
import type { CliIO } from "../io.ts";
import { formatTable } from "../table.ts";
import { type ClusterOptions, clientFor, clusterOptionsOf, withClientErrors, withClusterOptions } from "./apply.ts";

/** Options of `kaito status`. */
export interface StatusOptions extends ClusterOptions {
  readonly watch: boolean;
  /** How many recent events to show for a named Workspace (default 5). */
  readonly events: number;
}

/** The helpers of `@kaito-ts/workspace-client` the view uses (loaded on use). */
export type StatusHelpers = Pick<
  typeof import("@kaito-ts/workspace-client"),
  "formatAge" | "workspaceRow" | "workspaceConditions" | "isWorkspaceClientError"
>;

/** The `kubectl get workspace` table (NAME INSTANCE RESOURCEREADY INFERENCEREADY WORKSPACEREADY AGE). */
export function statusTable(lib: StatusHelpers, workspaces: readonly Workspace[], now: Date = new Date()): string {
  const { formatAge, workspaceRow } = lib;
  return formatTable(
    ["name", "instance", "resourceready", "inferenceready", "workspaceready", "age"],
    workspaces.map((w) => {
      const r = workspaceRow(w);
      return [r.name, r.instance, r.resourceReady, r.inferenceReady, r.workspaceReady, formatAge(r.createdAt, now)];
    }),
  );
}

/** The latest conditions of a Workspace, newest transition first: `Type=Status  Reason: message`. */
export function conditionLines(lib: StatusHelpers, ws: Workspace): string[] {
  return [...lib.workspaceConditions(ws)]
    .sort((a, b) => String(b.lastTransitionTime ?? "").localeCompare(String(a.lastTransitionTime ?? "")))
    .map((c) => `  ${c.type}=${c.status}${c.reason ? `  ${c.reason}` : ""}${c.message ? `: ${c.message}` : ""}`);
}

/**
 * `status.tuningProgress` of a tuning Workspace in one line, or `undefined` when the trainer has not reported yet:
 * `step 120/400 (30%)  epoch 0.90  loss 1.2031  ETA 12m00s  (read 20s ago)`; once completed, the train loss and
 * `finished` instead of the ETA.
 */
export function tuningProgressLine(
  lib: Pick<StatusHelpers, "formatAge">,
  p: WorkspaceTuningProgress | undefined,
  now: Date = new Date(),
): string | undefined {
  if (p === undefined) return undefined;
  const parts: string[] = [];
  if (p.step !== undefined && p.totalSteps !== undefined && p.totalSteps > 0) {
    parts.push(`step ${p.step}/${p.totalSteps} (${Math.floor((100 * p.step) / p.totalSteps)}%)`);
  } else if (p.step !== undefined) parts.push(`step ${p.step}`);
  if (p.epoch !== undefined) parts.push(`epoch ${p.epoch.toFixed(2)}`);
  if (p.loss !== undefined) parts.push(`loss ${p.loss.toFixed(4)}`);
  if (p.evalLoss !== undefined) parts.push(`eval loss ${p.evalLoss.toFixed(4)}`);
  if (p.completed === true) {
    if (p.trainLoss !== undefined) parts.push(`train loss ${p.trainLoss.toFixed(4)}`);
    parts.push("finished");
  } else if (p.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  if (parts.length === 0) return undefined;
  const read = p.observedTime !== undefined ? `  (read ${lib.formatAge(new Date(p.observedTime), now)} ago)` : "";
  return `${parts.join("  ")}${read}`;
}

/** The recent events, newest last: `age  Type  Reason  message`. */
export function eventLines(
  lib: StatusHelpers,
  events: readonly WorkspaceEvent[],
  count: number,
  now: Date = new Date(),
): string[] {
  const { formatAge } = lib;
  return events
    .slice(-count)
    .map(
      (e) =>
        `  ${formatAge(e.time, now)} ago  ${e.type}  ${e.reason}${e.count > 1 ? ` (x${e.count})` : ""}: ${e.message}`,
    );
}

/** What `kaito status` shows, once; `key` is the same text without ages (to tell real changes in `--watch`). */
export async function renderStatus(
  lib: StatusHelpers,
  client: WorkspaceClient,
  name: string | undefined,
  options: StatusOptions,
): Promise<{ text: string; key: string }> {
  const now = new Date();
  if (name === undefined) {
    const list = await client.list(options.namespace);
    if (list.length === 0) {
      const text = `No Workspaces in ${options.namespace ?? client.namespace}.\n`;
      return { text, key: text };
    }
    const latest = (t: Date) =>
      list.flatMap((w) => {
        const progress = tuningProgressLine(lib, w.status?.tuningProgress, t);
        return [
          `${w.metadata.name}: ${(conditionLines(lib, w)[0] ?? "  (no conditions yet)").trim()}`,
          ...(progress !== undefined ? [`${w.metadata.name}: tuning ${progress}`] : []),
        ];
      });
    const text = `${statusTable(lib, list, now)}\n${latest(now).join("\n")}\n`;
    return { text, key: `${statusTable(lib, list, new Date(0))}${latest(new Date(0)).join("\n")}` };
  }
  const ws = await client.get(name, options.namespace);
  const events = await client.events(name, options.namespace);
  const conds = conditionLines(lib, ws);
  const body = (t: Date) => {
    const progress = tuningProgressLine(lib, ws.status?.tuningProgress, t);
    return [
      statusTable(lib, [ws], t).trimEnd(),
      "",
      ...(progress !== undefined ? ["Tuning progress:", `  ${progress}`, ""] : []),
      "Conditions:",
      ...(conds.length > 0 ? conds : ["  (none yet: is the Kaito operator running?)"]),
      "",
      "Recent events:",
      ...(events.length > 0 ? eventLines(lib, events, options.events, t) : ["  (none)"]),
      "",
    ].join("\n");
  };
  return { text: body(now), key: `${body(new Date(0))}${ws.metadata.resourceVersion ?? ""}` };
}

const CLEAR = "\x1b[H\x1b[2J";

/** Runs `kaito status`; with `watch`, redraws on every change until interrupted. */
export async function runStatus(io: CliIO, name: string | undefined, options: StatusOptions): Promise<number> {
  if (options.watch && io.interrupted === undefined) {
    throw new OperatorError(
      "UNSUPPORTED_ENVIRONMENT",
      "status --watch runs until interrupted, which this environment cannot do",
    );
  }
  return withClientErrors(io, async () => {
    const client = await clientFor(options);
    const lib: StatusHelpers = await import("@kaito-ts/workspace-client");
    let shown = await renderStatus(lib, client, name, options);
    io.stdout(options.watch && io.isTTY ? `${CLEAR}${shown.text}` : shown.text);
    if (!options.watch || io.interrupted === undefined) return 0;
    const stop = new AbortController();
    const interrupted = io.interrupted().then(() => stop.abort());
    while (!stop.signal.aborted) {
      // Wake on a change of the Workspace (a watch), or after 2 s for new events and the list view.
      if (name !== undefined) {
        const rv = (await client.get(name, options.namespace)).metadata.resourceVersion;
        await client
          .waitFor(name, (w) => w.metadata.resourceVersion !== rv, {
            ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
            timeoutMs: 2000,
            signal: stop.signal,
          })
          .catch((e: unknown) => {
            if (lib.isWorkspaceClientError(e) && (e.code === "TIMEOUT" || e.code === "ABORTED")) return undefined;
            throw e;
          });
      } else {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 2000);
          stop.signal.addEventListener("abort", () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      if (stop.signal.aborted) break;
      const next = await renderStatus(lib, client, name, options);
      if (next.key === shown.key) continue;
      shown = next;
      if (io.isTTY) io.stdout(`${CLEAR}${next.text}`);
      else io.stdout(`\n--- ${new Date().toISOString()}\n${next.text}`);
    }
    await interrupted;
    return 0;
  });
}

/** Registers `kaito status`. */
export function registerStatusCommand(program: Command, io: CliIO, setExitCode: (code: number) => void): void {
  withClusterOptions(
    program
      .command("status")
      .description(
        "show Workspaces as kubectl get workspace does, plus their latest conditions and recent events; --watch redraws on each change",
      )
      .argument("[name]", "a Workspace (default: every Workspace of the namespace)")
      .option("-w, --watch", "keep watching and redraw on each change (Ctrl-C ends)", false)
      .option("--events <n>", "how many recent events to show", "5"),
  ).action(async (name: string | undefined, o: Record<string, unknown>) => {
    const events = Number(o.events);
    if (!Number.isInteger(events) || events < 0) {
      throw new OperatorError("INVALID_USAGE", `--events ${String(o.events)}: give a whole number ≥ 0`);
    }
    setExitCode(await runStatus(io, name, { ...clusterOptionsOf(o), watch: o.watch === true, events }));
  });
}
