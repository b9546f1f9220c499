/**
 * Materialises a pod's volumes as folders: emptyDir (and every volume type without data — hostPath, PVCs, CSI — as
 * an empty folder), configMap, secret (base64-decoded), downwardAPI and projected volumes as files.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import { ClusterSimError } from "../../errors/index.ts";
import type { KubeObject } from "../../store/api.ts";
import { configMapData, type ObjectLookup, podFieldValue, secretBytes } from "./env.ts";
import { asObj, asObjArray, num, type Obj, specOf, str } from "../shared/objects.ts";

/** A volume cannot be set up (the kubelet's FailedMount); shown in a pod event. */
export class VolumeMountError extends ClusterSimError {
  constructor(message: string) {
    super("Invalid", message);
    this.name = "VolumeMountError";
  }
}

/** Volume name → host folder. */
export type VolumeDirs = Map<string, string>;

/** A fake service account token file content (never a real credential). */
const FAKE_TOKEN = "kaito-sim.fake.token";

function safeRelative(path: string): string {
  const n = normalize(path).replace(/^(\.\.(\/|$))+/, "");
  return n.startsWith("/") ? n.slice(1) : n;
}

async function writeItems(
  dir: string,
  data: Record<string, Buffer>,
  items: Obj[],
  defaultMode: number,
  what: string,
  optional: boolean,
): Promise<void> {
  if (items.length === 0) {
    for (const [key, value] of Object.entries(data)) {
      await writeFile(join(dir, safeRelative(key)), value, { mode: defaultMode });
    }
    return;
  }
  for (const item of items) {
    const key = str(item.key) ?? "";
    const value = data[key];
    if (value === undefined) {
      if (optional) continue;
      throw new VolumeMountError(`${what}: key "${key}" not found`);
    }
    const target = join(dir, safeRelative(str(item.path) ?? key));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, value, { mode: num(item.mode) ?? defaultMode });
  }
}

function stringsToBuffers(data: Record<string, string>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)]));
}

async function writeConfigMap(dir: string, source: Obj, lookup: ObjectLookup, volume: string): Promise<void> {
  const name = str(source.name) ?? "";
  const cm = lookup.configMap(name);
  const optional = source.optional === true;
  if (cm === undefined) {
    if (optional) return;
    throw new VolumeMountError(`MountVolume.SetUp failed for volume "${volume}" : configmap "${name}" not found`);
  }
  await writeItems(
    dir,
    stringsToBuffers(configMapData(cm)),
    asObjArray(source.items),
    num(source.defaultMode) ?? 0o644,
    `MountVolume.SetUp failed for volume "${volume}" : configmap "${name}"`,
    optional,
  );
}

async function writeSecret(dir: string, source: Obj, lookup: ObjectLookup, volume: string, nameField: string) {
  const name = str(source[nameField]) ?? "";
  const secret = lookup.secret(name);
  const optional = source.optional === true;
  if (secret === undefined) {
    if (optional) return;
    throw new VolumeMountError(`MountVolume.SetUp failed for volume "${volume}" : secret "${name}" not found`);
  }
  await writeItems(
    dir,
    secretBytes(secret),
    asObjArray(source.items),
    num(source.defaultMode) ?? 0o644,
    `MountVolume.SetUp failed for volume "${volume}" : secret "${name}"`,
    optional,
  );
}

async function writeDownwardApi(dir: string, pod: KubeObject, source: Obj): Promise<void> {
  for (const item of asObjArray(source.items)) {
    const fieldPath = str(asObj(item.fieldRef).fieldPath);
    const value = fieldPath === undefined ? "" : (podFieldValue(pod, fieldPath) ?? "");
    const target = join(dir, safeRelative(str(item.path) ?? "value"));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, value);
  }
}

/** Creates one folder per volume of the pod under `root` and fills it. Throws {@link VolumeMountError}. */
export async function materializeVolumes(root: string, pod: KubeObject, lookup: ObjectLookup): Promise<VolumeDirs> {
  const dirs: VolumeDirs = new Map();
  for (const volume of asObjArray(specOf(pod).volumes)) {
    const name = str(volume.name);
    if (name === undefined) continue;
    const dir = join(root, safeRelative(name));
    await mkdir(dir, { recursive: true });
    if (volume.configMap !== undefined) await writeConfigMap(dir, asObj(volume.configMap), lookup, name);
    else if (volume.secret !== undefined) await writeSecret(dir, asObj(volume.secret), lookup, name, "secretName");
    else if (volume.downwardAPI !== undefined) await writeDownwardApi(dir, pod, asObj(volume.downwardAPI));
    else if (volume.projected !== undefined) {
      for (const source of asObjArray(asObj(volume.projected).sources)) {
        if (source.configMap !== undefined) await writeConfigMap(dir, asObj(source.configMap), lookup, name);
        else if (source.secret !== undefined) await writeSecret(dir, asObj(source.secret), lookup, name, "name");
        else if (source.downwardAPI !== undefined) await writeDownwardApi(dir, pod, asObj(source.downwardAPI));
        else if (source.serviceAccountToken !== undefined) {
          const path = str(asObj(source.serviceAccountToken).path) ?? "token";
          await writeFile(join(dir, safeRelative(path)), FAKE_TOKEN);
        }
      }
    }
    dirs.set(name, dir);
  }
  return dirs;
}

/** mountPath → host path for a container's volumeMounts (subPath honoured). Unknown volumes are skipped. */
export async function containerMounts(container: Obj, dirs: VolumeDirs): Promise<Record<string, string>> {
  const mounts: Record<string, string> = {};
  for (const m of asObjArray(container.volumeMounts)) {
    const volume = str(m.name);
    const mountPath = str(m.mountPath);
    if (volume === undefined || mountPath === undefined) continue;
    const dir = dirs.get(volume);
    if (dir === undefined) continue;
    const subPath = str(m.subPath);
    const host = subPath ? join(dir, safeRelative(subPath)) : dir;
    if (subPath) await mkdir(dirname(host), { recursive: true });
    mounts[mountPath.replace(/\/+$/, "") || "/"] = host;
  }
  return mounts;
}
