import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { convertWorkspace, parseWorkspace } from "../src/index.ts";
import { FIXTURES, fixture } from "./helpers.ts";

describe("convertWorkspace", () => {
  it("v1beta1 → v1alpha1 drops the v1beta1-only fields and says which", () => {
    const beta = parseYaml(fixture("byo-partition.yaml")) as Record<string, unknown>;
    (beta.inference as { preset: Record<string, unknown> }).preset.presetOptions = { modelAccessSecret: "hf" };
    const { workspace, dropped } = convertWorkspace(beta, "kaito.sh/v1alpha1");
    expect(workspace.apiVersion).toBe("kaito.sh/v1alpha1");
    expect([...dropped].sort()).toEqual(
      [
        "spec.inference.preset.presetOptions.modelAccessSecret",
        "spec.resource.partition",
        "status.performance",
        "status.state",
        "status.targetNodeCount",
      ].sort(),
    );
    expect(parseWorkspace(workspace).success).toBe(true);
    expect(beta.apiVersion).toBe("kaito.sh/v1beta1"); // input untouched
    expect((beta.resource as Record<string, unknown>).partition).toBeDefined();
  });

  it.each(FIXTURES)("%s round-trips v1alpha1 → v1beta1 → v1alpha1 unchanged", (name) => {
    const obj = parseYaml(fixture(name)) as Record<string, unknown>;
    const alpha = convertWorkspace(obj, "kaito.sh/v1alpha1").workspace;
    const beta = convertWorkspace(alpha, "kaito.sh/v1beta1");
    expect(beta.dropped).toEqual([]);
    const back = convertWorkspace(beta.workspace, "kaito.sh/v1alpha1");
    expect(back.dropped).toEqual([]);
    expect(back.workspace).toEqual(alpha);
  });

  it("v1beta1 → v1beta1 is a copy; unknown fields of both versions are left alone", () => {
    const obj = {
      apiVersion: "kaito.sh/v1beta1",
      kind: "Workspace",
      metadata: { name: "w" },
      resource: { labelSelector: {}, nonsense: 1 },
    };
    const r = convertWorkspace(obj, "kaito.sh/v1alpha1");
    expect(r.dropped).toEqual([]);
    expect(r.workspace.resource).toEqual({ labelSelector: {}, nonsense: 1 });
    const same = convertWorkspace(obj, "kaito.sh/v1beta1");
    expect(same.workspace).toEqual(obj);
    expect(same.workspace).not.toBe(obj);
  });
});
