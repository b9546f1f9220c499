/**
 * Starting and stopping: two control planes in one process, stop() twice, nothing left behind, and the faults a
 * user meets (binaries missing, a port taken, a component exiting at start, a start timeout).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlPlane, type EnvtestError, isEnvtestError, startControlPlane } from "../src/index.ts";

let first: ControlPlane;
const scratch = mkdtempSync(join(tmpdir(), "envtest-lifecycle-"));

beforeAll(async () => {
  first = await startControlPlane();
});
afterAll(async () => {
  await first?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function failure(start: Promise<unknown>): Promise<EnvtestError> {
  const e = await start.then(
    (cp) => {
      void (cp as ControlPlane).stop();
      return new Error("expected the start to fail");
    },
    (err: unknown) => err,
  );
  if (!isEnvtestError(e)) throw e;
  return e;
}

describe("two control planes in one process", () => {
  it("run side by side on different ports with separate data, and stop() twice resolves", async () => {
    const second = await startControlPlane();
    try {
      expect(second.url).not.toBe(first.url);
      expect(second.dir).not.toBe(first.dir);
      await first.kubeConfig
        .makeApiClient(CoreV1Api)
        .createNamespace({ body: { metadata: { name: "only-in-first" } } });
      const names = (await second.kubeConfig.makeApiClient(CoreV1Api).listNamespace()).items.map(
        (n) => n.metadata?.name,
      );
      expect(names).toContain("default");
      expect(names).not.toContain("only-in-first");
    } finally {
      await second.stop();
    }
    const pids = Object.values(second.pids);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(second.dir)).toBe(false);
    await expect(second.stop()).resolves.toBeUndefined();
    // the watchdog leaves once its folder is gone
    for (let i = 0; i < 100 && alive(second.watchdogPid); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive(second.watchdogPid)).toBe(false);
    // and the stopped one says so when used
    const e = await second.kubeconfigFor({ user: "late" }).catch((err: unknown) => err);
    expect(isEnvtestError(e) && e.code).toBe("STOPPED");
  });

  it("reports how long each phase took", () => {
    expect(Object.keys(first.timings).sort()).toEqual(["etcd", "kube-apiserver", "total"]);
    expect(first.timings.total).toBeGreaterThan(0);
  });
});

describe("faults", () => {
  it("binaries missing: BINARIES_MISSING saying pnpm test-deps", async () => {
    const e = await failure(startControlPlane({ binDir: join(scratch, "no-binaries") }));
    expect(e.code).toBe("BINARIES_MISSING");
    expect(e.message).toContain("missing etcd, kube-apiserver");
    expect(e.message).toContain("pnpm test-deps");
  });

  it("a port asked for that is taken: PORT_IN_USE naming the option and the port", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const e = await failure(startControlPlane({ apiServerPort: port }));
      expect(e.code).toBe("PORT_IN_USE");
      expect(e.message).toBe(
        `apiServerPort: port ${port} on 127.0.0.1 is already in use; pick another port or leave apiServerPort unset to use a free one`,
      );
      const etcd = await failure(startControlPlane({ etcdPort: port }));
      expect(etcd.code).toBe("PORT_IN_USE");
      expect(etcd.message).toContain("etcdPort: port");
    } finally {
      blocker.close();
    }
  });

  it("a component exiting at start: COMPONENT_EXITED naming its log (kept) and quoting its last lines", async () => {
    const e = await failure(startControlPlane({ apiServerFlags: ["--no-such-flag=1"] }));
    expect(e.code).toBe("COMPONENT_EXITED");
    expect(e.component).toBe("kube-apiserver");
    expect(e.message).toMatch(
      /^kube-apiserver exited with code \d+ while starting; its log is \S+kube-apiserver\.log; last lines:/,
    );
    expect(e.message).toContain("unknown flag: --no-such-flag");
    expect(e.message).toContain(e.logPath);
    // the instance folder is gone, the log is kept where the message says
    expect(existsSync(e.logPath as string)).toBe(true);
    rmSync(dirname(e.logPath as string), { recursive: true, force: true });
  });

  it("a binary that cannot run: COMPONENT_EXITED with the reason", async () => {
    const e = await failure(startControlPlane({ binaries: { etcd: join(scratch, "not-there", "etcd") } }));
    expect(e.code).toBe("COMPONENT_EXITED");
    expect(e.message).toMatch(/^etcd could not be started \(spawn \S+ ENOENT\) while starting; its log is/);
    rmSync(dirname(e.logPath as string), { recursive: true, force: true });
  });

  it("not ready in time: NOT_READY naming the component and its log", async () => {
    const e = await failure(startControlPlane({ startTimeoutMs: 1 }));
    expect(e.code).toBe("NOT_READY");
    // etcd and kube-apiserver start together: whichever is checked first reports
    expect(e.message).toMatch(
      /^(etcd|kube-apiserver) was not ready before the start timeout \(startTimeoutMs\); it is still running; its log is \S+(etcd|kube-apiserver)\.log/,
    );
    rmSync(dirname(e.logPath as string), { recursive: true, force: true });
  });

  it("a bad port number: INVALID_INPUT", async () => {
    const e = await failure(startControlPlane({ apiServerPort: 70_000 }));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toContain("apiServerPort must be an integer port between 1 and 65535 (got 70000)");
  });
});
