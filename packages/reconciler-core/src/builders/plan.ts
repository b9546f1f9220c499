/**
 * Everything a Workspace needs, at once and in creation order: the ControllerRevision, the tuning ConfigMap copy,
 * the Services and the StatefulSet (inference) or the Job (tuning). Used by the golden tests and `kaito plan`; the
 * state machine calls the single builders step by step.
 *
 * @packageDocumentation
 */
import type { V1ConfigMap, V1ControllerRevision, V1Job, V1Service, V1StatefulSet } from "@kubernetes/client-node";
import type { Workspace, WorkspaceInput } from "@kaito-ts/workspace-types";
import { planRevision, type RevisionPlan } from "../revision/plan.ts";
import type { BuildContext } from "./context.ts";
import { buildInferenceStatefulSet } from "./inference.ts";
import { computeTargetNodeCount } from "./node-count.ts";
import type { BuildOptions } from "./options.ts";
import { inferenceMaxModelLen } from "./preset.ts";
import { buildInferenceServices } from "./services.ts";
import { resolveTuningConfig } from "./tuning-config.ts";
import { buildTuningJob } from "./tuning-job.ts";
import { type BuildWorkspace, toBuildWorkspace } from "./workspace.ts";
import { getPreset } from "@kaito-ts/preset-catalog";

/** Any object the builders return. */
export type WorkspaceObject = V1ControllerRevision | V1ConfigMap | V1Service | V1StatefulSet | V1Job;

/** Observed state for {@link buildWorkspaceObjects}; everything optional. */
export interface WorkspaceObjectsInput extends Partial<Omit<BuildContext, "revision">> {
  /** ControllerRevisions listed for the Workspace (default none: this is revision 1). */
  readonly existingRevisions?: readonly V1ControllerRevision[];
}

/** The result of {@link buildWorkspaceObjects}. */
export interface WorkspacePlan {
  /** The Workspace in its v1beta1 internal form with the hash/revision annotations set. */
  readonly workspace: BuildWorkspace;
  readonly revision: RevisionPlan;
  /** `status.targetNodeCount`: the given one, else computed. */
  readonly targetNodeCount: number;
  /** Objects to create, in order. */
  readonly objects: readonly WorkspaceObject[];
}

/**
 * Build every object of a Workspace (v1alpha1 or v1beta1).
 * @throws ReconcilerError with a builder code when the Workspace cannot be served.
 */
export function buildWorkspaceObjects(
  input: Workspace | WorkspaceInput,
  observed: WorkspaceObjectsInput,
  options: BuildOptions,
): WorkspacePlan {
  const base = toBuildWorkspace(input);
  const revision = planRevision(base, observed.existingRevisions ?? []);
  const ws: BuildWorkspace = {
    ...base,
    metadata: { ...base.metadata, annotations: { ...base.metadata.annotations, ...revision.annotations } },
  };
  const objects: WorkspaceObject[] = [];
  if (revision.create !== undefined) objects.push(revision.create);
  let targetNodeCount = observed.targetNodeCount;
  if (targetNodeCount === undefined || targetNodeCount === 0) {
    const presetName = ws.inference?.preset?.name;
    const contextLimit = presetName === undefined ? undefined : getPreset(presetName)?.contextLimit;
    const maxModelLen = inferenceMaxModelLen(ws, observed.inferenceConfigMap, contextLimit);
    targetNodeCount = computeTargetNodeCount(ws, options, {
      ...(maxModelLen !== undefined ? { maxModelLen } : {}),
      ...(observed.byoGpu !== undefined ? { gpu: observed.byoGpu } : {}),
    });
  }
  const ctx: BuildContext = { ...observed, revision: revision.revision, targetNodeCount };
  if (ws.tuning !== undefined) {
    const config = resolveTuningConfig(ws, observed.tuningConfigMap);
    if (config.create !== undefined) objects.push(config.create);
    objects.push(buildTuningJob(ws, ctx, config, options));
  } else {
    const { service, headless } = buildInferenceServices(ws, options);
    objects.push(service, headless, buildInferenceStatefulSet(ws, ctx, options));
  }
  return { workspace: ws, revision, targetNodeCount, objects };
}
