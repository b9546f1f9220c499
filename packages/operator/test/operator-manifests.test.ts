/**
 * The committed install manifests are what the generator prints (`UPDATE_MANIFESTS=1` rewrites them), and they have
 * the shape the issue asks for.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { CONTROLLER_NODE_FLAGS } from "@kaito-ts/reconciler-core";
import { describe, expect, it } from "vitest";
import { CLUSTER_RULES, installManifests, LEASE_RULES, renderManifests } from "../src/manifests/index.ts";
import { kaito, repoRoot } from "./support.ts";

const FILE = join(repoRoot, "packages", "operator", "manifests", "install.yaml");

describe("install manifests", () => {
  it("packages/operator/manifests/install.yaml is current (UPDATE_MANIFESTS=1 rewrites it)", async () => {
    const now = renderManifests();
    if (process.env.UPDATE_MANIFESTS === "1") await writeFile(FILE, now);
    const committed = await readFile(FILE, "utf8");
    expect(committed, "run UPDATE_MANIFESTS=1 vitest run packages/operator/test/operator-manifests.test.ts").toBe(now);
  });

  it("the operator container runs with reconciler-core's controller Node flags in NODE_OPTIONS, under a 512Mi limit", () => {
    const deployment = installManifests().find((o) => o.kind === "Deployment") as
      | { spec: { template: { spec: { containers: Array<Record<string, unknown>> } } } }
      | undefined;
    const container = deployment?.spec.template.spec.containers[0] as {
      env: Array<{ name: string; value?: string }>;
      resources: { limits: { memory: string } };
    };
    expect(container.env.find((e) => e.name === "NODE_OPTIONS")?.value).toBe(CONTROLLER_NODE_FLAGS.join(" "));
    expect(CONTROLLER_NODE_FLAGS).toContain("--max-semi-space-size=4");
    expect(container.resources.limits.memory).toBe("512Mi");
  });

  it("kaito manifests prints the same YAML", async () => {
    const r = await kaito(["manifests"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(renderManifests());
  });

  it("holds the CRD, namespace, ServiceAccount, RBAC, Deployment, webhook and tuning templates", () => {
    const kinds = installManifests().map((o) => `${o.kind}/${(o.metadata as { name: string }).name}`);
    expect(kinds).toEqual([
      "CustomResourceDefinition/workspaces.kaito.sh",
      "Namespace/kaito-system",
      "ServiceAccount/kaito-ts-operator",
      "ClusterRole/kaito-ts-operator",
      "ClusterRoleBinding/kaito-ts-operator",
      "Role/kaito-ts-operator-leader-election",
      "RoleBinding/kaito-ts-operator-leader-election",
      "ConfigMap/lora-params-template",
      "ConfigMap/qlora-params-template",
      "Service/kaito-ts-webhook",
      "Deployment/kaito-ts-operator",
      "ValidatingWebhookConfiguration/validation.workspace.kaito.sh",
    ]);
  });

  it("the Deployment: 2 replicas with leader election, probes, requests, non-root, read-only root filesystem", () => {
    const d = installManifests().find((o) => o.kind === "Deployment") as unknown as {
      spec: {
        replicas: number;
        template: { spec: { securityContext: object; containers: Array<Record<string, unknown>> } };
      };
    };
    expect(d.spec.replicas).toBe(2);
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    const c = pod.containers[0] as Record<string, unknown> & { args: string[] };
    expect(c.args).toContain("--leader-elect=true");
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: "/healthz" } });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: "/readyz" } });
    expect(c.resources).toMatchObject({ requests: { cpu: "100m", memory: "128Mi" } });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });

  it("RBAC: no wildcard, no verb the code does not call, the Lease only in the release namespace", () => {
    for (const r of [...CLUSTER_RULES, ...LEASE_RULES]) {
      expect(r.verbs).not.toContain("*");
      expect(r.resources).not.toContain("*");
      expect(r.why.length).toBeGreaterThan(10);
    }
    expect(CLUSTER_RULES.some((r) => r.resources.includes("leases"))).toBe(false);
    expect(CLUSTER_RULES.find((r) => r.resources.includes("secrets"))?.verbs).toEqual(["get"]);
  });

  it("parses as YAML documents without errors", () => {
    const docs = parseAllDocuments(renderManifests());
    expect(docs.every((d) => d.errors.length === 0)).toBe(true);
    expect(docs.length).toBe(12);
  });
});
