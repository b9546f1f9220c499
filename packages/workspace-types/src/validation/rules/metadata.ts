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
import type { Workspace, WorkspaceApiVersion } from "../../schema/index.ts";
import type { RuntimeName } from "../context.ts";
import { dns1123Message, isDns1123Label, suggestDns1123 } from "../names.ts";
import { annotationsOf, at, type IssueList, type Operation } from "./common.ts";

/** `metadata.name` must be a DNS-1123 label (Kaito rejects dotted names the API server would allow). */
export function checkName(ws: Workspace, out: IssueList): void {
  const name = ws.metadata.name;
  if (name === undefined || name === "") {
    if (ws.metadata.generateName) return; // the API server generates the name before admission
    out.error("NAME_INVALID", "metadata.name", "Required value: a Workspace needs metadata.name");
    return;
  }
  if (!isDns1123Label(name)) {
    out.error(
      "NAME_INVALID",
      "metadata.name",
      `${JSON.stringify(name)} is not a valid Workspace name: ${dns1123Message(name, "label")}`,
      `Kaito uses the name for Services and pods; try "${suggestDns1123(name).replaceAll(".", "-")}"`,
    );
  }
}

/** An annotation whose value Kaito's webhook checks against a fixed list (compat §1.5, §1.6). */
interface EnumAnnotation {
  readonly key: string;
  readonly values: readonly string[];
  /** Kaito compares the value after trimming and lower-casing it (`kaito.sh/node-image-family`). */
  readonly caseInsensitive: boolean;
  /** The API versions whose webhook checks the value (v1alpha1 lacks the performance-mode / local-weights checks). */
  readonly checkedIn: readonly WorkspaceApiVersion[];
}

const BOTH: readonly WorkspaceApiVersion[] = ["kaito.sh/v1alpha1", "kaito.sh/v1beta1"];
const BETA_ONLY: readonly WorkspaceApiVersion[] = ["kaito.sh/v1beta1"];

const ENUM_ANNOTATIONS: readonly EnumAnnotation[] = [
  {
    key: WorkspaceAnnotation.NodeImageFamily,
    values: Object.values(NodeImageFamilyValue),
    caseInsensitive: true,
    checkedIn: BOTH,
  },
  {
    key: WorkspaceAnnotation.PerformanceMode,
    values: Object.values(PerformanceModeValue),
    caseInsensitive: false,
    checkedIn: BETA_ONLY,
  },
  { key: WorkspaceAnnotation.UseLocalWeights, values: ["true", "false"], caseInsensitive: false, checkedIn: BETA_ONLY },
];

const RUNTIMES: readonly string[] = Object.values(RuntimeValue);

const quoted = (values: readonly string[]) => values.map((x) => JSON.stringify(x)).join(", ");

/**
 * Annotation values, as Kaito's webhook judges them on CREATE (compat §1.5–§1.7):
 * - `kaito.sh/node-image-family` must be `ubuntu` or `azurelinux`, compared without regard to case or surrounding
 *   blanks (both versions);
 * - `kaito.sh/performance-mode` and `kaito.sh/use-local-weights` must be one of their values, exactly — in v1beta1;
 *   v1alpha1 does not check them, so there an unknown value is a warning that names the valid ones;
 * - `kaito.sh/runtime` is never validated by Kaito: an unknown value is ignored (the default runtime serves), a warning;
 * - `kaito.sh/node-class-name` must be one of `nodeClasses` when given;
 * - `kaito.sh/enablelb` other than exactly "True" and `kaito.sh/disable-benchmark` other than "true" are warnings.
 *
 * Kaito's webhook checks no annotation on UPDATE (compat §1.6 lists none): with `operation: "update"` every finding
 * is a warning. `runtime` is the runtime the Workspace is served with (named in the unknown-runtime warning).
 */
export function checkAnnotations(
  ws: Workspace,
  out: IssueList,
  apiVersion: WorkspaceApiVersion,
  operation: Operation,
  runtime: RuntimeName,
  nodeClasses?: readonly string[],
): void {
  const annotations = annotationsOf(ws);
  const onUpdate = operation === "update";
  const nodeClass = annotations[WorkspaceAnnotation.NodeClassName];
  if (nodeClass !== undefined && nodeClasses !== undefined && !nodeClasses.includes(nodeClass)) {
    out.add(
      onUpdate ? "warning" : "error",
      "ANNOTATION_INVALID_VALUE",
      at("metadata", "annotations", WorkspaceAnnotation.NodeClassName),
      `node class ${JSON.stringify(nodeClass)} is not one of the operator's Karpenter node classes`,
      nodeClasses.length > 0
        ? `Use one of: ${nodeClasses.join(", ")}`
        : "The operator was started without node classes",
    );
  }
  for (const { key, values, caseInsensitive, checkedIn } of ENUM_ANNOTATIONS) {
    const v = annotations[key];
    if (v === undefined) continue;
    const normalized = v.trim().toLowerCase();
    if (values.includes(caseInsensitive ? normalized : v)) continue;
    const near = values.find((x) => x === normalized);
    const checked = checkedIn.includes(apiVersion) && !onUpdate;
    const why = onUpdate
      ? "Kaito's webhook does not check annotations on update"
      : `Kaito's ${apiVersion.split("/")[1]} webhook does not check this annotation`;
    out.add(
      checked ? "error" : "warning",
      "ANNOTATION_INVALID_VALUE",
      at("metadata", "annotations", key),
      checked
        ? `Unsupported value: ${JSON.stringify(v)}: supported values: ${quoted(values)}`
        : `${JSON.stringify(v)} is not a valid value (supported values: ${quoted(values)}); ${why}, so it is accepted as written`,
      near ? `Write "${near}" (values are lowercase)` : `Use one of: ${values.join(", ")}`,
    );
  }
  const writtenRuntime = annotations[WorkspaceAnnotation.Runtime];
  if (writtenRuntime !== undefined && !RUNTIMES.includes(writtenRuntime)) {
    const near = RUNTIMES.find((x) => x === writtenRuntime.trim().toLowerCase());
    out.warn(
      "ANNOTATION_INEFFECTIVE",
      at("metadata", "annotations", WorkspaceAnnotation.Runtime),
      `${JSON.stringify(writtenRuntime)} is not a runtime (supported values: ${quoted(RUNTIMES)}): Kaito ignores it and serves the model with ${runtime}`,
      near ? `Write "${near}" (values are lowercase)` : `Use one of: ${RUNTIMES.join(", ")}`,
    );
  }
  const lb = annotations[WorkspaceAnnotation.EnableLoadBalancer];
  if (lb !== undefined && lb !== ENABLE_LB_VALUE) {
    out.warn(
      "ANNOTATION_INEFFECTIVE",
      at("metadata", "annotations", WorkspaceAnnotation.EnableLoadBalancer),
      `${JSON.stringify(lb)} has no effect: only the exact value "True" makes the inference Service a LoadBalancer`,
      lb.toLowerCase() === "true" ? 'Write "True" with a capital T' : undefined,
    );
  }
  const dis = annotations[WorkspaceAnnotation.DisableBenchmark];
  if (dis !== undefined && dis !== "true") {
    out.warn(
      "ANNOTATION_INEFFECTIVE",
      at("metadata", "annotations", WorkspaceAnnotation.DisableBenchmark),
      `${JSON.stringify(dis)} has no effect: only "true" disables the post-load benchmark`,
    );
  }
}
