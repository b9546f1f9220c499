/**
 * The real kubectl (v1.37, the API server's version) against both backends: discovery, client-side and server-side
 * apply, get in every output format with selectors and a watch, describe, wait, delete with finalizers, explain,
 * patch (merge, JSON, strategic), label, annotate, scale, diff, kubectl's typed (protobuf) commands and its errors.
 * Everything is written through the API (kubectl or client-node), so both backends see the same requests.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { eventually } from "../clients/kubectl-runner.ts";
import { describeBackends, Observations } from "./backends.ts";
import { expectedOn } from "./differences.ts";
import { normalizeTable, nowRfc3339, scratch, widgetCrd, widgetYaml, workspaceCrd } from "./support.ts";

const file = scratch("parity-kubectl-");
const CEL_SKIPPED =
  "<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";
const seen = new Observations();

describeBackends("kubectl", { crds: [workspaceCrd(), widgetCrd()] }, (b) => {
  const kubectl = () => b().kubectl;
  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl().ok([...args, "-o", "json"])) as T;
  const widget = (name: string) =>
    json<{
      metadata: Record<string, unknown> & { generation: number; uid: string };
      spec: Record<string, unknown>;
      status?: Record<string, unknown>;
    }>(["get", "widget", name]);

  describe("discovery and version", () => {
    it("reports the server version", async () => {
      const v = JSON.parse(await kubectl().ok(["version", "-o", "json"])) as {
        serverVersion: { major: string; minor: string };
      };
      expect(v.serverVersion.major).toBe("1");
      expect(v.serverVersion.minor).toBe("37");
    });

    it("lists namespaces as a server-side table", async () => {
      const out = await kubectl().ok(["get", "ns"]);
      expect(out).toMatch(/^NAME\s+STATUS\s+AGE/m);
      expect(out).toMatch(/^default\s+Active/m);
      expect(out).toMatch(/^kube-system\s+Active/m);
      expect(out).toMatch(/^kube-public\s+Active/m);
      expect(out).toMatch(/^kube-node-lease\s+Active/m);
    });

    it("api-resources shows the built-in kinds and the CRDs with short names", async () => {
      const out = await kubectl().ok(["api-resources"]);
      expect(out).toMatch(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
      expect(out).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
      expect(out).toMatch(/^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
      expect(out).toMatch(/^leases\s+coordination.k8s.io\/v1\s+true\s+Lease$/m);
      expect(out).toMatch(/^workspaces\s+wk,wks\s+kaito.sh\/v1beta1\s+true\s+Workspace$/m);
      expect(out).toMatch(/^widgets\s+wg\s+demo.example.com\/v1\s+true\s+Widget$/m);
      const kaito = await kubectl().ok(["api-resources", "--api-group=kaito.sh", "-o", "name"]);
      expect(kaito.trim()).toBe("workspaces.kaito.sh");
      const versions = await kubectl().ok(["api-versions"]);
      expect(versions).toContain("kaito.sh/v1alpha1\n");
      expect(versions).toContain("kaito.sh/v1beta1\n");
      expect(versions).toContain("demo.example.com/v1beta1\n");
    });

    it("a StorageClass (the reconciler's NVMe check) gets the server's defaults and its table columns", async () => {
      const name = `nvme-${b().name}`;
      const path = file(
        `${name}.yaml`,
        `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ${name}
provisioner: kubernetes.io/no-provisioner
`,
      );
      expect((await kubectl().ok(["create", "-f", path])).trim()).toBe(`storageclass.storage.k8s.io/${name} created`);
      const sc = await json<Record<string, unknown>>(["get", "sc", name]);
      expect(sc).toMatchObject({ reclaimPolicy: "Delete", volumeBindingMode: "Immediate" });
      const table = await kubectl().ok(["get", "storageclass", name]);
      expect(table).toMatch(/^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$/m);
      expect(table).toMatch(
        new RegExp(`^${name}\\s+kubernetes.io/no-provisioner\\s+Delete\\s+Immediate\\s+false\\s+`, "m"),
      );
      const bad = await kubectl().run(["create", "-f", "-"], {
        input: `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: no-provisioner-${b().name}
`,
      });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("provisioner: Required value");
      const change = await kubectl().run([
        "patch",
        "sc",
        name,
        "--type=merge",
        "-p",
        '{"provisioner":"example.com/other","parameters":{"a":"b"},"reclaimPolicy":"Retain","volumeBindingMode":"WaitForFirstConsumer"}',
      ]);
      expect(change.code).not.toBe(0);
      expect(change.stderr.trim()).toBe(
        [
          `The StorageClass "${name}" is invalid: `,
          ...["provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"].map(
            (f) => `* ${f}: Invalid value: null: field is immutable`,
          ),
        ].join("\n"),
      );
      await kubectl().ok(["delete", "sc", name]);
    });
  });

  describe("apply, client-side", () => {
    const w1 = widgetYaml("w1", "  size: small", "  labels:\n    app: demo\n");

    it("creates, is unchanged on the same file, configured on a change, and defaults from the schema", async () => {
      const path = file(`w1-${b().name}.yaml`, w1);
      expect((await kubectl().ok(["apply", "-f", path])).trim()).toBe("widget.demo.example.com/w1 created");
      expect((await kubectl().ok(["apply", "-f", path])).trim()).toBe("widget.demo.example.com/w1 unchanged");
      expect((await widget("w1")).spec).toEqual({ size: "small", replicas: 1, color: "blue" });
      const changed = file(
        `w1b-${b().name}.yaml`,
        widgetYaml("w1", "  size: small\n  color: green", "  labels:\n    app: demo\n"),
      );
      expect((await kubectl().ok(["apply", "-f", changed])).trim()).toBe("widget.demo.example.com/w1 configured");
      const w = await widget("w1");
      expect(w.spec.color).toBe("green");
      expect(w.metadata.generation).toBe(2);
      expect(
        (w.metadata.annotations as Record<string, string>)["kubectl.kubernetes.io/last-applied-configuration"],
      ).toContain('"color":"green"');
      await kubectl().ok(["apply", "-f", file(`w1c-${b().name}.yaml`, w1)]);
    });

    it("a schema violation is Invalid, naming the field and the allowed values", async () => {
      const bad = file("bad-widget.yaml", widgetYaml("w-bad", "  size: xxl"));
      const r = await kubectl().run(["apply", "-f", bad]);
      expect(r.code).toBe(1);
      const sizeError = `spec.size: Unsupported value: "xxl": supported values: "small", "large", "huge"`;
      expect(r.stderr.trim()).toBe(`The Widget "w-bad" is invalid: \n* ${sizeError}\n* ${CEL_SKIPPED}`);
    });

    it("a CEL rule violation is Invalid with the rule's message", async () => {
      const bad = file("cel-widget.yaml", widgetYaml("w-cel", "  size: huge\n  replicas: 5"));
      const r = await kubectl().run(["apply", "-f", bad]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        `The Widget "w-cel" is invalid: spec: Invalid value: huge widgets are limited to 3 replicas`,
      );
    });

    it("the Workspace CRD's own CEL and schema rules", async () => {
      const both = file(
        "ws-both.yaml",
        [
          "apiVersion: kaito.sh/v1beta1",
          "kind: Workspace",
          "metadata: {name: ws-both}",
          "resource: {instanceType: Standard_NC24ads_A100_v4, labelSelector: {matchLabels: {app: ws}}}",
          "inference: {preset: {name: phi-3-mini-4k-instruct}}",
          "tuning:",
          "  preset: {name: phi-3-mini-4k-instruct}",
          "  method: lora",
          "  input: {urls: ['https://example.com/data.parquet']}",
          "  output: {image: 'localhost:5000/a/b:1', imagePushSecret: push}",
          "",
        ].join("\n"),
      );
      const typed = file(
        "ws-type.yaml",
        "apiVersion: kaito.sh/v1beta1\nkind: Workspace\nmetadata: {name: ws-type}\nresource: {count: two, labelSelector: {matchLabels: {app: ws}}}\ninference: {preset: {name: phi-3-mini-4k-instruct}}\n",
      );
      const [r1, r2] = await Promise.all([kubectl().run(["apply", "-f", both]), kubectl().run(["apply", "-f", typed])]);
      expect(r1.code).toBe(1);
      expect(r1.stderr).toContain("exactly one of inference or tuning must be set");
      seen.record(b().name, "Workspace with inference and tuning", r1.stderr.trim());
      expect(r2.code).toBe(1);
      expect(r2.stderr).toContain(
        'resource.count: Invalid value: "string": resource.count in body must be of type integer: "string"',
      );
      expect(r2.stderr).toContain(CEL_SKIPPED);
    });

    it("unknown fields are an error under kubectl's strict validation and a warning with --validate=warn", async () => {
      const bad = file("unknown-widget.yaml", widgetYaml("w-unknown", "  size: small\n  flavour: x"));
      const r = await kubectl().run(["apply", "-f", bad]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        `Error from server (BadRequest): error when creating "${bad}": Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.flavour"`,
      );
      const warn = await kubectl().run(["apply", "--validate=warn", "-f", bad]);
      expect(warn.code).toBe(0);
      expect(warn.stderr.trim()).toBe('Warning: unknown field "spec.flavour"');
      expect(Object.keys((await widget("w-unknown")).spec).sort()).toEqual(["color", "replicas", "size"]);
    });

    it("re-applying a changed Deployment uses a strategic merge patch that keeps list items by name", async () => {
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
      expect((await kubectl().ok(["apply", "-f", file(`smp1-${b().name}.yaml`, yaml("nginx:1.26"))])).trim()).toBe(
        "deployment.apps/smp created",
      );
      expect((await kubectl().ok(["apply", "-f", file(`smp2-${b().name}.yaml`, yaml("nginx:1.27"))])).trim()).toBe(
        "deployment.apps/smp configured",
      );
      const d = await json<{
        metadata: { generation: number };
        spec: { template: { spec: { containers: { name: string; image: string; env?: unknown[] }[] } } };
      }>(["get", "deployment", "smp"]);
      expect(d.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual([
        "main=nginx:1.27",
        "side=busybox:1.36",
      ]);
      expect(d.spec.template.spec.containers[0]?.env).toEqual([{ name: "A", value: "1" }]);
      expect(d.metadata.generation).toBe(2);
    });

    it("applies a CRD, waits for Established, applies and lists its objects, deletes it", async () => {
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
      expect((await kubectl().ok(["apply", "-f", crd])).trim()).toBe(
        "customresourcedefinition.apiextensions.k8s.io/gizmos.demo.example.com created",
      );
      expect(
        (await kubectl().ok(["wait", "--for", "condition=established", "crd/gizmos.demo.example.com"])).trim(),
      ).toBe("customresourcedefinition.apiextensions.k8s.io/gizmos.demo.example.com condition met");
      const gz = file(
        "gizmo.yaml",
        "apiVersion: demo.example.com/v1alpha1\nkind: Gizmo\nmetadata:\n  name: g1\nspec:\n  level: 3\n",
      );
      // kubectl's discovery cache may not know the new kind yet on the first try
      await eventually(async () => (await kubectl().run(["apply", "-f", gz])).code === 0, 20_000, "the Gizmo applied");
      const out = await kubectl().ok(["get", "gz"]);
      expect(normalizeTable(out)).toBe("NAME AGE\ng1 <age>");
      expect((await kubectl().ok(["delete", "crd", "gizmos.demo.example.com"])).trim()).toBe(
        'customresourcedefinition.apiextensions.k8s.io "gizmos.demo.example.com" deleted',
      );
      await eventually(
        async () => (await kubectl().run(["get", "gizmos.v1alpha1.demo.example.com"])).code === 1,
        20_000,
        "gizmos gone",
      );
    });

    it("applies the RBAC objects of an install manifest from stdin", async () => {
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
      expect((await kubectl().ok(["apply", "-f", "-"], { input: manifest })).trim().split("\n")).toEqual([
        "serviceaccount/operator created",
        "clusterrole.rbac.authorization.k8s.io/operator created",
        "clusterrolebinding.rbac.authorization.k8s.io/operator created",
      ]);
    });
  });

  describe("apply, server-side", () => {
    it("creates, then reports a conflict with another manager unless forced", async () => {
      const w = file("ssa.yaml", widgetYaml("w-ssa", "  size: small"));
      expect((await kubectl().ok(["apply", "--server-side", "-f", w])).trim()).toBe(
        "widget.demo.example.com/w-ssa serverside-applied",
      );
      const w2 = file("ssa2.yaml", widgetYaml("w-ssa", "  size: large"));
      const r = await kubectl().run(["apply", "--server-side", "--field-manager=other", "-f", w2]);
      expect(r.code).toBe(1);
      const firstLine = r.stderr.split("\n")[0];
      expect(firstLine).toBe(`error: Apply failed with 1 conflict: conflict with "kubectl": .spec.size`);
      seen.record(b().name, "ssa conflict message", r.stderr);
      await kubectl().ok(["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", w2]);
      const after = await json<{
        spec: Record<string, unknown>;
        metadata: { managedFields: { manager: string; operation: string }[] };
      }>(["get", "widget", "w-ssa", "--show-managed-fields"]);
      expect(after.spec.size).toBe("large");
      const managers = after.metadata.managedFields.map((m) => `${m.manager}/${m.operation}`);
      // kubectl owned only spec.size: forced over, its entry is gone
      expect(managers).toEqual(["other/Apply"]);
    });

    it("--dry-run=server validates without storing", async () => {
      const w = file("dry.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-dry\ndata:\n  a: b\n");
      expect((await kubectl().ok(["apply", "--dry-run=server", "-f", w])).trim()).toBe(
        "configmap/cm-dry created (server dry run)",
      );
      const r = await kubectl().run(["get", "cm", "cm-dry"]);
      expect(r.stderr.trim()).toBe('Error from server (NotFound): configmaps "cm-dry" not found');
    });
  });

  describe("get output formats and selectors", () => {
    it("-o yaml, -o json, -o jsonpath, -o name, -o wide, -o custom-columns", async () => {
      await Promise.all([
        kubectl().ok(["create", "configmap", "cm-a", "--from-literal=k=v"]),
        kubectl().ok(["create", "configmap", "cm-b", "--from-literal=k=w"]),
      ]);
      await kubectl().ok(["label", "configmap", "cm-a", "tier=front"]);
      const [yaml, cm, names, name, wide, custom] = await Promise.all([
        kubectl().ok(["get", "cm", "cm-a", "-o", "yaml"]),
        json<{ data: { k: string }; metadata: { labels: Record<string, string> } }>(["get", "cm", "cm-a"]),
        kubectl().ok(["get", "cm", "cm-a", "cm-b", "-o", "jsonpath={.items[*].metadata.name}"]),
        kubectl().ok(["get", "cm", "-l", "tier=front", "-o", "name"]),
        kubectl().ok(["get", "widgets", "-o", "wide", "-l", "app=demo"]),
        kubectl().ok(["get", "cm", "cm-a", "-o", "custom-columns=NAME:.metadata.name,K:.data.k"]),
      ]);
      expect(yaml).toMatch(/^apiVersion: v1\ndata:\n {2}k: v\nkind: ConfigMap\nmetadata:\n/);
      expect(cm.data.k).toBe("v");
      expect(cm.metadata.labels).toEqual({ tier: "front" });
      expect(names).toBe("cm-a cm-b");
      expect(name.trim()).toBe("configmap/cm-a");
      expect(normalizeTable(wide)).toBe("NAME SIZE REPLICAS AGE\nw1 small 1 <age>");
      expect(normalizeTable(custom)).toBe("NAME K\ncm-a v");
    });

    it("label selectors with set operators, field selectors and -A", async () => {
      const [none, notIn, field, exists] = await Promise.all([
        kubectl().ok(["get", "cm", "-l", "tier in (back)", "-o", "name"]),
        kubectl().ok(["get", "cm", "-l", "tier notin (back),tier", "-o", "name"]),
        kubectl().ok(["get", "cm", "-A", "--field-selector", "metadata.name=cm-b"]),
        kubectl().ok(["get", "cm", "-l", "!tier", "-o", "name", "--field-selector", "metadata.name!=kube-root-ca.crt"]),
      ]);
      expect(none.trim()).toBe("");
      expect(notIn.trim()).toBe("configmap/cm-a");
      expect(normalizeTable(field)).toBe("NAMESPACE NAME DATA AGE\ndefault cm-b 1 <age>");
      expect(exists.trim().split("\n")).toContain("configmap/cm-b");
      expect(exists).not.toContain("configmap/cm-a");
    });

    it("a missing object is NotFound; an unknown resource type is named", async () => {
      const [missing, unknown] = await Promise.all([
        kubectl().run(["get", "cm", "nope"]),
        kubectl().run(["get", "doohickeys"]),
      ]);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toBe('Error from server (NotFound): configmaps "nope" not found');
      expect(unknown.code).toBe(1);
      expect(unknown.stderr.trim()).toBe(`error: the server doesn't have a resource type "doohickeys"`);
    });

    it("get -w prints the initial rows and then a change", async () => {
      const child = kubectl().spawn(["get", "cm", "-w", "-o", "name", "-l", "watched"]);
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
      });
      try {
        await kubectl().ok(["create", "configmap", "cm-w1", "--from-literal=a=b"]);
        await kubectl().ok(["label", "configmap", "cm-w1", "watched=yes"]);
        await eventually(() => out.includes("configmap/cm-w1"), 20_000, "the watched row");
        await kubectl().ok(["annotate", "configmap", "cm-w1", "x=y"]);
        await eventually(
          () => out.split("\n").filter((l) => l === "configmap/cm-w1").length >= 2,
          20_000,
          "the change",
        );
      } finally {
        child.kill();
      }
    });

    it("get -w --output-watch-events prints the event types of a watch from a resourceVersion", async () => {
      const rv = (await kubectl().ok(["get", "cm", "cm-b", "-o", "jsonpath={.metadata.resourceVersion}"])).trim();
      const child = kubectl().spawn(["get", "cm", "cm-b", "-w", "--watch-only", "--output-watch-events", "-o", "json"]);
      const events = () =>
        out
          .split(/\n(?=\{)/)
          .filter((chunk) => chunk.trim() !== "")
          .map((chunk) => JSON.parse(chunk) as { type: string; object: { data?: { k?: string } } })
          .map((e) => `${e.type}:${e.object.data?.k ?? ""}`);
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
      });
      try {
        await new Promise((r) => setTimeout(r, 1500));
        await kubectl().ok(["patch", "cm", "cm-b", "--type=merge", "-p", '{"data":{"k":"z"}}']);
        await eventually(() => events().includes("MODIFIED:z"), 20_000, "the MODIFIED event");
        await kubectl().ok(["delete", "cm", "cm-b"]);
        await eventually(() => events().includes("DELETED:z"), 20_000, "the DELETED event");
        expect(events()).toEqual(["MODIFIED:z", "DELETED:z"]);
        expect(rv).toMatch(/^\d+$/);
      } finally {
        child.kill();
      }
    });
  });

  describe("patch, label, annotate, scale", () => {
    it("merge and JSON patches bump the generation; an empty change is 'no change'", async () => {
      const before = (await widget("w1")).metadata.generation;
      const [merge] = await Promise.all([
        kubectl().ok(["patch", "widget", "w1", "--type=merge", "-p", '{"spec":{"size":"large"}}']),
      ]);
      expect(merge.trim()).toBe("widget.demo.example.com/w1 patched");
      expect(
        (
          await kubectl().ok([
            "patch",
            "widget",
            "w1",
            "--type=json",
            "-p",
            '[{"op":"replace","path":"/spec/color","value":"red"}]',
          ])
        ).trim(),
      ).toBe("widget.demo.example.com/w1 patched");
      const w = await widget("w1");
      expect(w.spec).toMatchObject({ size: "large", color: "red" });
      expect(w.metadata.generation).toBe(before + 2);
      expect(
        (await kubectl().ok(["patch", "widget", "w1", "--type=merge", "-p", '{"spec":{"size":"large"}}'])).trim(),
      ).toBe("widget.demo.example.com/w1 patched (no change)");
    });

    it("a JSON patch whose test fails is refused", async () => {
      const r = await kubectl().run([
        "patch",
        "widget",
        "w1",
        "--type=json",
        "-p",
        '[{"op":"test","path":"/spec/size","value":"small"}]',
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        "The request is invalid: the server rejected our request due to an error in our request",
      );
    });

    it("a strategic merge patch on a custom resource is 415 UnsupportedMediaType", async () => {
      const r = await kubectl().run(["patch", "widget", "w1", "-p", '{"spec":{"size":"small"}}']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        "error: application/strategic-merge-patch+json is not supported by demo.example.com/v1, Kind=Widget: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
      );
    });

    it("a strategic merge patch on a Deployment merges containers by name", async () => {
      const out = await kubectl().ok([
        "patch",
        "deployment",
        "smp",
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox:1.37"}]}}}}',
      ]);
      expect(out.trim()).toBe("deployment.apps/smp patched");
      const images = await kubectl().ok([
        "get",
        "deployment",
        "smp",
        "-o",
        "jsonpath={.spec.template.spec.containers[*].image}",
      ]);
      expect(images).toBe("nginx:1.27 busybox:1.37");
    });

    it("label and annotate, overwrite and removal", async () => {
      expect((await kubectl().ok(["label", "widget", "w1", "team=a"])).trim()).toBe(
        "widget.demo.example.com/w1 labeled",
      );
      expect((await kubectl().ok(["annotate", "widget", "w1", "note=hello"])).trim()).toBe(
        "widget.demo.example.com/w1 annotated",
      );
      const clash = await kubectl().run(["label", "widget", "w1", "team=b"]);
      expect(clash.code).toBe(1);
      expect(clash.stderr.trim()).toBe("error: 'team' already has a value (a), and --overwrite is false");
      await kubectl().ok(["label", "widget", "w1", "team=b", "--overwrite"]);
      const w = await widget("w1");
      expect(w.metadata.labels).toEqual({ app: "demo", team: "b" });
      expect((w.metadata.annotations as Record<string, string>).note).toBe("hello");
      expect((await kubectl().ok(["label", "widget", "w1", "team-"])).trim()).toBe(
        "widget.demo.example.com/w1 unlabeled",
      );
      expect((await kubectl().ok(["annotate", "widget", "w1", "note-"])).trim()).toBe(
        "widget.demo.example.com/w1 annotated",
      );
    });

    it("scale a custom resource through its scale subresource, and a Deployment", async () => {
      expect((await kubectl().ok(["scale", "widget", "w1", "--replicas=2"])).trim()).toBe(
        "widget.demo.example.com/w1 scaled",
      );
      expect((await widget("w1")).spec.replicas).toBe(2);
      const stale = await kubectl().run(["scale", "widget", "w1", "--current-replicas=5", "--replicas=3"]);
      expect(stale.code).toBe(1);
      seen.record(b().name, "scale precondition", stale.stderr.trim());
      expect((await kubectl().ok(["scale", "deployment", "smp", "--replicas=3"])).trim()).toBe(
        "deployment.apps/smp scaled",
      );
      expect(await kubectl().ok(["get", "deployment", "smp", "-o", "jsonpath={.spec.replicas}"])).toBe("3");
    });

    it("status is written only through the status subresource", async () => {
      const gen = (await widget("w1")).metadata.generation;
      expect(
        (
          await kubectl().ok([
            "patch",
            "widget",
            "w1",
            "--subresource=status",
            "--type=merge",
            "-p",
            '{"status":{"replicas":7}}',
          ])
        ).trim(),
      ).toBe("widget.demo.example.com/w1 patched");
      expect((await widget("w1")).status?.replicas).toBe(7);
      expect(
        (await kubectl().ok(["patch", "widget", "w1", "--type=merge", "-p", '{"status":{"replicas":1}}'])).trim(),
      ).toBe("widget.demo.example.com/w1 patched (no change)");
      const w = await widget("w1");
      expect(w.status?.replicas).toBe(7);
      expect(w.metadata.generation).toBe(gen);
    });

    it("create -f, AlreadyExists on a second create, replace -f", async () => {
      const w = file("cr.yaml", widgetYaml("w-cr", "  size: small"));
      expect((await kubectl().ok(["create", "-f", w])).trim()).toBe("widget.demo.example.com/w-cr created");
      const again = await kubectl().run(["create", "-f", w]);
      expect(again.code).toBe(1);
      expect(again.stderr.trim()).toBe(
        `Error from server (AlreadyExists): error when creating "${w}": widgets.demo.example.com "w-cr" already exists`,
      );
      const changed = file("cr2.yaml", widgetYaml("w-cr", "  size: huge"));
      expect((await kubectl().ok(["replace", "-f", changed])).trim()).toBe("widget.demo.example.com/w-cr replaced");
      expect((await widget("w-cr")).spec.size).toBe("huge");
    });

    it("diff shows a pending change through a server-side dry run, and stores nothing", async () => {
      const changed = file("diff.yaml", widgetYaml("w-cr", "  size: small"));
      const r = await kubectl().run(["diff", "-f", changed]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("-  size: huge");
      expect(r.stdout).toContain("+  size: small");
      expect((await widget("w-cr")).spec.size).toBe("huge");
    });
  });

  describe("describe, wait, delete, explain", () => {
    it("describe shows the object and its events", async () => {
      const uid = (await widget("w1")).metadata.uid;
      const event = [
        "apiVersion: v1",
        "kind: Event",
        "metadata: {name: w1.evt, namespace: default}",
        `involvedObject: {apiVersion: demo.example.com/v1, kind: Widget, name: w1, namespace: default, uid: ${uid}}`,
        "reason: Polished",
        "message: the widget shines",
        "type: Normal",
        "count: 1",
        "source: {component: widget-controller}",
        `firstTimestamp: "${nowRfc3339()}"`,
        `lastTimestamp: "${nowRfc3339()}"`,
        "",
      ].join("\n");
      await kubectl().ok(["create", "-f", "-"], { input: event });
      const out = await kubectl().ok(["describe", "widget", "w1"]);
      expect(out).toMatch(/^Name:\s+w1$/m);
      expect(out).toMatch(/^Namespace:\s+default$/m);
      expect(out).toMatch(/^API Version:\s+demo.example.com\/v1$/m);
      expect(out).toMatch(/^Kind:\s+Widget$/m);
      expect(out).toMatch(/Normal\s+Polished\s+\S+\s+widget-controller\s+the widget shines/);
    });

    it("wait --for=condition and --for=jsonpath return once the status says so", async () => {
      const waiting = kubectl().run(["wait", "--for=condition=Ready", "widget/w1", "--timeout=30s"], {
        timeoutMs: 40_000,
      });
      const waitingPath = kubectl().run(["wait", "--for=jsonpath={.status.replicas}=3", "widget/w1", "--timeout=30s"], {
        timeoutMs: 40_000,
      });
      await new Promise((r) => setTimeout(r, 1000));
      await kubectl().ok([
        "patch",
        "widget",
        "w1",
        "--subresource=status",
        "--type=merge",
        "-p",
        JSON.stringify({ status: { replicas: 3, conditions: [{ type: "Ready", status: "True" }] } }),
      ]);
      const [r, p] = await Promise.all([waiting, waitingPath]);
      expect(r.stdout.trim()).toBe("widget.demo.example.com/w1 condition met");
      expect(r.code).toBe(0);
      expect(p.stdout.trim()).toBe("widget.demo.example.com/w1 condition met");
    });

    it("delete waits for finalizers, and times out while one holds", async () => {
      const fin = "  finalizers: [demo.example.com/hold]\n";
      await kubectl().ok(["apply", "-f", file("fin.yaml", widgetYaml("w-fin", "  size: small", fin))]);
      await kubectl().ok(["apply", "-f", file("fin2.yaml", widgetYaml("w-fin2", "  size: small", fin))]);
      const timedOut = await kubectl().run(["delete", "widget", "w-fin2", "--timeout=2s"]);
      expect(timedOut.code).toBe(1);
      // (on a busy machine client-go may also log that its watch hit the same deadline)
      expect(timedOut.stderr.trim().split("\n").at(-1)).toBe(
        "error: timed out waiting for the condition on widgets/w-fin2",
      );
      const deleting = kubectl().run(["delete", "widget", "w-fin", "--timeout=30s"], { timeoutMs: 40_000 });
      await eventually(
        async () => (await widget("w-fin")).metadata.deletionTimestamp !== undefined,
        20_000,
        "deletionTimestamp",
      );
      const stuck = await kubectl().ok([
        "get",
        "widget",
        "w-fin",
        "-o",
        "jsonpath={.metadata.deletionGracePeriodSeconds}",
      ]);
      expect(stuck).toBe("0");
      await kubectl().ok([
        "patch",
        "widget",
        "w-fin",
        "--type=json",
        "-p",
        '[{"op":"remove","path":"/metadata/finalizers"}]',
      ]);
      const r = await deleting;
      expect(r.stdout.trim()).toBe('widget.demo.example.com "w-fin" deleted from default namespace');
      expect(r.code).toBe(0);
      const gone = await kubectl().run(["get", "widget", "w-fin"]);
      expect(gone.stderr.trim()).toBe('Error from server (NotFound): widgets.demo.example.com "w-fin" not found');
      await kubectl().ok(["patch", "widget", "w-fin2", "--type=merge", "-p", '{"metadata":{"finalizers":null}}']);
    });

    it("explain describes a CRD kind, a field, and a built-in kind", async () => {
      const [kind, field, pods] = await Promise.all([
        kubectl().ok(["explain", "widgets"]),
        kubectl().ok(["explain", "widget.spec.size"]),
        kubectl().ok(["explain", "pods"]),
      ]);
      expect(kind).toMatch(/^GROUP:\s+demo.example.com\nKIND:\s+Widget\nVERSION:\s+v1\n/);
      expect(kind).toContain("A demo widget.");
      expect(field).toMatch(/^FIELD:\s+size <string>$/m);
      expect(field).toContain("How big the widget is.");
      expect(field).toMatch(/ENUM:\s*\n\s+small\n\s+large\n\s+huge/);
      expect(pods).toMatch(/^KIND:\s+Pod\nVERSION:\s+v1\n/);
      seen.record(b().name, "explain widget.spec.size", field);
    });
  });

  describe("typed kubectl commands (protobuf bodies) and errors", () => {
    it("create secret generic and docker-registry, namespace, configmap in it, service account", async () => {
      const outs = await Promise.all([
        kubectl().ok(["create", "secret", "generic", "s1", "--from-literal=password=hunter2"]),
        kubectl().ok([
          "create",
          "secret",
          "docker-registry",
          "regcred",
          "--docker-server=registry.example.com",
          "--docker-username=u",
          "--docker-password=p",
        ]),
        kubectl().ok(["create", "namespace", "team-a"]),
        kubectl().ok(["create", "serviceaccount", "robot"]),
      ]);
      expect(outs.map((o) => o.trim())).toEqual([
        "secret/s1 created",
        "secret/regcred created",
        "namespace/team-a created",
        "serviceaccount/robot created",
      ]);
      expect((await kubectl().ok(["create", "configmap", "cm-ns", "-n", "team-a", "--from-literal=a=b"])).trim()).toBe(
        "configmap/cm-ns created",
      );
      const s = await json<{ data: { password: string } }>(["get", "secret", "s1"]);
      expect(Buffer.from(s.data.password, "base64").toString()).toBe("hunter2");
      expect(await kubectl().ok(["get", "secret", "regcred", "-o", "jsonpath={.type}"])).toBe(
        "kubernetes.io/dockerconfigjson",
      );
    });

    it("creating in a missing namespace is NotFound; an invalid name is Invalid", async () => {
      const [missing, bad] = await Promise.all([
        kubectl().run(["create", "configmap", "x", "-n", "missing-ns"]),
        kubectl().run([
          "apply",
          "-f",
          file("badname.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n"),
        ]),
      ]);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toBe('error: failed to create configmap: namespaces "missing-ns" not found');
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim()).toBe(
        `The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      );
    });
  });

  describe("deprecated APIs", () => {
    const version = (name: string, extra: Record<string, unknown> = {}) => ({
      name,
      served: true,
      storage: name === "v1",
      schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      ...extra,
    });
    const sprockets = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "sprockets.demo.example.com" },
      spec: {
        group: "demo.example.com",
        scope: "Namespaced",
        names: { kind: "Sprocket", plural: "sprockets", singular: "sprocket", listKind: "SprocketList" },
        versions: [
          version("v1"),
          version("v1beta1", { deprecated: true }),
          version("v1alpha1", { deprecated: true, deprecationWarning: "sprockets v1alpha1 go away in 2027" }),
        ],
      },
    };

    it("v1 Endpoints warns on every request", async () => {
      const r = await kubectl().run(["get", "endpoints", "-n", "kube-system"]);
      expect(r.stderr.split("\n")[0]).toBe(
        "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
      );
      const missing = await kubectl().run(["get", "endpoints", "nope"]);
      expect(missing.stderr.trim()).toBe(
        'Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\nError from server (NotFound): endpoints "nope" not found',
      );
    });

    it("a CRD version marked deprecated warns with its own text or the default one", async () => {
      await kubectl().ok(["create", "-f", "-"], { input: JSON.stringify(sprockets) });
      await kubectl().ok(["wait", "--for=condition=Established", "--timeout=60s", "crd/sprockets.demo.example.com"]);
      const sprocket = (v: string, name: string) =>
        JSON.stringify({ apiVersion: `demo.example.com/${v}`, kind: "Sprocket", metadata: { name }, spec: { a: 1 } });
      const created = await eventually(
        async () => {
          const r = await kubectl().run(["create", "-f", "-"], { input: sprocket("v1beta1", "s1") });
          return r.code === 0 ? r : undefined;
        },
        30_000,
        "the v1beta1 Sprocket to be created",
      );
      expect(created.stdout.trim()).toBe("sprocket.demo.example.com/s1 created");
      expect(created.stderr.trim()).toBe(
        "Warning: demo.example.com/v1beta1 Sprocket is deprecated; use demo.example.com/v1 Sprocket",
      );
      const alpha = await kubectl().run(["get", "sprockets.v1alpha1.demo.example.com", "s1", "-o", "name"]);
      expect(alpha.stdout.trim()).toBe("sprocket.demo.example.com/s1");
      expect(alpha.stderr.trim()).toBe("Warning: sprockets v1alpha1 go away in 2027");
      const current = await kubectl().run(["get", "sprockets.v1.demo.example.com", "s1", "-o", "name"]);
      expect(current.stderr).toBe("");
      await kubectl().ok(["delete", "crd", "sprockets.demo.example.com", "--wait=false"]);
    });
  });

  describe("stored objects", () => {
    it("a Workspace, a Widget and a Deployment are stored with the same defaults, pruning and managedFields", async () => {
      const seed = join(
        import.meta.dirname,
        "..",
        "..",
        "..",
        "..",
        "examples",
        "fine-tuning",
        "kaito_workspace_tuning_phi_3_local.yaml",
      );
      await kubectl().ok(["apply", "-f", seed]);
      const normalize = (o: Record<string, unknown>): unknown =>
        JSON.parse(
          JSON.stringify(o)
            .replace(/"(uid|resourceVersion|creationTimestamp|time|lastTransitionTime)":"[^"]*"/g, '"$1":"<x>"')
            .replace(/"kubectl\.kubernetes\.io\/last-applied-configuration":"(?:[^"\\]|\\.)*"/, '"last-applied":"<x>"'),
        );
      const [ws, w1, smp] = await Promise.all([
        json<Record<string, unknown>>(["get", "workspace", "workspace-tuning-phi-3", "--show-managed-fields"]),
        json<Record<string, unknown>>(["get", "widget", "w-cr", "--show-managed-fields"]),
        json<Record<string, unknown>>(["get", "deployment", "smp", "--show-managed-fields"]),
      ]);
      seen.record(b().name, "stored Workspace", normalize(ws));
      seen.record(b().name, "stored Widget", normalize(w1));
      // the Deployment's managedFields too: entries in the server's order, the scale write's without a time
      seen.record(b().name, "stored Deployment", normalize(smp));
      const { managedFields } = smp.metadata as { managedFields: Record<string, unknown>[] };
      expect(managedFields.map((m) => `${m.manager}/${m.operation}/${m.subresource ?? ""}/${"time" in m}`)).toEqual([
        "kubectl-v1.37.2/Update/scale/false",
        "kubectl-client-side-apply/Update//true",
        "kubectl-patch/Update//true",
      ]);
      // Deployment.spec.selector is atomic: owned whole
      const csa = managedFields[1]?.fieldsV1 as { "f:spec": Record<string, unknown> };
      expect(csa["f:spec"]["f:selector"]).toEqual({});
    });

    it("a created Service's managedFields: the creator owns what it sent and the defaults", async () => {
      await kubectl().ok(["create", "service", "clusterip", "mf-svc", "--tcp=80:8080"]);
      const svc = await json<{
        metadata: { managedFields: { manager: string; fieldsV1: { "f:spec": Record<string, unknown> } }[] };
      }>(["get", "service", "mf-svc", "--show-managed-fields"]);
      expect(svc.metadata.managedFields.map((m) => m.manager)).toEqual(["kubectl-create"]);
      const owned = ["f:internalTrafficPolicy", "f:ports", "f:selector", "f:sessionAffinity", "f:type"];
      expect(Object.keys(svc.metadata.managedFields[0]?.fieldsV1["f:spec"] ?? {}).sort()).toEqual(
        expectedOn(b().name, owned, {
          id: "builtin-managed-fields",
          clusterSim: [
            // also what the real server's registry allocates after its field manager ran
            "f:clusterIP",
            "f:clusterIPs",
            "f:internalTrafficPolicy",
            "f:ipFamilies",
            "f:ipFamilyPolicy",
            "f:ports",
            "f:selector",
            "f:sessionAffinity",
            "f:type",
          ],
        }),
      );
      await kubectl().ok(["delete", "service", "mf-svc"]);
    });
  });

  describe("printed tables", () => {
    it("kubectl get -o wide prints the same columns for each kind", async () => {
      const kinds = [
        "namespaces",
        "configmaps",
        "secrets",
        "serviceaccounts",
        "services",
        "deployments",
        "customresourcedefinitions",
        "widgets",
        "events",
        "clusterroles",
      ];
      const outs = await Promise.all(kinds.map((k) => kubectl().ok(["get", k, "-o", "wide", "-A"])));
      kinds.forEach((k, i) => {
        const header = outs[i]?.split("\n")[0]?.trim().split(/\s+/) ?? [];
        expect(header).toContain("NAME");
        seen.record(b().name, `get ${k} -o wide -A columns`, header);
      });
      const services = normalizeTable(await kubectl().ok(["get", "svc", "kubernetes", "-o", "wide"]));
      seen.record(
        b().name,
        "get svc kubernetes -o wide",
        services.replace(/\b\d+\.\d+\.\d+\.\d+\b/g, "<ip>").replace(/\d+\/TCP/, "<port>/TCP"),
      );
    });
  });
});

describe("the backends agree", () => {
  it("on the messages and texts recorded above", () => {
    expect(seen.complete()).toBeGreaterThan(0);
    expect(seen.pairs()).toEqual(seen.expected());
  });
});
