/**
 * The built objects are valid Kubernetes objects: every golden case's objects go to a real kube-apiserver
 * (`@kaito-ts/envtest`) as a server-side dry-run create, which runs defaulting, validation and admission without
 * storing anything. A field the API server would reject (a bad probe, volume, toleration, selector…) fails here.
 */
import { CoreV1Api, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import { type ControlPlane, startControlPlane } from "@kaito-ts/envtest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspaceObjects, resolveBuildOptions } from "../../src/index.ts";
import { GOLDEN_CASES } from "./cases.ts";

/**
 * Paths of `ours` the API server did not keep (a misspelt field is pruned by the decoder, not rejected). Numbers and
 * strings compare by text: quantities such as `nvidia.com/gpu: 1` come back as `"1"`; empty lists and maps may be
 * omitted.
 */
function droppedPaths(ours: unknown, theirs: unknown, path = ""): string[] {
  const empty = Array.isArray(ours)
    ? ours.length === 0
    : typeof ours === "object" && ours !== null && Object.keys(ours).length === 0;
  if (empty && theirs === undefined) return []; // Go's omitempty drops empty lists and maps
  if (Array.isArray(ours)) {
    if (!Array.isArray(theirs) || theirs.length !== ours.length) return [path];
    return ours.flatMap((v, i) => droppedPaths(v, theirs[i], `${path}[${i}]`));
  }
  if (typeof ours === "object" && ours !== null) {
    if (typeof theirs !== "object" || theirs === null) return [path];
    return Object.entries(ours).flatMap(([k, v]) =>
      droppedPaths(v, (theirs as Record<string, unknown>)[k], path === "" ? k : `${path}.${k}`),
    );
  }
  return String(ours) === String(theirs) ? [] : [path];
}

let cp: ControlPlane;
let objects: KubernetesObjectApi;

beforeAll(async () => {
  cp = await startControlPlane();
  objects = KubernetesObjectApi.makeApiClient(cp.kubeConfig);
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  for (const name of ["default", "team-a"]) {
    await core.createNamespace({ body: { metadata: { name } } }).catch((e: { code?: number }) => {
      if (e.code !== 409) throw e;
    });
  }
}, 180_000);

afterAll(async () => {
  await cp?.stop();
});

describe("objects pass the real API server's validation (dry-run create)", () => {
  for (const name of Object.keys(GOLDEN_CASES)) {
    it(name, async () => {
      const c = GOLDEN_CASES[name]?.();
      if (c === undefined) throw new Error(`no case ${name}`);
      const plan = buildWorkspaceObjects(c.workspace, c.observed, resolveBuildOptions(c.options));
      for (const o of plan.objects) {
        const created = await objects
          .create(structuredClone(o) as KubernetesObject, undefined, "All")
          .catch((e: { code?: number; body?: unknown }) => {
            throw new Error(`${o.kind} ${o.metadata?.name} rejected (${e.code}): ${String(e.body)}`);
          });
        expect(created.metadata?.name).toBe(o.metadata?.name);
        expect(droppedPaths(o, created), `${o.kind} ${o.metadata?.name}`).toEqual([]);
      }
    });
  }

  it("rejects what is invalid (the check is real)", async () => {
    const c = GOLDEN_CASES["example-phi-3-mini"]?.();
    if (c === undefined) throw new Error("no case");
    const sts = structuredClone(
      buildWorkspaceObjects(c.workspace, c.observed, resolveBuildOptions(c.options)).objects.find(
        (o) => o.kind === "StatefulSet",
      ),
    ) as { spec: { template: { spec: { tolerations: Array<Record<string, string>> } } } };
    sts.spec.template.spec.tolerations.push({ key: "sku", operator: "Exists", value: "gpu" });
    const err = await objects.create(sts as unknown as KubernetesObject, undefined, "All").then(
      () => undefined,
      (e: { code?: number }) => e,
    );
    expect(err?.code).toBe(422);
  });
});
