/** `kaito operator` flags and environment: defaults, precedence, and a clear error per bad value. */
import { describe, expect, it } from "vitest";
import { isOperatorError } from "../src/errors.ts";
import { parseFeatureGates, resolveOperatorConfig } from "../src/operator/config.ts";
import { createOperatorMetrics } from "../src/operator/metrics.ts";

describe("operator configuration", () => {
  it("defaults are Kaito's chart defaults", () => {
    const c = resolveOperatorConfig({}, {});
    expect(c).toMatchObject({
      namespace: "kaito-system",
      provisioner: "karpenter",
      cloud: "azure",
      presetRegistry: "mcr.microsoft.com/aks/kaito",
      defaultRuntime: "vllm",
      leaderElection: true,
      metricsPort: 8080,
      healthPort: 8081,
      webhookPort: 9443,
    });
  });

  it("flags win over the environment; the environment over defaults", () => {
    const env = { KAITO_NAMESPACE: "from-env", CLOUD_PROVIDER: "aws", FEATURE_GATES: "vLLM=false" };
    const c = resolveOperatorConfig({ namespace: "from-flag" }, env);
    expect(c.namespace).toBe("from-flag");
    expect(c.cloud).toBe("aws");
    expect(c.defaultRuntime).toBe("transformers"); // vLLM gate off
    expect(resolveOperatorConfig({ leaderElection: "false" }, {}).leaderElection).toBe(false);
  });

  const bad: Array<[string, Record<string, string>, string]> = [
    ["provisioner", { provisioner: "gke" }, '--provisioner: "gke" is not one of karpenter, aks, byo'],
    ["cloud", { cloud: "gcp" }, '--cloud: "gcp" is not one of azure, aws, arc'],
    ["namespace", { namespace: "Kaito_System" }, "--namespace"],
    ["port", { metricsPort: "99999" }, "--metrics-port"],
    ["leader election", { leaderElection: "maybe" }, "--leader-elect"],
    [
      "lease timings",
      { leaseDurationMs: "2000", renewDeadlineMs: "3000" },
      "lease duration (2000) > renew deadline (3000)",
    ],
    ["log level", { logLevel: "loud" }, "--log-level"],
    ["feature gates", { featureGates: "vLLM" }, "--feature-gates"],
  ];
  it.each(bad)("a bad %s is an INVALID_USAGE error naming the flag", (_what, flags, message) => {
    try {
      resolveOperatorConfig(flags, {});
      expect.unreachable();
    } catch (e) {
      expect(isOperatorError(e) && e.code).toBe("INVALID_USAGE");
      expect((e as Error).message).toContain(message);
    }
  });

  it("feature gates parse name=bool lists", () => {
    expect(parseFeatureGates("vLLM=true, enableMIG=false")).toEqual({ vLLM: true, enableMIG: false });
    expect(parseFeatureGates("")).toEqual({});
  });

  it("metrics hooks feed controller-runtime's names", async () => {
    const m = createOperatorMetrics();
    m.hooks.reconcileDone?.("workspace", "success", 0.2);
    m.hooks.reconcileDone?.("workspace", "error", 0.1);
    m.hooks.queueAdd?.("workspace");
    m.hooks.leaderStatus?.("kaito", true);
    const text = await m.registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="workspace",result="success"} 1');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="workspace"} 1');
    expect(text).toContain('workqueue_adds_total{name="workspace"} 1');
    expect(text).toContain('leader_election_master_status{name="kaito"} 1');
  });
});
