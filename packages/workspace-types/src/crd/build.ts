/**
 * Builds the CRDs from the zod schemas: `workspaces.kaito.sh` (v1alpha1 served, v1beta1 served + storage) and
 * `nodeclaims.karpenter.sh` (v1). Used by `scripts/gen-crds.ts` to write the committed files and by the staleness
 * test; consumers read the generated data instead (`workspaceCrd`, `nodeClaimCrd`).
 */
import * as z from "zod";
import {
  KAITO_GROUP,
  WORKSPACE_CATEGORIES,
  WORKSPACE_KIND,
  WORKSPACE_LIST_KIND,
  WORKSPACE_PLURAL,
  WORKSPACE_SHORT_NAMES,
  WORKSPACE_SINGULAR,
} from "../constants/index.ts";
import { NodeClaimSchema } from "../schema/nodeclaim.ts";
import { baseWorkspaceSchemaFor, type WorkspaceApiVersion } from "../schema/workspace.ts";
import { celRulesFor } from "./cel-rules.ts";
import { toStructuralSchema } from "./structural.ts";
import type { CustomResourceDefinition, JSONSchemaProps, PrinterColumn } from "./types.ts";

const conditionColumn = (name: string, type = name, description?: string): PrinterColumn => ({
  name,
  type: "string",
  jsonPath: `.status.conditions[?(@.type=="${type}")].status`,
  ...(description ? { description } : {}),
});

/**
 * The `-o wide` column of kaito-ts (priority 1, so the default columns stay Kaito's): the `TuningProgress`
 * condition's message, e.g. `step 12/100 (12%), epoch 0.50, loss 1.2340, ETA 1m20s`; empty for inference.
 */
export const TUNING_PROGRESS_PRINTER_COLUMN: PrinterColumn = {
  name: "Progress",
  type: "string",
  jsonPath: '.status.conditions[?(@.type=="TuningProgress")].message',
  description: "What the trainer of a tuning Workspace last reported (see status.tuningProgress)",
  priority: 1,
};

/**
 * Printer columns of a Workspace version: Kaito's (compat §1.3) plus `WorkspaceReady` — the seed document's
 * column, the status of `WorkspaceSucceeded` — placed so that the seed's INSTANCE, RESOURCEREADY, INFERENCEREADY,
 * WORKSPACEREADY, AGE appear in that order; and {@link TUNING_PROGRESS_PRINTER_COLUMN} for `kubectl get -o wide`,
 * before Age so that Age stays the last column in both views.
 */
export function workspacePrinterColumns(version: WorkspaceApiVersion): PrinterColumn[] {
  return [
    { name: "Instance", type: "string", jsonPath: ".resource.instanceType" },
    conditionColumn("ResourceReady"),
    conditionColumn("InferenceReady"),
    conditionColumn("JobStarted"),
    conditionColumn("WorkspaceSucceeded"),
    conditionColumn(
      "WorkspaceReady",
      "WorkspaceSucceeded",
      "Status of WorkspaceSucceeded, under the name classic Kaito releases used",
    ),
    ...(version === "kaito.sh/v1beta1"
      ? ([
          { name: "TargetNodeCount", type: "integer", jsonPath: ".status.targetNodeCount" },
          { name: "State", type: "string", jsonPath: ".status.state" },
        ] satisfies PrinterColumn[])
      : []),
    { ...TUNING_PROGRESS_PRINTER_COLUMN },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ];
}

function nodeAt(root: JSONSchemaProps, path: readonly string[]): JSONSchemaProps {
  let node = root;
  for (const key of path) {
    let next = node.properties?.[key];
    if (next === undefined && node.type === "array") next = node.items?.properties?.[key];
    if (next === undefined) throw new Error(`CEL rule target ${path.join(".")} not found at ${key}`);
    node = next;
  }
  return node;
}

