/**
 * The Workspace hash against Go itself: `go-hash/main.go` encodes the same Workspaces with `encoding/json` into
 * structs laid out like Kaito's api/v1beta1 and hashes them as Kaito's `ComputeHash` does. The revision plan
 * (names, numbers, history ≤ 10, reuse, conflicts) is checked below.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { V1ControllerRevision } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  computeWorkspaceHash,
  MAX_REVISION_HISTORY,
  planRevision,
  revisionDataJson,
  toBuildWorkspace,
  workspaceHashInput,
} from "../../src/index.ts";
import { isReconcilerError } from "../../src/errors.ts";
import { GOLDEN_CASES } from "./cases.ts";

const GO_PROGRAM = fileURLToPath(new URL("./go-hash/main.go", import.meta.url));

function goHashes(workspaces: readonly unknown[]): string[] {
  const r = spawnSync("go", ["run", GO_PROGRAM], {
    input: JSON.stringify(workspaces),
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "", GO111MODULE: "off", GOTOOLCHAIN: "local" },
  });
  if (r.error !== undefined) throw new Error(`cannot run go (Go ≥ 1.22 must be on PATH): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`go run go-hash failed: ${r.stderr}`);
  return r.stdout.trim().split("\n");
}

const base = toBuildWorkspace({
  apiVersion: "kaito.sh/v1beta1",
  kind: "Workspace",
  metadata: { name: "ws", namespace: "ns", uid: "u-1" },
  resource: { instanceType: "Standard_NC24ads_A100_v4", labelSelector: { matchLabels: { apps: "x" } } },
  inference: { preset: { name: "phi-4" } },
});

/** Workspaces that stress the encoding: HTML characters, non-ASCII, empty values, every optional field. */
const EDGE_CASES: readonly unknown[] = [
  {
    resource: {
      count: 0,
      instanceType: "",
      labelSelector: {
        matchLabels: { "z/last": "1", a: '<b>&"c"', é: "\u2028" },
        matchExpressions: [
          { key: "k", operator: "In", values: ["v"] },
          { key: "e", operator: "Exists" },
        ],
      },
      preferredNodes: ["n1", "n2"],
    },
    inference: {
      preset: {
        name: "microsoft/phi-4",
        accessMode: "private",
        presetOptions: { image: "r/i:1", imagePullSecrets: ["s"], modelAccessSecret: "hf" },
      },
      config: "cfg",
      adapters: [
        { source: { name: "a", image: "r/a:1", imagePullSecrets: ["p"] }, strength: "" },
        { source: { name: "b", volumeSource: { persistentVolumeClaim: { claimName: "c", readOnly: true } } } },
        {},
      ],
    },
  },
  {
    resource: { labelSelector: {} },
    tuning: {
      preset: { name: "phi-3-mini-4k-instruct" },
      method: "lora",
      input: { urls: ["https://example.com/a.parquet?x=1&y=<2>"] },
      output: { image: "r/o:1", imagePushSecret: "push" },
    },
  },
  { resource: { count: 2, labelSelector: { matchLabels: {} } }, tuning: { method: "qlora" } },
  { resource: { labelSelector: { matchLabels: { a: "b" } }, partition: { mode: "mig", profile: "1g.10gb" } } },
  { resource: { labelSelector: null }, inference: { template: { spec: { containers: [{ name: "c", image: "i" }] } } } },
];

