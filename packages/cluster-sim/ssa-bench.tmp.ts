import { updateManagedFields, applyServerSide, validateStructural, pruneUnknownFields, applySchemaDefaults, evaluateCelValidations, parseLabelSelector, matchesLabelSelector } from "/work/main/packages/cluster-sim/src/semantics/index.ts";
const pod = (i: number) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", labels: { app: "x", i: String(i) }, annotations: { a: "b" } },
  spec: { containers: [{ name: "c", image: `img:${i}`, env: [{ name: "A", value: "1" }, { name: "B", value: "2" }], ports: [{ containerPort: 80, protocol: "TCP" }], resources: { limits: { "nvidia.com/gpu": "1" } } }], nodeName: "n1", tolerations: [{ key: "x", operator: "Exists" }] },
  status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], podIP: "10.0.0.1" } });
let before: Record<string, unknown> = pod(0);
before.metadata = { ...(before.metadata as object), managedFields: updateManagedFields(undefined, before, "a", "Update") };
const N = 20000;
let t = performance.now();
for (let i = 0; i < N; i++) {
  const after = pod(i + 1);
  const mf = updateManagedFields(before, after, "ctl", "Update");
  (after.metadata as Record<string, unknown>).managedFields = mf;
  before = after;
}
console.log("updateManagedFields µs/op", ((performance.now() - t) * 1000 / N).toFixed(1));
t = performance.now();
let live: unknown = undefined;
for (let i = 0; i < 5000; i++) { const r = applyServerSide({ live, applied: pod(i), manager: "m", force: true }); if ("object" in r) live = r.object; }
console.log("applyServerSide µs/op", ((performance.now() - t) * 1000 / 5000).toFixed(1));
const sel = parseLabelSelector("app=x,tier in (a,b),!legacy");
t = performance.now();
let c = 0; for (let i = 0; i < 1e6; i++) if (matchesLabelSelector(sel, { app: "x", tier: i % 2 ? "a" : "c" })) c++;
console.log("matchesLabelSelector ns/op", ((performance.now() - t) * 1e6 / 1e6).toFixed(0), c);
