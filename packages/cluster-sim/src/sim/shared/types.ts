/**
 * Public types of the simulated cloud and kubelet: the SKU table, the options (`startCluster({ simulation })`), the
 * fault rules and the handle a running simulation exposes as `cluster.simulation`. Re-exported by the package barrel.
 */
import type { KubeObject } from "../../store/api.ts";

/** One instance type the simulated cloud can launch (the caller passes the table; cluster-sim has no catalog). */
export interface SimSku {
  /** Instance type name, e.g. `Standard_NC24ads_A100_v4` (matched case-insensitively). */
  name: string;
  /** GPUs per node (0 for CPU-only SKUs). */
  gpuCount: number;
  /** GPU product for `nvidia.com/gpu.product`, e.g. `NVIDIA-A100-PCIE-80GB`. */
  gpuProduct?: string;
  /** Memory of one GPU in MiB, for `nvidia.com/gpu.memory`. */
  gpuMemoryMiB?: number;
  /** Extended resource the GPUs are advertised as. Default `nvidia.com/gpu`. */
  gpuResourceName?: string;
  /** Value of the `accelerator` node label. Default `nvidia` when `gpuCount > 0`. */
  accelerator?: string;
  /** CUDA compute capability, e.g. `8.0`, for `nvidia.com/cuda.compute.major|minor`. */
  computeCapability?: string;
  /** Node CPU capacity as a quantity. Default `"24"`. */
  cpu?: string;
  /** Node memory capacity as a quantity. Default `"220Gi"`. */
  memory?: string;
  /** Max pods per node. Default `"110"`. */
  pods?: string;
  /** Ephemeral storage capacity. Default `"1Ti"`. */
  ephemeralStorage?: string;
  /** Extra node labels for this SKU. */
  labels?: Record<string, string>;
}

/** Delays of the simulated kubelet, in milliseconds. */
export interface SimPodDelays {
  /** Sandbox creation and image pull. Default 20. */
  pullMs?: number;
  /** From container start to Ready for containers without a readiness probe. Default 20. */
  readyMs?: number;
  /**
   * How long a simulated (not process-mapped) container of a `restartPolicy: Never|OnFailure` pod runs before it
   * exits 0. `null`: it runs until deleted. Default 50.
   */
  completionMs?: number | null;
  /** First restart back-off (CrashLoopBackOff, ImagePullBackOff, failed Job pods); doubles up to `maxBackoffMs`. Default 100. */
  backoffMs?: number;
  /** Back-off cap. Default 2000. */
  maxBackoffMs?: number;
  /** Interval of readiness/startup probes of process containers. Default 100. */
  probeIntervalMs?: number;
  /** Grace period before SIGKILL when a process container is stopped. Default 2000. */
  killGraceMs?: number;
}

/** What a process-mapped container runs. */
export interface ProcessSpec {
  /** argv; `command[0]` is looked up on PATH. */
  command: string[];
  /** Extra environment (added after the container's own env). */
  env?: Record<string, string>;
  /** Working directory. Default: the pod's scratch folder. */
  cwd?: string;
}

/** What a mapping function receives to compute the process of a container. */
export interface ProcessContext {
  /** The pod the container belongs to (a copy). */
  pod: KubeObject;
  /** The container spec (from `spec.containers` or `spec.initContainers`). */
  container: Record<string, unknown>;
  /** argv resolved the Kubernetes way (command/args, `$(VAR)` expanded, mount paths rewritten). */
  argv: string[];
  /** Environment resolved from env/envFrom plus the `SIM_*` variables. */
  env: Record<string, string>;
  /** mountPath → host folder. */
  mounts: Record<string, string>;
  /** containerPort → loopback port. */
  ports: Record<number, number>;
  /** The pod's scratch folder. */
  podDir: string;
}

/** Maps an image (exact name or `*` glob) to a local command. */
export interface ProcessImageMapping {
  /** Image name or glob, e.g. `mcr.microsoft.com/aks/kaito/kaito-base:*`. */
  image: string;
  /** The image's ENTRYPOINT as a local command; a container `command` replaces it (as in Kubernetes). */
  entrypoint?: string[];
  /** The image's CMD; container `args` replace it. */
  cmd?: string[];
  /** Run exactly this, followed by the container's `args`, whatever the container's `command` says. */
  command?: string[];
  /** Replace `argv[0]` (by exact name or basename), e.g. `{ python3: "/usr/bin/python3" }`. `node` maps to this Node by default. */
  executables?: Record<string, string>;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Full control: compute the process from the resolved container. Wins over the fields above. */
  spawn?: (ctx: ProcessContext) => ProcessSpec;
  /**
   * Treat containers of this image as sidecars: they are stopped (and count as exit 0) once every other container
   * of the pod has exited, like Kaito's `pause` container next to the pusher.
   */
  sidecar?: boolean;
}

