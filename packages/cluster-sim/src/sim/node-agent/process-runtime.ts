/**
 * Runs containers of mapped images as real local processes: one process group per container instance, with the
 * container's env and argv, its volumes as folders, its ports on free loopback ports, and stdout/stderr captured.
 *
 * How a process finds its mounts and ports (no chroot, no network namespace):
 * - mount paths in argv, env values and `workingDir` are rewritten to the host folders (whole path prefixes only);
 * - `SIM_MOUNTS` holds a JSON map mountPath → host folder, and `KAITO_SIM_MOUNT_<VOLUME_MOUNT_NAME>` each folder;
 * - every container port gets a loopback port: `PORT` is the first one, `SIM_PORT_<containerPort>` each, and
 *   `SIM_PORTS` a JSON map containerPort → loopback port; `resolvePod`/`resolveService` return them;
 * - `SIM_POD_DIR` is the pod's scratch folder, `HOSTNAME` the pod name.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { ClusterSimError } from "../../errors/index.ts";
import type { KubeObject } from "../../store/api.ts";
import { type ObjectLookup, containerArgv, resolveEnv, rewriteMountPaths } from "./env.ts";
import { globMatch } from "../shared/match.ts";
import { asObjArray, num, type Obj, str } from "../shared/objects.ts";
import type { ProcessImageMapping, ProcessSpec, SimProcessRuntimeOptions } from "../shared/types.ts";
import { containerMounts, materializeVolumes, type VolumeDirs } from "./volumes.ts";

/** How a container instance ended. */
export interface ContainerExit {
  exitCode: number;
  reason: string;
  message?: string;
  signal?: string;
}

/** A running container instance. */
export interface RunningContainer {
  /** Resolves once the instance has exited. */
  readonly exited: Promise<ContainerExit>;
  /** Stops the instance: SIGTERM, then SIGKILL after `graceMs`. Resolves on exit. */
  stop(graceMs: number): Promise<ContainerExit>;
}

