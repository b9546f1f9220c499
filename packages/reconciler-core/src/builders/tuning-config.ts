/**
 * The tuning ConfigMap (kaito-compat §6.1, §6.4): the user's `tuning.config` ConfigMap, or a copy of the default
 * `lora-params-template` / `qlora-params-template` from the catalog in the Workspace namespace; and the output folder
 * its `TrainingArguments.output_dir` names.
 *
 * @packageDocumentation
 */
import type { V1ConfigMap } from "@kubernetes/client-node";
import { tuningTemplate } from "@kaito-ts/preset-catalog";
import { ConfigMapKey, type TuningMethod, validateTuningConfigYaml } from "@kaito-ts/workspace-types";
import { parse } from "yaml";
import { ReconcilerError } from "../errors.ts";
import { type BuildWorkspace, workspaceKey } from "./workspace.ts";

/** Where the trainer writes when `output_dir` is not set. */
export const DEFAULT_TUNING_OUTPUT_DIR = "/mnt/output";
/** The folder every output folder must be under. */
export const TUNING_BASE_DIR = "/mnt";

/** What {@link resolveTuningConfig} decided. */
export interface TuningConfigResolution {
  /** The ConfigMap mounted at `/mnt/config`. */
  readonly configMapName: string;
  /**
   * The template copy to create in the Workspace namespace when `tuning.config` is empty (Kaito copies it once and
   * gives it no owner reference: Workspaces of the namespace share it, and it survives their deletion).
   */
  readonly create?: V1ConfigMap;
  /** The trainer's output folder: `TrainingArguments.output_dir` under `/mnt`, else `/mnt/output`. */
  readonly outputDir: string;
}

/** The tuning method of the Workspace, lowercased (`lora` or `qlora`). */
export function tuningMethod(ws: BuildWorkspace): TuningMethod {
  const m = (ws.tuning?.method ?? "").toLowerCase();
  if (m !== "lora" && m !== "qlora") {
    throw new ReconcilerError(
      "INVALID_WORKSPACE",
      `Workspace ${workspaceKey(ws)}: tuning.method "${ws.tuning?.method ?? ""}" is not lora or qlora; set one of them`,
    );
  }
  return m;
}

function normalizeUnderMnt(dir: string): string {
  const joined = dir.startsWith("/") ? dir : `${TUNING_BASE_DIR}/${dir}`;
  const out: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/** The output folder of a `training_config.yaml` (already validated). */
export function trainingOutputDir(trainingConfigYaml: string): string {
  const root: unknown = parse(trainingConfigYaml);
  const tc = typeof root === "object" && root !== null ? (root as Record<string, unknown>).training_config : undefined;
  const args = typeof tc === "object" && tc !== null ? (tc as Record<string, unknown>).TrainingArguments : undefined;
  const dir = typeof args === "object" && args !== null ? (args as Record<string, unknown>).output_dir : undefined;
  if (typeof dir !== "string" || dir === "") return DEFAULT_TUNING_OUTPUT_DIR;
  return normalizeUnderMnt(dir);
}

/**
 * Decide the tuning ConfigMap. With `tuning.config`, `userConfigMap` must be that ConfigMap (the reconciler reads it);
 * its `training_config.yaml` is checked with Kaito's rules for the method. Without it, the method's template is copied.
 * The method is compared case-insensitively (Kaito's controller compares case-sensitively and fails on `LoRA`, which
 * its webhook accepts).
 * @throws ReconcilerError `TUNING_CONFIG_INVALID` (ConfigMap missing, key missing, content malformed) or
 * `INVALID_WORKSPACE` (method not lora/qlora).
 */
export function resolveTuningConfig(ws: BuildWorkspace, userConfigMap?: V1ConfigMap): TuningConfigResolution {
  const method = tuningMethod(ws);
  const name = ws.tuning?.config;
  if (name === undefined || name === "") {
    const t = tuningTemplate(method);
    const create: V1ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: t.configMapName, namespace: ws.metadata.namespace },
      data: { [t.key]: t.trainingConfigYaml },
    };
    return { configMapName: t.configMapName, create, outputDir: trainingOutputDir(t.trainingConfigYaml) };
  }
  const where = `Workspace ${workspaceKey(ws)}: tuning ConfigMap ${ws.metadata.namespace}/${name} (tuning.config)`;
  if (userConfigMap === undefined) {
    throw new ReconcilerError(
      "TUNING_CONFIG_INVALID",
      `${where} was not found; create it with a ${ConfigMapKey.TrainingConfig} key, or clear tuning.config to use ` +
        `the default ${method}-params-template`,
    );
  }
  const text = userConfigMap.data?.[ConfigMapKey.TrainingConfig];
  if (text === undefined) {
    throw new ReconcilerError(
      "TUNING_CONFIG_INVALID",
      `${where} has no key ${ConfigMapKey.TrainingConfig}; put the training configuration under that key`,
    );
  }
  const check = validateTuningConfigYaml(text, method);
  if (!check.valid) {
    const details = check.problems
      .map((p) => `${p.path ? `${p.path}: ` : ""}${p.message}${p.hint ? ` (${p.hint})` : ""}`)
      .join("; ");
    throw new ReconcilerError("TUNING_CONFIG_INVALID", `${where}: ${details}`);
  }
  return { configMapName: name, outputDir: trainingOutputDir(text) };
}
