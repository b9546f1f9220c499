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
import { inferenceServerProcess } from "../support/inference-server.ts";

const SKU = "Standard_NC24ads_A100_v4";
const WAIT_MS = 60_000;
/** Kills before the last process runs to convergence. */
const RUNS = 20;
/**
 * A process is killed 0–MAX_DELAY_MS after it was spawned (while it loads its modules or syncs its caches) or after
 * its controllers started (in the middle of its passes).
 */
const MAX_DELAY_MS = 5000;
/** A kill timed from the moment the controllers run lands 0–MAX_RUNNING_DELAY_MS after it (passes are short). */
const MAX_RUNNING_DELAY_MS = 3000;
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

function inference(name: string): KubeObject {
  return {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, namespace: "default" },
    resource: { instanceType: SKU, labelSelector: { matchLabels: { apps: name } } },
    inference: { preset: { name: "phi-3-mini-4k-instruct" } },
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
  let started = false;
  child.stdout?.on("data", (b: Buffer) => {
    if (b.toString().includes("started")) started = true;
  });
  return { child, exited, output: () => out, started: () => started };
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
        be = await backend.start({
          crds: [workspaceCrd],
          simulation: {
            skus: [{ name: SKU, gpuCount: 1, gpuProduct: "NVIDIA-A100-PCIE-80GB", gpuMemoryMiB: 81920 }],
            nodeDelayMs: 300,
            podDelays: { probeIntervalMs: 300 },
            processRuntime: {
              images: [
                {
                  image: "*/kaito-base:*",
                  spawn: inferenceServerProcess,
                },
              ],
            },
          },
        });
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
            if (at === run) await client.create(Resources.Workspace, inference(names[i] as string));
          const r = startReconciler(kubeconfigPath);
          children.push(r);
          // Two of five kills are timed from the spawn (most land while the process loads or syncs its caches), the
          // others from the moment its controllers run: on a loaded machine start-up alone can outlast MAX_DELAY_MS.
          const afterStart = random() >= 0.4;
          const delay = Math.floor(random() * (afterStart ? MAX_RUNNING_DELAY_MS : MAX_DELAY_MS));
          if (afterStart)
            await eventually("the reconciler process started", () => r.started() || r.child.exitCode !== null, WAIT_MS);
          await new Promise((res) => setTimeout(res, delay));
          r.child.kill("SIGKILL");
          delays.push(`${afterStart ? "+" : ""}${delay}${r.started() ? "" : " (starting)"}`);
          await r.exited;
          await observeClaims();
        }
        console.log(`[restarts ${backend.name}] kill delays (ms; + = after start-up): ${delays.join(", ")}`);
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
