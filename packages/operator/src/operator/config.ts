/**
 * The operator's settings: command-line flags with environment-variable fallbacks, resolved and checked by one pure
 * function ({@link resolveOperatorConfig}) so the process and the tests agree on defaults.
 */
import { OperatorError } from "../errors.ts";

/** Which node provisioner the operator runs with. */
export type ProvisionerName = "karpenter" | "aks" | "byo";

/** Log levels pino understands. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** The resolved settings of one operator process. */
export interface OperatorConfig {
  /** Path of a kubeconfig; absent: `KUBECONFIG`, then in-cluster (the pod's ServiceAccount), then `~/.kube/config`. */
  readonly kubeconfig: string | undefined;
  /** The release namespace: the Lease, the default tuning templates, the webhook Service live here. */
  readonly namespace: string;
  readonly provisioner: ProvisionerName;
  readonly cloud: "azure" | "aws" | "arc";
  /** Registry of Kaito's runtime images (`<registry>/kaito-base:<tag>`). */
  readonly presetRegistry: string;
  /** Image of the tuning pusher sidecar (`kaito-publish`); absent: reconciler-core's default. */
  readonly pusherImage: string | undefined;
  /** Feature gates (`vLLM`, `enableMIG`, `disableNodeAutoProvisioning`), from `--feature-gates vLLM=true,…`. */
  readonly featureGates: Readonly<Record<string, boolean>>;
  /** Runtime of Workspaces without `kaito.sh/runtime`. */
  readonly defaultRuntime: "vllm" | "transformers";
  /** Registries the pusher talks plain HTTP to. */
  readonly insecureRegistries: readonly string[];
  readonly leaderElection: boolean;
  readonly leaseName: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly logLevel: LogLevel;
  /** Port of `/metrics` (0: a free port). */
  readonly metricsPort: number;
  /** Port of `/healthz` and `/readyz` (0: a free port; equal to `metricsPort`: one server). */
  readonly healthPort: number;
  /** HTTPS port of the admission webhook; -1 turns the webhook server off. */
  readonly webhookPort: number;
  /** Folder with `tls.crt` and `tls.key` (a mounted Secret); absent: a self-signed certificate for local runs. */
  readonly webhookCertDir: string | undefined;
  /** Address the servers listen on. */
  readonly bindAddress: string;
  /** How long SIGTERM waits for reconciles in flight before abandoning them. */
  readonly gracefulShutdownTimeoutMs: number;
  /** Workers of the Workspace controller. */
  readonly maxConcurrentReconciles: number;
}

/** Flags as the CLI parsed them (strings), every one optional. */
export type OperatorFlags = Partial<Record<keyof OperatorConfig, string | boolean | undefined>>;

/** The environment variable read when a flag is absent. */
export const OPERATOR_ENV: Readonly<Record<keyof OperatorConfig, string>> = Object.freeze({
  kubeconfig: "KUBECONFIG",
  namespace: "KAITO_NAMESPACE",
  provisioner: "KAITO_PROVISIONER",
  cloud: "CLOUD_PROVIDER",
  presetRegistry: "PRESET_REGISTRY_NAME",
  pusherImage: "KAITO_PUSHER_IMAGE",
  featureGates: "FEATURE_GATES",
  defaultRuntime: "KAITO_DEFAULT_RUNTIME",
  insecureRegistries: "KAITO_INSECURE_REGISTRIES",
  leaderElection: "KAITO_LEADER_ELECT",
  leaseName: "KAITO_LEASE_NAME",
  leaseDurationMs: "KAITO_LEASE_DURATION_MS",
  renewDeadlineMs: "KAITO_RENEW_DEADLINE_MS",
  retryPeriodMs: "KAITO_RETRY_PERIOD_MS",
  logLevel: "LOG_LEVEL",
  metricsPort: "KAITO_METRICS_PORT",
  healthPort: "KAITO_HEALTH_PORT",
  webhookPort: "WEBHOOK_PORT",
  webhookCertDir: "WEBHOOK_CERT_DIR",
  bindAddress: "KAITO_BIND_ADDRESS",
  gracefulShutdownTimeoutMs: "KAITO_GRACEFUL_SHUTDOWN_MS",
  maxConcurrentReconciles: "KAITO_MAX_CONCURRENT_RECONCILES",
});

/** Kaito's chart defaults where Kaito has one. */
export const OPERATOR_DEFAULTS = Object.freeze({
  namespace: "kaito-system",
  provisioner: "karpenter" as ProvisionerName,
  cloud: "azure" as const,
  presetRegistry: "mcr.microsoft.com/aks/kaito",
  defaultRuntime: "vllm" as const,
  leaderElection: true,
  leaseName: "kaito-ts-workspace-controller",
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  logLevel: "info" as LogLevel,
  metricsPort: 8080,
  healthPort: 8081,
  webhookPort: 9443,
  bindAddress: "0.0.0.0",
  gracefulShutdownTimeoutMs: 30_000,
  maxConcurrentReconciles: 5,
});

const LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

function usage(flag: string, message: string): OperatorError {
  return new OperatorError("INVALID_USAGE", `--${flag}: ${message}`);
}