/** Process runtime options. */
export interface SimProcessRuntimeOptions {
  /** Image mappings, first match wins. Images that match none are simulated without a process. */
  images?: ProcessImageMapping[];
  /** Folder for pod scratch folders and volumes. Default: a new folder in the OS temp dir. */
  rootDir?: string;
  /** Environment every process starts with (before the container's env). Default: `PATH` and `HOME` of this process. */
  baseEnv?: Record<string, string>;
  /** Bytes of log kept per container instance. Default 1 MiB. */
  maxLogBytes?: number;
}

/** A failure of the simulated cloud for matching NodeClaims. */
export interface NodeClaimFaultRule {
  /** NodeClaim name glob. */
  nodeClaim?: string;
  /** Instance type glob (case-insensitive). */
  instanceType?: string;
  /** `quota`: the subscription's quota is exhausted; `unavailable`: no capacity for the instance types. */
  kind: "quota" | "unavailable";
  /** Message override for the `Launched=False` condition. */
  message?: string;
}

/** The pod faults the kubelet can inject. */
export type PodFaultKind = "ImagePullBackOff" | "CrashLoopBackOff" | "OOMKilled" | "ExitCode" | "Evicted";

/** A fault for matching containers/pods. All given matchers must match. */
export interface PodFaultRule {
  /** What happens to matching containers (or, for `Evicted`, to the pod). */
  kind: PodFaultKind;
  /** Image glob. */
  image?: string;
  /** Pod name glob. */
  pod?: string;
  /** Namespace (exact). */
  namespace?: string;
  /** Container name glob. */
  container?: string;
  /** Exit code for `ExitCode` (default 1). */
  exitCode?: number;
  /** How long the container runs before it fails (CrashLoopBackOff, OOMKilled, ExitCode, Evicted). Default 30. */
  afterMs?: number;
  /** Message override (Evicted, ImagePullBackOff). */
  message?: string;
}

/** A node health fault: matching nodes report `Ready=False` (the kubelet stopped posting status) while it is in force. */
export interface NodeFaultRule {
  /** The only node fault: the node reports `Ready=False`. */
  kind: "NodeNotReady";
  /** Node name glob. */
  node: string;
  /** Message override of the Ready condition. */
  message?: string;
}

/** Any injectable fault. */
export type SimFaultRule = NodeClaimFaultRule | PodFaultRule | NodeFaultRule;

/** Handle to add and remove injected faults at run time. */
export interface SimFaults {
  /** Adds a NodeClaim launch failure; returns its id. */
  addNodeClaimFault(rule: NodeClaimFaultRule): string;
  /** Adds a pod/container fault; returns its id. */
  addPodFault(rule: PodFaultRule): string;
  /** Adds a node health fault (the node turns NotReady, its pods unready, until removed); returns its id. */
  addNodeFault(rule: NodeFaultRule): string;
  /** Removes one fault by id; true when it existed. */
  remove(id: string): boolean;
  /** Removes every fault. */
  clear(): void;
  /** The faults in force. */
  list(): Array<{ id: string; rule: SimFaultRule }>;
}

/**
 * Options of the simulation. With `startCluster`, pass them as `simulation: { ... }` (every field optional there;
 * `skus` and `nodeDelayMs` also have top-level shortcuts in `StartClusterOptions`).
 */
