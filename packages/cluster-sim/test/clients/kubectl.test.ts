/** The real kubectl (1.32) against cluster-sim: the commands of the "Judged by real clients". */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../src/index.ts";
import { eventually, fixture, part, fixturePath, type Kubectl, kubectlFor } from "./kubectl-runner.ts";

let cluster: Cluster;
let kubectl: Kubectl;
let dir: string;
const ws = { group: "kaito.sh", version: "v1alpha1", resource: "workspaces" };
const widgets = { group: "demo.example.com", version: "v1", resource: "widgets" };

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

beforeAll(async () => {
  cluster = await startCluster({ crds: [fixture("workspace-crd.yaml"), fixture("widget-crd.yaml")] });
  kubectl = kubectlFor(cluster.kubeconfigPath);
  dir = mkdtempSync(join(tmpdir(), "cluster-sim-kubectl-"));
});

afterAll(async () => {
  await cluster?.stop();
});

describe("discovery and version", () => {
  it("reports server version 1.32", async () => {
    const out = await kubectl.ok(["version", "-o", "json"]);
    const v = JSON.parse(out) as { serverVersion: { minor: string } };
    expect(v.serverVersion.minor).toBe("32");
  });

  it("lists namespaces as a server-side table", async () => {
    const out = await kubectl.ok(["get", "ns"]);
    expect(out).toMatch(/^NAME\s+STATUS\s+AGE/m);
    expect(out).toMatch(/^default\s+Active/m);
    expect(out).toMatch(/^kube-system\s+Active/m);
  });

  it("api-resources shows the built-in kinds and the CRDs with short names", async () => {
    const out = await kubectl.ok(["api-resources"]);
    expect(out).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/m);
    expect(out).toMatch(/^workspaces\s+wk\s+kaito.sh\/v1alpha1\s+true\s+Workspace/m);
  });
});

