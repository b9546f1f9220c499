import { createHash } from "node:crypto";
// The builders are loaded on use (reconciler-core brings client-node): the other commands start without them.
import type { KubeNodeClaim } from "@kaito-ts/node-provisioner/karpenter";
import { catalogValidationLookups } from "@kaito-ts/preset-catalog";
import type { BuildOptions, NodeProvisionerMode, WorkspaceObject } from "@kaito-ts/reconciler-core";
import {
  type Cloud,
  parseWorkspaceDocuments,
  type RuntimeName,
  type ValidationContext,
  validateWorkspace,
  type Workspace,
} from "@kaito-ts/workspace-types";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { Option, type Command } from "commander";
import { stringify } from "yaml";
import { clusterLookupFrom, isContextObject } from "../cluster-context.ts";
import { type CliIO, readInputOrExplain } from "../io.ts";

/** How the cluster gets its GPU nodes (the operator's `--provisioner`). */
export type PlanProvisioner = "karpenter" | "aks" | "byo";

/** Options of `kaito plan`. */
export interface PlanOptions {
  readonly output: "yaml" | "json";
  readonly provisioner: PlanProvisioner;
  readonly cloud: Cloud;
  readonly registry?: string;
  readonly runtime: RuntimeName;
  readonly namespace: string;
}

/** A Kubernetes object of the plan (NodeClaim or an object of the builders). */
export type PlannedObject = KubeNodeClaim | WorkspaceObject;

/** What `kaito plan` computes for one Workspace. */
export interface WorkspacePlanResult {
  readonly name: string;
  readonly namespace: string;
  /** The placeholder UID the objects were built with. */
  readonly uid: string;
  readonly targetNodeCount: number;
  readonly objects: readonly PlannedObject[];
  /** Lines for a person (agent pools of the aks provisioner, BYO nodes), printed as YAML comments / on stderr. */
  readonly notes: readonly string[];
}

/**
 * A deterministic stand-in for the Workspace's `metadata.uid` (which only the API server assigns): a UUID-shaped
 * sha256 of `kaito-plan/<namespace>/<name>`. Owner references and NodeClaim names derive from it.
 */
