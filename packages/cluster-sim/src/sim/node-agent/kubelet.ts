/**
 * The simulated kubelet: one worker per bound pod runs its init containers in order, then its containers (as real
 * processes for mapped images, simulated otherwise), applies restart policies with back-off and injected faults, and
 * the queue handler writes the pod status the worker's state implies.
 */
import { createHash } from "node:crypto";
import type { KubeObject } from "../../store/api.ts";
import { isSimulatedNode } from "../cloud/nodes.ts";
import type { SimContext } from "../shared/context.ts";
import { ContainerConfigError, type ObjectLookup } from "./env.ts";
import { globMatch } from "../shared/match.ts";
import {
  asObj,
  asObjArray,
  conditionStatus,
  isPodTerminal,
  isReason,
  jsonEqual,
  num,
  type Obj,
  specOf,
  statusOf,
  str,
} from "../shared/objects.ts";
import type { ContainerExit, ProcessRuntime, RunningContainer } from "./process-runtime.ts";
import type { HandlerResult } from "../shared/queue.ts";
import { R } from "../shared/resources.ts";
import { qosClass } from "../controllers/scheduler.ts";
import type { PodFaultRule } from "../shared/types.ts";
import { VolumeMountError } from "./volumes.ts";

type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | {
      terminated: {
        exitCode: number;
        reason: string;
        message?: string;
        signal?: number;
        startedAt: string;
        finishedAt: string;
        containerID?: string;
      };
    };

interface ContainerRecord {
  name: string;
  image: string;
  spec: Obj;
  init: boolean;
  /** Restartable init container (native sidecar) or an image mapped as sidecar. */
  sidecar: boolean;
  state: ContainerState;
  lastState: ContainerState | undefined;
  ready: boolean;
  started: boolean;
  restartCount: number;
  containerID: string | undefined;
  imageID: string | undefined;
  instance: RunningContainer | undefined;
  /** Bumped per instance so late callbacks of an old instance are ignored. */
  generation: number;
  /** Exited and will not restart. */
  done: boolean;
  pulled: boolean;
  /** An instance is being created (runtime.start in flight). */
  starting: boolean;
  /** The current instance is a real process (probes go to its ports). */
  process: boolean;
}

const FAULT_KINDS_CONTAINER = ["CrashLoopBackOff", "OOMKilled", "ExitCode"] as const;

function hex(text: string, length = 64): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

function imageRef(image: string): string {
  const withTag = /:[^/]+$/.test(image) || image.includes("@") ? image : `${image}:latest`;
  const first = withTag.split("/")[0] ?? "";
  if (withTag.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) return withTag;
  return withTag.includes("/") ? `docker.io/${withTag}` : `docker.io/library/${withTag}`;
}

/** The worker of one pod. */
class PodWorker {
  readonly uid: string;
  readonly key: string;
  pod: KubeObject;
  readonly #kubelet: Kubelet;
  readonly #ctx: SimContext;
  readonly init: ContainerRecord[];
  readonly main: ContainerRecord[];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #wakers = new Set<() => void>();
  readonly #usesProcesses: boolean;
  phase: "Pending" | "Running" | "Succeeded" | "Failed" = "Pending";
  reason: string | undefined;
  message: string | undefined;
  startTime: string;
  hostIP: string | undefined;
  podIP: string | undefined;
  sandboxReady = false;
  initDone: boolean;
  disruption: Obj | undefined;
  destroyed = false;
  terminating: Promise<void> | undefined;
  terminated = false;
  /** Every non-sidecar container is done; sidecars are being stopped before the phase is set. */
  finishing = false;

