/**
 * `startControlPlane()`: etcd + kube-apiserver (TLS, RBAC, the default admission plugins), optionally
 * kube-controller-manager and kube-scheduler, each on free loopback ports in one temp folder per instance, ready
 * when `/readyz` (`/healthz` for the controllers) says so.
 */
import { existsSync, mkdirSync, mkdtempSync, cpSync, rmSync, writeFileSync, accessSync, constants } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { type BinaryName, requireBinaries } from "./binaries.ts";
import { type CrdSource, type InstallCrdsOptions, type InstalledCrd, installCRDs } from "./crds.ts";
import { EnvtestError, isEnvtestError } from "./errors.ts";
import { get, type ProbeTls } from "./http.ts";
import { type ClusterIdentity, type ScopedKubeconfig, scopedKubeconfig } from "./identity.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { type CertificateAuthority, createCertificateAuthority, generateServiceAccountKeyPair } from "./pki.ts";
import { assertPortFree, freePorts } from "./ports.ts";
import {
  type Component,
  exitedError,
  indent,
  startComponent,
  startWatchdog,
  tailFile,
  trackInstance,
} from "./process.ts";

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** Also start kube-controller-manager and kube-scheduler (default false: etcd and kube-apiserver only). */
  readonly controllers?: boolean;
  /** The API server's port on 127.0.0.1 (default: a free one). */
  readonly apiServerPort?: number;
  /** etcd's client port on 127.0.0.1 (default: a free one). */
  readonly etcdPort?: number;
  /** How long to wait for every component to be ready, in ms (default 60 000). */
  readonly startTimeoutMs?: number;
  /** Paths of binaries to use instead of the cache's (`pnpm test-deps`), e.g. `{ "kube-apiserver": "/opt/k8s/kube-apiserver" }`. */
  readonly binaries?: Partial<Record<ControlPlaneBinary, string>>;
  /** A folder with plain-named binaries (default `$KAITO_TS_BIN_DIR`, else the cache of `pnpm test-deps`). */
  readonly binDir?: string;
  /** The folder the instance folder is made in (default `/dev/shm` when writable, else the OS temp folder). */
  readonly baseDir?: string;
  /** The service IP range (default `10.0.0.0/24`). */
  readonly serviceClusterIPRange?: string;
  /** Extra kube-apiserver flags (`--name=value`), after ours, so they win. */
  readonly apiServerFlags?: readonly string[];
  /** Extra kube-controller-manager flags, after ours. */
  readonly controllerManagerFlags?: readonly string[];
  /** Extra kube-scheduler flags, after ours. */
  readonly schedulerFlags?: readonly string[];
}

/** The binaries a control plane runs. */
export type ControlPlaneBinary = Extract<
  BinaryName,
  "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler"
>;

/** The names of the components. */
export type ComponentName = ControlPlaneBinary;

