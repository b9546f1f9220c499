/**
 * Rules on `metadata`: the Workspace name and the annotation values Kaito recognises.
 * @internal
 */

import {
  ENABLE_LB_VALUE,
  NodeImageFamilyValue,
  PerformanceModeValue,
  RuntimeValue,
  WorkspaceAnnotation,
} from "../../constants/index.ts";
import type { Workspace } from "../../schema/index.ts";
import { dns1123Message, isDns1123Label, suggestDns1123 } from "../names.ts";
import { annotationsOf, at, type IssueList } from "./common.ts";

/** `metadata.name` must be a DNS-1123 label (Kaito rejects dotted names the API server would allow). */
export function checkName(ws: Workspace, out: IssueList): void {
  const name = ws.metadata.name;
  if (name === undefined || name === "") {
    if (ws.metadata.generateName) return; // the API server generates the name before admission
    out.error("name-invalid", "metadata.name", "Required value: a Workspace needs metadata.name");
    return;
  }
  if (!isDns1123Label(name)) {
    out.error(
      "name-invalid",
      "metadata.name",
      `${JSON.stringify(name)} is not a valid Workspace name: ${dns1123Message(name, "label")}`,
      `Kaito uses the name for Services and pods; try "${suggestDns1123(name).replaceAll(".", "-")}"`,
    );
  }
}

const ENUM_ANNOTATIONS: readonly { key: string; values: readonly string[] }[] = [
  { key: WorkspaceAnnotation.NodeImageFamily, values: Object.values(NodeImageFamilyValue) },
  { key: WorkspaceAnnotation.PerformanceMode, values: Object.values(PerformanceModeValue) },
  { key: WorkspaceAnnotation.UseLocalWeights, values: ["true", "false"] },
  { key: WorkspaceAnnotation.Runtime, values: Object.values(RuntimeValue) },
];

/**
 * Annotation values: `kaito.sh/node-image-family`, `kaito.sh/performance-mode`, `kaito.sh/use-local-weights` and
 * `kaito.sh/runtime` must be one of their values (both versions; Kaito checks the first three only in v1beta1 and
 * silently treats an unknown runtime as vLLM); `kaito.sh/node-class-name` must be one of `nodeClasses` when given.
 * `kaito.sh/enablelb` other than exactly "True" is a warning.
 */
export function checkAnnotations(ws: Workspace, out: IssueList, nodeClasses?: readonly string[]): void {
  const annotations = annotationsOf(ws);
  const nodeClass = annotations[WorkspaceAnnotation.NodeClassName];
  if (nodeClass !== undefined && nodeClasses !== undefined && !nodeClasses.includes(nodeClass)) {
    out.error(
      "annotation-invalid-value",
      at("metadata", "annotations", WorkspaceAnnotation.NodeClassName),
      `node class ${JSON.stringify(nodeClass)} is not one of the operator's Karpenter node classes`,
      nodeClasses.length > 0
        ? `Use one of: ${nodeClasses.join(", ")}`
        : "The operator was started without node classes",
    );
  }
  for (const { key, values } of ENUM_ANNOTATIONS) {
    const v = annotations[key];
    if (v === undefined || values.includes(v)) continue;
    const near = values.find((x) => x === v.trim().toLowerCase());
    out.error(
      "annotation-invalid-value",
      at("metadata", "annotations", key),
      `Unsupported value: ${JSON.stringify(v)}: supported values: ${values.map((x) => JSON.stringify(x)).join(", ")}`,
      near ? `Write "${near}" (values are lowercase)` : undefined,
    );
  }
  const lb = annotations[WorkspaceAnnotation.EnableLoadBalancer];
  if (lb !== undefined && lb !== ENABLE_LB_VALUE) {
    out.warn(
      "annotation-ineffective",
      at("metadata", "annotations", WorkspaceAnnotation.EnableLoadBalancer),
      `${JSON.stringify(lb)} has no effect: only the exact value "True" makes the inference Service a LoadBalancer`,
      lb.toLowerCase() === "true" ? 'Write "True" with a capital T' : undefined,
    );
  }
  const dis = annotations[WorkspaceAnnotation.DisableBenchmark];
  if (dis !== undefined && dis !== "true") {
    out.warn(
      "annotation-ineffective",
      at("metadata", "annotations", WorkspaceAnnotation.DisableBenchmark),
      `${JSON.stringify(dis)} has no effect: only "true" disables the post-load benchmark`,
    );
  }
}
