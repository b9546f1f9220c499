/**
 * Every rule of the shipped RBAC is needed: for each rule, a ClusterRole (or the Lease Role) without it is applied
 * with kubectl and bound to a ServiceAccount of its own, `kaito operator` runs as that ServiceAccount, and the API
 * server's authorizer refuses that ServiceAccount a request on the removed resource (read from the API server's
 * audit log, so refusals the operator handles quietly count too, e.g. the trainer's log), and the part of the
 * operator that needed it stops (the caches never sync, the Lease is never taken, or a reconcile pass fails). A
 * control trial with every rule converges with no refusal at all.
 *
 * Each trial has its own namespace, ServiceAccount, ClusterRole(Binding), Lease Role(Binding) and Lease, so trials
 * run a few at a time on one control plane; the audit log names the ServiceAccount of each request, so a trial reads
 * only its own operator's refusals.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConditionType } from "@kaito-ts/workspace-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorClusterRole } from "../src/manifests/generate.ts";
import { CLUSTER_RULES, LEASE_RULES, type OperatorRule, policyRule } from "../src/manifests/rbac.ts";
import { type DemoRegistry, startDemoRegistry } from "../src/playground/demo-registry.ts";
import {
  condition,
  type Env,
  eventually,
  getJson,
  kubectl,
  NS,
  type OperatorProcess,
  SA,
  SKU,
  startEnv,
  startOperatorProcess,
  toYaml,
} from "./operator-harness.ts";

/**
 * What stops without each rule (the row's key is `<apiGroup>/<resource>`):
 * - `caches`: an informer cannot list; the caches never sync, `/readyz` stays 503 and nothing is reconciled;
 * - `lease`: the Lease cannot be read or taken; the replica never leads;
 * - `pass`: a reconcile pass is refused the call (the Workspaces of the trial trigger it).
 */
const EXPECTATIONS: Readonly<Record<string, { readonly stops: "caches" | "lease" | "pass"; readonly why: string }>> = {
  "kaito.sh/workspaces": { stops: "caches", why: "the Workspace informer cannot list" },
  "kaito.sh/workspaces/status": { stops: "pass", why: "status patches are refused: no condition is ever written" },
  "karpenter.sh/nodeclaims": { stops: "caches", why: "the NodeClaim informer cannot list: no nodes" },
  "/nodes": { stops: "caches", why: "the Node informer cannot list: readiness of the nodes is never known" },
  "/pods": { stops: "caches", why: "the Pod informer cannot list: pod failures are never classified" },
  "/pods/log": { stops: "pass", why: "the trainer's log cannot be read: tuning progress stays unknown" },
  "/services": { stops: "caches", why: "the Service informer cannot list: the inference Services are never made" },
  "/configmaps": { stops: "caches", why: "ConfigMaps cannot be listed (admission lookups, tuning templates)" },
  "/secrets": { stops: "pass", why: "the tuning push secret cannot be checked: the tuning pass fails" },
  "/events": { stops: "pass", why: "no Workspace event can be written" },
  "apps/statefulsets": { stops: "caches", why: "the StatefulSet informer cannot list" },
  "apps/controllerrevisions": { stops: "caches", why: "the revision history cannot be listed" },
  "batch/jobs": { stops: "caches", why: "the Job informer cannot list: no tuning Job" },
  "storage.k8s.io/storageclasses": { stops: "caches", why: "the StorageClass informer cannot list" },
  "coordination.k8s.io/leases": { stops: "lease", why: "the leader Lease cannot be read or taken" },
};

const keyOf = (r: OperatorRule) => `${r.apiGroups[0] ?? ""}/${r.resources[0] ?? ""}`;
/** Operator processes at a time (one per trial). */
const PARALLEL = 4;
/** How long a trial waits for its outcome (a loaded, shared machine). */
const BOUND_MS = 120_000;

let env: Env;
let registry: DemoRegistry;

