/** `startCluster`: the API server, its store, a kubeconfig file, a ready KubeConfig, fault and counter handles. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { nodeClaimCrd } from "./builtin/nodeclaim-crd.ts";
import { ClusterSimError } from "./errors/index.ts";
import { ApiServer } from "./server/http-server.ts";
import type { RequestCounters } from "./server/counters.ts";
import type { FaultInjector } from "./server/faults.ts";
import type { ServiceResolver } from "./server/proxy.ts";
import { generateTlsMaterial } from "./server/tls.ts";
import { createSimulation, type SimSku, type Simulation, type SimulationOptions } from "./sim/index.ts";
import type { ClusterStore, KubeObject } from "./store/api.ts";
import type { AdmissionHook } from "./store/admission.ts";
import { MemoryStore, storeEngine } from "./store/memory-store.ts";
import type { MemoryStoreOptions } from "./store/options.ts";

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** CustomResourceDefinition objects to register before the server starts. */
  crds?: KubeObject[];
  /** GPU SKU table for the node simulation. */
  skus?: SimSku[];
  /** Delay before a NodeClaim becomes a Node (passed to the simulation). */
  nodeDelayMs?: number;
  /** Port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** Serve HTTPS with a generated self-signed CA (written into the kubeconfig). Default false. */
  tls?: boolean;
  /** Bearer token written into the kubeconfig and required from clients that send credentials. Default: random. */
  token?: string;
  /** Where to write the kubeconfig. Default: a file in a fresh temporary folder (removed by `stop()`). */
  kubeconfigPath?: string;
  /**
   * Run the simulated cloud and kubelet (NodeClaims → Nodes, scheduler, controllers, pods). An object gives it extra
   * options. Default true. A minimal `nodeclaims.karpenter.sh` CRD is registered with it unless `crds` has one.
   */
  simulation?: boolean | Partial<SimulationOptions>;
  /** Interval of watch BOOKMARK events. Default 10 s. */
  bookmarkIntervalMs?: number;
  /** Store tunables (watch history size, managedFields tracking, pod termination delay). */
  store?: MemoryStoreOptions;
}

/** The store handle of a running cluster: the {@link ClusterStore} contract plus test helpers. */
export interface ClusterStoreHandle extends ClusterStore {
  /** Registers an in-process admission hook (runs on every write, from HTTP and from code); returns its removal. */
  addAdmissionHook(hook: AdmissionHook): () => void;
  /** The latest committed resourceVersion. */
  currentResourceVersion(): string;
}

/** A running cluster. */
export interface Cluster {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  url: string;
  /** Path of the kubeconfig file (for `kubectl --kubeconfig` or `KUBECONFIG`). */
  kubeconfigPath: string;
  /** The kubeconfig file's text. */
  kubeconfigYaml: string;
  /** A ready `@kubernetes/client-node` KubeConfig (throws when that optional peer dependency is not installed). */
  readonly kubeConfig: KubeConfig;
  /** The bearer token. */
  token: string;
  /** The CA certificate (PEM) when TLS is on. */
  caCert: string | undefined;
  store: ClusterStoreHandle;
  faults: FaultInjector;
  counters: RequestCounters;
  /** Sets where the service proxy (and service-based webhooks) send requests. */
  setServiceResolver(resolver: ServiceResolver | undefined): void;
  /** The running simulation (undefined with `simulation: false`). */
  simulation: Simulation | undefined;
  /** Stops the simulation, the server and removes the temporary kubeconfig. */
  stop(): Promise<void>;
}

function kubeconfigText(url: string, token: string, caCert: string | undefined): string {
  const clusterLines = caCert
    ? `    certificate-authority-data: ${Buffer.from(caCert).toString("base64")}`
    : "    insecure-skip-tls-verify: true";
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: cluster-sim",
    "  cluster:",
    `    server: ${url}`,
    clusterLines,
    "contexts:",
    "- name: cluster-sim",
    "  context:",
    "    cluster: cluster-sim",
    "    user: cluster-sim",
    "    namespace: default",
    "current-context: cluster-sim",
    "users:",
    "- name: cluster-sim",
    "  user:",
    `    token: ${token}`,
    "preferences: {}",
    "",
  ].join("\n");
}

