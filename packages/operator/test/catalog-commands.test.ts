import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { kaito } from "./support.ts";

describe("kaito presets / skus / crds", () => {
  it("lists presets as a table and as JSON", async () => {
    const text = await kaito(["presets"]);
    expect(text.code).toBe(0);
    expect(text.stdout.split("\n")[0]).toMatch(
      /^NAME\s+HUGGING FACE ID\s+WEIGHTS\s+CONTEXT\s+RUNTIMES\s+TUNING\s+STATUS$/,
    );
    expect(text.stdout).toMatch(/^phi-3-mini-4k-instruct\s+microsoft\/Phi-3-mini-4k-instruct\s+7\.12Gi/m);
    expect(text.stdout).toMatch(/^phi-2\s.*deprecated$/m);
    const json = JSON.parse((await kaito(["presets", "-o", "json"])).stdout) as { name: string }[];
    expect(json.map((p) => p.name)).toContain("phi-3-mini-128k-instruct");
  });

  it("lists SKUs per cloud, flags the classic ones, and answers which fit a preset", async () => {
    const aws = await kaito(["skus", "--cloud", "aws", "-o", "json"]);
    const skus = JSON.parse(aws.stdout) as { name: string; cloud: string }[];
    expect(skus.every((s) => s.cloud === "aws")).toBe(true);
    expect(skus.map((s) => s.name)).toContain("p5.48xlarge");
    const azure = await kaito(["skus", "--cloud", "azure"]);
    expect(azure.stdout).toMatch(/^Standard_NC6s_v3\s.*classic/m);

    const fit = await kaito(["skus", "--fit", "phi-3-mini-128k-instruct", "--purpose", "tuning", "--method", "qlora"]);
    expect(fit.code).toBe(0);
    const rows = fit.stdout.trim().split("\n").slice(2);
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.some((r) => r.startsWith("Standard_NC24ads_A100_v4 "))).toBe(true);
    expect(rows.some((r) => r.startsWith("Standard_NC6s_v3 "))).toBe(false);
    const classic = await kaito([
      "skus",
      "--fit",
      "phi-3-mini-128k-instruct",
      "--purpose",
      "tuning",
      "--method",
      "qlora",
      "--include-classic",
    ]);
    expect(classic.stdout).toMatch(/^Standard_NC6s_v3\s/m);

    const unknown = await kaito(["skus", "--fit", "no-such-model"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no-such-model/);
  });

  it("prints the CRDs with the printer columns kubectl shows", async () => {
    const r = await kaito(["crds"]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { metadata: { name: string }; spec: unknown });
    const names = docs.map((d) => d.metadata.name);
    expect(names).toEqual(expect.arrayContaining(["workspaces.kaito.sh", "nodeclaims.karpenter.sh"]));
    const ws = docs.find((d) => d.metadata.name === "workspaces.kaito.sh")!.spec as {
      versions: { name: string; storage: boolean; additionalPrinterColumns: { name: string }[] }[];
      names: { shortNames: string[] };
    };
    expect(ws.names.shortNames).toEqual(["wk", "wks"]);
    const v1beta1 = ws.versions.find((v) => v.name === "v1beta1")!;
    expect(v1beta1.storage).toBe(true);
    expect(v1beta1.additionalPrinterColumns.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        "Instance",
        "ResourceReady",
        "InferenceReady",
        "JobStarted",
        "WorkspaceSucceeded",
        "WorkspaceReady",
        "TargetNodeCount",
        "State",
        "Age",
      ]),
    );
    const v1alpha1 = ws.versions.find((v) => v.name === "v1alpha1")!;
    expect(v1alpha1.additionalPrinterColumns.map((c) => c.name)).toContain("WorkspaceReady");
  });
});