export function placeholderUid(namespace: string, name: string): string {
  const h = createHash("sha256").update(`kaito-plan/${namespace}/${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The builders' node-provisioner mode for the operator's `--provisioner` and cloud (as the operator maps it). */
export function builderMode(provisioner: PlanProvisioner, cloud: Cloud): NodeProvisionerMode {
  if (provisioner === "byo") return "byo";
  return provisioner === "aks" || cloud === "azure" ? "azure-gpu-provisioner" : "karpenter";
}

/** The build options of `kaito plan` (Kaito's chart defaults, overridden by the flags). */
export async function planBuildOptions(options: Omit<PlanOptions, "output" | "namespace">): Promise<BuildOptions> {
  const { resolveBuildOptions } = await import("@kaito-ts/reconciler-core");
  return resolveBuildOptions({
    cloud: options.cloud,
    nodeProvisioner: builderMode(options.provisioner, options.cloud),
    defaultRuntime: options.runtime,
    ...(options.registry !== undefined ? { presetRegistryName: options.registry } : {}),
  });
}

function configMapNamed(
  context: readonly unknown[],
  namespace: string,
  name: string | undefined,
): V1ConfigMap | undefined {
  if (name === undefined) return undefined;
  return context.find((o) => {
    const m = (o as { kind?: string; metadata?: { name?: string; namespace?: string } }).metadata;
    return (
      (o as { kind?: string }).kind === "ConfigMap" && m?.name === name && (m.namespace ?? namespace) === namespace
    );
  }) as V1ConfigMap | undefined;
}

/**
 * Every object the reconciler creates for one (valid) Workspace: its NodeClaims (karpenter / gpu-provisioner mode),
 * then what `buildWorkspaceObjects` returns (ControllerRevision, tuning ConfigMap, Services, StatefulSet or Job).
 * Pure apart from the `/aks` description, which needs the agent-pool builder (`aksPools`).
 * @throws ReconcilerError / NodeProvisionerError when the Workspace cannot be served as given.
 */
export async function planWorkspace(
  workspace: Workspace,
  options: Omit<PlanOptions, "output">,
  context: readonly unknown[] = [],
): Promise<WorkspacePlanResult> {
  const { buildWorkspaceObjects } = await import("@kaito-ts/reconciler-core");
  const { nodeNameFor, resolveNodeRequest } = await import("@kaito-ts/node-provisioner");
  const { gpuConfigFromNodes } = await import("@kaito-ts/node-provisioner/byo");
  const { buildNodeClaim } = await import("@kaito-ts/node-provisioner/karpenter");
  const name = workspace.metadata?.name ?? "";
  const namespace = workspace.metadata?.namespace ?? options.namespace;
  const uid = placeholderUid(namespace, name);
  const ws = { ...workspace, metadata: { ...workspace.metadata, name, namespace, uid } } as Workspace;
  const inferenceConfig = (ws as { inference?: { config?: string } }).inference?.config;
  const tuningConfig = (ws as { tuning?: { config?: string } }).tuning?.config;
  const inferenceConfigMap = configMapNamed(context, namespace, inferenceConfig);
  const tuningConfigMap = configMapNamed(context, namespace, tuningConfig);
  let byoGpu: { gpuCount: number; totalGpuMemoryGiB: number; product: string } | undefined;
  if (options.provisioner === "byo") {
    // The GPUs of bring-your-own nodes come from their labels: the Node documents of the file that match the selector.
    const match = ws.resource?.labelSelector?.matchLabels ?? {};
    const nodes = context.filter((o) => {
      const n = o as { kind?: string; metadata?: { labels?: Record<string, string> } };
      return n.kind === "Node" && Object.entries(match).every(([k, v]) => n.metadata?.labels?.[k] === v);
    });
    const gpu = gpuConfigFromNodes(nodes as never);
    if (gpu.ok)
      byoGpu = {
        gpuCount: gpu.config.gpuCount,
        totalGpuMemoryGiB: gpu.config.totalGpuMemoryGiB,
        product: gpu.config.product,
      };
  }
  const plan = buildWorkspaceObjects(
    ws,
    {
      ...(byoGpu !== undefined ? { byoGpu } : {}),
      ...(inferenceConfigMap !== undefined ? { inferenceConfigMap } : {}),
      ...(tuningConfigMap !== undefined ? { tuningConfigMap } : {}),
    },
    await planBuildOptions(options),
  );
  const nodeClaims: KubeNodeClaim[] = [];
  const notes: string[] = [];
  const request = {
    workspace: plan.workspace as never,
    targetNodeCount: plan.targetNodeCount,
  };
  if (options.provisioner === "byo") {
    const selector = Object.entries(plan.workspace.resource.labelSelector?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    notes.push(
      `nodes: ${plan.targetNodeCount} existing Ready node(s) with nvidia.com/gpu capacity matching ${selector || "the label selector"} (bring your own; nothing is provisioned)`,
    );
  } else {
    const req = resolveNodeRequest(request, { uid: true, instanceType: true });
    const names = Array.from({ length: plan.targetNodeCount }, (_, i) => nodeNameFor(uid, i));
    if (options.provisioner === "karpenter") {
      for (const n of names) nodeClaims.push(buildNodeClaim(req, n, { cloud: options.cloud }));
    } else {
      for (const n of names) {
        notes.push(
          `AKS agent pool ${n}: vmSize ${req.instanceType}, count 1, osSKU ${req.nodeImageFamily === "azurelinux" ? "AzureLinux" : "Ubuntu"}, taint sku=gpu:NoSchedule, labels ${Object.entries(
            { "karpenter.sh/nodepool": "kaito", ...req.workspaceLabels, ...req.matchLabels },
          )
            .map(([k, v]) => `${k}=${v}`)
            .join(",")}, disk ${req.storageRequest}`,
        );
      }
    }
  }
  return {
    name,
    namespace,
    uid,
    targetNodeCount: plan.targetNodeCount,
    objects: [...nodeClaims, ...plan.objects],
    notes,
  };
}

function formatIssue(path: string, message: string, hint: string | undefined, who: string | undefined): string {
  return `${who ? `${who}: ` : ""}${path}: ${message}${hint ? ` (hint: ${hint})` : ""}`;
}

/** Runs `kaito plan`; returns the exit code (0 planned, 1 invalid Workspace). */
export async function runPlan(io: CliIO, file: string, options: PlanOptions): Promise<number> {
  const text = await readInputOrExplain(io, file);
  const source = file === "-" ? "<stdin>" : file;
  const docs = parseWorkspaceDocuments(text, { source });
  const context = docs.map((d) => d.value).filter(isContextObject);
  const workspaces = docs.filter((d) => !isContextObject(d.value));
  const errors: string[] = [];
  for (const d of workspaces)
    for (const e of d.errors)
      errors.push(`${source}${e.line === undefined ? "" : `:${e.line}:${e.column ?? 1}`}: ${e.message}`);
  if (workspaces.length === 0) errors.push(`${source}: no Workspace found (expected a document with kind: Workspace)`);
  const ctx: ValidationContext = {
    cloud: options.cloud,
    nodeAutoProvisioning: options.provisioner !== "byo",
    defaultRuntime: options.runtime,
    namespace: options.namespace,
    ...catalogValidationLookups(),
    ...(context.length > 0 ? { cluster: clusterLookupFrom(context, options.namespace) } : {}),
  };
  if (errors.length === 0) {
    for (const d of workspaces) {
      const r = validateWorkspace(d.value, ctx);
      const who = workspaces.length > 1 ? (d.value as Workspace).metadata?.name : undefined;
      for (const e of r.errors) errors.push(formatIssue(e.path, e.message, e.hint, who));
    }
  }
  if (errors.length > 0) {
    io.stderr(`${errors.join("\n")}\n`);
    io.stderr("error: the Workspace is invalid; fix it and plan again (kaito validate shows the same problems)\n");
    return 1;
  }
  const plans: WorkspacePlanResult[] = [];
  for (const d of workspaces) {
    try {
      plans.push(await planWorkspace(d.value as Workspace, options, context));
    } catch (error) {
      const code = (error as { code?: string }).code;
      const { isReconcilerError } = await import("@kaito-ts/reconciler-core");
      if (isReconcilerError(error) || code === "INVALID_REQUEST") {
        io.stderr(`error: ${(d.value as Workspace).metadata?.name ?? "the Workspace"}: ${(error as Error).message}\n`);
        return 1;
      }
      throw error;
    }
  }
  if (options.output === "json") {
    io.stdout(
      `${JSON.stringify(
        plans.flatMap((p) => p.objects),
        null,
        2,
      )}\n`,
    );
    for (const p of plans) for (const n of p.notes) io.stderr(`note: ${p.namespace}/${p.name}: ${n}\n`);
    return 0;
  }
  const out: string[] = [];
  for (const p of plans) {
    const header = [
      `# kaito plan: Workspace ${p.namespace}/${p.name}: ${p.objects.length} object(s), ${p.targetNodeCount} node(s)`,
      `# provisioner ${options.provisioner}, cloud ${options.cloud}, runtime ${options.runtime} (default), registry ${options.registry ?? "mcr.microsoft.com/aks/kaito"}`,
      `# The Workspace has no UID until the API server creates it: owner references and NodeClaim names below use the`,
      `# placeholder uid ${p.uid}; on the cluster they derive from the real UID.`,
      ...p.notes.map((n) => `# ${n}`),
    ];
    const docs = p.objects.map((o) => stringify(o, { lineWidth: 0 }).trimEnd());
    out.push(`${header.join("\n")}\n${docs.length > 0 ? docs.join("\n---\n") : "# (no objects)"}`);
  }
  io.stdout(`${out.join("\n---\n")}\n`);
  return 0;
}

