/**
 * Control-plane start time with warm binaries (the cache of `pnpm test-deps`), with and without controllers, against
 * baselines measured in the same run: `kube-apiserver --version` (exec of the big binary, page cache warm) and etcd
 * alone until its `/health` answers. Rounds alternate the variants; prints medians and the ratios; exits 0. The
 * machine may be shared: the ratios are the figures to compare, not the milliseconds.
 *
 *   node --conditions=@kaito-ts/source packages/envtest/bench/start.bench.ts      (BENCH_ROUNDS, default 3)
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { requireBinaries, startControlPlane } from "../src/index.ts";
import { freePorts } from "../src/ports.ts";

const run = promisify(execFile);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const bin = requireBinaries(["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function apiServerVersionExec(): Promise<number> {
  const t0 = performance.now();
  await run(bin["kube-apiserver"], ["--version"]);
  return performance.now() - t0;
}

async function etcdAlone(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "envtest-bench-etcd-"));
  const [client, peer] = (await freePorts(2)) as [number, number];
  const t0 = performance.now();
  const child = spawn(
    bin.etcd,
    [
      "--name=bench",
      `--data-dir=${join(dir, "data")}`,
      `--listen-client-urls=http://127.0.0.1:${client}`,
      `--advertise-client-urls=http://127.0.0.1:${client}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=bench=http://127.0.0.1:${peer}`,
      "--unsafe-no-fsync",
      "--log-level=error",
    ],
    { stdio: "ignore" },
  );
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${client}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

async function controlPlane(controllers: boolean): Promise<{ ms: number; stopMs: number }> {
  const t0 = performance.now();
  const cp = await startControlPlane({ controllers });
  const ms = performance.now() - t0;
  const t1 = performance.now();
  await cp.stop();
  return { ms, stopMs: performance.now() - t1 };
}

const samples: Record<string, number[]> = { exec: [], etcd: [], plane: [], planeStop: [], full: [], fullStop: [] };
for (let i = 0; i < rounds; i++) {
  const order = i % 2 === 0 ? ["base", "plane", "full"] : ["full", "plane", "base"];
  for (const what of order) {
    if (what === "base") {
      samples.exec?.push(await apiServerVersionExec());
      samples.etcd?.push(await etcdAlone());
    } else if (what === "plane") {
      const r = await controlPlane(false);
      samples.plane?.push(r.ms);
      samples.planeStop?.push(r.stopMs);
    } else {
      const r = await controlPlane(true);
      samples.full?.push(r.ms);
      samples.fullStop?.push(r.stopMs);
    }
  }
}

const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<string, number>;
const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(1).padStart(6)}×`;
console.log(`control-plane start, warm binaries, median of ${rounds} rounds`);
console.log(`  baseline: kube-apiserver --version exec ${fmt(m.exec as number)}`);
console.log(`  baseline: etcd alone until /health      ${fmt(m.etcd as number)}`);
console.log(
  `  etcd + kube-apiserver (/readyz)         ${fmt(m.plane as number)}  ${ratio(m.plane as number, m.etcd as number)} etcd alone  ${ratio(m.plane as number, m.exec as number)} exec`,
);
console.log(
  `  + controller-manager + scheduler        ${fmt(m.full as number)}  ${ratio(m.full as number, m.etcd as number)} etcd alone  ${ratio(m.full as number, m.exec as number)} exec`,
);
console.log(`  stop(): ${fmt(m.planeStop as number)} (without controllers), ${fmt(m.fullStop as number)} (with)`);

// --- Place for the next benchmark of issue 9 -----------------------------------------------------------------------
// cluster-sim vs the real kube-apiserver on the same write workload (16 concurrent creates of a Workspace-sized custom
// resource), as a ratio per server CPU-second: a separate file, bench/writes.bench.ts, run by `pnpm bench envtest`
// after this one; it can start its control plane with `startControlPlane()` and read the API server's CPU time from
// /proc/<cp.pids["kube-apiserver"]>/stat.