describe("workspace hash", () => {
  it("equals Go's encoding/json + sha256 for every golden Workspace and the edge cases", { timeout: 240_000 }, () => {
    const workspaces = [
      ...Object.values(GOLDEN_CASES).map((c) => toBuildWorkspace(c().workspace)),
      ...EDGE_CASES,
    ] as Parameters<typeof computeWorkspaceHash>[0][];
    const ours = workspaces.map((w) => computeWorkspaceHash(w));
    expect(ours).toEqual(goHashes(workspaces));
  });

  it("hashes resource, inference and tuning, each followed by a newline, with Go's HTML-safe escaping", () => {
    const input = workspaceHashInput({
      resource: { count: 1, labelSelector: { matchLabels: { a: "<&>" } } },
      inference: { preset: { name: "phi-4", accessMode: "public" } },
    } as never);
    expect(input).toBe(
      '{"count":1,"labelSelector":{"matchLabels":{"a":"\\u003c\\u0026\\u003e"}}}\n' +
        '{"preset":{"name":"phi-4","accessMode":"public","presetOptions":{}}}\n' +
        "null\n",
    );
    expect(computeWorkspaceHash(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is the same for v1alpha1 and v1beta1 of the same spec (the API server stores v1beta1)", () => {
    const alpha = toBuildWorkspace({ ...base, apiVersion: "kaito.sh/v1alpha1" });
    expect(computeWorkspaceHash(alpha)).toBe(computeWorkspaceHash(base));
  });

  it("changes with any spec change and not with metadata", () => {
    const h = computeWorkspaceHash(base);
    expect(computeWorkspaceHash({ ...base, resource: { ...base.resource, count: 2 } })).not.toBe(h);
    expect(
      computeWorkspaceHash(toBuildWorkspace({ ...base, metadata: { ...base.metadata, labels: { x: "y" } } })),
    ).toBe(h);
  });

  it("stores {inference, resource, tuning} as the revision data", () => {
    expect(Object.keys(JSON.parse(revisionDataJson(base)) as object)).toEqual(["inference", "resource", "tuning"]);
  });
});

function revision(name: string, n: number, hash: string, workspace = "ws"): V1ControllerRevision {
  return {
    metadata: {
      name,
      namespace: "ns",
      labels: { "workspace.kaito.io/name": workspace },
      annotations: { "workspace.kaito.io/hash": hash },
    },
    revision: n,
  };
}

describe("planRevision", () => {
  const hash = computeWorkspaceHash(base);

  it("creates <ws>-<hash5> revision 1 with owner, label, hash annotation and data", () => {
    const plan = planRevision(base, []);
    expect(plan.name).toBe(`ws-${hash.slice(0, 5)}`);
    expect(plan.revision).toBe(1);
    expect(plan.delete).toEqual([]);
    expect(plan.annotations).toEqual({ "workspace.kaito.io/hash": hash, "workspace.kaito.io/revision": "1" });
    expect(plan.create?.metadata?.labels).toEqual({ "workspace.kaito.io/name": "ws" });
    expect(plan.create?.metadata?.annotations).toEqual({ "workspace.kaito.io/hash": hash });
    expect(plan.create?.metadata?.ownerReferences).toEqual([
      {
        apiVersion: "kaito.sh/v1beta1",
        kind: "Workspace",
        name: "ws",
        uid: "u-1",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(plan.create?.revision).toBe(1);
  });

  it("numbers a new spec latest + 1 and reuses the number of a spec seen before", () => {
    const existing = [revision("ws-aaaaa", 3, "a".repeat(64)), revision("ws-bbbbb", 7, "b".repeat(64))];
    expect(planRevision(base, existing).revision).toBe(8);
    const seen = [...existing, revision(`ws-${hash.slice(0, 5)}`, 5, hash)];
    const plan = planRevision(base, seen);
    expect(plan.revision).toBe(5);
    expect(plan.create).toBeUndefined();
    expect(plan.annotations["workspace.kaito.io/revision"]).toBe("5");
  });

  it(`keeps at most ${MAX_REVISION_HISTORY} revisions, deleting the oldest`, () => {
    const existing = Array.from({ length: 12 }, (_, i) =>
      revision(`ws-${String(i).padStart(5, "0")}`, i + 1, String(i).repeat(64).slice(0, 64)),
    ).reverse();
    const plan = planRevision(base, existing);
    expect(plan.revision).toBe(13);
    expect(plan.delete).toEqual(["ws-00000", "ws-00001", "ws-00002"]);
    expect(planRevision(base, existing.slice(3)).delete).toEqual([]);
  });

  it("ignores other Workspaces' revisions", () => {
    expect(planRevision(base, [revision("other-aaaaa", 9, "a".repeat(64), "other")]).revision).toBe(1);
  });

  it("fails with REVISION_CONFLICT when the name exists with another hash", () => {
    try {
      planRevision(base, [revision(`ws-${hash.slice(0, 5)}`, 1, "f".repeat(64))]);
      expect.unreachable();
    } catch (e) {
      expect(isReconcilerError(e) && e.code).toBe("REVISION_CONFLICT");
      expect((e as Error).message).toMatch(/delete that ControllerRevision/);
    }
  });
});