  constructor(kubelet: Kubelet, ctx: SimContext, pod: KubeObject, usesProcesses: boolean) {
    this.#kubelet = kubelet;
    this.#ctx = ctx;
    this.pod = pod;
    this.uid = pod.metadata.uid ?? "";
    this.key = `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
    this.#usesProcesses = usesProcesses;
    const spec = specOf(pod);
    const record = (c: Obj, init: boolean): ContainerRecord => {
      const image = str(c.image) ?? "";
      const mapping = usesProcesses ? kubelet.runtime.mappingFor(image) : undefined;
      return {
        name: str(c.name) ?? "",
        image,
        spec: c,
        init,
        sidecar:
          (init && c.restartPolicy === "Always") ||
          mapping?.sidecar === true ||
          (mapping === undefined && ctx.options.sidecarImages.some((p) => globMatch(p, image))),
        state: { waiting: { reason: init ? "PodInitializing" : "ContainerCreating" } },
        lastState: undefined,
        ready: false,
        started: false,
        restartCount: 0,
        containerID: undefined,
        imageID: undefined,
        instance: undefined,
        generation: 0,
        done: false,
        pulled: false,
        starting: false,
        process: false,
      };
    };
    this.init = asObjArray(spec.initContainers).map((c) => record(c, true));
    this.main = asObjArray(spec.containers).map((c) => record(c, false));
    if (this.init.length === 0) for (const c of this.main) c.state = { waiting: { reason: "ContainerCreating" } };
    this.initDone = this.init.length === 0;
    this.startTime = ctx.nowIso();
  }

  get restartPolicy(): string {
    return str(specOf(this.pod).restartPolicy) ?? "Always";
  }

  changed(): void {
    if (!this.destroyed) this.#kubelet.queueKey(this.key);
  }

  /** Sleeps; resolves false when the worker is destroyed or terminating meanwhile. */
  async sleep(ms: number): Promise<boolean> {
    if (this.stopping()) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(
        () => {
          this.#timers.delete(timer);
          this.#wakers.delete(resolve);
          resolve();
        },
        Math.max(0, ms),
      );
      timer.unref?.();
      this.#timers.add(timer);
      this.#wakers.add(resolve);
    });
    return !this.stopping();
  }

  /** True once the worker should start nothing new. */
  stopping(): boolean {
    return this.destroyed || this.terminating !== undefined || this.finishing || this.isTerminal();
  }

  #event(type: "Normal" | "Warning", reason: string, message: string, c?: ContainerRecord): void {
    this.#ctx.events.record(this.pod, type, reason, message, {
      component: "kubelet",
      host: str(specOf(this.pod).nodeName),
      fieldPath: c === undefined ? undefined : `spec.${c.init ? "initContainers" : "containers"}{${c.name}}`,
    });
  }

  #fault(c: ContainerRecord | undefined, kinds: readonly PodFaultRule["kind"][]): PodFaultRule | undefined {
    const target: { namespace: string; pod: string; container?: string; image?: string } = {
      namespace: this.pod.metadata.namespace ?? "",
      pod: this.pod.metadata.name ?? "",
    };
    if (c !== undefined) {
      target.container = c.name;
      target.image = c.image;
    }
    return this.#ctx.faults.podFault(target, kinds);
  }

  #backoff(n: number): number {
    const { backoffMs, maxBackoffMs } = this.#ctx.options;
    return Math.min(backoffMs * 2 ** Math.max(0, n), maxBackoffMs);
  }

  #lookup(): ObjectLookup {
    const ns = this.pod.metadata.namespace;
    const api = this.#ctx.api;
    return {
      configMap: (name) => api.get(R.configmaps, ns, name),
      secret: (name) => api.get(R.secrets, ns, name),
    };
  }

  /** The pod's whole life, from sandbox to the last container. */
  async run(): Promise<void> {
    const node = this.#ctx.api.get(R.nodes, undefined, str(specOf(this.pod).nodeName) ?? "");
    this.hostIP = asObjArray(statusOf(node ?? { apiVersion: "v1", kind: "Node", metadata: {} }).addresses)
      .map((a) => (a.type === "InternalIP" ? str(a.address) : undefined))
      .find((a) => a !== undefined);
    this.changed();
    // Sandbox: volumes (only materialised when a process needs them), then the pod IP.
    if (this.#usesProcesses) {
      let attempt = 0;
      for (;;) {
        try {
          await this.#kubelet.runtime.preparePod(this.pod, this.#lookup());
          break;
        } catch (error) {
          if (!(error instanceof VolumeMountError)) throw error;
          this.#event("Warning", "FailedMount", error.message);
          if (!(await this.sleep(this.#backoff(attempt++)))) return;
        }
      }
    }
    if (!(await this.sleep(0))) return;
    this.podIP = specOf(this.pod).hostNetwork === true ? this.hostIP : this.#kubelet.allocatePodIP(node, this.uid);
    this.sandboxReady = true;
    this.changed();

    for (const c of this.init) {
      if (c.sidecar) {
        void this.#runContainer(c, "Always");
        while (!c.started) if (!(await this.sleep(10))) return;
        continue;
      }
      const policy = this.restartPolicy === "Never" ? "Never" : "OnFailure";
      const exit = await this.#runContainer(c, policy);
      if (this.destroyed || this.terminating || this.isTerminal()) return;
      if (exit === undefined || exit.exitCode !== 0) {
        await this.#finish("Failed");
        return;
      }
    }
    this.initDone = true;
    for (const c of this.main) c.state = { waiting: { reason: "ContainerCreating" } };
    this.changed();
    this.#scheduleEviction();
    await Promise.all(
      this.main.map(async (c) => {
        await this.#runContainer(c, c.sidecar ? "Always" : this.restartPolicy);
        await this.#evaluate();
      }),
    );
  }

  isTerminal(): boolean {
    return this.phase === "Succeeded" || this.phase === "Failed";
  }

  /** Phase after a main container stopped for good. */
  async #evaluate(): Promise<void> {
    if (this.stopping()) return;
    const workers = this.main.filter((c) => !c.sidecar);
    if (!workers.every((c) => c.done)) return;
    const failed = workers.some((c) => "terminated" in c.state && c.state.terminated.exitCode !== 0);
    await this.#finish(failed ? "Failed" : "Succeeded");
  }

  /** Stops sidecars (their exit counts as success) and sets a terminal phase. */
  async #finish(phase: "Succeeded" | "Failed"): Promise<void> {
    if (this.isTerminal() || this.finishing) return;
    this.finishing = true;
    for (const wake of this.#wakers) wake();
    const sidecars = [...this.init, ...this.main].filter((c) => c.sidecar && !c.done);
    await Promise.all(sidecars.map((c) => this.#stopContainer(c, 0)));
    while (sidecars.some((c) => c.starting)) await new Promise((r) => setTimeout(r, 5));
    this.phase = phase;
    for (const c of sidecars) {
      if ("terminated" in c.state) c.state.terminated = { ...c.state.terminated, exitCode: 0, reason: "Completed" };
    }
    for (const c of [...this.init, ...this.main]) c.ready = false;
    this.changed();
  }

  /**
   * Runs a container until it stops for good under `policy`; returns its last exit (undefined when the worker was
   * destroyed or the pod finished first).
   */
  async #runContainer(c: ContainerRecord, policy: string): Promise<ContainerExit | undefined> {
    let pullAttempts = 0;
    for (;;) {
      if (this.stopping()) return undefined;
      // Pull.
      if (!c.pulled) {
        this.#event("Normal", "Pulling", `Pulling image "${c.image}"`, c);
        const pullFault = this.#fault(c, ["ImagePullBackOff"]);
        if (pullFault !== undefined) {
          const detail =
            pullFault.message ??
            `rpc error: code = NotFound desc = failed to pull and unpack image "${imageRef(c.image)}": failed to resolve reference "${imageRef(c.image)}": ${imageRef(c.image)}: not found`;
          c.state = { waiting: { reason: "ErrImagePull", message: detail } };
          this.#event("Warning", "Failed", `Failed to pull image "${c.image}": ${detail}`, c);
          this.#event("Warning", "Failed", "Error: ErrImagePull", c);
          this.changed();
          if (!(await this.sleep(this.#ctx.options.pullMs))) return undefined;
          c.state = { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${c.image}"` } };
          this.#event("Normal", "BackOff", `Back-off pulling image "${c.image}"`, c);
          this.#event("Warning", "Failed", "Error: ImagePullBackOff", c);
          this.changed();
          if (!(await this.sleep(this.#backoff(pullAttempts++)))) return undefined;
          continue;
        }
        if (!(await this.sleep(this.#ctx.options.pullMs))) return undefined;
        c.pulled = true;
        c.imageID = `${imageRef(c.image).replace(/:[^/:@]+$/, "")}@sha256:${hex(c.image)}`;
        this.#event(
          "Normal",
          "Pulled",
          `Successfully pulled image "${c.image}" in ${this.#ctx.options.pullMs}ms (${this.#ctx.options.pullMs}ms including waiting). Image size: 0 bytes.`,
          c,
        );
      } else if (c.restartCount > 0) {
        this.#event("Normal", "Pulled", `Container image "${c.image}" already present on machine`, c);
      }
      // Create and start.
      const instance = await this.#startInstance(c);
      if (instance === "retry") {
        if (!(await this.sleep(this.#backoff(pullAttempts++)))) return undefined;
        continue;
      }
      if (instance === undefined) return undefined;
      const exit = await instance.exited;
      if (this.destroyed) return undefined;
      if (c.instance !== instance) return exit; // stopped by the kubelet, which records the state
      const startedAt = "running" in c.state ? c.state.running.startedAt : this.#ctx.nowIso();
      const terminated: ContainerState = {
        terminated: {
          exitCode: exit.exitCode,
          reason: exit.reason,
          ...(exit.message === undefined ? {} : { message: exit.message }),
          startedAt,
          finishedAt: this.#ctx.nowIso(),
          ...(c.containerID === undefined ? {} : { containerID: c.containerID }),
        },
      };
      c.state = terminated;
      c.ready = false;
      c.started = false;
      c.instance = undefined;
      this.changed();
      if (this.stopping()) return exit;
      const restart = policy === "Always" || (policy === "OnFailure" && exit.exitCode !== 0);
      if (!restart) {
        c.done = true;
        return exit;
      }
      const delay = this.#backoff(c.restartCount);
      c.lastState = terminated;
      c.state = {
        waiting: {
          reason: "CrashLoopBackOff",
          message: `back-off ${formatDuration(delay)} restarting failed container=${c.name} pod=${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`,
        },
      };
      this.#event(
        "Warning",
        "BackOff",
        `Back-off restarting failed container ${c.name} in pod ${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`,
        c,
      );
      this.changed();
      if (!(await this.sleep(delay))) return undefined;
      c.restartCount++;
    }
  }

  /** Creates and starts one instance; "retry" on a configuration error, undefined when the worker went away. */
  async #startInstance(c: ContainerRecord): Promise<RunningContainer | "retry" | undefined> {
    c.starting = true;
    try {
      return await this.#createAndStart(c);
    } finally {
      c.starting = false;
    }
  }

  async #createAndStart(c: ContainerRecord): Promise<RunningContainer | "retry" | undefined> {
    const gen = ++c.generation;
    const fault = this.#fault(c, FAULT_KINDS_CONTAINER);
    const runtime = this.#kubelet.runtime;
    let instance: RunningContainer;
    c.process = fault === undefined && this.#usesProcesses && runtime.mappingFor(c.image) !== undefined;
    if (c.process) {
      try {
        instance = await runtime.start(this.pod, c.spec, this.#lookup());
      } catch (error) {
        if (!(error instanceof ContainerConfigError)) throw error;
        c.state = { waiting: { reason: "CreateContainerConfigError", message: error.message } };
        this.#event("Warning", "Failed", `Error: ${error.message}`, c);
        this.changed();
        return "retry";
      }
    } else {
      instance = this.#simulatedInstance(c, fault);
    }
    if (this.stopping()) {
      await instance.stop(0);
      if (c.sidecar && (this.finishing || this.isTerminal()) && !this.destroyed && !this.terminating) {
        // A sidecar that was still starting when the pod finished: stopped with the others.
        const now = this.#ctx.nowIso();
        c.done = true;
        c.state = { terminated: { exitCode: 0, reason: "Completed", startedAt: now, finishedAt: now } };
        this.changed();
      }
      return undefined;
    }
    c.instance = instance;
    c.containerID = `containerd://${hex(`${this.uid}/${c.name}/${gen}`)}`;
    this.#event("Normal", "Created", `Created container ${c.name}`, c);
    c.state = { running: { startedAt: this.#ctx.nowIso() } };
    this.#event("Normal", "Started", `Started container ${c.name}`, c);
    this.changed();
    void this.#probe(c, gen);
    return instance;
  }

  /** A container without a process: exits as the fault or the restart policy says, or runs until stopped. */
  #simulatedInstance(c: ContainerRecord, fault: PodFaultRule | undefined): RunningContainer {
    let resolveExit: (e: ContainerExit) => void = () => {};
    const exited = new Promise<ContainerExit>((resolve) => {
      resolveExit = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const exitAfter = (ms: number, exit: ContainerExit) => {
      timer = setTimeout(() => resolveExit(exit), ms);
      timer.unref?.();
    };
    const { completionMs, pullMs } = this.#ctx.options;
    if (fault !== undefined) {
      const after = fault.afterMs ?? 30;
      if (fault.kind === "OOMKilled") exitAfter(after, { exitCode: 137, reason: "OOMKilled" });
      else if (fault.kind === "ExitCode") {
        const code = fault.exitCode ?? 1;
        exitAfter(after, { exitCode: code, reason: code === 0 ? "Completed" : "Error" });
      } else exitAfter(after, { exitCode: 1, reason: "Error" });
    } else if (c.init && !c.sidecar) {
      exitAfter(completionMs ?? pullMs, { exitCode: 0, reason: "Completed" });
    } else if (!c.sidecar && this.restartPolicy !== "Always" && completionMs !== null) {
      exitAfter(completionMs, { exitCode: 0, reason: "Completed" });
    }
    return {
      exited,
      stop: async () => {
        if (timer !== undefined) clearTimeout(timer);
        resolveExit({ exitCode: 137, reason: "Error" });
        return await exited;
      },
    };
  }

  /** Startup and readiness: HTTP/TCP probes against process ports, otherwise `readyMs` after start. */
  async #probe(c: ContainerRecord, gen: number): Promise<void> {
    const alive = () => c.generation === gen && "running" in c.state && !this.stopping();
    const { readyMs, probeIntervalMs } = this.#ctx.options;
    const startup = asObj(c.spec.startupProbe);
    const readiness = asObj(c.spec.readinessProbe);
    const liveness = asObj(c.spec.livenessProbe);
    const has = (probe: Obj) => Object.keys(probe).length > 0;
    const check = async (probe: Obj): Promise<string | undefined> => {
      const target = this.#probeTarget(c, probe);
      return target === undefined ? undefined : await probeOnce(target);
    };
    if (!(await this.sleep(readyMs)) || !alive()) return;
    if (has(startup)) {
      while ((await check(startup)) !== undefined) if (!(await this.sleep(probeIntervalMs)) || !alive()) return;
    }
    c.started = true;
    this.changed();
    const livenessThreshold = Math.max(1, num(liveness.failureThreshold) ?? 3);
    let livenessFailures = 0;
    let livenessSeen = false;
    let readinessFailing = false;
    // Native sidecars and regular containers alike become ready on their readiness probe.
    for (;;) {
      if (!alive()) return;
      const failure = has(readiness) ? await check(readiness) : undefined;
      if (!alive()) return;
      if (failure !== undefined && !readinessFailing) {
        this.#event("Warning", "Unhealthy", `Readiness probe failed: ${failure}`, c);
      }
      readinessFailing = failure !== undefined;
      if ((failure === undefined) !== c.ready) {
        c.ready = failure === undefined;
        this.changed();
      }
      if (has(liveness)) {
        const dead = await check(liveness);
        if (!alive()) return;
        // Liveness counts only once the process answered it: simulated periods are much shorter than real
        // process start-up, so a slow starter must not be killed before it listens.
        if (dead === undefined) livenessSeen = true;
        livenessFailures = dead === undefined || !livenessSeen ? 0 : livenessFailures + 1;
        if (dead !== undefined && livenessSeen) {
          this.#event("Warning", "Unhealthy", `Liveness probe failed: ${dead}`, c);
        }
        if (livenessFailures >= livenessThreshold) {
          this.#event("Normal", "Killing", `Container ${c.name} failed liveness probe, will be restarted`, c);
          // The exit goes through the container's normal restart path.
          void c.instance?.stop(this.#ctx.options.killGraceMs);
          return;
        }
      }
      if (!has(readiness) && !has(liveness)) return;
      if (!(await this.sleep(probeIntervalMs))) return;
    }
  }

  #probeTarget(c: ContainerRecord, probe: Obj): ProbeTarget | undefined {
    if (!c.process) return undefined;
    const http = asObj(probe.httpGet);
    const tcp = asObj(probe.tcpSocket);
    const spec = Object.keys(http).length > 0 ? http : Object.keys(tcp).length > 0 ? tcp : undefined;
    if (spec === undefined) return undefined; // exec/grpc probes: treated as succeeding
    const portRef = spec.port;
    let containerPort = num(portRef) ?? (typeof portRef === "string" ? Number.parseInt(portRef, 10) : Number.NaN);
    if (Number.isNaN(containerPort) && typeof portRef === "string") {
      containerPort = num(asObjArray(c.spec.ports).find((p) => p.name === portRef)?.containerPort) ?? Number.NaN;
    }
    const host = this.#kubelet.runtime.containerPort(this.uid, c.name, containerPort);
    if (host === undefined) return undefined;
    const path = str(http.path) ?? "/";
    return {
      kind: spec === http ? "http" : "tcp",
      port: host,
      path: path.startsWith("/") ? path : `/${path}`,
      display: `${this.podIP ?? "127.0.0.1"}:${containerPort}`,
    };
  }

  #scheduleEviction(): void {
    const fault =
      this.#fault(undefined, ["Evicted"]) ??
      this.main.map((c) => this.#fault(c, ["Evicted"])).find((f) => f !== undefined);
    if (fault === undefined) return;
    void (async () => {
      if (!(await this.sleep(fault.afterMs ?? 30))) return;
      if (this.isTerminal()) return;
      const message =
        fault.message ??
        `The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Container ${this.main[0]?.name ?? "main"} was using 2Gi, request is 0, has larger consumption of memory. `;
      this.phase = "Failed";
      this.reason = "Evicted";
      this.message = message;
      this.disruption = {
        type: "DisruptionTarget",
        status: "True",
        reason: "TerminationByKubelet",
        message,
        lastProbeTime: null,
        lastTransitionTime: this.#ctx.nowIso(),
      };
      this.#event("Warning", "Evicted", message);
      await Promise.all([...this.init, ...this.main].map((c) => this.#stopContainer(c, 0)));
      for (const c of [...this.init, ...this.main]) {
        c.ready = false;
        if ("terminated" in c.state) c.state.terminated = { ...c.state.terminated, exitCode: 137, reason: "Error" };
      }
      this.changed();
    })();
  }

  async #stopContainer(c: ContainerRecord, graceMs: number): Promise<void> {
    const instance = c.instance;
    if (instance === undefined) return;
    c.instance = undefined;
    const startedAt = "running" in c.state ? c.state.running.startedAt : this.#ctx.nowIso();
    const exit = await instance.stop(graceMs);
    c.ready = false;
    c.done = true;
    c.state = {
      terminated: {
        exitCode: exit.exitCode,
        reason: exit.reason,
        startedAt,
        finishedAt: this.#ctx.nowIso(),
        ...(c.containerID === undefined ? {} : { containerID: c.containerID }),
      },
    };
  }

  /** Graceful termination on pod deletion: Killing events, SIGTERM, SIGKILL after the grace period. */
  terminate(graceMs: number): Promise<void> {
    if (this.terminating === undefined) {
      this.terminating = (async () => {
        for (const w of this.#wakers) w();
        const running = [...this.init, ...this.main].filter((c) => c.instance !== undefined);
        for (const c of running) this.#event("Normal", "Killing", `Stopping container ${c.name}`, c);
        await Promise.all(running.map((c) => this.#stopContainer(c, graceMs)));
        this.terminated = true;
        this.changed();
      })();
    }
    return this.terminating;
  }

  /** Immediate teardown (pod gone, simulation stopped). */
  async destroy(): Promise<void> {
    this.destroyed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const w of this.#wakers) w();
    this.#wakers.clear();
    await Promise.all([...this.init, ...this.main].map((c) => this.#stopContainer(c, 0)));
  }

  /** The pod status this worker's state implies (PodScheduled and unknown conditions kept from `current`). */
  status(current: Obj, nodeReady = true): Obj {
    const now = this.#ctx.nowIso();
    const old = asObjArray(current.conditions);
    const cond = (type: string, ok: boolean, reason?: string, message?: string): Obj => {
      const prev = old.find((c) => c.type === type);
      const status = ok ? "True" : "False";
      const c: Obj = {
        type,
        status,
        lastProbeTime: null,
        lastTransitionTime: prev?.status === status ? (prev.lastTransitionTime ?? now) : now,
      };
      if (!ok && reason !== undefined) c.reason = reason;
      if (!ok && message !== undefined) c.message = message;
      return c;
    };
    const terminal = this.isTerminal();
    const unready = [...this.init.filter((c) => c.sidecar), ...this.main].filter((c) => !c.ready).map((c) => c.name);
    const allReady = !terminal && this.initDone && unready.length === 0;
    const notReadyReason = terminal ? "PodCompleted" : "ContainersNotReady";
    const notReadyMessage = terminal ? undefined : `containers with unready status: [${unready.join(" ")}]`;
    const incomplete = this.init.filter(
      (c) => !c.sidecar && !("terminated" in c.state && c.state.terminated.exitCode === 0),
    );
    const conditions: Obj[] = [
      cond("PodReadyToStartContainers", this.sandboxReady && !this.terminated),
      cond(
        "Initialized",
        this.initDone || (terminal && incomplete.length === 0),
        terminal ? "PodCompleted" : "ContainersNotInitialized",
        terminal ? undefined : `containers with incomplete status: [${incomplete.map((c) => c.name).join(" ")}]`,
      ),
      cond(
        "Ready",
        allReady && nodeReady,
        nodeReady ? notReadyReason : undefined,
        nodeReady ? notReadyMessage : undefined,
      ),
      cond("ContainersReady", allReady, notReadyReason, notReadyMessage),
    ];
    const scheduled = old.find((c) => c.type === "PodScheduled") ?? cond("PodScheduled", true);
    conditions.push(scheduled);
    if (this.disruption !== undefined) conditions.unshift(this.disruption);
    const status: Obj = {
      phase: this.#phase(),
      conditions,
      hostIP: this.hostIP ?? null,
      hostIPs: this.hostIP === undefined ? null : [{ ip: this.hostIP }],
      podIP: this.podIP ?? null,
      podIPs: this.podIP === undefined ? null : [{ ip: this.podIP }],
      startTime: this.startTime,
      containerStatuses: this.main.map((c) => this.#containerStatus(c)),
      qosClass: str(current.qosClass) ?? qosClass(specOf(this.pod)),
      reason: this.reason ?? null,
      message: this.message ?? null,
    };
    if (this.init.length > 0) status.initContainerStatuses = this.init.map((c) => this.#containerStatus(c));
    return status;
  }

  #phase(): string {
    if (this.isTerminal()) return this.phase;
    if (!this.initDone) return "Pending";
    const started = this.main.every((c) => !("waiting" in c.state) || c.restartCount > 0 || c.lastState !== undefined);
    return started ? "Running" : "Pending";
  }

  #containerStatus(c: ContainerRecord): Obj {
    const s: Obj = {
      name: c.name,
      image: c.image,
      imageID: c.imageID ?? "",
      state: c.state,
      lastState: c.lastState ?? {},
      ready: c.ready,
      restartCount: c.restartCount,
      started: c.started,
    };
    if (c.containerID !== undefined) s.containerID = c.containerID;
    return s;
  }
}

/** Where a probe goes: a loopback port, and how the pod address reads in messages. */
interface ProbeTarget {
  kind: "http" | "tcp";
  port: number;
  path: string;
  display: string;
}

/** One probe; undefined on success, else the failure as the kubelet words it. */
async function probeOnce(target: ProbeTarget): Promise<string | undefined> {
  if (target.kind === "tcp") {
    const { connect } = await import("node:net");
    return await new Promise((resolve) => {
      const socket = connect(target.port, "127.0.0.1");
      const done = (failure: string | undefined) => {
        socket.destroy();
        resolve(failure);
      };
      socket.setTimeout(1000, () => done(`dial tcp ${target.display}: i/o timeout`));
      socket.once("connect", () => done(undefined));
      socket.once("error", () => done(`dial tcp ${target.display}: connect: connection refused`));
    });
  }
  const url = `http://${target.display}${target.path}`;
  try {
    const res = await fetch(`http://127.0.0.1:${target.port}${target.path}`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 400 ? undefined : `HTTP probe failed with statuscode: ${res.status}`;
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    return timedOut
      ? `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`
      : `Get "${url}": dial tcp ${target.display}: connect: connection refused`;
  }
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** The kubelet of every simulated node. */
export class Kubelet {
  readonly runtime: ProcessRuntime;
  readonly #ctx: SimContext;
  readonly #workers = new Map<string, PodWorker>();
  readonly #ips = new Map<string, string>();
  readonly #nextIp = new Map<string, number>();
  #queueKey: (key: string) => void = () => {};

  constructor(ctx: SimContext, runtime: ProcessRuntime) {
    this.#ctx = ctx;
    this.runtime = runtime;
  }

  /** True when this agent is the kubelet of `node` (`agentNodes`: every node, or those its cloud launched). */
  servesNode(node: KubeObject | undefined): boolean {
    if (this.#ctx.options.agentNodes === "all") return true;
    return node !== undefined && isSimulatedNode(node, this.#ctx.options.clusterName);
  }

  /** Connects the worker→queue notifications. */
  setQueue(add: (key: string) => void): void {
    this.#queueKey = add;
  }

  queueKey(key: string): void {
    this.#queueKey(key);
  }

  /** The worker of a pod (by `ns/name`), for resolving ports. */
  workerUid(namespace: string, name: string): string | undefined {
    return this.#workers.get(`${namespace}/${name}`)?.uid;
  }

  /** A pod IP from the node's pod CIDR. */
  allocatePodIP(node: KubeObject | undefined, uid: string): string {
    const existing = this.#ips.get(uid);
    if (existing !== undefined) return existing;
    const cidr = str(specOf(node ?? { apiVersion: "v1", kind: "Node", metadata: {} }).podCIDR) ?? "10.244.255.0/24";
    const prefix = cidr.split("/")[0]?.split(".").slice(0, 3).join(".") ?? "10.244.255";
    const nodeName = node?.metadata.name ?? "";
    const n = this.#nextIp.get(nodeName) ?? 2;
    this.#nextIp.set(nodeName, n >= 254 ? 2 : n + 1);
    const ip = `${prefix}.${n}`;
    this.#ips.set(uid, ip);
    return ip;
  }

  async #drop(key: string, worker: PodWorker): Promise<void> {
    this.#workers.delete(key);
    this.#ips.delete(worker.uid);
    await worker.destroy();
    await this.runtime.releasePod(worker.uid);
  }

  /** Reconciles one pod by `ns/name`. */
  async handle(key: string): Promise<HandlerResult> {
    const [namespace, name] = key.split("/") as [string, string];
    const { api } = this.#ctx;
    const pod = api.get(R.pods, namespace, name);
    let worker = this.#workers.get(key);
    if (worker !== undefined && (pod === undefined || pod.metadata.uid !== worker.uid)) {
      await this.#drop(key, worker);
      if (pod === undefined) this.runtime.dropLogs(namespace, name);
      worker = undefined;
    }
    if (pod === undefined) return undefined;
    const nodeName = str(specOf(pod).nodeName);
    if (nodeName === undefined) {
      if (pod.metadata.deletionTimestamp !== undefined) await this.#forceDelete(pod);
      return undefined;
    }
    // Pods of nodes this agent is not the kubelet of belong to someone else (a real kubelet).
    if (worker === undefined && !this.servesNode(api.get(R.nodes, undefined, nodeName))) return undefined;
    if (pod.metadata.deletionTimestamp !== undefined) {
      if (worker === undefined || worker.terminated || worker.isTerminal()) {
        if (worker !== undefined) await this.#drop(key, worker);
        await this.#forceDelete(pod);
        return undefined;
      }
      const grace = num(pod.metadata.deletionGracePeriodSeconds) ?? 30;
      void worker.terminate(Math.min(grace * 1000, this.#ctx.options.killGraceMs));
      await this.#writeStatus(pod, worker);
      return undefined;
    }
    if (worker === undefined) {
      if (isPodTerminal(pod)) return undefined;
      if (api.get(R.nodes, undefined, nodeName) === undefined) return undefined;
      worker = new PodWorker(this, this.#ctx, pod, this.runtime.needsSandbox(pod));
      this.#workers.set(key, worker);
      const w = worker;
      void w.run().catch((error: unknown) => this.#ctx.onError(error, `kubelet ${key}`));
    }
    worker.pod = pod;
    await this.#writeStatus(pod, worker);
    return undefined;
  }

  async #writeStatus(pod: KubeObject, worker: PodWorker): Promise<void> {
    const current = statusOf(pod);
    const node = this.#ctx.api.get(R.nodes, undefined, str(specOf(pod).nodeName) ?? "");
    const desired = worker.status(current, node === undefined || conditionStatus(node, "Ready") === "True");
    const same = Object.entries(desired).every(([k, v]) => jsonEqual(v === null ? undefined : v, current[k]));
    if (same) return;
    try {
      await this.#ctx.api.patch(
        R.pods,
        pod.metadata.namespace,
        pod.metadata.name ?? "",
        "merge",
        { status: desired },
        { subresource: "status" },
      );
    } catch (error) {
      if (!isReason(error, "NotFound")) throw error;
    }
  }

  async #forceDelete(pod: KubeObject): Promise<void> {
    try {
      const opts: { gracePeriodSeconds: number; preconditionUid?: string } = { gracePeriodSeconds: 0 };
      if (pod.metadata.uid !== undefined) opts.preconditionUid = pod.metadata.uid;
      await this.#ctx.api.delete(R.pods, pod.metadata.namespace, pod.metadata.name ?? "", opts);
    } catch (error) {
      if (!isReason(error, "NotFound") && !isReason(error, "Conflict")) throw error;
    }
  }

  /** Stops every worker and process. */
  async stop(): Promise<void> {
    await Promise.all([...this.#workers].map(([key, w]) => this.#drop(key, w)));
  }
}