describe("the seed flow", () => {
  it("kubectl apply -f the filled-in workspace, then get shows the seed's columns", async () => {
    const applied = await kubectl.ok(["apply", "-f", fixturePath("workspace-tuning-phi-3.yaml")]);
    expect(applied.trim()).toBe("workspace.kaito.sh/workspace-tuning-phi-3 created");
    const out = await kubectl.ok(["get", "workspace", "workspace-tuning-phi-3"]);
    const [header, row] = out.trim().split("\n");
    expect(header?.split(/\s+/)).toEqual([
      "NAME",
      "INSTANCE",
      "RESOURCEREADY",
      "INFERENCEREADY",
      "WORKSPACEREADY",
      "AGE",
    ]);
    expect(row).toMatch(/^workspace-tuning-phi-3\s+Standard_NC6s_v3\s+\S+$/);
  });

  it("shows condition statuses once the status subresource is written", async () => {
    const now = new Date().toISOString().slice(0, 19) + "Z";
    cluster.store.patch(
      ws,
      "default",
      "workspace-tuning-phi-3",
      "merge",
      {
        status: {
          conditions: ["ResourceReady", "InferenceReady", "WorkspaceReady"].map((type) => ({
            type,
            status: "True",
            reason: "Ready",
            lastTransitionTime: now,
          })),
        },
      },
      { subresource: "status" },
    );
    const out = await kubectl.ok(["get", "wk"]);
    expect(out).toMatch(/^workspace-tuning-phi-3\s+Standard_NC6s_v3\s+True\s+True\s+True\s+\d+s$/m);
  });

  it("re-applying the same file is unchanged, a changed file is configured", async () => {
    expect((await kubectl.ok(["apply", "-f", fixturePath("workspace-tuning-phi-3.yaml")])).trim()).toBe(
      "workspace.kaito.sh/workspace-tuning-phi-3 unchanged",
    );
    const changed = file(
      "ws2.yaml",
      "apiVersion: kaito.sh/v1alpha1\nkind: Workspace\nmetadata:\n  name: workspace-tuning-phi-3\nresource:\n  instanceType: Standard_NC12s_v3\n",
    );
    expect((await kubectl.ok(["apply", "-f", changed])).trim()).toBe(
      "workspace.kaito.sh/workspace-tuning-phi-3 configured",
    );
    const obj = cluster.store.get(ws, "default", "workspace-tuning-phi-3");
    expect(part(obj, "resource").instanceType).toBe("Standard_NC12s_v3");
  });

  it("a schema violation is rejected with the real server's Invalid message", async () => {
    const bad = file(
      "bad-widget.yaml",
      "apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: w-bad\nspec:\n  size: xxl\n",
    );
    const r = await kubectl.run(["apply", "-f", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The Widget "w-bad" is invalid');
    expect(r.stderr).toContain("spec.size");
    expect(r.stderr).toContain("Unsupported value");
  });

  it("a CEL rule violation is rejected", async () => {
    const bad = file(
      "cel-widget.yaml",
      "apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: w-cel\nspec:\n  size: huge\n  replicas: 5\n",
    );
    const r = await kubectl.run(["apply", "-f", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("huge widgets are limited to 3 replicas");
  });

  it("unknown fields are rejected under kubectl's default strict validation", async () => {
    const bad = file(
      "unknown-widget.yaml",
      "apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: w-unknown\nspec:\n  size: small\n  flavour: x\n",
    );
    const r = await kubectl.run(["apply", "-f", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown field "spec.flavour"');
    const warn = await kubectl.run(["apply", "--validate=warn", "-f", bad]);
    expect(warn.code).toBe(0);
    expect(warn.stderr).toContain('Warning: unknown field "spec.flavour"');
  });
});

describe("get output formats and selectors", () => {
  beforeAll(async () => {
    await kubectl.ok(["create", "configmap", "cm-a", "--from-literal=k=v"]);
    await kubectl.ok(["label", "configmap", "cm-a", "tier=front"]);
    await kubectl.ok(["create", "configmap", "cm-b", "--from-literal=k=w"]);
  });

  it("-o yaml, -o json and -o jsonpath", async () => {
    const yaml = await kubectl.ok(["get", "cm", "cm-a", "-o", "yaml"]);
    expect(yaml).toContain("kind: ConfigMap");
    expect(yaml).toContain("k: v");
    const json = JSON.parse(await kubectl.ok(["get", "cm", "cm-a", "-o", "json"])) as { data: { k: string } };
    expect(json.data.k).toBe("v");
    expect(await kubectl.ok(["get", "cm", "-o", "jsonpath={.items[*].metadata.name}"])).toContain("cm-a cm-b");
  });

  it("-l selects by label", async () => {
    const out = await kubectl.ok(["get", "cm", "-l", "tier=front", "-o", "name"]);
    expect(out.trim()).toBe("configmap/cm-a");
    const none = await kubectl.ok(["get", "cm", "-l", "tier in (back)", "-o", "name"]);
    expect(none.trim()).toBe("");
  });

  it("--field-selector and -A", async () => {
    const out = await kubectl.ok(["get", "cm", "-A", "--field-selector", "metadata.name=cm-b"]);
    expect(out).toMatch(/^default\s+cm-b\s+1\s+/m);
  });

  it("a missing object is a NotFound error", async () => {
    const r = await kubectl.run(["get", "cm", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (NotFound): configmaps "nope" not found');
  });

  it("get -w prints changes", async () => {
    const child = kubectl.spawn(["get", "cm", "-w", "-o", "name"]);
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await eventually(() => out.includes("configmap/cm-b"), 15_000, "initial rows");
    cluster.store.create(
      { group: "", version: "v1", resource: "configmaps" },
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "cm-watched", namespace: "default" },
      },
    );
    await eventually(() => out.includes("configmap/cm-watched"), 15_000, "watched row");
    child.kill();
  });
});

describe("patch, label, annotate, scale", () => {
  beforeAll(async () => {
    const w = file(
      "widget.yaml",
      "apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  labels:\n    app: demo\nspec:\n  size: small\n",
    );
    await kubectl.ok(["apply", "-f", w]);
  });

  it("defaults from the schema are applied", () => {
    const w = cluster.store.get(widgets, "default", "w1");
    expect(w?.spec).toEqual({ size: "small", replicas: 1, color: "blue" });
  });

  it("merge and json patches", async () => {
    expect(await kubectl.ok(["patch", "widget", "w1", "--type=merge", "-p", '{"spec":{"size":"large"}}'])).toContain(
      "widget.demo.example.com/w1 patched",
    );
    expect(
      await kubectl.ok([
        "patch",
        "widget",
        "w1",
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/spec/color","value":"red"}]',
      ]),
    ).toContain("patched");
    const w = cluster.store.get(widgets, "default", "w1");
    expect(w?.spec).toMatchObject({ size: "large", color: "red" });
    expect(w?.metadata.generation).toBe(3);
    expect(await kubectl.ok(["patch", "widget", "w1", "--type=merge", "-p", '{"spec":{"size":"large"}}'])).toContain(
      "patched (no change)",
    );
  });

  it("create -f, replace -f, and AlreadyExists on a second create", async () => {
    const w = file(
      "cr.yaml",
      "apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: w-cr\nspec:\n  size: small\n",
    );
    expect(await kubectl.ok(["create", "-f", w])).toContain("widget.demo.example.com/w-cr created");
    const again = await kubectl.run(["create", "-f", w]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("Error from server (AlreadyExists): error when creating");
    expect(again.stderr).toContain('widgets.demo.example.com "w-cr" already exists');
    const changed = file(
      "cr2.yaml",
      "apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: w-cr\nspec:\n  size: huge\n",
    );
    expect(await kubectl.ok(["replace", "-f", changed])).toContain("widget.demo.example.com/w-cr replaced");
    expect(part(cluster.store.get(widgets, "default", "w-cr"), "spec").size).toBe("huge");
  });

  it("diff shows a pending change through a server-side dry run", async () => {
    const changed = file(
      "diff.yaml",
      "apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: w-cr\nspec:\n  size: small\n",
    );
    const r = await kubectl.run(["diff", "-f", changed]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("-  size: huge");
    expect(r.stdout).toContain("+  size: small");
    expect(part(cluster.store.get(widgets, "default", "w-cr"), "spec").size).toBe("huge");
  });

  it("a strategic merge patch on a custom resource is 415", async () => {
    const r = await kubectl.run(["patch", "widget", "w1", "-p", '{"spec":{"size":"small"}}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("application/strategic-merge-patch+json is not supported");
  });

  it("label and annotate", async () => {
    expect(await kubectl.ok(["label", "widget", "w1", "team=a"])).toContain("labeled");
    expect(await kubectl.ok(["annotate", "widget", "w1", "note=hello"])).toContain("annotated");
    const w = cluster.store.get(widgets, "default", "w1");
    expect(w?.metadata.labels).toMatchObject({ app: "demo", team: "a" });
    expect(w?.metadata.annotations?.note).toBe("hello");
    expect(await kubectl.ok(["label", "widget", "w1", "team-"])).toContain("unlabeled");
  });

  it("scale a custom resource and a deployment", async () => {
    expect(await kubectl.ok(["scale", "widget", "w1", "--replicas=2"])).toContain("scaled");
    expect(part(cluster.store.get(widgets, "default", "w1"), "spec").replicas).toBe(2);
    await kubectl.ok(["create", "deployment", "web", "--image=nginx:1.27", "--replicas=1"]);
    expect(await kubectl.ok(["scale", "deployment", "web", "--replicas=3"])).toContain("deployment.apps/web scaled");
    const d = cluster.store.get({ group: "apps", version: "v1", resource: "deployments" }, "default", "web");
    expect(part(d, "spec").replicas).toBe(3);
  });

  it("status patches go through the status subresource only", async () => {
    await kubectl.ok([
      "patch",
      "widget",
      "w1",
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"status":{"replicas":7}}',
    ]);
    const w = cluster.store.get(widgets, "default", "w1");
    expect(part(w, "status").replicas).toBe(7);
    await kubectl.ok(["patch", "widget", "w1", "--type=merge", "-p", '{"status":{"replicas":1}}']);
    expect(part(cluster.store.get(widgets, "default", "w1"), "status").replicas).toBe(7);
  });
});

describe("server-side apply", () => {
  it("creates, then reports conflicts with another manager unless forced", async () => {
    const w = file(
      "ssa.yaml",
      "apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: w-ssa\nspec:\n  size: small\n",
    );
    expect(await kubectl.ok(["apply", "--server-side", "-f", w])).toContain(
      "widget.demo.example.com/w-ssa serverside-applied",
    );
    const w2 = file(
      "ssa2.yaml",
      "apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: w-ssa\nspec:\n  size: large\n",
    );
    const r = await kubectl.run(["apply", "--server-side", "--field-manager=other", "-f", w2]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("conflict");
    await kubectl.ok(["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", w2]);
    expect(part(cluster.store.get(widgets, "default", "w-ssa"), "spec").size).toBe("large");
  });

  it("dry-run=server does not store", async () => {
    const w = file("dry.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-dry\ndata:\n  a: b\n");
    expect(await kubectl.ok(["apply", "--dry-run=server", "-f", w])).toContain("created (server dry run)");
    expect(
      cluster.store.get({ group: "", version: "v1", resource: "configmaps" }, "default", "cm-dry"),
    ).toBeUndefined();
  });
});

describe("describe, wait, delete, explain", () => {
  it("describe shows the object's events", async () => {
    const w = cluster.store.get(widgets, "default", "w1");
    cluster.store.create(
      { group: "", version: "v1", resource: "events" },
      {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: "w1.evt", namespace: "default" },
        involvedObject: {
          apiVersion: "demo.example.com/v1",
          kind: "Widget",
          name: "w1",
          namespace: "default",
          uid: w?.metadata.uid ?? "",
        },
        reason: "Polished",
        message: "the widget shines",
        type: "Normal",
        count: 1,
        source: { component: "widget-controller" },
        firstTimestamp: new Date().toISOString().slice(0, 19) + "Z",
        lastTimestamp: new Date().toISOString().slice(0, 19) + "Z",
      },
    );
    const out = await kubectl.ok(["describe", "widget", "w1"]);
    expect(out).toMatch(/Name:\s+w1/);
    expect(out).toMatch(/Normal\s+Polished\s+\S+\s+widget-controller\s+the widget shines/);
  });

  it("wait --for=condition=Ready returns once the condition is set", async () => {
    const waiting = kubectl.run(["wait", "--for=condition=Ready", "widget/w1", "--timeout=20s"], { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    cluster.store.patch(
      widgets,
      "default",
      "w1",
      "merge",
      { status: { conditions: [{ type: "Ready", status: "True" }] } },
      {
        subresource: "status",
      },
    );
    const r = await waiting;
    expect(r.stdout).toContain("widget.demo.example.com/w1 condition met");
    expect(r.code).toBe(0);
  });

  it("delete waits for finalizers", async () => {
    const w = file(
      "fin.yaml",
      "apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: w-fin\n  finalizers: [demo.example.com/hold]\nspec:\n  size: small\n",
    );
    await kubectl.ok(["apply", "-f", w]);
    const deleting = kubectl.run(["delete", "widget", "w-fin", "--timeout=20s"], { timeoutMs: 30_000 });
    await eventually(
      () => cluster.store.get(widgets, "default", "w-fin")?.metadata.deletionTimestamp,
      10_000,
      "deletionTimestamp",
    );
    cluster.store.patch(widgets, "default", "w-fin", "merge", { metadata: { finalizers: null } });
    const r = await deleting;
    expect(r.stdout).toContain('widget.demo.example.com "w-fin" deleted');
    expect(r.code).toBe(0);
    expect(cluster.store.get(widgets, "default", "w-fin")).toBeUndefined();
  });

  it("delete with --timeout fails while a finalizer holds", async () => {
    const w = file(
      "fin2.yaml",
      "apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: w-fin2\n  finalizers: [demo.example.com/hold]\nspec:\n  size: small\n",
    );
    await kubectl.ok(["apply", "-f", w]);
    const r = await kubectl.run(["delete", "widget", "w-fin2", "--timeout=2s"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("timed out waiting");
  });

  it("deleting a deployment garbage-collects its replicaset", async () => {
    await kubectl.ok(["create", "deployment", "gc", "--image=nginx:1.27"]);
    const d = cluster.store.get({ group: "apps", version: "v1", resource: "deployments" }, "default", "gc");
    const rsKey = { group: "apps", version: "v1", resource: "replicasets" };
    cluster.store.create(rsKey, {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: "gc-abc",
        namespace: "default",
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: "gc",
            uid: d?.metadata.uid ?? "",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        selector: { matchLabels: { app: "gc" } },
        template: { metadata: { labels: { app: "gc" } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } },
      },
    });
    await kubectl.ok(["delete", "deployment", "gc", "--cascade=foreground"]);
    await eventually(() => cluster.store.get(rsKey, "default", "gc-abc") === undefined, 10_000, "replicaset gone");
  });

  it("explain describes a CRD kind and a field", async () => {
    const out = await kubectl.ok(["explain", "widgets"]);
    expect(out).toContain("KIND:       Widget");
    expect(out).toContain("A demo widget.");
    const field = await kubectl.ok(["explain", "widget.spec.size"]);
    expect(field).toContain("How big the widget is.");
    expect(await kubectl.ok(["explain", "pods"])).toContain("KIND:       Pod");
  });
});

describe("typed kubectl commands (protobuf bodies) and errors", () => {
  it("create secret generic and docker-registry, create namespace", async () => {
    await kubectl.ok(["create", "secret", "generic", "s1", "--from-literal=password=hunter2"]);
    const s = cluster.store.get({ group: "", version: "v1", resource: "secrets" }, "default", "s1");
    expect(Buffer.from(String(part(s, "data").password), "base64").toString()).toBe("hunter2");
    await kubectl.ok([
      "create",
      "secret",
      "docker-registry",
      "regcred",
      "--docker-server=registry.example.com",
      "--docker-username=u",
      "--docker-password=p",
    ]);
    const reg = cluster.store.get({ group: "", version: "v1", resource: "secrets" }, "default", "regcred");
    expect(reg?.type).toBe("kubernetes.io/dockerconfigjson");
    expect(await kubectl.ok(["create", "namespace", "team-a"])).toContain("namespace/team-a created");
    expect(await kubectl.ok(["create", "configmap", "cm-ns", "-n", "team-a", "--from-literal=a=b"])).toContain(
      "created",
    );
  });

  it("creating in a missing namespace is NotFound; an invalid name is Invalid", async () => {
    const r = await kubectl.run(["create", "configmap", "x", "-n", "missing-ns"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('namespaces "missing-ns" not found');
    const bad = file("badname.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n");
    const r2 = await kubectl.run(["apply", "-f", bad]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain("metadata.name: Invalid value");
  });

  it("applies RBAC objects of an install manifest", async () => {
    const manifest = [
      "apiVersion: v1",
      "kind: ServiceAccount",
      "metadata: {name: operator, namespace: kube-system}",
      "---",
      "apiVersion: rbac.authorization.k8s.io/v1",
      "kind: ClusterRole",
      "metadata: {name: operator}",
      "rules:",
      "- apiGroups: [kaito.sh]",
      "  resources: [workspaces, workspaces/status]",
      "  verbs: [get, list, watch, update, patch]",
      "---",
      "apiVersion: rbac.authorization.k8s.io/v1",
      "kind: ClusterRoleBinding",
      "metadata: {name: operator}",
      "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: operator}",
      "subjects: [{kind: ServiceAccount, name: operator, namespace: kube-system}]",
      "",
    ].join("\n");
    const out = await kubectl.ok(["apply", "-f", "-"], { input: manifest });
    expect(out).toContain("clusterrole.rbac.authorization.k8s.io/operator created");
    expect(out).toContain("clusterrolebinding.rbac.authorization.k8s.io/operator created");
  });

  it("deleting a namespace removes its content", async () => {
    await kubectl.ok(["delete", "namespace", "team-a", "--timeout=20s"]);
    expect(
      cluster.store.get({ group: "", version: "v1", resource: "namespaces" }, undefined, "team-a"),
    ).toBeUndefined();
    expect(cluster.store.get({ group: "", version: "v1", resource: "configmaps" }, "team-a", "cm-ns")).toBeUndefined();
  });
});

describe("CRDs through kubectl and built-in client-side apply", () => {
  it("applies a new CRD, waits for Established, then applies and lists its objects", async () => {
    const crd = file(
      "gizmo-crd.yaml",
      [
        "apiVersion: apiextensions.k8s.io/v1",
        "kind: CustomResourceDefinition",
        "metadata:",
        "  name: gizmos.demo.example.com",
        "spec:",
        "  group: demo.example.com",
        "  scope: Cluster",
        "  names: {kind: Gizmo, plural: gizmos, singular: gizmo, shortNames: [gz]}",
        "  versions:",
        "  - name: v1alpha1",
        "    served: true",
        "    storage: true",
        "    schema:",
        "      openAPIV3Schema:",
        "        type: object",
        "        properties:",
        "          spec: {type: object, properties: {level: {type: integer}}}",
        "",
      ].join("\n"),
    );
    expect(await kubectl.ok(["apply", "-f", crd])).toContain(
      "customresourcedefinition.apiextensions.k8s.io/gizmos.demo.example.com created",
    );
    expect(await kubectl.ok(["wait", "--for", "condition=established", "crd/gizmos.demo.example.com"])).toContain(
      "condition met",
    );
    const gz = file(
      "gizmo.yaml",
      "apiVersion: demo.example.com/v1alpha1\nkind: Gizmo\nmetadata:\n  name: g1\nspec:\n  level: 3\n",
    );
    expect(await kubectl.ok(["apply", "-f", gz])).toContain("gizmo.demo.example.com/g1 created");
    const out = await kubectl.ok(["get", "gz"]);
    expect(out).toMatch(/^NAME\s+AGE/m);
    expect(out).toMatch(/^g1\s+/m);
    expect(await kubectl.ok(["delete", "crd", "gizmos.demo.example.com"])).toContain("deleted");
    const gone = await kubectl.run(["get", "gizmos.v1alpha1.demo.example.com"]);
    expect(gone.code).toBe(1);
  });

  it("re-applying a changed Deployment uses a strategic merge patch", async () => {
    const yaml = (image: string) =>
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: smp",
        "spec:",
        "  replicas: 0",
        "  selector: {matchLabels: {app: smp}}",
        "  template:",
        "    metadata: {labels: {app: smp}}",
        "    spec:",
        "      containers:",
        `      - {name: main, image: ${image}, env: [{name: A, value: "1"}]}`,
        "      - {name: side, image: busybox:1.36}",
        "",
      ].join("\n");
    expect(await kubectl.ok(["apply", "-f", file("smp.yaml", yaml("nginx:1.26"))])).toContain(
      "deployment.apps/smp created",
    );
    expect(await kubectl.ok(["apply", "-f", file("smp.yaml", yaml("nginx:1.27"))])).toContain(
      "deployment.apps/smp configured",
    );
    const d = cluster.store.get({ group: "apps", version: "v1", resource: "deployments" }, "default", "smp");
    const containers = (part(part(d, "spec").template as never, "spec").containers ?? []) as {
      name: string;
      image: string;
    }[];
    expect(containers.map((c) => `${c.name}=${c.image}`)).toEqual(["main=nginx:1.27", "side=busybox:1.36"]);
    expect(d?.metadata.generation).toBe(2);
  });
});
