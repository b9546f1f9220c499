/**
 * Container environment and argv resolution the kubelet way: `envFrom` then `env` (value, configMapKeyRef,
 * secretKeyRef, fieldRef, resourceFieldRef), `$(VAR)` expansion, command/args over the image's ENTRYPOINT/CMD, and
 * rewriting of mount paths to the host folders they are materialised in.
 */
import { ClusterSimError } from "../../errors/index.ts";
import type { KubeObject } from "../../store/api.ts";
import {
  asObj,
  asObjArray,
  asStringArray,
  asStringRecord,
  type Obj,
  specOf,
  statusOf,
  str,
} from "../shared/objects.ts";
import { parseQuantity } from "../shared/quantity.ts";

/** A container cannot be configured (the kubelet's CreateContainerConfigError); shown in the container's status. */
export class ContainerConfigError extends ClusterSimError {
  constructor(message: string) {
    super("Invalid", message);
    this.name = "ContainerConfigError";
  }
}

/** Reads ConfigMaps and Secrets of the pod's namespace. */
export interface ObjectLookup {
  configMap(name: string): KubeObject | undefined;
  secret(name: string): KubeObject | undefined;
}

/** The string data of a ConfigMap (data + base64-decoded binaryData). */
export function configMapData(cm: KubeObject): Record<string, string> {
  const out = asStringRecord(cm.data);
  for (const [k, v] of Object.entries(asStringRecord(cm.binaryData))) out[k] = Buffer.from(v, "base64").toString();
  return out;
}

/** The decoded data of a Secret (`data` base64-decoded, `stringData` as is). */
export function secretData(secret: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asStringRecord(secret.data))) out[k] = Buffer.from(v, "base64").toString();
  Object.assign(out, asStringRecord(secret.stringData));
  return out;
}

/** The bytes of a Secret's key (binary-safe, for volume files). */
export function secretBytes(secret: KubeObject): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(asStringRecord(secret.data))) out[k] = Buffer.from(v, "base64");
  for (const [k, v] of Object.entries(asStringRecord(secret.stringData))) out[k] = Buffer.from(v);
  return out;
}

/** Value of a downward-API `fieldPath` of a pod. */
export function podFieldValue(pod: KubeObject, fieldPath: string): string | undefined {
  const labelMatch = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labelMatch !== null) {
    const map = labelMatch[1] === "labels" ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[labelMatch[2] ?? ""] ?? "";
  }
  const spec = specOf(pod);
  const status = statusOf(pod);
  switch (fieldPath) {
    case "metadata.name":
      return pod.metadata.name;
    case "metadata.namespace":
      return pod.metadata.namespace;
    case "metadata.uid":
      return pod.metadata.uid;
    case "metadata.labels":
      return formatMap(pod.metadata.labels);
    case "metadata.annotations":
      return formatMap(pod.metadata.annotations);
    case "spec.nodeName":
      return str(spec.nodeName) ?? "";
    case "spec.serviceAccountName":
      return str(spec.serviceAccountName) ?? "default";
    case "status.podIP":
      return str(status.podIP) ?? "";
    case "status.hostIP":
      return str(status.hostIP) ?? "";
    case "status.podIPs":
      return asObjArray(status.podIPs)
        .map((p) => str(p.ip) ?? "")
        .join(",");
    case "status.hostIPs":
      return asObjArray(status.hostIPs)
        .map((p) => str(p.ip) ?? "")
        .join(",");
    default:
      return undefined;
  }
}

function formatMap(map: Record<string, string> | undefined): string {
  return Object.entries(map ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join("\n");
}

/** `$(VAR)` expansion as Kubernetes does it: unknown references stay as written, `$$(` escapes. */
export function expandVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === "$$") return "$";
    if (name === undefined) return match;
    return Object.hasOwn(env, name) ? (env[name] ?? "") : match;
  });
}

function resourceFieldValue(container: Obj, ref: Obj): string {
  const resource = str(ref.resource) ?? "";
  const [kind, name] = resource.split(".");
  const list = asObj(asObj(container.resources)[kind === "requests" ? "requests" : "limits"]);
  const raw = list[name ?? ""];
  const value = parseQuantity(raw) ?? (name === "cpu" ? 1 : 0);
  const divisor = parseQuantity(ref.divisor) ?? 1;
  return String(Math.ceil(value / divisor));
}

