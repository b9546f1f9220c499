/**
 * Rules on `resource`: instance type vs node auto-provisioning, label selector, partition, SKU table, BYO nodes and
 * the GPU-memory fit.
 * @internal
 */

import { NodeLabel, WorkspaceAnnotation } from "../../constants/index.ts";
import type { Workspace } from "../../schema/index.ts";
import type { NodeGpuCapacity, PresetInfo, SkuInfo } from "../context.ts";
import { sanitizeLabelSelector } from "../label-selector.ts";
import { at, type IssueList, nonEmpty, type RuleEnv, rawHas } from "./common.ts";

const INSTANCE_TYPE_PATH = at("resource", "instanceType");
const LABEL_SELECTOR_PATH = at("resource", "labelSelector");

const BYO_GPU_LABELS = [NodeLabel.GpuProduct, NodeLabel.GpuCount, NodeLabel.GpuMemory] as const;

const AZURE_UNVALIDATED_PREFIXES = ["standard_n", "standard_d"] as const;

/**
 * Azure names Kaito lets through without a table lookup: `Standard_N*` and `Standard_D*`, compared without regard to
 * case as Azure compares VM sizes (compat §1.7, §5.1).
 */
export function isAzureUnvalidatedPrefix(name: string): boolean {
  const lower = name.slice(0, 10).toLowerCase();
  return AZURE_UNVALIDATED_PREFIXES.some((p) => lower === p);
}

/** Kaito's wording for the one fit rule `kaito.sh/bypass-resource-checks` cannot silence (compat §1.7). */
export const TRANSFORMERS_MULTI_NODE_MESSAGE =
  "Multi-node distributed inference is not supported with Huggingface Transformers runtime";

/** Rules that apply to every Workspace: instance type vs NAP, selector, deprecated fields. */
export function checkResourceCommon(ws: Workspace, env: RuleEnv, out: IssueList): void {
  const r = ws.resource;
  const instanceType = nonEmpty(r.instanceType);
  if (env.ctx.nodeAutoProvisioning) {
    if (instanceType === undefined) {
      out.error(
        "INSTANCE_TYPE_REQUIRED",
        at("resource", "instanceType"),
        "Required value: instanceType must be set when node auto-provisioning is enabled",
        "Set the GPU SKU to provision, e.g. Standard_NC24ads_A100_v4 (list them with `kaito skus`)",
      );
    }
  } else if (
    instanceType !== undefined &&
    (env.apiVersion === "kaito.sh/v1beta1" || rawHas(env.raw, ["resource", "instanceType"]))
  ) {
    out.error(
      "INSTANCE_TYPE_FORBIDDEN",
      at("resource", "instanceType"),
      "instanceType must be empty when node auto-provisioning is disabled (bring-your-own nodes)",
      "Remove instanceType; the nodes are chosen by resource.labelSelector",
    );
  }
  const sel = sanitizeLabelSelector(r.labelSelector);
  if (!sel.ok) {
    out.error(
      sel.code,
      sel.path === "" ? at("resource", "labelSelector") : `${at("resource", "labelSelector")}.${sel.path}`,
      sel.reason,
      sel.code === "LABEL_SELECTOR_INVALID" ? "Use matchLabels (key: value) to select nodes" : undefined,
    );
  } else if (sel.dropped.length > 0) {
    out.warn(
      "LABEL_SELECTOR_RESERVED_DROPPED",
      at("resource", "labelSelector", "matchLabels"),
      `reserved Kaito label keys are ignored: ${sel.dropped.join(", ")}`,
    );
  }
  if (r.preferredNodes !== undefined && r.preferredNodes.length > 0) {
    out.warn(
      "DEPRECATED_FIELD",
      at("resource", "preferredNodes"),
      "resource.preferredNodes is deprecated and ignored by current Kaito",
      "Select existing nodes with resource.labelSelector instead",
    );
  }
  if (env.apiVersion === "kaito.sh/v1beta1" && rawHas(env.raw, ["resource", "count"])) {
    out.warn(
      "DEPRECATED_FIELD",
      at("resource", "count"),
      "resource.count is deprecated in v1beta1: with vLLM the node count is estimated from the model and SKU",
    );
  }
}

