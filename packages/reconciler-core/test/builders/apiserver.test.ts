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
