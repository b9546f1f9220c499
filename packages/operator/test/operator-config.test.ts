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

describe("operator edges", () => {
  it("secrets are redacted from log lines (tokens, passwords, Secret data, authorization headers)", async () => {
    const { Writable } = await import("node:stream");
    const { createOperatorLogger, toRuntimeLogger } = await import("../src/operator/logger.ts");
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = toRuntimeLogger(createOperatorLogger("info", sink)).child?.({ key: "ns1/ws1", reconcileID: "r1" });
    log?.info(
      {
        token: "s3cr3t-token",
        secret: { data: { ".dockerconfigjson": "c2VjcmV0" }, stringData: { password: "hunter2" } },
        headers: { authorization: "Bearer abc.def" },
        password: "hunter2",
      },
      "a line",
    );
    const text = lines.join("");
    for (const s of ["s3cr3t-token", "c2VjcmV0", "hunter2", "abc.def"]) expect(text).not.toContain(s);
    const parsed = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    expect(parsed).toMatchObject({ workspace: "ws1", namespace: "ns1", reconcileID: "r1", token: "[redacted]" });
  });

  it("the self-signed local webhook certificate serves HTTPS for 127.0.0.1 and localhost", async () => {
    const { selfSignedCertificate } = await import("../src/operator/tls.ts");
    const { createServer } = await import("node:https");
    const c = await selfSignedCertificate();
    expect(c.cert).toContain("BEGIN CERTIFICATE");
    const server = createServer({ cert: c.cert, key: c.key }, (_q, r) => r.end("ok")).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const port = (server.address() as { port: number }).port;
    const { request } = await import("node:https");
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: "127.0.0.1", port, path: "/", ca: c.cert, servername: "localhost" }, (res) => {
        let t = "";
        res.on("data", (d) => {
          t += String(d);
        });
        res.on("end", () => resolve(t));
      })
        .on("error", reject)
        .end();
    });
    server.close();
    expect(body).toBe("ok");
  });

  it("a missing certificate folder names the flag and what to mount", async () => {
    const { loadCertificateDir } = await import("../src/operator/tls.ts");
    await expect(loadCertificateDir("/nonexistent/certs")).rejects.toThrow(
      /--webhook-cert-dir: cannot read \/nonexistent\/certs\/tls\.crt \(ENOENT\); mount the webhook Secret/,
    );
  });

  it("kaito operator: a bad flag or an unreadable kubeconfig is one error line and exit 2", async () => {
    const { runCli } = await import("../src/cli/program.ts");
    const run = async (argv: string[]) => {
      let err = "";
      const code = await runCli(argv, {
        stdout: () => {},
        stderr: (t) => {
          err += t;
        },
        readInput: async () => "",
        isTTY: false,
        interrupted: () => new Promise(() => {}),
      });
      return { code, err };
    };
    const bad = await run(["operator", "--provisioner", "gke"]);
    expect(bad).toEqual({ code: 2, err: 'error: --provisioner: "gke" is not one of karpenter, aks, byo\n' });
    const noKc = await run(["operator", "--kubeconfig", "/nonexistent/kubeconfig", "--webhook-port", "-1"]);
    expect(noKc.code).toBe(2);
    expect(noKc.err).toMatch(
      /^error: cannot load the kubeconfig \/nonexistent\/kubeconfig: .*pass --kubeconfig <file> or set KUBECONFIG\n$/,
    );
  });
});
