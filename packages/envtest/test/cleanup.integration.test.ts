/**
 * Nothing is left behind when the process that started a control plane dies without calling stop(): killed with
 * SIGKILL (a crash), interrupted with SIGINT (Ctrl-C), or exiting normally. The control plane runs in a child
 * process here; the test checks that its components' processes and its folder go away.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

interface Started {
  pids: Record<string, number>;
  dir: string;
  watchdogPid: number;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startInChild(...args: string[]): Promise<{ child: ChildProcess; started: Started }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@kaito-ts/source", join(import.meta.dirname, "fixtures", "start-and-wait.ts"), ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  children.push(child);
  let out = "";
  let err = "";
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const started = await new Promise<Started>((resolve, reject) => {
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve(JSON.parse(line) as Started);
    });
    child.once("exit", (code) => reject(new Error(`the child exited with ${code} before starting: ${err}`)));
  });
  return { child, started };
}

async function expectGone(started: Started): Promise<void> {
  const pids = [...Object.values(started.pids), started.watchdogPid];
  for (let i = 0; i < 200; i++) {
    if (pids.every((p) => !alive(p)) && !existsSync(started.dir)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  for (const pid of pids) expect(alive(pid), `pid ${pid} still running`).toBe(false);
  expect(existsSync(started.dir), `${started.dir} still there`).toBe(false);
}

describe("no process and no folder left behind", () => {
  it("when the test process is killed with SIGKILL (a crash)", async () => {
    const { child, started } = await startInChild();
    expect(Object.keys(started.pids).sort()).toEqual(["etcd", "kube-apiserver"]);
    for (const pid of Object.values(started.pids)) expect(alive(pid)).toBe(true);
    expect(existsSync(started.dir)).toBe(true);
    child.kill("SIGKILL");
    await expectGone(started);
  });

  it("when it is interrupted with SIGINT (Ctrl-C), controllers included", async () => {
    const { child, started } = await startInChild("controllers");
    expect(Object.keys(started.pids).sort()).toEqual([
      "etcd",
      "kube-apiserver",
      "kube-controller-manager",
      "kube-scheduler",
    ]);
    child.kill("SIGINT");
    await expectGone(started);
  });
});