const FLAG_OVERRIDES: Readonly<Record<string, string>> = {
  leaderElection: "leader-elect",
  gracefulShutdownTimeoutMs: "graceful-shutdown-ms",
};

function kebab(key: string): string {
  return FLAG_OVERRIDES[key] ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Parse `vLLM=true,enableMIG=false` into gates. Unknown names are kept (reconciler-core ignores them).
 * @example parseFeatureGates("vLLM=false") // { vLLM: false }
 */
export function parseFeatureGates(text: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const part of text.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const [name, value, extra] = item.split("=");
    if (name === undefined || name === "" || extra !== undefined || (value !== "true" && value !== "false")) {
      throw usage("feature-gates", `"${item}" is not name=true|false (e.g. vLLM=true,enableMIG=false)`);
    }
    out[name] = value === "true";
  }
  return out;
}

/**
 * Resolve flags (strings, as parsed) and the environment into an {@link OperatorConfig}; a bad value throws an
 * `INVALID_USAGE` {@link OperatorError} naming the flag and the accepted values.
 */
export function resolveOperatorConfig(
  flags: OperatorFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
): OperatorConfig {
  const raw = (key: keyof OperatorConfig): string | boolean | undefined => {
    const f = flags[key];
    if (f !== undefined) return f;
    const e = env[OPERATOR_ENV[key]];
    return e === undefined || e === "" ? undefined : e;
  };
  const str = (key: keyof OperatorConfig): string | undefined => {
    const v = raw(key);
    return v === undefined ? undefined : String(v);
  };
  const choice = <T extends string>(key: keyof OperatorConfig, allowed: readonly T[], dflt: T): T => {
    const v = str(key) ?? dflt;
    if (!(allowed as readonly string[]).includes(v)) {
      throw usage(kebab(key), `"${v}" is not one of ${allowed.join(", ")}`);
    }
    return v as T;
  };
  const int = (key: keyof OperatorConfig, dflt: number, min: number, max: number): number => {
    const v = str(key);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw usage(kebab(key), `"${v}" is not a whole number from ${min} to ${max}`);
    }
    return n;
  };
  const bool = (key: keyof OperatorConfig, dflt: boolean): boolean => {
    const v = raw(key);
    if (v === undefined) return dflt;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "1") return true;
    if (v === "false" || v === "0") return false;
    throw usage(kebab(key), `"${v}" is not true or false`);
  };
  const d = OPERATOR_DEFAULTS;
  const namespace = str("namespace") ?? d.namespace;
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw usage("namespace", `"${namespace}" is not a valid namespace name (lowercase letters, digits, '-')`);
  }
  const leaseName = str("leaseName") ?? d.leaseName;
  if (!/^[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$/.test(leaseName)) {
    throw usage("lease-name", `"${leaseName}" is not a valid Lease name (lowercase letters, digits, '-', '.')`);
  }
  const gates = parseFeatureGates(str("featureGates") ?? "");
  const defaultRuntime = choice(
    "defaultRuntime",
    ["vllm", "transformers"] as const,
    gates.vLLM === false ? "transformers" : d.defaultRuntime,
  );
  const leaseDurationMs = int("leaseDurationMs", d.leaseDurationMs, 1000, 3_600_000);
  const renewDeadlineMs = int(
    "renewDeadlineMs",
    Math.min(d.renewDeadlineMs, Math.floor(leaseDurationMs * (2 / 3))),
    500,
    3_600_000,
  );
  const retryPeriodMs = int("retryPeriodMs", Math.min(d.retryPeriodMs, Math.floor(renewDeadlineMs / 4)), 100, 600_000);
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs)) {
    throw usage(
      "lease-duration-ms",
      `need lease duration (${leaseDurationMs}) > renew deadline (${renewDeadlineMs}) > retry period (${retryPeriodMs})`,
    );
  }
  const insecure = (str("insecureRegistries") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return {
    kubeconfig: str("kubeconfig"),
    namespace,
    provisioner: choice("provisioner", ["karpenter", "aks", "byo"] as const, d.provisioner),
    cloud: choice("cloud", ["azure", "aws", "arc"] as const, d.cloud),
    presetRegistry: str("presetRegistry") ?? d.presetRegistry,
    pusherImage: str("pusherImage"),
    featureGates: gates,
    defaultRuntime,
    insecureRegistries: insecure,
    leaderElection: bool("leaderElection", d.leaderElection),
    leaseName,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    logLevel: choice("logLevel", LEVELS, d.logLevel),
    metricsPort: int("metricsPort", d.metricsPort, 0, 65535),
    healthPort: int("healthPort", d.healthPort, 0, 65535),
    webhookPort: int("webhookPort", d.webhookPort, -1, 65535),
    webhookCertDir: str("webhookCertDir"),
    bindAddress: str("bindAddress") ?? d.bindAddress,
    gracefulShutdownTimeoutMs: int("gracefulShutdownTimeoutMs", d.gracefulShutdownTimeoutMs, 0, 3_600_000),
    maxConcurrentReconciles: int("maxConcurrentReconciles", d.maxConcurrentReconciles, 1, 100),
  };
}