/** The environment of a container (without the simulation's own variables). */
export function resolveEnv(pod: KubeObject, container: Obj, lookup: ObjectLookup): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of asObjArray(container.envFrom)) {
    const prefix = str(from.prefix) ?? "";
    const cmRef = asObj(from.configMapRef);
    const secretRef = asObj(from.secretRef);
    if (str(cmRef.name) !== undefined) {
      const cm = lookup.configMap(str(cmRef.name) ?? "");
      if (cm === undefined) {
        if (cmRef.optional === true) continue;
        throw new ContainerConfigError(`configmap "${str(cmRef.name)}" not found`);
      }
      for (const [k, v] of Object.entries(configMapData(cm))) env[prefix + k] = v;
    } else if (str(secretRef.name) !== undefined) {
      const secret = lookup.secret(str(secretRef.name) ?? "");
      if (secret === undefined) {
        if (secretRef.optional === true) continue;
        throw new ContainerConfigError(`secret "${str(secretRef.name)}" not found`);
      }
      for (const [k, v] of Object.entries(secretData(secret))) env[prefix + k] = v;
    }
  }
  for (const e of asObjArray(container.env)) {
    const name = str(e.name);
    if (name === undefined) continue;
    if (e.valueFrom === undefined) {
      env[name] = expandVars(str(e.value) ?? "", env);
      continue;
    }
    const from = asObj(e.valueFrom);
    const value = resolveValueFrom(pod, container, from, lookup, name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function resolveValueFrom(
  pod: KubeObject,
  container: Obj,
  from: Obj,
  lookup: ObjectLookup,
  envName: string,
): string | undefined {
  if (from.configMapKeyRef !== undefined) {
    const ref = asObj(from.configMapKeyRef);
    const cmName = str(ref.name) ?? "";
    const key = str(ref.key) ?? "";
    const cm = lookup.configMap(cmName);
    const value = cm === undefined ? undefined : configMapData(cm)[key];
    if (value !== undefined) return value;
    if (ref.optional === true) return undefined;
    throw new ContainerConfigError(
      cm === undefined
        ? `configmap "${cmName}" not found`
        : `couldn't find key ${key} in ConfigMap ${pod.metadata.namespace}/${cmName}`,
    );
  }
  if (from.secretKeyRef !== undefined) {
    const ref = asObj(from.secretKeyRef);
    const secretName = str(ref.name) ?? "";
    const key = str(ref.key) ?? "";
    const secret = lookup.secret(secretName);
    const value = secret === undefined ? undefined : secretData(secret)[key];
    if (value !== undefined) return value;
    if (ref.optional === true) return undefined;
    throw new ContainerConfigError(
      secret === undefined
        ? `secret "${secretName}" not found`
        : `couldn't find key ${key} in Secret ${pod.metadata.namespace}/${secretName}`,
    );
  }
  if (from.fieldRef !== undefined) {
    const fieldPath = str(asObj(from.fieldRef).fieldPath) ?? "";
    const value = podFieldValue(pod, fieldPath);
    if (value === undefined) {
      throw new ContainerConfigError(`env ${envName}: unsupported fieldRef fieldPath "${fieldPath}"`);
    }
    return value;
  }
  if (from.resourceFieldRef !== undefined) return resourceFieldValue(container, asObj(from.resourceFieldRef));
  return undefined;
}

/**
 * The argv of a container: `command` replaces the image ENTRYPOINT, `args` replace CMD (and a `command` without
 * `args` drops CMD), each entry `$(VAR)`-expanded.
 */
export function containerArgv(
  container: Obj,
  image: { entrypoint?: string[] | undefined; cmd?: string[] | undefined },
  env: Record<string, string>,
): string[] {
  const command = Array.isArray(container.command) ? asStringArray(container.command) : undefined;
  const args = Array.isArray(container.args) ? asStringArray(container.args) : undefined;
  const argv = [...(command ?? image.entrypoint ?? []), ...(args ?? (command !== undefined ? [] : (image.cmd ?? [])))];
  return argv.map((a) => expandVars(a, env));
}

/** Rewrites occurrences of mount paths (longest first) to host paths, where they appear as whole path prefixes. */
export function rewriteMountPaths(text: string, mounts: Record<string, string>): string {
  const paths = Object.keys(mounts)
    .filter((p) => p !== "/" && p !== "")
    .sort((a, b) => b.length - a.length);
  if (paths.length === 0) return text;
  const alternation = paths.map((p) => p.replace(/\/+$/, "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const re = new RegExp(`(^|[^A-Za-z0-9_.\\-/])(${alternation})(?=$|[/\\s"'\`:;,=)&|<>])`, "g");
  return text.replace(re, (_m, before: string, path: string) => {
    const host = mounts[path] ?? mounts[`${path}/`] ?? path;
    return before + host;
  });
}
