/**
 * Restarts (issue 10 §4): the reconciler runs as a child process (`fixtures/reconciler-process.ts`: a Manager with the
 * Workspace controller and the Karpenter provisioner, as the operator wires it) and is SIGKILLed at random points of
 * the flow, 20 times, while Workspaces are created; a last process then runs to convergence. Every Workspace must end
 * `WorkspaceSucceeded=True` with exactly `targetNodeCount` NodeClaims (never more at any observed point), one
 * StatefulSet, its two Services and at most 10 ControllerRevisions.
 *
 * The delays come from a seeded PRNG; the seed is printed (`KAITO_TS_RESTART_SEED=<n>` replays a run).
 *
 * One test file per backend (`restarts.<backend>.integration.test.ts`) calls {@link describeRestarts}, so that the two
 * ~1-minute runs go to different vitest workers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Condition, ConditionType, workspaceCrd } from "@kaito-ts/workspace-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeObject, KubeRestClient, Resources } from "../../src/index.ts";
import { backends, eventually, type RunningBackend } from "../support/backends.ts";
import { inferenceSimulation, inferenceWorkspace } from "../support/inference-server.ts";

const WAIT_MS = 60_000;
/**
 * When each run is killed. Every kind appears a fixed number of times (20 runs in all), in an order shuffled by the
 * seeded PRNG, so that every run covers each phase whatever the machine's speed:
 * - `loading`: 0–LOADING_MS after the spawn, while Node loads the modules (that alone takes longer);
 * - `syncing`: 0–SYNCING_MS after the process printed `syncing` (its informers list and watch);
 * - `running`: 0–RUNNING_MS after it printed `started` (in the middle of its passes);
 * - `anywhere`: 0–ANYWHERE_MS after the spawn (lands in whichever phase the machine's speed puts there).
 */
const KILL_SCHEDULE = { loading: 3, syncing: 3, running: 9, anywhere: 5 } as const;
type KillKind = keyof typeof KILL_SCHEDULE;
const LOADING_MS = 250;
const SYNCING_MS = 100;
const RUNNING_MS = 3000;
const ANYWHERE_MS = 5000;
/** Kills before the last process runs to convergence. */
const RUNS = Object.values(KILL_SCHEDULE).reduce((a, b) => a + b, 0);
/** Workspace `i` is created just before run `CREATE_AT[i]`, so the kills hit each at a different phase. */
const CREATE_AT = [0, 7, 14];
const FIXTURE = fileURLToPath(new URL("./fixtures/reconciler-process.ts", import.meta.url));

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cond(ws: KubeObject | undefined, type: string): Condition | undefined {
  return ((ws?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);
}

/** A reconciler child process; `output` keeps its last output for failure messages. */
interface Reconciler {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  output(): string;
  /** True once it printed `syncing` (modules loaded, caches starting). */
  syncing(): boolean;
  /** True once it printed `started` (caches synced, controllers running). */
  started(): boolean;
}

function startReconciler(kubeconfigPath: string): Reconciler {
  const child = spawn(process.execPath, ["--conditions=@kaito-ts/source", FIXTURE, kubeconfigPath], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let syncing = false;
  let started = false;
  child.stdout?.on("data", (b: Buffer) => {
    const text = b.toString();
    if (text.includes("syncing")) syncing = true;
    if (text.includes("started")) started = true;
  });
  return { child, exited, output: () => out, syncing: () => syncing, started: () => started };
}

/** The kinds of {@link KILL_SCHEDULE}, each as often as it says, in an order shuffled by `random` (Fisher–Yates). */
function killOrder(random: () => number): KillKind[] {
  const order = (Object.entries(KILL_SCHEDULE) as [KillKind, number][]).flatMap(([kind, n]) =>
    Array.from({ length: n }, () => kind),
  );
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as KillKind, order[i] as KillKind];
  }
  return order;
}

/**
 * Waits for the phase that `kind` kills in (the `syncing` or `started` line; nothing for kills timed from the spawn),
 * then a random delay within that kind's bound; returns the delay.
 */
async function killPoint(r: Reconciler, kind: KillKind, random: () => number): Promise<number> {
  const phase = { loading: undefined, anywhere: undefined, syncing: r.syncing, running: r.started }[kind];
  if (phase !== undefined)
    await eventually(`the reconciler process reached ${kind}`, () => phase() || r.child.exitCode !== null, WAIT_MS);
  const delay = Math.floor(
    random() * { loading: LOADING_MS, syncing: SYNCING_MS, running: RUNNING_MS, anywhere: ANYWHERE_MS }[kind],
  );
  await new Promise((res) => setTimeout(res, delay));
  return delay;
}