/** A trial: the ClusterRole and Lease Role rules its ServiceAccount gets. */
interface Trial {
  readonly index: number;
  readonly key: string;
  readonly cluster: readonly OperatorRule[];
  readonly lease: readonly OperatorRule[];
  /** The rule left out (absent for the control). */
  readonly removed?: OperatorRule;
}

/** What a trial saw. */
interface Outcome {
  /** `<group>/<resource>` of every request of the trial's ServiceAccount the authorizer refused (audit log). */
  readonly forbidden: string[];
  /** The operator's log lines about a Forbidden answer, for the failure message. */
  readonly forbiddenLines: string[];
  readonly converged: boolean;
  readonly ready: boolean;
  readonly led: boolean;
  /** `kubectl auth can-i` of the removed rule's first verb, as the trial's ServiceAccount. */
  readonly removedAllowed: boolean | undefined;
}

const trialNs = (i: number) => `rbac-${i}`;
const trialName = (i: number) => `kaito-ts-operator-trial-${i}`;
const leaseName = (i: number) => `kaito-ts-trial-${i}`;

/** The trial's RBAC: its namespace and ServiceAccount, a ClusterRole + binding, a Lease Role + binding in `NS`. */
function rbacObjects(t: Trial): object[] {
  const ns = trialNs(t.index);
  const subject = [{ kind: "ServiceAccount", name: SA, namespace: ns }];
  const role = operatorClusterRole(t.cluster);
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: SA, namespace: ns } },
    { ...role, metadata: { ...(role.metadata as object), name: trialName(t.index) } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: trialName(t.index) },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: trialName(t.index) },
      subjects: subject,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: trialName(t.index), namespace: NS },
      rules: t.lease.map(policyRule),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: trialName(t.index), namespace: NS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: trialName(t.index) },
      subjects: subject,
    },
  ];
}

/** The trial's Workspaces: inference, tuning with a push secret, and an unknown preset (a Warning event each pass). */
function workspaces(ns: string, host: string): object[] {
  const base = (name: string) => ({
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name, namespace: ns },
    resource: { instanceType: SKU, labelSelector: { matchLabels: { apps: `${ns}-${name}` } } },
  });
  return [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "push", namespace: ns },
      type: "kubernetes.io/dockerconfigjson",
      stringData: { ".dockerconfigjson": JSON.stringify({ auths: { [host]: {} } }) },
    },
    { ...base("inf"), inference: { preset: { name: "phi-3-mini-4k-instruct" } } },
    {
      ...base("tune"),
      tuning: {
        preset: { name: "phi-3-mini-4k-instruct" },
        method: "qlora",
        input: { urls: ["https://example.com/data.parquet"] },
        // The real kaito-publish pushes the trainer's adapter to the local docker-registry.
        output: { image: `${host}/${ns}/adapter:1`, imagePushSecret: "push" },
      },
    },
    { ...base("unknown"), inference: { preset: { name: "no-such-model-7b" } } },
  ];
}

/** `kubectl auth can-i` of a rule's first verb as a ServiceAccount (`pods/log` as `pods --subresource=log`). */
async function canI(kubeconfig: string, rule: OperatorRule, namespace: string): Promise<boolean> {
  const [resource = "", sub] = (rule.resources[0] ?? "").split("/");
  const group = rule.apiGroups[0] ?? "";
  const r = await kubectl(kubeconfig, [
    "auth",
    "can-i",
    rule.verbs[0] ?? "get",
    group === "" ? resource : `${resource}.${group}`,
    ...(sub !== undefined ? [`--subresource=${sub}`] : []),
    "-n",
    namespace,
  ]);
  return r.stdout.trim() === "yes";
}

/** Log lines of the operator that mention a Forbidden answer (for failure messages, and none for the control). */
function forbiddenLines(op: OperatorProcess): string[] {
  return [...op.logs.map((l) => JSON.stringify(l)), ...op.stderr().split("\n")].filter((l) =>
    /is forbidden: User/i.test(l),
  );
}

