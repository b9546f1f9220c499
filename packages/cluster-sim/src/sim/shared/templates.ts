/** Building pods from pod templates, and finding the objects a controller owns. */
import type { KubeObject, ResourceKey } from "../../store/api.ts";
import type { SimApi } from "../api/types.ts";
import { asObj, asStringRecord, clone, controllerRef, isControlledBy, type Obj } from "./objects.ts";

/** Naming and extra metadata of a pod created from a template. */
export interface PodNaming {
  namespace: string;
  name?: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

/** A pod from `template`, controlled by `owner`. */
export function podFromTemplate(template: unknown, owner: KubeObject, naming: PodNaming): KubeObject {
  const t = asObj(template);
  const meta = asObj(t.metadata);
  const metadata: KubeObject["metadata"] = {
    namespace: naming.namespace,
    labels: { ...asStringRecord(meta.labels), ...(naming.labels ?? {}) },
    annotations: { ...asStringRecord(meta.annotations), ...(naming.annotations ?? {}) },
    ownerReferences: [controllerRef(owner)],
  };
  if (naming.name !== undefined) metadata.name = naming.name;
  if (naming.generateName !== undefined) metadata.generateName = naming.generateName;
  if (naming.finalizers !== undefined) metadata.finalizers = naming.finalizers;
  if (Object.keys(metadata.annotations ?? {}).length === 0) delete metadata.annotations;
  return { apiVersion: "v1", kind: "Pod", metadata, spec: clone(asObj(t.spec)) as Obj };
}

/** Objects of `resource` in the owner's namespace whose controller is `owner` (from the cache's controller index). */
export function listControlled(api: SimApi, resource: ResourceKey, owner: KubeObject): KubeObject[] {
  const uid = owner.metadata.uid;
  if (uid === undefined) {
    const opts = owner.metadata.namespace === undefined ? {} : { namespace: owner.metadata.namespace };
    return api.list(resource, opts).filter((o) => isControlledBy(o, owner));
  }
  return api.listControlledBy(resource, owner.metadata.namespace, uid);
}

/** Name → index of the ordinal suffix (`web-3` → 3) for a StatefulSet's pods; -1 when the name does not match. */
export function ordinalOf(setName: string, podName: string): number {
  if (!podName.startsWith(`${setName}-`)) return -1;
  const suffix = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(suffix) ? Number(suffix) : -1;
}