/** Registers `kaito plan` on the program. */
export function registerPlanCommand(program: Command, io: CliIO, setExitCode: (code: number) => void): void {
  program
    .command("plan")
    .description(
      "validate a Workspace, then print every object the reconciler would create for it (no cluster needed; exit 1 when invalid)",
    )
    .argument("<file>", "a Workspace file, or - for stdin; ConfigMap and Node documents in it describe the cluster")
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .addOption(
      new Option("--provisioner <provisioner>", "how GPU nodes are provisioned")
        .choices(["karpenter", "aks", "byo"])
        .default("karpenter"),
    )
    .addOption(new Option("--cloud <cloud>", "cloud provider").choices(["azure", "aws", "arc"]).default("azure"))
    .option("--registry <registry>", "registry of Kaito's runtime images (default mcr.microsoft.com/aks/kaito)")
    .addOption(
      new Option("--runtime <runtime>", "runtime of Workspaces without kaito.sh/runtime")
        .choices(["vllm", "transformers"])
        .default("vllm"),
    )
    .option("-n, --namespace <namespace>", "namespace of Workspaces that name none", "default")
    .action(async (file: string, o: Record<string, unknown>) => {
      setExitCode(
        await runPlan(io, file, {
          output: o.output as "yaml" | "json",
          provisioner: o.provisioner as PlanProvisioner,
          cloud: o.cloud as Cloud,
          runtime: o.runtime as RuntimeName,
          namespace: String(o.namespace),
          ...(typeof o.registry === "string" ? { registry: o.registry } : {}),
        }),
      );
    });
}