/** `<group>/<resource>[/<sub>]` of every request of `user` the API server's authorizer refused (its audit log). */
async function refused(user: string): Promise<string[]> {
  return [...new Set((await env.audit.denials(user)).map((d) => d.resource))].sort();
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

/** Run one trial: apply its RBAC, wait until the authorizer has it, run the operator until the outcome is known. */
async function trial(t: Trial): Promise<Outcome> {
  const ns = trialNs(t.index);
  const user = `system:serviceaccount:${ns}:${SA}`;
  const file = join(env.dir, `rbac-${t.index}.yaml`);
  await writeFile(file, toYaml(rbacObjects(t)));
  const applied = await kubectl(env.admin, ["apply", "--server-side", "-f", file]);
  expect(applied.code, applied.stderr).toBe(0);
  const scoped = await env.cp.kubeconfigFor({ serviceAccount: { namespace: ns, name: SA } });
  // The authorizer learns new RBAC objects from its informers a moment after the write: wait for one kept rule of
  // each role (a role's rules arrive together).
  const probes: Array<[OperatorRule, string]> = [];
  const keptCluster = t.cluster.find((r) => r !== t.removed);
  if (keptCluster !== undefined) probes.push([keptCluster, ns]);
  if (t.lease[0] !== undefined) probes.push([t.lease[0], NS]);
  await eventually(
    `RBAC of trial ${t.index} in effect`,
    async () => (await Promise.all(probes.map(([r, n]) => canI(scoped.kubeconfigPath, r, n)))).every(Boolean),
    30_000,
  );
  const removedAllowed =
    t.removed === undefined
      ? undefined
      : await canI(scoped.kubeconfigPath, t.removed, LEASE_RULES.includes(t.removed) ? NS : ns);

  const op = await startOperatorProcess(
    [
      `--kubeconfig=${scoped.kubeconfigPath}`,
      `--namespace=${NS}`,
      `--lease-name=${leaseName(t.index)}`,
      `--insecure-registries=${registry.host}`,
      "--webhook-port=-1",
      "--lease-duration-ms=3000",
      "--renew-deadline-ms=2000",
      "--retry-period-ms=300",
      "--graceful-shutdown-ms=1000",
    ],
    // Start-up is CPU-bound (Node loads the sources); trials start together on a shared machine.
    120_000,
  );
  const stops = t.removed === undefined ? "pass" : EXPECTATIONS[keyOf(t.removed)]?.stops;
  try {
    if (stops === "pass")
      expect((await kubectl(env.admin, ["apply", "-f", "-"], toYaml(workspaces(ns, registry.host)))).code).toBe(0);
    const wanted = t.removed === undefined ? undefined : keyOf(t.removed);
    const until = Date.now() + BOUND_MS;
    let done = false;
    for (;;) {
      const seen = await refused(user);
      if (wanted !== undefined && seen.includes(wanted)) break;
      if (wanted === undefined && (seen.length > 0 || done)) break;
      if (Date.now() > until) break;
      if (wanted === undefined) done = await converged(ns); // two kubectl runs: at most once a second
      await new Promise((r) => setTimeout(r, wanted === undefined ? 1000 : 300));
    }
    const ready = (await op.get("/readyz")).status === 200;
    const led = op.logs.some((l) => l.msg === "became the leader");
    return {
      forbidden: await refused(user),
      forbiddenLines: forbiddenLines(op).slice(0, 5),
      converged: stops === "pass" ? done || (await converged(ns)) : false,
      ready,
      led,
      removedAllowed,
    };
  } finally {
    op.child.kill("SIGKILL");
    await op.exited;
    if (stops === "pass") {
      // Leave nothing for other trials' operators: drop the finalizers, delete the namespace and its NodeClaims.
      for (const name of ["inf", "tune", "unknown"]) {
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
      await kubectl(env.admin, ["delete", "nodeclaims", "-l", `kaito.sh/workspacenamespace=${ns}`, "--wait=false"]);
    }
    await kubectl(env.admin, ["delete", "namespace", ns, "--wait=false"]);
  }
}

/** At most `n` tasks at a time. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const trials: Trial[] = [
  { index: 0, key: "control", cluster: CLUSTER_RULES, lease: LEASE_RULES },
  ...CLUSTER_RULES.map((rule, i) => ({
    index: 1 + i,
    key: keyOf(rule),
    cluster: CLUSTER_RULES.filter((_, j) => j !== i),
    lease: LEASE_RULES,
    removed: rule,
  })),
  ...LEASE_RULES.map((rule, i) => ({
    index: 1 + CLUSTER_RULES.length + i,
    key: keyOf(rule),
    cluster: CLUSTER_RULES,
    lease: LEASE_RULES.filter((_, j) => j !== i),
    removed: rule,
  })),
];

/**
 * Trials start once the environment is up. Operators without a cache or Lease rule reconcile nothing, so they run
 * beside the control trial, `PARALLEL - 1` at a time; those that reconcile (a pass is refused) would also reconcile
 * the control's Workspaces, so they start after it (then `PARALLEL` at a time: each reads only its own refusals).
 */
const outcomes = new Map<number, Promise<Outcome>>();
let started: Promise<void> | undefined;
function schedule(): void {
  const beside = limiter(PARALLEL - 1);
  const passes = limiter(PARALLEL);
  const control = trials[0] as Trial;
  const first = trial(control);
  outcomes.set(control.index, first);
  const after = first.then(
    () => undefined,
    () => undefined,
  );
  for (const t of trials.slice(1)) {
    const reconciles = EXPECTATIONS[t.key]?.stops === "pass";
    outcomes.set(t.index, reconciles ? after.then(() => passes(() => trial(t))) : beside(() => trial(t)));
  }
  started = Promise.allSettled([...outcomes.values()]).then(() => undefined);
}

beforeAll(async () => {
  const reg = await startDemoRegistry();
  if (!("host" in reg)) throw new Error(`this test needs Debian's docker-registry (pnpm test-deps): ${reg.reason}`);
  registry = reg;
  env = await startEnv();
  schedule();
}, 180_000);
afterAll(async () => {
  await started;
  await env?.stop();
  await registry?.stop();
}, 600_000);

describe("the shipped RBAC: every rule is needed", () => {
  it("every rule has a row in the table, and every row a rule", () => {
    const keys = [...CLUSTER_RULES, ...LEASE_RULES].map(keyOf).sort();
    expect(Object.keys(EXPECTATIONS).sort()).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.concurrent("control: with every rule the Workspaces converge and nothing is Forbidden", async () => {
    const r = await (outcomes.get(0) as Promise<Outcome>);
    expect(r.forbiddenLines).toEqual([]);
    expect(r).toMatchObject({ forbidden: [], converged: true, ready: true, led: true });
  }, 600_000);

  it.concurrent.each(trials.slice(1))(
    "without $key: the authorizer refuses it and the operator stops",
    async (t) => {
      const r = await (outcomes.get(t.index) as Promise<Outcome>);
      const row = EXPECTATIONS[t.key];
      const why = `${t.key}: ${row?.why}; Forbidden lines: ${r.forbiddenLines.join("\n")}`;
      expect(r.removedAllowed, why).toBe(false);
      expect(r.forbidden, why).toContain(t.key);
      if (row?.stops === "caches") expect(r.ready, `${why} (caches synced)`).toBe(false);
      if (row?.stops === "lease") expect(r.led, `${why} (it became the leader)`).toBe(false);
      if (row?.stops === "pass") expect(r.led, `${why} (it never led: nothing was reconciled)`).toBe(true);
    },
    600_000,
  );
});