export interface SimulationOptions {
  /** Instance types the simulated cloud can launch. */
  skus: SimSku[];
  /** Delay from NodeClaim creation to its Node being Ready. Default 200. */
  nodeDelayMs?: number;
  /** Delay from NodeClaim creation to `Launched=True`. Default `nodeDelayMs / 2`. */
  launchDelayMs?: number;
  /**
   * Delay from a node's registration to its GPUs appearing in capacity/allocatable (the NVIDIA device plugin
   * starting), during which the node is Ready without `nvidia.com/gpu`. Default 0 (at once).
   */
  gpuCapacityDelayMs?: number;
  /** Kubelet delays. */
  podDelays?: SimPodDelays;
  /** Real processes for mapped images. */
  processRuntime?: SimProcessRuntimeOptions;
  /** Faults in force from the start. */
  faults?: { nodeClaims?: NodeClaimFaultRule[]; pods?: PodFaultRule[]; nodes?: NodeFaultRule[] };
  /** Clock for timestamps. Default `() => new Date()`. */
  now?: () => Date;
  /** Called with errors the controllers could not handle (they retry with back-off). Default: ignored. */
  onError?: (error: unknown, where: string) => void;
  /**
   * Globs of images whose simulated (not process-mapped) containers act as sidecars: stopped, counting as exit 0,
   * once the pod's other containers have exited — like Kaito's `pause` container next to the pusher.
   * Default: `registry.k8s.io/pause*` and any `<registry>/pause` image, with or without a tag.
   */
  sidecarImages?: string[];
  /** Cluster name used in provider IDs. Default `kaito-sim`. */
  clusterName?: string;
  /** Service cluster IP range (a /16 or wider, IPv4). Default `10.96.0.0/16`. */
  serviceCidr?: string;
  /**
   * Which parts run. Default: all of them with {@link createSimulation} (cluster-sim's own store); only the cloud and
   * the node agent with {@link attachSimulation}, where the real controller-manager and scheduler do the rest.
   */
  controllers?: SimControllers;
  /**
   * The nodes the node agent is the kubelet of (runs their pods, renews their heartbeats): `"all"` (default with
   * {@link createSimulation}, where no other kubelet exists) or `"simulated"` — only the nodes the simulated cloud
   * launched, recognised by provider ID (default with {@link attachSimulation}, so real kubelets are never contended).
   */
  agentNodes?: "all" | "simulated";
  /**
   * With {@link attachSimulation}: serve the kubelet's log endpoint (`/containerLogs/…`) over HTTPS on 127.0.0.1 and
   * register the nodes with it (Hostname address `127.0.0.1`, that kubelet port), so `kubectl logs` through a real
   * kube-apiserver reads the processes' output (the API server must not require a kubelet CA, and must prefer the
   * Hostname address — both its defaults). Default false. cluster-sim's own server serves `pods/log` itself.
   */
  kubeletEndpoint?: boolean;
  /** Node Lease renewal and node status heartbeats (part of the node agent); `false` turns them off. */
  heartbeats?: SimHeartbeats | false;
}

/** The parts of the simulation, each on (`true`) or off. */
export interface SimControllers {
  /** The simulated cloud provider + Karpenter lifecycle: NodeClaims → Nodes. */
  nodeClaims?: boolean;
  /**
   * The kubelet of every node: pod lifecycle, processes, logs, probes, pod and node faults, Lease and node status
   * heartbeats.
   */
  nodeAgent?: boolean;
  /** kube-scheduler (binding pending pods) and the pod garbage collector of deleted nodes. */
  scheduler?: boolean;
  /** The Deployment, ReplicaSet, StatefulSet and Job controllers. */
  workloads?: boolean;
  /** Service cluster IPs, LoadBalancer ingress and Endpoints. */
  endpoints?: boolean;
}

/** Heartbeat intervals in milliseconds (0 turns one off). */
export interface SimHeartbeats {
  /** Renewal of the node's Lease in `kube-node-lease` (leaseDurationSeconds 40). Default 10 000, as the kubelet. */
  leaseRenewMs?: number;
  /** Refresh of the node conditions' `lastHeartbeatTime`. Default 10 000 (the kubelet's nodeStatusUpdateFrequency). */
  nodeStatusMs?: number;
}

/** Options of {@link attachSimulation}: the simulation's options, and how to reach the API server. */
export interface AttachSimulationOptions extends SimulationOptions {
  /**
   * Resources listed and watched by the first sync before `attachSimulation` resolves, in milliseconds. Default 30 000.
   * A resource that is not served (the NodeClaim CRD not installed yet) does not hold the sync up: its watch retries.
   */
  syncTimeoutMs?: number;
  /** Field manager of the simulation's writes. Default `kaito-sim`. */
  fieldManager?: string;
}

/** A resolved endpoint of a simulated pod's port. */
export interface SimEndpoint {
  /** Always `127.0.0.1`. */
  host: string;
  /** The loopback port the process listens on. */
  port: number;
}

/** A running simulation (`cluster.simulation`, or from {@link attachSimulation}). */
export interface Simulation {
  /** Stops every controller, watch, heartbeat and process (processes get `killGraceMs`, at most 1 s). */
  stop(): Promise<void>;
  /**
   * Where to reach a Service's port (number or name) — a loopback port of a process behind one of its ready
   * endpoints — or undefined when no process-backed endpoint exists.
   */
  resolveService(namespace: string, service: string, port: number | string): SimEndpoint | undefined;
  /** Where to reach a pod's container port (number or name), when it is backed by a process. */
  resolvePod(namespace: string, pod: string, port: number | string): SimEndpoint | undefined;
  /** stdout+stderr of a container (current instance, or the previous one with `previous`). */
  logs(namespace: string, pod: string, container?: string, options?: { previous?: boolean }): string | undefined;
  /** Fault injection. */
  faults: SimFaults;
}
