/**
 * Every rule of the shipped RBAC is needed: for each rule, the ClusterRole (or the Lease Role) without it is applied
 * with kubectl, `kaito operator` runs with the manifests' ServiceAccount, and within a bounded wait the operator
 * logs a Forbidden answer or the Workspaces do not converge. A control row with the full role converges cleanly.
 */
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { ConditionType } from "@kaito-ts/workspace-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER_RULES, LEASE_RULES, type OperatorRule } from "../src/manifests/rbac.ts";
import { operatorClusterRole } from "../src/manifests/generate.ts";
import {
  condition,
  type Env,
  getJson,
  kubectl,
  NS,
  SKU,
  startEnv,
  startOperatorProcess,
  toYaml,
} from "./operator-harness.ts";

/** What breaks without each rule (the row's key is `<apiGroup>/<resource>`). */
const EXPECTATIONS: Readonly<Record<string, string>> = {
  "kaito.sh/workspaces": "the Workspace informer cannot list: caches never sync, nothing is reconciled",
  "kaito.sh/workspaces/status": "status patches are Forbidden: no condition is ever written",
  "karpenter.sh/nodeclaims": "the NodeClaim informer cannot list, no NodeClaim is created: no nodes",
  "/nodes": "the Node informer cannot list: readiness of the nodes is never known",
  "/pods": "the Pod informer cannot list: caches never sync",
  "/pods/log": "the trainer's log cannot be read: tuning progress stays unknown (Forbidden)",
  "/services": "the inference Services cannot be listed or created",
  "/configmaps": "ConfigMaps cannot be listed (admission lookups) nor the tuning template copied",
  "/secrets": "the tuning push secret cannot be checked: the tuning pass fails",
  "/events": "no Workspace event can be written",
  "apps/statefulsets": "the StatefulSet informer cannot list and the StatefulSet cannot be created",
  "apps/controllerrevisions": "the revision history cannot be listed or written",
  "batch/jobs": "the Job informer cannot list and the tuning Job cannot be created",
  "storage.k8s.io/storageclasses": "the StorageClass informer cannot list: caches never sync, nothing is reconciled",
  "coordination.k8s.io/leases": "the leader Lease cannot be read or taken: the replica never leads",
};

const keyOf = (r: OperatorRule) => `${r.apiGroups[0] ?? ""}/${r.resources[0] ?? ""}`;
const BOUND_MS = 20_000;

let env: Env;
let seq = 0;

function workspaces(ns: string): object[] {
  const base = (name: string) => ({
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, namespace: ns },
    resource: { instanceType: SKU, labelSelector: { matchLabels: { apps: `${ns}-${name}` } } },
  });
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "push", namespace: ns },
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": Buffer.from('{"auths":{}}').toString("base64") },
    },
    { ...base("inf"), inference: { preset: { name: "phi-3-mini-4k-instruct" } } },
    {
      ...base("tune"),
      tuning: {
        preset: { name: "phi-3-mini-4k-instruct" },
        method: "qlora",
        input: { urls: ["https://example.com/data.parquet"] },
        output: { image: "registry.example.com/adapters/x:1", imagePushSecret: "push" },
      },
    },
  ];
}

async function converged(ns: string): Promise<boolean> {
  const inf = await getJson(env.admin, ["workspace", "inf", "-n", ns]);
  const tune = await getJson(env.admin, ["workspace", "tune", "-n", ns]);
  return (
    condition(inf, ConditionType.WorkspaceSucceeded)?.status === "True" &&
    condition(tune, ConditionType.JobStarted)?.status === "True" &&
    // the trainer's log was read (pods/log): progress known
    ["TuningInProgress", "TuningCompleted"].includes(condition(tune, "TuningProgress")?.reason ?? "")
  );
}

/** Run the operator with the roles given; report whether it logged Forbidden and whether the Workspaces converged. */
async function trial(clusterRules: readonly OperatorRule[], leaseRules: readonly OperatorRule[]) {
  const role = operatorClusterRole(clusterRules);
  const leaseRole = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "kaito-ts-operator-leader-election", namespace: NS },
    rules: leaseRules.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
  };
  const file = join(env.dir, `rbac-${seq}.yaml`);
  await writeFile(file, toYaml([role, leaseRole]));
  const applied = await kubectl(env.admin, ["apply", "--server-side", "--force-conflicts", "-f", file]);
  expect(applied.code, applied.stderr).toBe(0);
  await new Promise((r) => setTimeout(r, 1500)); // RBAC reaches the authorizer a moment after the write
  const ns = `rbac-${seq++}`;
  const op = await startOperatorProcess([
    `--kubeconfig=${env.operatorKubeconfig}`,
    `--namespace=${NS}`,
    "--webhook-port=-1",
    "--lease-duration-ms=3000",
    "--renew-deadline-ms=2000",
    "--retry-period-ms=300",
    "--graceful-shutdown-ms=1000",
  ]);
  try {
    expect((await kubectl(env.admin, ["apply", "-f", "-"], toYaml(workspaces(ns)))).code).toBe(0);
    const until = Date.now() + BOUND_MS;
    const forbidden = () => op.logs.some((l) => /forbidden/i.test(JSON.stringify(l))) || /forbidden/i.test(op.stderr());
    let done = false;
    while (Date.now() < until && !forbidden() && !done) {
      done = await converged(ns);
      if (!done) await new Promise((r) => setTimeout(r, 500));
    }
    return { forbidden: forbidden(), converged: done || (await converged(ns)) };
  } finally {
    op.child.kill("SIGKILL");
    await op.exited;
    // Leave nothing for the next trial's operator: drop finalizers, delete the namespace's Workspaces.
    for (const name of ["inf", "tune"]) {
      await kubectl(env.admin, [
        "patch",
        "workspace",
        name,
        "-n",
        ns,
        "--type=merge",
        "-p",
        '{"metadata":{"finalizers":null}}',
      ]);
    }
    await kubectl(env.admin, ["delete", "namespace", ns, "--wait=false"]);
    await kubectl(env.admin, ["delete", "nodeclaims", "--all", "--wait=false"]);
    await kubectl(env.admin, ["delete", "lease", "kaito-ts-workspace-controller", "-n", NS, "--ignore-not-found"]);
  }
}

beforeAll(async () => {
  env = await startEnv();
}, 180_000);
afterAll(async () => {
  await env?.stop();
});

describe("the shipped RBAC: every rule is needed", () => {
  it("every rule has a row in the table, and every row a rule", () => {
    const keys = [...CLUSTER_RULES, ...LEASE_RULES].map(keyOf).sort();
    expect(Object.keys(EXPECTATIONS).sort()).toEqual(keys);
  });

  it("control: with every rule the Workspaces converge and nothing is Forbidden", async () => {
    const r = await trial(CLUSTER_RULES, LEASE_RULES);
    expect(r).toEqual({ forbidden: false, converged: true });
  }, 90_000);

  const rows = [
    ...CLUSTER_RULES.map((rule, i) => ({
      key: keyOf(rule),
      cluster: CLUSTER_RULES.filter((_, j) => j !== i),
      lease: LEASE_RULES,
    })),
    ...LEASE_RULES.map((rule, i) => ({
      key: keyOf(rule),
      cluster: CLUSTER_RULES,
      lease: LEASE_RULES.filter((_, j) => j !== i),
    })),
  ];
  it.each(rows)(
    "without $key: Forbidden or no convergence",
    async ({ key, cluster, lease }) => {
      const r = await trial(cluster, lease);
      expect(r.forbidden || !r.converged, `${key}: ${EXPECTATIONS[key]}`).toBe(true);
    },
    90_000,
  );
});