/** Per-pod state of the process runtime. */
interface PodSandbox {
  dir: string;
  volumes: VolumeDirs;
  /** container name → containerPort → loopback port. */
  ports: Map<string, Map<number, number>>;
  /** container name → port name → containerPort. */
  portNames: Map<string, Map<string, number>>;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGQUIT: 3, SIGABRT: 6 };

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function envName(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** A bounded log buffer (keeps the last `max` bytes). */
class LogBuffer {
  #chunks: Buffer[] = [];
  #size = 0;
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  append(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size > this.#max && this.#chunks.length > 1) this.#size -= this.#chunks.shift()?.length ?? 0;
  }
  text(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - this.#max)).toString();
  }
}

/** The process runtime (one per simulation). */
export class ProcessRuntime {
  readonly #options: SimProcessRuntimeOptions;
  readonly #sandboxes = new Map<string, PodSandbox>();
  /** `ns/pod/container` → current and previous instance logs. */
  readonly #logs = new Map<string, { current: LogBuffer; previous?: LogBuffer }>();
  readonly #running = new Set<RunningContainer>();
  #root: string | undefined;
  #rootCreated = false;

  constructor(options: SimProcessRuntimeOptions = {}) {
    this.#options = options;
  }

  /** The mapping of an image, if it runs as a process. */
  mappingFor(image: string): ProcessImageMapping | undefined {
    return this.#options.images?.find((m) => m.image === image || globMatch(m.image, image));
  }

  /** True when any container (or init container) of the pod runs as a process. */
  needsSandbox(pod: KubeObject): boolean {
    const spec = pod.spec as Obj | undefined;
    return [...asObjArray(spec?.containers), ...asObjArray(spec?.initContainers)].some(
      (c) => this.mappingFor(str(c.image) ?? "") !== undefined,
    );
  }

  async #rootDir(): Promise<string> {
    if (this.#root !== undefined) return this.#root;
    if (this.#options.rootDir !== undefined) this.#root = this.#options.rootDir;
    else {
      this.#root = await mkdtemp(join(tmpdir(), "kaito-sim-"));
      this.#rootCreated = true;
    }
    return this.#root;
  }

  /** Creates the pod's folder, volumes and port map. Throws VolumeMountError when a volume cannot be set up. */
  async preparePod(pod: KubeObject, lookup: ObjectLookup): Promise<void> {
    const uid = pod.metadata.uid ?? "";
    if (this.#sandboxes.has(uid)) return;
    const root = await this.#rootDir();
    const dir = join(root, `${pod.metadata.namespace ?? "default"}_${pod.metadata.name ?? ""}_${uid.slice(0, 8)}`);
    await mkdir(dir, { recursive: true });
    const volumes = await materializeVolumes(join(dir, "volumes"), pod, lookup);
    const spec = pod.spec as Obj | undefined;
    const ports = new Map<string, Map<number, number>>();
    const portNames = new Map<string, Map<string, number>>();
    for (const c of [...asObjArray(spec?.initContainers), ...asObjArray(spec?.containers)]) {
      const name = str(c.name) ?? "";
      const byNumber = new Map<number, number>();
      const byName = new Map<string, number>();
      for (const p of asObjArray(c.ports)) {
        const containerPort = num(p.containerPort);
        if (containerPort === undefined) continue;
        if (this.mappingFor(str(c.image) ?? "") !== undefined) byNumber.set(containerPort, await freePort());
        const portName = str(p.name);
        if (portName !== undefined) byName.set(portName, containerPort);
      }
      ports.set(name, byNumber);
      portNames.set(name, byName);
    }
    this.#sandboxes.set(uid, { dir, volumes, ports, portNames });
  }

  /** Where a pod's container port (number or port name) listens, if a process serves it. */
  resolvePort(podUid: string, port: number | string): number | undefined {
    const sandbox = this.#sandboxes.get(podUid);
    if (sandbox === undefined) return undefined;
    for (const [container, byNumber] of sandbox.ports) {
      const containerPort = typeof port === "number" ? port : sandbox.portNames.get(container)?.get(port);
      if (containerPort === undefined) continue;
      const host = byNumber.get(containerPort);
      if (host !== undefined) return host;
    }
    return undefined;
  }

  /** The loopback port of one container's port. */
  containerPort(podUid: string, container: string, containerPort: number): number | undefined {
    return this.#sandboxes.get(podUid)?.ports.get(container)?.get(containerPort);
  }

  /** Logs of a container, keyed `ns/pod/container`. */
  logs(key: string, previous = false): string | undefined {
    const entry = this.#logs.get(key);
    if (entry === undefined) return undefined;
    return previous ? entry.previous?.text() : entry.current.text();
  }

  /**
   * Starts one instance of a container as a process. Throws ContainerConfigError when the env cannot be resolved.
   * A spawn failure shows as an exit with reason `StartError` (exit code 128), as with containerd.
   */
  async start(pod: KubeObject, container: Obj, lookup: ObjectLookup): Promise<RunningContainer> {
    const uid = pod.metadata.uid ?? "";
    const sandbox = this.#sandboxes.get(uid);
    if (sandbox === undefined) {
      throw new ClusterSimError(
        "InternalError",
        `pod ${pod.metadata.namespace}/${pod.metadata.name}: container started before its sandbox was prepared`,
      );
    }
    const name = str(container.name) ?? "";
    const mapping = this.mappingFor(str(container.image) ?? "");
    if (mapping === undefined) {
      throw new ClusterSimError("InternalError", `image "${str(container.image)}" is not mapped to a process`);
    }
    const mounts = await containerMounts(container, sandbox.volumes);
    const ports = Object.fromEntries(sandbox.ports.get(name) ?? new Map<number, number>());
    const containerEnv = resolveEnv(pod, container, lookup);
    for (const [k, v] of Object.entries(containerEnv)) containerEnv[k] = rewriteMountPaths(v, mounts);
    const simEnv: Record<string, string> = {
      HOSTNAME: pod.metadata.name ?? "",
      SIM_POD_DIR: sandbox.dir,
      SIM_MOUNTS: JSON.stringify(mounts),
      SIM_PORTS: JSON.stringify(ports),
    };
    for (const m of asObjArray(container.volumeMounts)) {
      const mountPath = str(m.mountPath)?.replace(/\/+$/, "");
      const host = mountPath === undefined ? undefined : mounts[mountPath];
      if (host !== undefined) simEnv[`KAITO_SIM_MOUNT_${envName(str(m.name) ?? "")}`] = host;
    }
    const portEntries = Object.entries(ports);
    if (portEntries[0] !== undefined) simEnv.PORT = String(portEntries[0][1]);
    for (const [containerPort, host] of portEntries) simEnv[`SIM_PORT_${containerPort}`] = String(host);
    const baseEnv = this.#options.baseEnv ?? {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
    };
    const env = { ...baseEnv, ...(mapping.env ?? {}), ...containerEnv, ...simEnv };
    const argv = containerArgv(container, mapping, env).map((a) => rewriteMountPaths(a, mounts));
    const workingDir = str(container.workingDir);
    let cwd = workingDir !== undefined ? rewriteMountPaths(workingDir, mounts) : sandbox.dir;
    if (cwd.startsWith(sandbox.dir)) await mkdir(cwd, { recursive: true });
    else if (!existsSync(cwd)) cwd = sandbox.dir; // the image's own folders do not exist here
    let spec: ProcessSpec;
    if (mapping.spawn !== undefined) {
      spec = mapping.spawn({
        pod: structuredClone(pod),
        container: structuredClone(container),
        argv,
        env,
        mounts,
        ports,
        podDir: sandbox.dir,
      });
    } else if (mapping.command !== undefined) {
      const args = Array.isArray(container.args) ? argv.slice(argv.length - (container.args as unknown[]).length) : [];
      spec = { command: [...mapping.command, ...args] };
    } else {
      spec = { command: argv };
    }
    const executables: Record<string, string> = { node: process.execPath, ...(mapping.executables ?? {}) };
    const [cmd0, ...rest] = spec.command;
    const exe = cmd0 === undefined ? undefined : (executables[cmd0] ?? executables[basename(cmd0)] ?? cmd0);
    const key = `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}/${name}`;
    const previous = this.#logs.get(key)?.current;
    const log = new LogBuffer(this.#options.maxLogBytes ?? 1 << 20);
    this.#logs.set(key, previous === undefined ? { current: log } : { current: log, previous });
    return this.#spawn(exe, rest, { ...env, ...(spec.env ?? {}) }, spec.cwd ?? cwd, log);
  }

  #spawn(
    exe: string | undefined,
    args: string[],
    env: Record<string, string>,
    cwd: string,
    log: LogBuffer,
  ): RunningContainer {
    if (exe === undefined) {
      const exit = { exitCode: 128, reason: "StartError", message: "no command specified" };
      return { exited: Promise.resolve(exit), stop: async () => exit };
    }
    let child: ChildProcess;
    let resolveExit: (e: ContainerExit) => void = () => {};
    const exited = new Promise<ContainerExit>((resolve) => {
      resolveExit = resolve;
    });
    let done = false;
    const finish = (e: ContainerExit) => {
      if (done) return;
      done = true;
      resolveExit(e);
    };
    try {
      child = spawn(exe, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    } catch (error) {
      finish({ exitCode: 128, reason: "StartError", message: startErrorMessage(exe, error) });
      return { exited, stop: async () => exited };
    }
    child.stdout?.on("data", (d: Buffer) => log.append(d));
    child.stderr?.on("data", (d: Buffer) => log.append(d));
    child.on("error", (error) => {
      finish({ exitCode: 128, reason: "StartError", message: startErrorMessage(exe, error) });
    });
    child.on("exit", (code, signal) => {
      // The container's other processes die with its main process, as in a container's PID namespace.
      killGroup(child, "SIGKILL");
      const exitCode = code ?? 128 + (SIGNALS[signal ?? ""] ?? 9);
      const exit: ContainerExit = { exitCode, reason: exitCode === 0 ? "Completed" : "Error" };
      if (signal !== null) exit.signal = signal;
      finish(exit);
    });
    const running: RunningContainer = {
      exited,
      stop: async (graceMs: number) => {
        if (!done) {
          killGroup(child, "SIGTERM");
          const timer = setTimeout(() => killGroup(child, "SIGKILL"), Math.max(0, graceMs));
          timer.unref?.();
          const result = await exited;
          clearTimeout(timer);
          return result;
        }
        return await exited;
      },
    };
    this.#running.add(running);
    void exited.then(() => this.#running.delete(running));
    return running;
  }

  /** Forgets a pod: removes its folder and port map. */
  async releasePod(podUid: string): Promise<void> {
    const sandbox = this.#sandboxes.get(podUid);
    if (sandbox === undefined) return;
    this.#sandboxes.delete(podUid);
    await rm(sandbox.dir, { recursive: true, force: true }).catch(() => {});
  }

  /** Drops the logs of a pod (`ns/pod/` prefix). */
  dropLogs(namespace: string, pod: string): void {
    const prefix = `${namespace}/${pod}/`;
    for (const key of [...this.#logs.keys()]) if (key.startsWith(prefix)) this.#logs.delete(key);
  }

  /** Kills every process and removes the folders this runtime created. */
  async stop(graceMs: number): Promise<void> {
    await Promise.all([...this.#running].map((r) => r.stop(graceMs)));
    for (const uid of [...this.#sandboxes.keys()]) await this.releasePod(uid);
    if (this.#rootCreated && this.#root !== undefined) await rm(this.#root, { recursive: true, force: true });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function startErrorMessage(exe: string, error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === "ENOENT") {
    return `failed to create containerd task: failed to create shim task: OCI runtime create failed: exec: "${exe}": executable file not found in $PATH`;
  }
  return `failed to start container process "${exe}": ${error instanceof Error ? error.message : String(error)}`;
}