/** Look up the SKU and report table problems. Returns the SKU when known. */
export function checkSku(
  ws: Workspace,
  env: RuleEnv,
  out: IssueList,
  purpose: "inference" | "tuning",
): SkuInfo | undefined {
  const name = nonEmpty(ws.resource.instanceType);
  const skus = env.ctx.skus;
  if (!env.ctx.nodeAutoProvisioning || name === undefined || skus === undefined) return undefined;
  const sku = skus.getSku(name, env.ctx.cloud);
  const path = INSTANCE_TYPE_PATH;
  if (sku === undefined) {
    if (env.ctx.cloud === "azure" && isAzureUnvalidatedPrefix(name)) {
      out.warn(
        "SKU_UNVALIDATED",
        path,
        purpose === "inference"
          ? `instance type ${name} is not in Kaito's Azure SKU table: it is accepted, but no GPU check is done and the vLLM node estimator cannot size it`
          : `instance type ${name} is not in Kaito's Azure SKU table: it is accepted, but the tuning Job's GPU request is taken from the table, so Kaito cannot create the Job`,
        "Prefer a listed SKU (`kaito skus --cloud azure`)",
      );
    } else if (purpose === "inference") {
      out.error(
        "SKU_UNSUPPORTED",
        path,
        `Unsupported instance type ${name}`,
        `Use an instance type from the ${env.ctx.cloud} SKU table (\`kaito skus --cloud ${env.ctx.cloud}\`)`,
      );
    } else {
      out.warn(
        "SKU_UNVALIDATED",
        path,
        `instance type ${name} is not in the ${env.ctx.cloud} SKU table: Kaito's webhook does not check SKUs for tuning, but its controller takes the Job's GPU request from the table and cannot create the Job`,
        `Use an instance type from \`kaito skus --cloud ${env.ctx.cloud}\``,
      );
    }
    return undefined;
  }
  if (sku.classic) {
    out.warn(
      "SKU_CLASSIC",
      path,
      `instance type ${sku.name} (${sku.gpuModel}) was dropped from Kaito's current SKU table; it still works but is not checked for GPU compatibility`,
      "Prefer an A100/H100 SKU such as Standard_NC24ads_A100_v4",
    );
  }
  return sku;
}

/** Partition rules for inference (NAP on: partition needs BYO nodes). */
export function checkPartitionForInference(ws: Workspace, env: RuleEnv, out: IssueList): void {
  if (ws.resource.partition !== undefined && env.ctx.nodeAutoProvisioning) {
    out.error(
      "PARTITION_REQUIRES_BYO",
      at("resource", "partition"),
      "partition is only supported with bring-your-own nodes (node auto-provisioning disabled)",
      "Remove resource.partition, or disable node auto-provisioning and select existing MIG/accelerator nodes",
    );
  }
}

function reportFit(
  env: RuleEnv,
  out: IssueList,
  path: string,
  preset: PresetInfo,
  node: NodeGpuCapacity,
  nodeCount: number,
): void {
  // Kaito's webhook: the transformers runtime serves from one node, so a distributed-capable model larger than one
  // node is rejected — with or without kaito.sh/bypass-resource-checks. Checked here, not left to the FitChecker.
  const weights = preset.weightsGiB;
  if (
    env.runtime === "transformers" &&
    preset.supportsDistributedInference &&
    weights !== undefined &&
    weights > node.totalGpuMemoryGiB
  ) {
    out.error(
      "TRANSFORMERS_MULTI_NODE",
      path,
      TRANSFORMERS_MULTI_NODE_MESSAGE,
      `${preset.name} needs ${weights}Gi of GPU memory and one node has ${node.totalGpuMemoryGiB}Gi; ${env.bypassResourceChecks ? "kaito.sh/bypass-resource-checks does not lift this rule. " : ""}Remove the ${WorkspaceAnnotation.Runtime}: transformers annotation to serve it with vLLM across nodes, or choose a node with more GPU memory`,
    );
  }
  const fit = env.ctx.fit;
  if (fit === undefined) return;
  const issues = fit.checkFit({
    preset,
    node,
    nodeCount,
    runtime: env.runtime,
    bypassResourceChecks: env.bypassResourceChecks,
  });
  for (const i of issues) {
    if (i.message === TRANSFORMERS_MULTI_NODE_MESSAGE) continue; // reported above, once
    if (i.severity === "error") {
      out.error("MODEL_FIT", path, i.message, "Choose a SKU with more GPU memory (`kaito skus`) or a smaller model");
    } else {
      out.warn("MODEL_FIT", path, i.message);
    }
  }
}