/** The structural `openAPIV3Schema` of a Workspace version, CEL rules attached. */
export function workspaceOpenApiSchema(version: WorkspaceApiVersion): JSONSchemaProps {
  const json = z.toJSONSchema(baseWorkspaceSchemaFor(version) as z.ZodType, { target: "openapi-3.0", io: "input" });
  const schema = toStructuralSchema(json);
  schema.description =
    "Workspace is the Schema for the workspaces API: resource, inference and tuning are top-level fields (no spec).";
  for (const rule of celRulesFor(version)) {
    const node = nodeAt(schema, rule.at);
    const list = node["x-kubernetes-validations"] ?? [];
    list.push({ rule: rule.rule, message: rule.message });
    node["x-kubernetes-validations"] = list;
  }
  return schema;
}

/** Build the Workspace CRD. */
export function buildWorkspaceCrd(): CustomResourceDefinition {
  const version = (v: WorkspaceApiVersion) => ({
    name: v.split("/")[1] ?? v,
    served: true,
    storage: v === "kaito.sh/v1beta1",
    additionalPrinterColumns: workspacePrinterColumns(v),
    schema: { openAPIV3Schema: workspaceOpenApiSchema(v) },
    subresources: { status: {} },
  });
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${WORKSPACE_PLURAL}.${KAITO_GROUP}` },
    spec: {
      group: KAITO_GROUP,
      names: {
        kind: WORKSPACE_KIND,
        listKind: WORKSPACE_LIST_KIND,
        plural: WORKSPACE_PLURAL,
        singular: WORKSPACE_SINGULAR,
        shortNames: [...WORKSPACE_SHORT_NAMES],
        categories: [...WORKSPACE_CATEGORIES],
      },
      scope: "Namespaced",
      versions: [version("kaito.sh/v1alpha1"), version("kaito.sh/v1beta1")],
    },
  };
}

const labelColumn = (name: string, label: string, priority = 0): PrinterColumn => ({
  name,
  type: "string",
  jsonPath: `.metadata.labels.${label.replaceAll(".", "\\.")}`,
  ...(priority ? { priority } : {}),
});

/** Printer columns of the NodeClaim CRD, as Karpenter's. */
export function nodeClaimPrinterColumns(): PrinterColumn[] {
  return [
    labelColumn("Type", "node.kubernetes.io/instance-type"),
    labelColumn("Capacity", "karpenter.sh/capacity-type"),
    labelColumn("Zone", "topology.kubernetes.io/zone"),
    { name: "Node", type: "string", jsonPath: ".status.nodeName" },
    conditionColumn("Ready"),
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    { name: "ImageID", type: "string", jsonPath: ".status.imageID", priority: 1 },
    { name: "ID", type: "string", jsonPath: ".status.providerID", priority: 1 },
    labelColumn("NodePool", "karpenter.sh/nodepool", 1),
    { name: "NodeClass", type: "string", jsonPath: ".spec.nodeClassRef.name", priority: 1 },
    { ...conditionColumn("Drifted"), priority: 1 },
  ];
}

/** Build the `karpenter.sh/v1` NodeClaim CRD (cluster-scoped, status subresource). */
export function buildNodeClaimCrd(): CustomResourceDefinition {
  const schema = toStructuralSchema(z.toJSONSchema(NodeClaimSchema, { target: "openapi-3.0", io: "input" }));
  schema.description = "NodeClaim is the Schema for the NodeClaims API (the fields Kaito uses).";
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "nodeclaims.karpenter.sh" },
    spec: {
      group: "karpenter.sh",
      names: {
        kind: "NodeClaim",
        listKind: "NodeClaimList",
        plural: "nodeclaims",
        singular: "nodeclaim",
        categories: ["karpenter"],
      },
      scope: "Cluster",
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          additionalPrinterColumns: nodeClaimPrinterColumns(),
          schema: { openAPIV3Schema: schema },
          subresources: { status: {} },
        },
      ],
    },
  };
}
