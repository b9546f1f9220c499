/**
 * What needs controllers, on both backends: garbage collection (background, foreground, orphan), finalizers,
 * namespace deletion, and workloads on simulated nodes. On the real server these are kube-controller-manager's
 * garbage collector and namespace controller, kube-scheduler, and cluster-sim's simulation attached as a client (the
 * cloud that makes NodeClaims into Nodes, and the kubelet of those nodes); on cluster-sim its store and its own
 * simulation.
 */
import * as k8s from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { eventually } from "../clients/kubectl-runner.ts";
import { describeBackends, Observations, type RunningBackend } from "./backends.ts";
import { normalizeTable } from "./support.ts";

const seen = new Observations();

const SERVER = [
  "const http = require('node:http');",
  "const port = Number(process.env.PORT);",
  "console.log('starting');",
  "http.createServer((req, res) => res.end('hello ' + req.url))",
  "  .listen(port, '127.0.0.1', () => console.log('listening on ' + port));",
].join("\n");

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: k8s.V1ObjectMeta & { name: string; namespace: string };
  [key: string]: unknown;
};

const cm = (name: string, namespace = "default", owners: k8s.V1OwnerReference[] = []): Obj => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, ...(owners.length > 0 ? { ownerReferences: owners } : {}) },
  data: { a: "b" },
});

async function exists(b: RunningBackend, o: Obj): Promise<Obj | undefined> {
  return (b.objects.read(o) as Promise<Obj>).then(
    (x) => x,
    (e: unknown) => {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    },
  );
}

/** An owner ConfigMap with two dependents, the first blocking its owner's foreground deletion. */
async function family(b: RunningBackend, prefix: string): Promise<{ owner: Obj; kids: Obj[] }> {
  const owner = (await b.objects.create(cm(`${prefix}-owner`))) as Obj;
  const ref = (block: boolean): k8s.V1OwnerReference => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    name: owner.metadata?.name ?? "",
    uid: owner.metadata?.uid ?? "",
    ...(block ? { blockOwnerDeletion: true } : {}),
  });
  const kids = await Promise.all([
    b.objects.create(cm(`${prefix}-kid1`, "default", [ref(true)])) as Promise<Obj>,
    b.objects.create(cm(`${prefix}-kid2`, "default", [ref(false)])) as Promise<Obj>,
  ]);
  return { owner, kids };
}