/** NAP on: the GPU-memory check runs only for the transformers runtime (vLLM sizes with the node estimator). */
export function checkNapFit(ws: Workspace, env: RuleEnv, out: IssueList, preset: PresetInfo, sku: SkuInfo): void {
  if (env.runtime !== "transformers") return;
  reportFit(
    env,
    out,
    at("resource", "instanceType"),
    preset,
    { gpuCount: sku.gpuCount, totalGpuMemoryGiB: sku.totalGpuMemoryGiB },
    ws.resource.count,
  );
}

/** BYO (NAP off, preset inference): nodes must exist, carry uniform GPU labels, and fit the model. */
export function checkByoNodes(ws: Workspace, env: RuleEnv, out: IssueList, preset: PresetInfo | undefined): void {
  const cluster = env.ctx.cluster;
  if (env.ctx.nodeAutoProvisioning || cluster === undefined) return;
  const sel = sanitizeLabelSelector(ws.resource.labelSelector);
  if (!sel.ok) return;
  const path = LABEL_SELECTOR_PATH;
  const nodes = cluster.listNodes(sel.matchLabels);
  if (nodes.length === 0) {
    const labels = Object.entries(sel.matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    out.error(
      "BYO_NO_NODES",
      path,
      `no nodes match the label selector${labels ? ` (${labels})` : ""}; node auto-provisioning is disabled, so the nodes must exist`,
      `Label your GPU nodes, e.g. kubectl label node <node> ${labels || "apps=my-workspace"}`,
    );
    return;
  }
  let first: { product: string; count: string; memory: string } | undefined;
  for (const node of nodes) {
    const missing = BYO_GPU_LABELS.filter((l) => node.labels[l] === undefined || node.labels[l] === "");
    if (missing.length > 0) {
      out.error(
        "BYO_NODE_GPU_LABELS_MISSING",
        path,
        `node ${node.name} lacks the GPU labels ${missing.join(", ")}`,
        "Install the NVIDIA GPU feature discovery (GPU operator) so nodes carry nvidia.com/gpu.* labels",
      );
      return;
    }
    const cur = {
      product: node.labels[NodeLabel.GpuProduct] ?? "",
      count: node.labels[NodeLabel.GpuCount] ?? "",
      memory: node.labels[NodeLabel.GpuMemory] ?? "",
    };
    if (first === undefined) first = cur;
    else if (first.product !== cur.product || first.count !== cur.count || first.memory !== cur.memory) {
      out.error(
        "BYO_NODES_NOT_UNIFORM",
        path,
        `the selected nodes differ in GPU: ${nodes[0]?.name} has ${first.count}× ${first.product} (${first.memory} MiB), ${node.name} has ${cur.count}× ${cur.product} (${cur.memory} MiB)`,
        "Select nodes of one GPU type with resource.labelSelector",
      );
      return;
    }
  }
  if (first === undefined || preset === undefined) return;
  const gpuCount = Number(first.count);
  const memMiB = Number(first.memory);
  if (!Number.isFinite(gpuCount) || !Number.isFinite(memMiB) || gpuCount <= 0 || memMiB <= 0) {
    out.error(
      "BYO_NODE_GPU_LABELS_MISSING",
      path,
      `node ${nodes[0]?.name} has unusable GPU labels (${NodeLabel.GpuCount}=${first.count}, ${NodeLabel.GpuMemory}=${first.memory})`,
    );
    return;
  }
  reportFit(env, out, path, preset, { gpuCount, totalGpuMemoryGiB: (memMiB * gpuCount) / 1024 }, nodes.length);
}
