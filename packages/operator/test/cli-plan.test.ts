/** `kaito plan`: offline, the objects the reconciler would create — the same as reconciler-core builds for them. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeNameFor, resolveNodeRequest } from "@kaito-ts/node-provisioner";
import { buildNodeClaim } from "@kaito-ts/node-provisioner/karpenter";
import { buildWorkspaceObjects, resolveBuildOptions } from "@kaito-ts/reconciler-core";
import { parseWorkspaceDocuments, type Workspace } from "@kaito-ts/workspace-types";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { placeholderUid } from "../src/cli/commands/plan.ts";
import { kaito, repoRoot } from "./support.ts";

const PHI = "examples/inference/kaito_workspace_phi_3_mini.yaml";
const BYO = "examples/byo/kaito_workspace_byo.yaml";
const TUNING = "examples/fine-tuning/kaito_workspace_tuning_phi_3_local.yaml";

function workspaceOf(file: string): Workspace {
  const doc = parseWorkspaceDocuments(readFileSync(join(repoRoot, file), "utf8")).find(
    (d) => (d.value as { kind?: string }).kind === "Workspace",
  );
  return doc?.value as Workspace;
}

/** What the reconciler creates, computed with the library directly (Kaito's chart defaults). */
function expected(file: string, options: { cloud?: "azure" | "aws" } = {}) {
  const ws = workspaceOf(file);
  const name = ws.metadata?.name ?? "";
  const namespace = ws.metadata?.namespace ?? "default";
  const uid = placeholderUid(namespace, name);
  const cloud = options.cloud ?? "azure";
  const build = resolveBuildOptions({
    cloud,
    defaultRuntime: "vllm",
    nodeProvisioner: cloud === "azure" ? "azure-gpu-provisioner" : "karpenter",
  });
  const plan = buildWorkspaceObjects({ ...ws, metadata: { ...ws.metadata, namespace, uid } } as Workspace, {}, build);
  const req = resolveNodeRequest(
    { workspace: plan.workspace as never, targetNodeCount: plan.targetNodeCount },
    { uid: true, instanceType: true },
  );
  const claims = Array.from({ length: plan.targetNodeCount }, (_, i) =>
    buildNodeClaim(req, nodeNameFor(uid, i), { cloud }),
  );
  return [...claims, ...plan.objects];
}

describe("kaito plan", () => {
  it("-o json prints one JSON array equal to the NodeClaims + buildWorkspaceObjects of the same options", async () => {
    const r = await kaito(["plan", PHI, "-o", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const objects = JSON.parse(r.stdout) as Array<{ kind: string }>;
    expect(objects.map((o) => o.kind)).toEqual([
      "NodeClaim",
      "ControllerRevision",
      "Service",
      "Service",
      "StatefulSet",
    ]);
    expect(objects).toEqual(JSON.parse(JSON.stringify(expected(PHI))));
  });

  it("plans a tuning Workspace: NodeClaim, revision, the template ConfigMap copy and the Job", async () => {
    const r = await kaito(["plan", TUNING, "-o", "json"]);
    expect(r.code).toBe(0);
    const objects = JSON.parse(r.stdout) as Array<{ kind: string }>;
    expect(objects.map((o) => o.kind)).toEqual(["NodeClaim", "ControllerRevision", "ConfigMap", "Job"]);
    expect(objects).toEqual(JSON.parse(JSON.stringify(expected(TUNING))));
  });

  it("yaml: a multi-document stream of the same objects, saying the UID is a placeholder", async () => {
    const r = await kaito(["plan", PHI]);
    expect(r.code).toBe(0);
    const uid = placeholderUid("default", "workspace-phi-3-mini");
    expect(r.stdout).toMatch(
      new RegExp(`^# The Workspace has no UID until the API server creates it.*\\n# placeholder uid ${uid}`, "m"),
    );
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(docs).toEqual(JSON.parse(JSON.stringify(expected(PHI))));
  });

  it("follows the flags: byo has no NodeClaims, aws NodeClaims use EC2NodeClass, --registry and --runtime reach the pods", async () => {
    const byo = await kaito(["plan", BYO, "-o", "json", "--provisioner", "byo"]);
    expect(byo.code).toBe(0);
    expect((JSON.parse(byo.stdout) as Array<{ kind: string }>).map((o) => o.kind)).toEqual([
      "ControllerRevision",
      "Service",
      "Service",
      "StatefulSet",
    ]);
    expect(byo.stderr).toMatch(/existing Ready node\(s\) .*matching pool=my-a100-pool/);
    const awsYaml = readFileSync(join(repoRoot, PHI), "utf8").replace("Standard_NC24ads_A100_v4", "g6.xlarge");
    const aws = await kaito(["plan", "-", "-o", "json", "--cloud", "aws"], awsYaml);
    expect(aws.stderr).toBe("");
    const awsClaim = (JSON.parse(aws.stdout) as Array<{ kind: string; spec: { nodeClassRef: { kind: string } } }>)[0];
    expect(awsClaim?.spec.nodeClassRef.kind).toBe("EC2NodeClass");
    const reg = await kaito(["plan", PHI, "--registry", "myacr.azurecr.io/kaito", "--runtime", "transformers"]);
    expect(reg.stdout).toContain("image: myacr.azurecr.io/kaito/");
    expect(reg.stdout).toMatch(/accelerate|transformers/);
  });

  it("aks: names the agent pools it would create instead of NodeClaims", async () => {
    const r = await kaito(["plan", PHI, "--provisioner", "aks"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^# AKS agent pool ws[0-9a-f]{9}: vmSize Standard_NC24ads_A100_v4, count 1, osSKU Ubuntu, taint sku=gpu:NoSchedule/m,
    );
    expect(r.stdout).not.toMatch(/kind: NodeClaim/);
  });

  it("an invalid Workspace: exit 1 with the messages kaito validate gives, nothing on stdout", async () => {
    const r = await kaito(["plan", "examples/fine-tuning/kaito_workspace_tuning_phi_3.yaml", "-o", "json"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^spec\.tuning\.output\.image: /m);
    expect(r.stderr).toMatch(/error: the Workspace is invalid/);
    const notYaml = await kaito(["plan", "-"], "kind: [oops");
    expect(notYaml.code).toBe(1);
    expect(notYaml.stderr).toMatch(/^<stdin>:1:/);
  });

  it("usage errors exit 2: a missing file, an unknown --provisioner", async () => {
    const missing = await kaito(["plan", "nope.yaml"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/error: nope\.yaml: no such file/);
    const bad = await kaito(["plan", PHI, "--provisioner", "gke"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/argument 'gke' is invalid/);
    const help = await kaito(["plan", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--provisioner <provisioner>/);
  });
});
