/**
 * The demo's OCI registry: Debian's `docker-registry` (distribution) on a free loopback port, no auth, data in a
 * temporary folder. Absent binary → `undefined` with the reason, and the demo skips only the push.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, openSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian installs it (`apt-get install docker-registry`); `KAITO_REGISTRY_BIN` overrides. */
export const REGISTRY_BIN = process.env.KAITO_REGISTRY_BIN ?? "/usr/bin/docker-registry";

/** A running registry. */
export interface DemoRegistry {
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Start the registry, or say why not (`{ reason }`). */
export async function startDemoRegistry(): Promise<DemoRegistry | { readonly reason: string }> {
  if (!existsSync(REGISTRY_BIN)) {
    return {
      reason: `${REGISTRY_BIN} is not installed (Debian: apt-get install -y docker-registry, which the README's first command does when run as root)`,
    };
  }
  const dir = await mkdtemp(join(tmpdir(), "kaito-demo-registry-"));
  await mkdir(join(dir, "data"));
  const port = await freePort();
  await writeFile(
    join(dir, "config.yml"),
    `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: kaito-demo\n`,
  );
  const fd = openSync(join(dir, "log"), "w");
  const child: ChildProcess = spawn(REGISTRY_BIN, ["serve", join(dir, "config.yml")], { stdio: ["ignore", fd, fd] });
  let exited = false;
  const killOnExit = () => {
    if (!exited) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  child.once("exit", () => {
    exited = true;
    process.removeListener("exit", killOnExit);
  });
  const host = `127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
      if (!exited) child.kill("SIGKILL");
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      await res.arrayBuffer();
      if (res.status === 200) return { host, stop };
    } catch {
      // not up yet
    }
    if (exited || Date.now() > deadline) {
      const log = await readFile(join(dir, "log"), "utf8").catch(() => "");
      await stop();
      return { reason: `docker-registry did not start on ${host}: ${log.trim().split("\n").slice(-3).join(" ")}` };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
