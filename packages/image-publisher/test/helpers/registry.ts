import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./net.ts";

/** The Debian package's binary (distribution 2.8.2). */
export const REGISTRY_BIN = process.env.KAITO_REGISTRY_BIN ?? "/usr/bin/docker-registry";

/** A running registry. */
export interface RegistryHandle {
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  /** Its temporary folder (config, data, log). */
  readonly dir: string;
  /** Stops the process and removes the folder. */
  stop(): Promise<void>;
}

/** Auth configuration of a test registry. */
export type RegistryAuth =
  | { readonly kind: "none" }
  | { readonly kind: "htpasswd"; readonly file: string }
  | {
      readonly kind: "token";
      readonly realm: string;
      readonly service: string;
      readonly issuer: string;
      readonly certFile: string;
    };

/** Starts Debian's docker-registry on a free loopback port with a temporary config; fails with the reason. */
export async function startRegistry(auth: RegistryAuth = { kind: "none" }): Promise<RegistryHandle> {
  if (!existsSync(REGISTRY_BIN)) {
    throw new Error(`${REGISTRY_BIN} not found: install Debian's docker-registry (apt-get install -y docker-registry)`);
  }
  const dir = await mkdtemp(join(tmpdir(), "kaito-registry-"));
  await mkdir(join(dir, "data"));
  const port = await freePort();
  const authYaml =
    auth.kind === "htpasswd"
      ? `auth:\n  htpasswd:\n    realm: test-realm\n    path: ${auth.file}\n`
      : auth.kind === "token"
        ? `auth:\n  token:\n    realm: ${auth.realm}\n    service: ${auth.service}\n    issuer: ${auth.issuer}\n    rootcertbundle: ${auth.certFile}\n`
        : "";
  await writeFile(
    join(dir, "config.yml"),
    `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, "data")}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: test-secret
${authYaml}`,
  );
  const logFile = join(dir, "log");
  const { openSync } = await import("node:fs");
  const fd = openSync(logFile, "w");
  const child: ChildProcess = spawn(REGISTRY_BIN, ["serve", join(dir, "config.yml")], { stdio: ["ignore", fd, fd] });
  let exited = false;
  // Safety net: never leave a registry behind if the test process ends without calling stop().
  const killOnExit = () => {
    if (!exited) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  child.once("exit", () => {
    exited = true;
    process.removeListener("exit", killOnExit);
  });
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not up yet
    }
    if (exited || Date.now() > deadline) {
      const log = await readFile(logFile, "utf8").catch(() => "");
      child.kill("SIGKILL");
      throw new Error(`docker-registry did not start on ${host}: ${exited ? "it exited" : "timeout"}\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    dir,
    async stop() {
      if (!exited) {
        const done = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
        if (!exited) child.kill("SIGKILL");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes an htpasswd file with bcrypt (`$2b$`) hashes. */
export async function writeHtpasswd(file: string, users: Readonly<Record<string, string>>): Promise<void> {
  const bcrypt = (await import("bcryptjs")).default;
  const lines = Object.entries(users).map(([u, p]) => `${u}:${bcrypt.hashSync(p, 5)}`);
  await writeFile(file, `${lines.join("\n")}\n`);
}