/** The restart test on the backend called `backendName` (none when `KAITO_TS_BACKENDS` leaves it out). */
export function describeRestarts(backendName: string): void {
  describe.each(backends.filter((b) => b.name === backendName))(
    "reconciler restarts on $name",
    (backend) => {
      let be: RunningBackend;
      let client: KubeRestClient;
      let dir: string;
      let kubeconfigPath: string;
      const children: Reconciler[] = [];

      beforeAll(async () => {
        be = await backend.start({ crds: [workspaceCrd], simulation: inferenceSimulation(300) });
        client = new KubeRestClient(be.kubeConfig);
        dir = mkdtempSync(join(tmpdir(), "kaito-ts-restarts-"));
        kubeconfigPath = join(dir, "kubeconfig");
        writeFileSync(kubeconfigPath, be.kubeConfig.exportConfig(), { mode: 0o600 });
      });
      afterAll(async () => {
        for (const r of children) {
          if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
          await r.exited;
        }
        await be?.stop();
        if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      });

      it(`killed ${RUNS} times at random points, it converges with no duplicate NodeClaims`, async () => {
        const seed = Number(process.env.KAITO_TS_RESTART_SEED ?? Date.now() % 2 ** 31);
        console.log(`[restarts ${backend.name}] seed ${seed} (KAITO_TS_RESTART_SEED=${seed} replays it)`);
        const random = prng(seed);
        const order = killOrder(random);
        const names = CREATE_AT.map((_, i) => `restart-${i}`);
        const maxClaims = new Map<string, number>();
        const observeClaims = async () => {
          for (const name of names) {
            const n = (await client.list(Resources.NodeClaim, { labelSelector: `kaito.sh/workspace=${name}` })).items
              .length;
            maxClaims.set(name, Math.max(maxClaims.get(name) ?? 0, n));
          }
        };
        const delays: string[] = [];
        const started = Date.now();
        for (let run = 0; run < RUNS; run++) {
          for (const [i, at] of CREATE_AT.entries())
            if (at === run) await client.create(Resources.Workspace, inferenceWorkspace(names[i] as string));
          const r = startReconciler(kubeconfigPath);
          children.push(r);
          const kind = order[run] as KillKind;
          const delay = await killPoint(r, kind, random);
          r.child.kill("SIGKILL");
          delays.push(`${kind} ${delay}${r.started() ? "" : " (starting)"}`);
          await r.exited;
          await observeClaims();
        }
        console.log(`[restarts ${backend.name}] kill points (phase waited for, then ms): ${delays.join(", ")}`);
        // Kills must land both while a process starts and while its controllers run, and some runs must have done
        // work before they died, or the test proves nothing about restarts.
        expect(delays.some((d) => d.endsWith("(starting)"))).toBe(true);
        expect(delays.some((d) => !d.endsWith("(starting)"))).toBe(true);
        expect(
          (await client.list(Resources.NodeClaim, { labelSelector: "kaito.sh/workspace" })).items.length,
        ).toBeGreaterThan(0);

        const last = startReconciler(kubeconfigPath);
        children.push(last);
        for (const name of names) {
          await eventually(
            `${name} WorkspaceSucceeded=True (last process output: ${last.output()})`,
            async () => {
              await observeClaims();
              return (
                cond(await client.get(Resources.Workspace, "default", name), ConditionType.WorkspaceSucceeded)
                  ?.status === "True"
              );
            },
            WAIT_MS,
          );
        }
        console.log(`[restarts ${backend.name}] converged ${Date.now() - started} ms after the first start`);

        for (const name of names) {
          const ws = await client.get(Resources.Workspace, "default", name);
          const target = (ws?.status as { targetNodeCount?: number } | undefined)?.targetNodeCount;
          expect(target, `${name} status.targetNodeCount`).toBeGreaterThanOrEqual(1);
          expect(cond(ws, ConditionType.InferenceReady)?.status).toBe("True");
          const claims = await client.list(Resources.NodeClaim, { labelSelector: `kaito.sh/workspace=${name}` });
          expect(claims.items, `${name} NodeClaims`).toHaveLength(target as number);
          expect(maxClaims.get(name), `${name}: most NodeClaims seen at once`).toBe(target);
          const statefulSets = (await client.list(Resources.StatefulSet, { namespace: "default" })).items.filter((s) =>
            s.metadata.ownerReferences?.some((o) => o.kind === "Workspace" && o.name === name),
          );
          expect(statefulSets.map((s) => s.metadata.name)).toEqual([name]);
          const services = (await client.list(Resources.Service, { namespace: "default" })).items.filter((s) =>
            s.metadata.ownerReferences?.some((o) => o.kind === "Workspace" && o.name === name),
          );
          expect(services.map((s) => s.metadata.name).sort()).toEqual([name, `${name}-headless`]);
          const revisions = await client.list(Resources.ControllerRevision, {
            namespace: "default",
            labelSelector: `workspace.kaito.io/name=${name}`,
          });
          expect(revisions.items.length).toBeGreaterThanOrEqual(1);
          expect(revisions.items.length).toBeLessThanOrEqual(10);
        }
        last.child.kill("SIGTERM");
        await last.exited;
      });
    },
    // ~1 min alone; 21 process start-ups make it several times longer on a loaded machine.
    600_000,
  );
}