/** A running control plane. */
export interface ControlPlane {
  /** The API server URL, `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** A kubeconfig file for the admin (a client certificate in group `system:masters`), for kubectl and others. */
  readonly kubeconfigPath: string;
  /** A client-node `KubeConfig` for the admin. */
  readonly kubeConfig: KubeConfig;
  /** The cluster CA certificate (PEM): the API server's serving certificate and all client certificates chain to it. */
  readonly caCertificate: string;
  /** The instance folder (certificates, kubeconfigs, etcd data, logs); removed by {@link ControlPlane.stop}. */
  readonly dir: string;
  /** Each running component's log file. */
  readonly logs: Readonly<Partial<Record<ComponentName, string>>>;
  /** Each running component's process id (also its process group id). */
  readonly pids: Readonly<Partial<Record<ComponentName, number>>>;
  /** The watchdog's process id (it cleans up if this process dies without calling `stop()`). */
  readonly watchdogPid: number;
  /**
   * How long the start took, in ms: `etcd` and `kube-apiserver` (from the call until each was ready; they start
   * together), `controllers` (the controller phase alone, when started) and `total`.
   */
  readonly timings: Readonly<Record<string, number>>;
  /**
   * A kubeconfig subject to RBAC: for a user, a client certificate (CN = user, O = groups) signed by the cluster CA;
   * for a service account, a token from the TokenRequest API (the ServiceAccount is created when missing).
   */
  kubeconfigFor(identity: ClusterIdentity): Promise<ScopedKubeconfig>;
  /** Creates (or replaces) CustomResourceDefinitions and waits until each is Established. */
  installCRDs(objectsOrPaths: CrdSource | readonly CrdSource[], options?: InstallCrdsOptions): Promise<InstalledCrd[]>;
  /** Kills every component and removes the instance folder. Idempotent: later calls resolve at once. */
  stop(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 60_000;
const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

function defaultBaseDir(): string {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

/**
 * Starts etcd and kube-apiserver (and, with `controllers: true`, kube-controller-manager and kube-scheduler) and
 * resolves once the API server's `/readyz` (and the controllers' `/healthz`) answer ok. Throws an `EnvtestError`:
 * `BINARIES_MISSING`, `PORT_IN_USE`, `COMPONENT_EXITED` (naming the log and quoting its last lines), `NOT_READY`.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const wanted: ControlPlaneBinary[] = options.controllers
    ? ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]
    : ["etcd", "kube-apiserver"];
  const fromCache = wanted.filter((n) => options.binaries?.[n] === undefined);
  const binaries = {
    ...requireBinaries(fromCache, options.binDir === undefined ? {} : { binDir: options.binDir }),
    ...options.binaries,
  } as Record<ControlPlaneBinary, string>;
  if (options.apiServerPort !== undefined) await assertPortFree(options.apiServerPort, "apiServerPort");
  if (options.etcdPort !== undefined) await assertPortFree(options.etcdPort, "etcdPort");
  // Ports the kernel picked may be taken by someone else before a component binds them: try again with new ones.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, binaries);
    } catch (e) {
      const retry =
        attempt < 3 &&
        isEnvtestError(e) &&
        e.code === "COMPONENT_EXITED" &&
        /address already in use/.test(e.message) &&
        options.apiServerPort === undefined &&
        options.etcdPort === undefined;
      if (!retry) throw e;
      // the kept logs of this attempt are not needed: the next attempt uses other ports
      if (e.logPath !== undefined) rmSync(dirname(e.logPath), { recursive: true, force: true });
    }
  }
}

async function startOnce(
  options: ControlPlaneOptions,
  binaries: Record<ControlPlaneBinary, string>,
): Promise<ControlPlane> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  const dir = mkdtempSync(join(options.baseDir ?? defaultBaseDir(), "kaito-envtest-"));
  const logDir = join(dir, "logs");
  mkdirSync(logDir);
  const pidsFile = join(dir, "pids");
  writeFileSync(pidsFile, "");
  const watchdog = startWatchdog(dir);
  const components: Component[] = [];
  const untrack = trackInstance({ dir, pgids: () => components.map((c) => c.pid).filter((p) => p > 0) });
  // Logs of a failed start are kept here (the instance folder is removed), so errors name a file that exists.
  const keptLogDir = join(tmpdir(), `${basename(dir)}-logs`);
  let failed = false;
  const logPathInErrors = (c: Component) => (failed ? join(keptLogDir, basename(c.logPath)) : c.logPath);
  const teardown = async () => {
    await Promise.all(components.map((c) => c.kill()));
    rmSync(dir, { recursive: true, force: true });
    watchdog.release();
    untrack();
  };

  try {
    const [etcdClientPort, etcdPeerPort, autoApiPort, kcmPort, schedulerPort] = (await freePorts(5)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const etcdPort = options.etcdPort ?? etcdClientPort;
    // A lazier Go garbage collector starts faster on a busy machine (GOGC=400: ~20 % in a same-run A/B, for ~40 MiB
    // more kube-apiserver memory); a GOGC already in the environment wins.
    const env = { GOGC: "400", ...process.env };
    const apiPort = options.apiServerPort ?? autoApiPort;
    const start = (name: ControlPlaneBinary, args: readonly string[]) => {
      const c = startComponent({
        name,
        binary: binaries[name],
        args,
        logPath: join(logDir, `${name}.log`),
        pidsFile,
        env,
      });
      components.push(c);
      return c;
    };

    // etcd first; the certificates are generated while it starts.
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = start("etcd", [
      "--name=envtest",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=envtest=${peerUrl}`,
      "--unsafe-no-fsync",
      "--logger=zap",
      "--log-level=warn",
    ]);
    const pki = await makePki(dir, options.controllers === true);
    const failedEarly = (c: Component) => {
      const info = c.exitInfo();
      if (info === undefined) return;
      failed = true;
      throw exitedError(c, info, logPathInErrors(c));
    };
    // kube-apiserver starts without waiting for etcd (its etcd client retries): both warm up at once.
    const etcdReady = waitReady(
      etcd,
      () => probe(`${etcdUrl}/health`, {}, '"health":"true"'),
      deadline,
      logPathInErrors,
      () => {
        failed = true;
      },
    ).then(() => {
      timings.etcd = performance.now() - t0;
    });
    etcdReady.catch(() => {}); // awaited below, with the API server's readiness

    const url = `https://127.0.0.1:${apiPort}`;
    const apiServer = start("kube-apiserver", [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, "apiserver")}`,
      `--tls-cert-file=${pki.files.apiServerCert}`,
      `--tls-private-key-file=${pki.files.apiServerKey}`,
      `--client-ca-file=${pki.files.caCert}`,
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${pki.files.serviceAccountPublicKey}`,
      `--service-account-signing-key-file=${pki.files.serviceAccountPrivateKey}`,
      `--service-cluster-ip-range=${options.serviceClusterIPRange ?? "10.0.0.0/24"}`,
      "--authorization-mode=Node,RBAC",
      "--allow-privileged=true",
      // Not needed by tests, and each costs start-up time or background work:
      "--enable-priority-and-fairness=false",
      "--endpoint-reconciler-type=none",
      "--profiling=false",
      ...(options.apiServerFlags ?? []),
    ]);
    const adminTls: ProbeTls = { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key };
    await Promise.all([
      etcdReady,
      waitReady(
        apiServer,
        () => probe(`${url}/readyz`, adminTls, "ok"),
        deadline,
        logPathInErrors,
        () => {
          failed = true;
        },
        [etcd],
      ),
    ]);
    timings["kube-apiserver"] = performance.now() - t0;

    const kubeconfigPath = join(dir, "admin.kubeconfig");
    const kubeConfig = writeKubeconfig(kubeconfigPath, {
      server: url,
      caCertificate: pki.ca.cert,
      userName: "envtest-admin",
      credential: { clientCertificate: pki.admin.cert, clientKey: pki.admin.key },
    });

    if (options.controllers) {
      const tc = performance.now();
      const kcmConfig = join(dir, "kube-controller-manager.kubeconfig");
      const schedConfig = join(dir, "kube-scheduler.kubeconfig");
      const controllers = pki.controllers as NonNullable<typeof pki.controllers>;
      writeKubeconfig(kcmConfig, {
        server: url,
        caCertificate: pki.ca.cert,
        userName: "system:kube-controller-manager",
        credential: { clientCertificate: controllers.kcmClient.cert, clientKey: controllers.kcmClient.key },
      });
      writeKubeconfig(schedConfig, {
        server: url,
        caCertificate: pki.ca.cert,
        userName: "system:kube-scheduler",
        credential: { clientCertificate: controllers.schedulerClient.cert, clientKey: controllers.schedulerClient.key },
      });
      const kcm = start("kube-controller-manager", [
        `--kubeconfig=${kcmConfig}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${kcmPort}`,
        `--tls-cert-file=${pki.files.servingCert}`,
        `--tls-private-key-file=${pki.files.servingKey}`,
        "--leader-elect=false",
        "--use-service-account-credentials=true",
        `--service-account-private-key-file=${pki.files.serviceAccountPrivateKey}`,
        `--root-ca-file=${pki.files.caCert}`,
        `--cluster-signing-cert-file=${pki.files.caCert}`,
        `--cluster-signing-key-file=${pki.files.caKey}`,
        `--service-cluster-ip-range=${options.serviceClusterIPRange ?? "10.0.0.0/24"}`,
        "--cluster-name=kaito-envtest",
        "--controllers=*",
        "--profiling=false",
        ...(options.controllerManagerFlags ?? []),
      ]);
      const scheduler = start("kube-scheduler", [
        `--kubeconfig=${schedConfig}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${schedulerPort}`,
        `--tls-cert-file=${pki.files.servingCert}`,
        `--tls-private-key-file=${pki.files.servingKey}`,
        "--leader-elect=false",
        "--profiling=false",
        ...(options.schedulerFlags ?? []),
      ]);
      const servingTls: ProbeTls = { ca: pki.ca.cert };
      const markFailed = () => {
        failed = true;
      };
      await Promise.all([
        waitReady(
          kcm,
          () => probe(`https://127.0.0.1:${kcmPort}/healthz`, servingTls, "ok"),
          deadline,
          logPathInErrors,
          markFailed,
          [etcd, apiServer],
        ),
        waitReady(
          scheduler,
          () => probe(`https://127.0.0.1:${schedulerPort}/healthz`, servingTls, "ok"),
          deadline,
          logPathInErrors,
          markFailed,
          [etcd, apiServer],
        ),
      ]);
      timings.controllers = performance.now() - tc;
    }
    for (const c of components) failedEarly(c);
    timings.total = performance.now() - t0;

    let stopped: Promise<void> | undefined;
    const logs: Partial<Record<ComponentName, string>> = {};
    const pids: Partial<Record<ComponentName, number>> = {};
    for (const c of components) {
      logs[c.name as ComponentName] = c.logPath;
      pids[c.name as ComponentName] = c.pid;
    }
    const assertRunning = (what: string) => {
      if (stopped !== undefined)
        throw new EnvtestError("STOPPED", `${what}: the control plane at ${url} was stopped; start a new one`);
    };
    return {
      url,
      kubeconfigPath,
      kubeConfig,
      caCertificate: pki.ca.cert,
      dir,
      logs,
      pids,
      watchdogPid: watchdog.pid,
      timings,
      async kubeconfigFor(identity) {
        assertRunning("kubeconfigFor");
        return scopedKubeconfig({ identity, ca: pki.ca, server: url, admin: kubeConfig, dir });
      },
      async installCRDs(objectsOrPaths, installOptions) {
        assertRunning("installCRDs");
        return installCRDs(kubeConfig, objectsOrPaths, installOptions);
      },
      stop() {
        stopped ??= teardown();
        return stopped;
      },
    };
  } catch (e) {
    failed = true;
    if (existsSync(logDir)) cpSync(logDir, keptLogDir, { recursive: true });
    await teardown();
    throw e;
  }
}

interface Pki {
  ca: CertificateAuthority;
  admin: { cert: string; key: string };
  controllers?: { kcmClient: { cert: string; key: string }; schedulerClient: { cert: string; key: string } };
  files: Record<
    | "caCert"
    | "caKey"
    | "apiServerCert"
    | "apiServerKey"
    | "servingCert"
    | "servingKey"
    | "serviceAccountPrivateKey"
    | "serviceAccountPublicKey",
    string
  >;
}

async function makePki(dir: string, controllers: boolean): Promise<Pki> {
  const pkiDir = join(dir, "pki");
  mkdirSync(pkiDir);
  const ca = await createCertificateAuthority("kaito-envtest-ca");
  const [apiServer, serving, admin, kcmClient, schedulerClient] = await Promise.all([
    ca.issue({
      commonName: "kube-apiserver",
      usage: "server",
      dnsNames: [
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
      ],
      ipAddresses: ["127.0.0.1", "::1", "10.0.0.1"],
    }),
    ca.issue({
      commonName: "kaito-envtest-controllers",
      usage: "server",
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
    }),
    ca.issue({ commonName: "envtest-admin", organizations: ["system:masters"], usage: "client" }),
    controllers ? ca.issue({ commonName: "system:kube-controller-manager", usage: "client" }) : undefined,
    controllers ? ca.issue({ commonName: "system:kube-scheduler", usage: "client" }) : undefined,
  ]);
  const sa = generateServiceAccountKeyPair();
  const write = (name: string, text: string) => {
    const path = join(pkiDir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  return {
    ca,
    admin,
    ...(kcmClient && schedulerClient ? { controllers: { kcmClient, schedulerClient } } : {}),
    files: {
      caCert: write("ca.crt", ca.cert),
      caKey: write("ca.key", ca.key),
      apiServerCert: write("apiserver.crt", apiServer.cert),
      apiServerKey: write("apiserver.key", apiServer.key),
      servingCert: write("controllers-serving.crt", serving.cert),
      servingKey: write("controllers-serving.key", serving.key),
      serviceAccountPrivateKey: write("sa.key", sa.privateKey),
      serviceAccountPublicKey: write("sa.pub", sa.publicKey),
    },
  };
}

/** True when GET `url` answers 200 with a body containing `expect`; false on any error. */
async function probe(url: string, tls: ProbeTls, expect: string): Promise<boolean> {
  try {
    const r = await get(url, tls, 2_000);
    return r.status === 200 && r.body.includes(expect);
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `ready` every 25 ms until it is true; fails with `COMPONENT_EXITED` when `component` (or one it depends on)
 * exits first, or `NOT_READY` at `deadline` — both naming the log and quoting its last lines.
 */
async function waitReady(
  component: Component,
  ready: () => Promise<boolean>,
  deadline: number,
  logPath: (c: Component) => string,
  onFail: () => void,
  dependencies: readonly Component[] = [],
): Promise<void> {
  const watched = [component, ...dependencies];
  for (;;) {
    for (const c of watched) {
      const info = c.exitInfo();
      if (info !== undefined) {
        onFail();
        throw exitedError(c, info, logPath(c));
      }
    }
    const outcome = await Promise.race([ready(), ...watched.map((c) => c.exited.then(() => "exited" as const))]);
    if (outcome === true) return;
    if (outcome === "exited") continue;
    if (Date.now() > deadline) {
      onFail();
      const tail = tailFile(component.logPath);
      throw new EnvtestError(
        "NOT_READY",
        `${component.name} was not ready before the start timeout (startTimeoutMs); it is still running; its log is ${logPath(component)}${
          tail ? `; last lines:\n${indent(tail)}` : " (empty)"
        }`,
        { component: component.name, logPath: logPath(component) },
      );
    }
    await sleep(25);
  }
}