async function loadKubeConfig(yaml: string): Promise<KubeConfig | ClusterSimError> {
  try {
    const k8s = await import("@kubernetes/client-node");
    const kc = new k8s.KubeConfig();
    kc.loadFromString(yaml);
    return kc;
  } catch (e) {
    return new ClusterSimError(
      "InternalError",
      "cluster.kubeConfig needs the optional peer dependency @kubernetes/client-node (npm install @kubernetes/client-node@2); use cluster.kubeconfigPath otherwise",
      { cause: e },
    );
  }
}

/**
 * Starts an in-process Kubernetes API server on 127.0.0.1.
 *
 * ```ts
 * const cluster = await startCluster({ crds: [workspaceCrd] });
 * // kubectl --kubeconfig cluster.kubeconfigPath get workspaces
 * await cluster.stop();
 * ```
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const store = new MemoryStore(options.store);
  const crdKey = { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" };
  const crds = [...(options.crds ?? [])];
  const simulate = options.simulation !== false;
  if (simulate && !crds.some((c) => c.metadata?.name === "nodeclaims.karpenter.sh")) crds.push(nodeClaimCrd());
  for (const crd of crds) store.create(crdKey, crd, { fieldManager: "cluster-sim" });
  const token = options.token ?? randomBytes(24).toString("hex");
  const tls = options.tls ? await generateTlsMaterial() : undefined;
  const server = new ApiServer({
    store,
    token,
    ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
    ...(options.bookmarkIntervalMs !== undefined ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
  });
  const url = await server.listen(options.port ?? 0);
  let tempDir: string | undefined;
  let kubeconfigPath = options.kubeconfigPath;
  if (!kubeconfigPath) {
    tempDir = mkdtempSync(join(tmpdir(), "cluster-sim-"));
    kubeconfigPath = join(tempDir, "kubeconfig");
  }
  const kubeconfigYaml = kubeconfigText(url, token, tls?.caCert);
  writeFileSync(kubeconfigPath, kubeconfigYaml, { mode: 0o600 });
  const kc = await loadKubeConfig(kubeconfigYaml);
  let simulation: Simulation | undefined;
  let releasePodRemoval: (() => void) | undefined;
  if (simulate) {
    const extra = typeof options.simulation === "object" ? options.simulation : {};
    const simOptions: SimulationOptions = { ...extra, skus: options.skus ?? extra.skus ?? [] };
    if (options.nodeDelayMs !== undefined) simOptions.nodeDelayMs = options.nodeDelayMs;
    simulation = createSimulation(store, simOptions);
    // the simulated kubelet ends terminating pods (SIGTERM, grace period, then a delete with grace 0)
    releasePodRemoval = storeEngine(store).deferPodRemovalToKubelet();
    const sim = simulation;
    server.setServiceResolver((ns, svc, port) => sim.resolveService(ns, svc, /^\d+$/.test(port) ? Number(port) : port));
    server.setPodSource({
      resolvePod: (ns, pod, port) => sim.resolvePod(ns, pod, /^\d+$/.test(port) ? Number(port) : port),
      logs: (ns, pod, container, previous) => sim.logs(ns, pod, container, { previous }),
    });
  }
  let stopped = false;
  const handle: ClusterStoreHandle = {
    get: (r, ns, name) => store.get(r, ns, name),
    list: (r, o) => store.list(r, o),
    create: (r, o, w) => store.create(r, o, w),
    update: (r, o, w) => store.update(r, o, w),
    patch: (r, ns, name, type, p, w) => store.patch(r, ns, name, type, p, w),
    delete: (r, ns, name, o) => store.delete(r, ns, name, o),
    subscribe: (l) => store.subscribe(l),
    addAdmissionHook: (h) => store.addAdmissionHook(h),
    currentResourceVersion: () => store.currentResourceVersion(),
  };
  return {
    url,
    kubeconfigPath,
    kubeconfigYaml,
    get kubeConfig(): KubeConfig {
      if (kc instanceof ClusterSimError) throw kc;
      return kc;
    },
    token,
    caCert: tls?.caCert,
    simulation,
    store: handle,
    faults: server.faults,
    counters: server.counters,
    setServiceResolver: (r) => server.setServiceResolver(r),
    async stop() {
      if (stopped) return;
      stopped = true;
      await simulation?.stop();
      releasePodRemoval?.();
      await server.close();
      store.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
