import { describe, expect, it } from "vitest";
import { isClusterSimError } from "../../src/errors/index.ts";
import {
  ageSince,
  buildTable,
  checkPrinterColumns,
  crdColumnCell,
  evaluateJsonPath,
  humanDuration,
  jsonPathText,
  podStatusSummary,
  printerColumnsFor,
} from "../../src/semantics/index.ts";

const now = new Date("2026-11-28T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString().replace(/\.\d+Z$/, "Z");
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("humanDuration", () => {
  it("matches apimachinery's HumanDuration", () => {
    const cases: [number, string][] = [
      [-5 * S, "<invalid>"],
      [-1 * S, "0s"],
      [0, "0s"],
      [45 * S, "45s"],
      [119 * S, "119s"],
      [2 * M, "2m"],
      [5 * M + 2 * S, "5m2s"],
      [10 * M, "10m"],
      [179 * M, "179m"],
      [3 * H + 2 * M, "3h2m"],
      [5 * H, "5h"],
      [20 * H, "20h"],
      [47 * H, "47h"],
      [5 * D + 3 * H, "5d3h"],
      [5 * D, "5d"],
      [30 * D, "30d"],
      [729 * D, "729d"],
      [2 * 365 * D + 10 * D, "2y10d"],
      [3 * 365 * D, "3y"],
      [9 * 365 * D, "9y"],
    ];
    for (const [ms, text] of cases) expect(humanDuration(ms), text).toBe(text);
    expect(ageSince(undefined, now)).toBe("<unknown>");
    expect(ageSince("garbage", now)).toBe("<unknown>");
    expect(ageSince(ago(10 * M), now)).toBe("10m");
  });
});

describe("evaluateJsonPath", () => {
  const obj = {
    metadata: { name: "w", labels: { "app.kubernetes.io/name": "x" } },
    spec: { replicas: 3, ready: true, items: [{ n: 1 }, { n: 2 }, { n: 3 }] },
    status: {
      conditions: [
        { type: "ResourceReady", status: "True" },
        { type: "InferenceReady", status: "False", n: 2 },
      ],
    },
  };
  it("supports fields, indexes, wildcards, slices, filters and recursion", () => {
    expect(evaluateJsonPath(obj, ".metadata.name")).toEqual(["w"]);
    expect(evaluateJsonPath(obj, "{.spec.replicas}")).toEqual([3]);
    expect(evaluateJsonPath(obj, ".spec.items[0].n")).toEqual([1]);
    expect(evaluateJsonPath(obj, ".spec.items[-1].n")).toEqual([3]);
    expect(evaluateJsonPath(obj, ".spec.items[*].n")).toEqual([1, 2, 3]);
    expect(evaluateJsonPath(obj, ".spec.items[0:2].n")).toEqual([1, 2]);
    expect(evaluateJsonPath(obj, '.status.conditions[?(@.type=="ResourceReady")].status')).toEqual(["True"]);
    expect(evaluateJsonPath(obj, ".status.conditions[?(@.type!='ResourceReady')].type")).toEqual(["InferenceReady"]);
    expect(evaluateJsonPath(obj, ".status.conditions[?(@.n)].type")).toEqual(["InferenceReady"]);
    expect(evaluateJsonPath(obj, ".spec.items[?(@.n>1)].n")).toEqual([2, 3]);
    expect(evaluateJsonPath(obj, ".metadata.labels['app.kubernetes.io/name']")).toEqual(["x"]);
    expect(evaluateJsonPath(obj, ".metadata.labels.app\\.kubernetes\\.io/name")).toEqual(["x"]);
    expect(evaluateJsonPath(obj, "..n")).toEqual([1, 2, 3, 2]);
    expect(evaluateJsonPath(obj, ".spec.missing")).toEqual([]);
    expect(evaluateJsonPath(obj, ".spec.items[9]")).toEqual([]);
  });
  it("rejects unsupported syntax with a 400", () => {
    try {
      evaluateJsonPath(obj, ".spec[");
      throw new Error("expected an error");
    } catch (e) {
      expect(isClusterSimError(e) && e.code).toBe("BAD_REQUEST");
    }
  });
  it("prints results like kubectl", () => {
    expect(jsonPathText("a")).toBe("a");
    expect(jsonPathText(3)).toBe("3");
    expect(jsonPathText(true)).toBe("true");
    expect(jsonPathText({ a: 1 })).toBe('{"a":1}');
  });
});

describe("CRD printer columns", () => {
  const ws = {
    apiVersion: "kaito.sh/v1beta1",
    kind: "Workspace",
    metadata: { name: "workspace-tuning-phi-3", namespace: "default", uid: "u", creationTimestamp: ago(5 * M + 2 * S) },
    resource: { instanceType: "Standard_NC24ads_A100_v4" },
    tuning: { preset: { name: "phi-3-mini-128k-instruct" } },
    status: {
      conditions: [
        { type: "ResourceReady", status: "True" },
        { type: "JobStarted", status: "True" },
        { type: "WorkspaceSucceeded", status: "False" },
      ],
    },
  };
  const columns = [
    { name: "Instance", type: "string", jsonPath: ".resource.instanceType", description: "GPU instance type" },
    { name: "ResourceReady", type: "string", jsonPath: '.status.conditions[?(@.type=="ResourceReady")].status' },
    { name: "InferenceReady", type: "string", jsonPath: '.status.conditions[?(@.type=="InferenceReady")].status' },
    { name: "JobStarted", type: "string", jsonPath: '.status.conditions[?(@.type=="JobStarted")].status' },
    {
      name: "WorkspaceSucceeded",
      type: "string",
      jsonPath: '.status.conditions[?(@.type=="WorkspaceSucceeded")].status',
    },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ];

  it("builds the Workspace table of the seed", () => {
    const t = buildTable({ objects: [ws], columns, resourceVersion: "42", now });
    expect(t.kind).toBe("Table");
    expect(t.apiVersion).toBe("meta.k8s.io/v1");
    expect(t.metadata).toEqual({ resourceVersion: "42" });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual([
      "Name",
      "Instance",
      "ResourceReady",
      "InferenceReady",
      "JobStarted",
      "WorkspaceSucceeded",
      "Age",
    ]);
    expect(t.columnDefinitions[0]).toMatchObject({ type: "string", format: "name", priority: 0 });
    expect(t.columnDefinitions[1]?.description).toBe("GPU instance type");
    expect(t.columnDefinitions[2]?.description).toBe(
      'Custom resource definition column (in JSONPath format): .status.conditions[?(@.type=="ResourceReady")].status',
    );
    expect(t.columnDefinitions[6]).toMatchObject({ type: "date", format: "" });
    expect(t.rows[0]?.cells).toEqual([
      "workspace-tuning-phi-3",
      "Standard_NC24ads_A100_v4",
      "True",
      null,
      "True",
      "False",
      "5m2s",
    ]);
    expect(t.rows[0]?.object).toEqual({
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: ws.metadata,
    });
  });

  it("validates printer columns like apiextensions", () => {
    expect(checkPrinterColumns(columns)).toEqual([]);
    expect(
      checkPrinterColumns([
        { name: "", type: "text", jsonPath: "spec.x" },
        { name: "A", type: "string", format: "uuid", jsonPath: ".spec[" },
        { name: "B" },
      ]),
    ).toEqual([
      "spec.versions[0].additionalPrinterColumns[0].name: Required value",
      'spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
      'spec.versions[0].additionalPrinterColumns[0].JSONPath: Invalid value: "spec.x": must be a simple json path starting with .',
      'spec.versions[0].additionalPrinterColumns[1].format: Invalid value: "uuid": must be one of byte,date,date-time,double,float,int32,int64,password',
      'spec.versions[0].additionalPrinterColumns[1].JSONPath: Invalid value: ".spec[": must be a valid JSONPath expression',
      "spec.versions[0].additionalPrinterColumns[2].type: Required value: must be one of boolean,date,integer,number,string",
      "spec.versions[0].additionalPrinterColumns[2].JSONPath: Required value",
    ]);
  });

  it("accepts printer-column paths with escaped dots and filters, and evaluates them", () => {
    const typePath = ".metadata.labels.node\\.kubernetes\\.io/instance-type";
    expect(
      checkPrinterColumns([
        { name: "Type", type: "string", jsonPath: typePath },
        { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: "Anno", type: "string", jsonPath: ".metadata.annotations['example\\.com/x']" },
      ]),
    ).toEqual([]);
    const node = {
      metadata: { name: "n", labels: { "node.kubernetes.io/instance-type": "Standard_NC24ads_A100_v4" } },
    };
    expect(crdColumnCell(node, { name: "Type", type: "string", jsonPath: typePath }, now)).toBe(
      "Standard_NC24ads_A100_v4",
    );
    expect(checkPrinterColumns([{ name: "Bad", type: "string", jsonPath: ".metadata.labels.a\\.b[" }])).toEqual([
      'spec.versions[0].additionalPrinterColumns[0].JSONPath: Invalid value: ".metadata.labels.a\\\\.b[": must be a valid JSONPath expression',
    ]);
  });

  it("types cells and handles includeObject", () => {
    const o = { metadata: { name: "x" }, spec: { n: 2.7, f: 1, b: true, s: 5, when: "nope", obj: { a: 1 } } };
    expect(crdColumnCell(o, { name: "N", type: "integer", jsonPath: ".spec.n" }, now)).toBe(2);
    expect(crdColumnCell(o, { name: "F", type: "number", jsonPath: ".spec.f" }, now)).toBe(1);
    expect(crdColumnCell(o, { name: "B", type: "boolean", jsonPath: ".spec.b" }, now)).toBe(true);
    expect(crdColumnCell(o, { name: "S", type: "string", jsonPath: ".spec.s" }, now)).toBe("5");
    expect(crdColumnCell(o, { name: "O", type: "string", jsonPath: ".spec.obj" }, now)).toBe('{"a":1}');
    expect(crdColumnCell(o, { name: "W", type: "date", jsonPath: ".spec.when" }, now)).toBe("<invalid>");
    expect(crdColumnCell(o, { name: "X", type: "integer", jsonPath: ".spec.b" }, now)).toBeNull();
    expect(crdColumnCell(o, { name: "Bad", type: "string", jsonPath: ".spec[" }, now)).toBeNull();
    expect(buildTable({ objects: [o], columns: [], includeObject: "None", now }).rows[0]).toEqual({
      cells: ["x", "<unknown>"],
      object: null,
    });
    const full = buildTable({ objects: [o], includeObject: "Object", continue: "c1", now });
    expect(full.rows[0]?.object).toEqual(o);
    expect(full.metadata).toEqual({ continue: "c1" });
    expect(full.columnDefinitions.map((c) => `${c.name}:${c.type}`)).toEqual(["Name:string", "Age:date"]);
    expect(buildTable({ objects: [], columns, now }).rows).toEqual([]);
  });
});

describe("built-in printers", () => {
  const names = (group: string, kind: string, wide = false) =>
    printerColumnsFor(group, kind)
      .filter((c) => wide || c.definition.priority === 0)
      .map((c) => c.definition.name.toUpperCase());

  it("declares the real columns", () => {
    expect(names("", "Node")).toEqual(["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    expect(names("", "Pod")).toEqual(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    expect(names("", "Pod", true)).toEqual([
      "NAME",
      "READY",
      "STATUS",
      "RESTARTS",
      "AGE",
      "IP",
      "NODE",
      "NOMINATED NODE",
      "READINESS GATES",
    ]);
    expect(names("apps", "Deployment")).toEqual(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    expect(names("apps", "StatefulSet")).toEqual(["NAME", "READY", "AGE"]);
    expect(names("apps", "ReplicaSet")).toEqual(["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
    expect(names("batch", "Job")).toEqual(["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]);
    expect(names("", "Service")).toEqual(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
    expect(names("", "Endpoints")).toEqual(["NAME", "ENDPOINTS", "AGE"]);
    expect(names("", "ConfigMap")).toEqual(["NAME", "DATA", "AGE"]);
    expect(names("", "Secret")).toEqual(["NAME", "TYPE", "DATA", "AGE"]);
    expect(names("", "Namespace")).toEqual(["NAME", "STATUS", "AGE"]);
    expect(names("", "Event")).toEqual(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    expect(names("coordination.k8s.io", "Lease")).toEqual(["NAME", "HOLDER", "AGE"]);
    expect(names("apps", "ControllerRevision")).toEqual(["NAME", "CONTROLLER", "REVISION", "AGE"]);
    expect(names("apiextensions.k8s.io", "CustomResourceDefinition")).toEqual([
      "NAME",
      "SCOPE",
      "VERSIONS",
      "CREATED AT",
    ]);
    expect(names("apiextensions.k8s.io", "CustomResourceDefinition", true)).toEqual([
      "NAME",
      "SCOPE",
      "VERSIONS",
      "CREATED AT",
      "GROUP",
      "KIND",
      "SHORTNAMES",
      "ESTABLISHED",
    ]);
    expect(names("", "ServiceAccount")).toEqual(["NAME", "AGE"]);
    expect(names("x.io", "Unknown")).toEqual(["NAME", "AGE"]);
    expect(names("rbac.authorization.k8s.io", "Unprinted")).toEqual(["NAME", "CREATED AT"]);
    expect(names("admissionregistration.k8s.io", "ValidatingWebhookConfiguration")).toEqual([
      "NAME",
      "WEBHOOKS",
      "AGE",
    ]);
  });

  const cells = (group: string, kind: string, obj: Record<string, unknown>) =>
    buildTable({ objects: [obj], builtinKind: { group, kind }, now }).rows[0]?.cells;

  it("computes node, deployment, statefulset, job and service cells", () => {
    expect(
      cells("", "Node", {
        metadata: {
          name: "n1",
          creationTimestamp: ago(3 * H + 2 * M),
          labels: { "node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "gpu" },
        },
        spec: { unschedulable: true },
        status: {
          conditions: [{ type: "Ready", status: "True" }],
          nodeInfo: { kubeletVersion: "v1.32.0" },
          addresses: [{ type: "InternalIP", address: "10.0.0.4" }],
        },
      }),
    ).toEqual([
      "n1",
      "Ready,SchedulingDisabled",
      "control-plane,gpu",
      "3h2m",
      "v1.32.0",
      "10.0.0.4",
      "<none>",
      "<unknown>",
      "<unknown>",
      "<unknown>",
    ]);
    expect(cells("", "Node", { metadata: { name: "n2" }, status: {} })?.slice(0, 3)).toEqual([
      "n2",
      "Unknown",
      "<none>",
    ]);
    expect(
      cells("", "Node", {
        metadata: { name: "n3" },
        status: { conditions: [{ type: "Ready", status: "Unknown" }] },
      })?.[1],
    ).toBe("NotReady");
    const deploy = {
      metadata: { name: "d", creationTimestamp: ago(10 * M) },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "d" } },
        template: {
          spec: {
            containers: [
              { name: "a", image: "img:1" },
              { name: "b", image: "img:2" },
            ],
          },
        },
      },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    expect(cells("apps", "Deployment", deploy)).toEqual(["d", "2/3", 3, 2, "10m", "a,b", "img:1,img:2", "app=d"]);
    expect(cells("apps", "StatefulSet", { ...deploy, status: {} })?.slice(0, 3)).toEqual(["d", "0/3", "10m"]);
    expect(cells("apps", "ReplicaSet", deploy)?.slice(0, 4)).toEqual(["d", 3, 0, 2]);
    const job = {
      metadata: { name: "j", creationTimestamp: ago(20 * M) },
      spec: { completions: 1, template: { spec: { containers: [] } } },
      status: {
        succeeded: 1,
        startTime: ago(20 * M),
        completionTime: ago(15 * M),
        conditions: [{ type: "Complete", status: "True" }],
      },
    };
    expect(cells("batch", "Job", job)?.slice(0, 5)).toEqual(["j", "Complete", "1/1", "5m", "20m"]);
    expect(
      cells("batch", "Job", { ...job, spec: { parallelism: 2 }, status: { startTime: ago(1 * M) } })?.slice(0, 4),
    ).toEqual(["j", "Running", "0/1 of 2", "60s"]);
    expect(
      cells("", "Service", {
        metadata: { name: "s", creationTimestamp: ago(5 * S) },
        spec: {
          type: "NodePort",
          clusterIP: "10.96.0.10",
          ports: [
            { port: 80, nodePort: 30080, protocol: "TCP" },
            { port: 53, protocol: "UDP" },
          ],
          selector: { app: "s" },
        },
      }),
    ).toEqual(["s", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "5s", "app=s"]);
    expect(
      cells("", "Service", {
        metadata: { name: "lb" },
        spec: { type: "LoadBalancer", clusterIP: "10.0.0.1", ports: [{ port: 443 }] },
      })?.slice(3, 5),
    ).toEqual(["<pending>", "443/TCP"]);
  });

  it("computes pod status like kubectl", () => {
    const pod = (status: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      metadata: { name: "p", creationTimestamp: ago(M), ...extra },
      spec: { containers: [{ name: "a" }, { name: "b" }], nodeName: "n1" },
      status,
    });
    expect(podStatusSummary(pod({ phase: "Pending" }), now)).toEqual({
      ready: "0/2",
      status: "Pending",
      restarts: "0",
    });
    expect(
      podStatusSummary(
        pod({
          phase: "Running",
          conditions: [{ type: "Ready", status: "True" }],
          containerStatuses: [
            { name: "a", ready: true, restartCount: 0, state: { running: {} } },
            {
              name: "b",
              ready: true,
              restartCount: 2,
              state: { running: {} },
              lastState: { terminated: { finishedAt: ago(5 * M) } },
            },
          ],
        }),
        now,
      ),
    ).toEqual({ ready: "2/2", status: "Running", restarts: "2 (5m ago)" });
    expect(
      podStatusSummary(
        pod({
          phase: "Pending",
          containerStatuses: [
            { name: "a", ready: false, restartCount: 0, state: { waiting: { reason: "ImagePullBackOff" } } },
          ],
        }),
        now,
      ).status,
    ).toBe("ImagePullBackOff");
    expect(
      podStatusSummary(
        pod({
          phase: "Running",
          containerStatuses: [{ name: "a", state: { terminated: { exitCode: 137, reason: "OOMKilled" } } }],
        }),
        now,
      ).status,
    ).toBe("OOMKilled");
    expect(
      podStatusSummary(
        pod({ phase: "Failed", containerStatuses: [{ name: "a", state: { terminated: { exitCode: 3 } } }] }),
        now,
      ).status,
    ).toBe("ExitCode:3");
    expect(podStatusSummary(pod({ phase: "Running" }, { deletionTimestamp: ago(0) }), now).status).toBe("Terminating");
    expect(
      podStatusSummary(
        {
          metadata: { name: "p" },
          spec: { initContainers: [{ name: "i" }], containers: [{ name: "a" }] },
          status: {
            phase: "Pending",
            initContainerStatuses: [{ name: "i", state: { waiting: { reason: "PodInitializing" } } }],
          },
        },
        now,
      ).status,
    ).toBe("Init:0/1");
    const row = cells("", "Pod", pod({ phase: "Running", podIP: "10.1.0.5" }));
    expect(row).toEqual(["p", "0/2", "Running", "0", "60s", "10.1.0.5", "n1", "<none>", "<none>"]);
  });

  it("computes events, configmaps, secrets, leases, controller revisions and CRDs", () => {
    expect(
      cells("", "Event", {
        metadata: { name: "e1" },
        type: "Warning",
        reason: "BackOff",
        involvedObject: { kind: "Pod", name: "p" },
        message: "Back-off restarting failed container",
        count: 3,
        firstTimestamp: ago(10 * M),
        lastTimestamp: ago(M),
        source: { component: "kubelet" },
      }),
    ).toEqual([
      "60s",
      "Warning",
      "BackOff",
      "pod/p",
      "",
      "kubelet",
      "Back-off restarting failed container",
      "10m",
      3,
      "e1",
    ]);
    expect(
      cells("", "Event", {
        metadata: { name: "e2" },
        type: "Normal",
        reason: "Scheduled",
        involvedObject: { kind: "Node" },
        eventTime: ago(2 * M),
        reportingComponent: "scheduler",
        reportingInstance: "s-1",
        message: " placed ",
      }),
    ).toEqual(["2m", "Normal", "Scheduled", "node", "", "scheduler, s-1", "placed", "2m", 1, "e2"]);
    expect(
      cells("", "ConfigMap", { metadata: { name: "c" }, data: { a: "1", b: "2" }, binaryData: { c: "" } })?.slice(0, 2),
    ).toEqual(["c", 3]);
    expect(cells("", "Secret", { metadata: { name: "s" }, type: "Opaque", data: { a: "" } })?.slice(0, 3)).toEqual([
      "s",
      "Opaque",
      1,
    ]);
    expect(
      cells("coordination.k8s.io", "Lease", { metadata: { name: "l" }, spec: { holderIdentity: "me" } })?.slice(0, 2),
    ).toEqual(["l", "me"]);
    expect(
      cells("apps", "ControllerRevision", {
        metadata: {
          name: "web-123",
          ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "web", controller: true }],
        },
        revision: 2,
      })?.slice(0, 3),
    ).toEqual(["web-123", "statefulset.apps/web", 2]);
    expect(
      cells("apiextensions.k8s.io", "CustomResourceDefinition", {
        metadata: { name: "workspaces.kaito.sh", creationTimestamp: "2026-11-28T10:00:00Z" },
        spec: {
          group: "kaito.sh",
          scope: "Namespaced",
          names: { kind: "Workspace", shortNames: ["wk", "wks"] },
          versions: [
            { name: "v1alpha1", served: true, storage: false },
            { name: "v1beta1", served: true, storage: true },
            { name: "v1", served: false, storage: false },
          ],
        },
        status: { conditions: [{ type: "Established", status: "True" }] },
      }),
    ).toEqual([
      "workspaces.kaito.sh",
      "Namespaced",
      "v1alpha1,v1beta1(storage)",
      "2026-11-28T10:00:00Z",
      "kaito.sh",
      "Workspace",
      "wk,wks",
      true,
    ]);
    expect(cells("", "Namespace", { metadata: { name: "default" }, status: { phase: "Active" } })?.slice(0, 2)).toEqual(
      ["default", "Active"],
    );
  });
});