describeBackends(
  "lifecycle",
  {
    controllers: true,
    simulation: {
      skus: [
        { name: "Standard_D4s_v3", gpuCount: 0 },
        { name: "Standard_NC24ads_A100_v4", gpuCount: 1, gpuProduct: "NVIDIA-A100-PCIE-80GB" },
      ],
      processRuntime: { images: [{ image: "example.com/chat:*", command: ["node", "-e", SERVER] }] },
    },
  },
  (b) => {
    const kubectl = () => b().kubectl;

    describe("garbage collection", { timeout: 90_000 }, () => {
      it("background: the owner goes at once, its dependents after it", async () => {
        const { owner, kids } = await family(b(), "bg");
        await b().objects.delete(owner, undefined, undefined, undefined, undefined, "Background");
        expect(await exists(b(), owner)).toBeUndefined();
        await eventually(
          async () => (await Promise.all(kids.map((k) => exists(b(), k)))).every((k) => k === undefined),
          30_000,
          "the dependents collected",
        );
      });

      it("foreground: the owner waits, with the foregroundDeletion finalizer, until its blocking dependents are gone", async () => {
        const { owner, kids } = await family(b(), "fg");
        // a finalizer on the blocking dependent holds the owner in its foreground deletion
        await b().objects.patch(
          { ...kids[0], metadata: { ...kids[0]?.metadata, finalizers: ["example.com/hold"] } } as Obj,
          undefined,
          undefined,
          "test",
          undefined,
          k8s.PatchStrategy.MergePatch,
        );
        await b().objects.delete(owner, undefined, undefined, undefined, undefined, "Foreground");
        const held = await eventually(
          async () => {
            const o = await exists(b(), owner);
            return o?.metadata?.deletionTimestamp !== undefined ? o : undefined;
          },
          30_000,
          "the owner marked",
        );
        expect(held.metadata?.finalizers).toEqual(["foregroundDeletion"]);
        const kid1 = await eventually(
          async () => {
            const k = await exists(b(), kids[0] as Obj);
            return k?.metadata?.deletionTimestamp !== undefined ? k : undefined;
          },
          30_000,
          "the blocking dependent marked for deletion",
        );
        expect(kid1.metadata?.finalizers).toEqual(["example.com/hold"]);
        await eventually(async () => (await exists(b(), kids[1] as Obj)) === undefined, 30_000, "kid2 collected");
        expect(await exists(b(), owner)).toBeDefined();
        await b().objects.patch(
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "fg-kid1", namespace: "default", finalizers: null },
          } as unknown as Obj,
          undefined,
          undefined,
          "test",
          undefined,
          k8s.PatchStrategy.MergePatch,
        );
        await eventually(async () => (await exists(b(), owner)) === undefined, 30_000, "the owner gone last");
      });

      it("orphan: the owner goes, its dependents stay without the owner reference", async () => {
        const { owner, kids } = await family(b(), "or");
        await b().objects.delete(owner, undefined, undefined, undefined, undefined, "Orphan");
        await eventually(async () => (await exists(b(), owner)) === undefined, 30_000, "the owner gone");
        for (const kid of kids) {
          const k = await eventually(
            async () => {
              const o = await exists(b(), kid);
              return o?.metadata?.ownerReferences === undefined ? o : undefined;
            },
            30_000,
            "the owner reference removed",
          );
          expect(k.metadata?.deletionTimestamp).toBeUndefined();
        }
      });

      it("kubectl delete --cascade=foreground of a Deployment removes its ReplicaSet", async () => {
        await kubectl().ok(["create", "deployment", "gc", "--image=nginx:1.27", "--replicas=0"]);
        const rs = await eventually(
          async () => (await kubectl().ok(["get", "rs", "-l", "app=gc", "-o", "name"])).trim(),
          30_000,
          "the Deployment's ReplicaSet",
        );
        expect(rs).toMatch(/^replicaset.apps\/gc-[a-z0-9]+$/);
        expect((await kubectl().ok(["delete", "deployment", "gc", "--cascade=foreground"])).trim()).toBe(
          'deployment.apps "gc" deleted from default namespace',
        );
        expect((await kubectl().ok(["get", "rs", "-l", "app=gc", "-o", "name"])).trim()).toBe("");
      });
    });

    describe("namespaces", { timeout: 90_000 }, () => {
      it("deleting a namespace removes its content, then the namespace", async () => {
        await kubectl().ok(["create", "namespace", "team-a"]);
        await b().objects.create(cm("in-team-a", "team-a"));
        const out = await kubectl().ok(["delete", "namespace", "team-a", "--timeout=60s"], {});
        expect(out.trim()).toBe('namespace "team-a" deleted');
        const r = await kubectl().run(["get", "namespace", "team-a"]);
        expect(r.stderr.trim()).toBe('Error from server (NotFound): namespaces "team-a" not found');
        const created = await kubectl().run(["create", "configmap", "late", "-n", "team-a"]);
        expect(created.stderr.trim()).toBe('error: failed to create configmap: namespaces "team-a" not found');
      });
    });

    describe("workloads on simulated nodes", { timeout: 120_000 }, () => {
      it("a NodeClaim becomes a Ready GPU node that kubectl lists", async () => {
        await kubectl().ok(["apply", "-f", "-"], {
          input: [
            "apiVersion: karpenter.sh/v1",
            "kind: NodeClaim",
            "metadata:",
            "  name: gpu-a",
            "  labels: {karpenter.sh/nodepool: kaito}",
            "spec:",
            "  requirements:",
            "  - {key: node.kubernetes.io/instance-type, operator: In, values: [Standard_NC24ads_A100_v4]}",
            "  nodeClassRef: {group: karpenter.azure.com, kind: AKSNodeClass, name: default}",
            "---",
            "apiVersion: karpenter.sh/v1",
            "kind: NodeClaim",
            "metadata:",
            "  name: cpu-a",
            "spec:",
            "  requirements:",
            "  - {key: node.kubernetes.io/instance-type, operator: In, values: [Standard_D4s_v3]}",
            "  nodeClassRef: {group: karpenter.azure.com, kind: AKSNodeClass, name: default}",
            "",
          ].join("\n"),
        });
        const out = await eventually(
          async () => {
            const r = await kubectl().ok(["get", "nodes"]);
            return (r.match(/\sReady\s/g) ?? []).length === 2 ? r : undefined;
          },
          60_000,
          "two Ready nodes",
        );
        expect(out).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/m);
        const gpus = await kubectl().ok([
          "get",
          "nodes",
          "-l",
          "node.kubernetes.io/instance-type=Standard_NC24ads_A100_v4",
          "-o",
          "jsonpath={.items[*].status.allocatable.nvidia\\.com/gpu}",
        ]);
        expect(gpus).toBe("1");
      });

      it("a Deployment's pods get Running and are listed with server-side columns; scale down", async () => {
        await kubectl().ok([
          "create",
          "deployment",
          "hello",
          "--image=example.com/chat:1.0",
          "--replicas=2",
          "--port=5000",
        ]);
        const out = await eventually(
          async () => {
            const r = await kubectl().ok(["get", "pods", "-l", "app=hello"]);
            return (r.match(/\s1\/1\s+Running\s/g) ?? []).length === 2 ? r : undefined;
          },
          60_000,
          "two Running pods",
        );
        expect(out).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
        await kubectl().ok(["scale", "deployment", "hello", "--replicas=1"]);
        await eventually(
          async () =>
            (await kubectl().ok(["get", "pods", "-l", "app=hello", "-o", "name"])).trim().split("\n").length === 1,
          60_000,
          "one pod left",
        );
        const deploys = await kubectl().ok(["get", "deploy", "hello"]);
        expect(deploys).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
      });

      it("describe shows the pod's events; its process's output is its log", async () => {
        const pod = (
          await kubectl().ok([
            "get",
            "pods",
            "-l",
            "app=hello",
            "--field-selector=status.phase=Running",
            "-o",
            "jsonpath={.items[0].metadata.name}",
          ])
        ).trim();
        const described = await kubectl().ok(["describe", "pod", pod]);
        expect(described).toMatch(/^Status:\s+Running$/m);
        expect(described).toMatch(/Events:\s*\n\s+Type\s+Reason\s+Age\s+From\s+Message/);
        expect(described).toMatch(/Normal\s+Scheduled\s+/);
        expect(described).toMatch(/Normal\s+Started\s+/);
        const sim = b().simulation;
        if (sim === undefined) throw new Error("the simulation did not start");
        await eventually(() => /listening on \d+/.test(sim.logs("default", pod, "chat") ?? ""), 20_000, "the log line");
        // cluster-sim serves pods/log from its simulation; the real API server asks the node's kubelet, which the
        // attached simulation serves (kubeletEndpoint)
        const logs = await kubectl().ok(["logs", pod]);
        expect(logs).toMatch(/^listening on \d+$/m);
        const [limited, tail, tailLimited, missing] = await Promise.all([
          kubectl().ok(["logs", pod, "-c", "chat", "--limit-bytes=9"]),
          kubectl().ok(["logs", pod, "-c", "chat", "--tail=1"]),
          kubectl().ok(["logs", pod, "-c", "chat", "--tail=1", "--limit-bytes=4"]),
          kubectl().run(["logs", pod, "-c", "nope"]),
        ]);
        seen.record(b().name, "logs of an unknown container", missing.stderr.trim().replace(pod, "<pod>"));
        expect(limited).toBe("starting\n");
        expect(tail).toMatch(/^listening on \d+\n$/);
        expect(tailLimited).toBe("list");
      });

      it("rollout restart and rollout status", async () => {
        expect((await kubectl().ok(["rollout", "restart", "deployment/hello"])).trim()).toBe(
          "deployment.apps/hello restarted",
        );
        const r = await kubectl().run(["rollout", "status", "deployment/hello", "--timeout=60s"], {
          timeoutMs: 70_000,
        });
        expect(r.stdout.trim().split("\n").at(-1)).toBe('deployment "hello" successfully rolled out');
        expect(r.code).toBe(0);
      });

      it("kubectl get -o wide prints the same columns for workloads, nodes and their objects", async () => {
        const kinds = [
          "pods",
          "nodes",
          "deployments",
          "replicasets",
          "nodeclaims",
          "leases",
          "endpoints",
          "namespaces",
        ];
        const outs = await Promise.all(kinds.map((k) => kubectl().run(["get", k, "-o", "wide", "-A"])));
        kinds.forEach((k, i) => {
          const r = outs[i];
          expect(r?.code).toBe(0);
          const stderr = r?.stderr.trim();
          if (k === "endpoints")
            expect(stderr?.split("\n")[0]).toBe(
              "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
            );
          seen.record(b().name, `get ${k} -o wide -A`, {
            columns: r?.stdout.split("\n")[0]?.trim().split(/\s+/) ?? [],
            stderr,
          });
        });
        const deploy = normalizeTable(await kubectl().ok(["get", "deployment", "hello"]));
        seen.record(b().name, "get deployment hello", deploy);
      });

      it("deleting the Deployment removes its ReplicaSets and pods", async () => {
        await kubectl().ok(["delete", "deployment", "hello", "--timeout=30s"]);
        await eventually(
          async () => (await kubectl().ok(["get", "pods,rs", "-l", "app=hello", "-o", "name"])).trim() === "",
          60_000,
          "pods and ReplicaSets gone",
        );
      });
    });
  },
);

describe("the backends agree", () => {
  it("on the printed columns recorded above", () => {
    expect(seen.complete()).toBeGreaterThan(0);
    expect(seen.pairs()).toEqual(seen.expected());
  });
});
