/**
 * Where the AKS provisioner keeps the state of its long-running ARM operations between passes: the serialized SDK
 * poller (`poller.serialize()`, resumed with `restorePoller`), and the last provider failure per Workspace. The state
 * holds operation URLs only, never a token. Without it (a restart with the in-memory store) the provisioner still
 * converges from the pools' `provisioningState`; it only loses the text of a failure that happened meanwhile.
 */
import { describeError, NodeProvisionerError } from "../errors.ts";
import { getObject } from "../internal/port-calls.ts";
import { httpStatusOf, type KubeObject, type KubernetesObjectPort } from "../types.ts";

/** One stored record. */
export type AksOperationRecord =
  | {
      readonly kind: "create" | "delete";
      /** The serialized poller. */
      readonly state: string;
      readonly startedAt: string;
    }
  | {
      readonly kind: "failure";
      /** ARM's error code, e.g. `QuotaExceeded`. */
      readonly code: string;
      /** ARM's message. */
      readonly message: string;
      /** The pool it happened on. */
      readonly pool: string;
      readonly at: string;
    };

/** Persistence of {@link AksOperationRecord}s by key (pool names, `failure.<namespace>.<workspace>`). */
export interface AksOperationStore {
  get(key: string): Promise<AksOperationRecord | undefined>;
  set(key: string, record: AksOperationRecord): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A store in process memory (lost on restart). */
export function memoryOperationStore(): AksOperationStore {
  const map = new Map<string, AksOperationRecord>();
  return {
    get: async (key) => map.get(key),
    set: async (key, record) => {
      map.set(key, record);
    },
    delete: async (key) => {
      map.delete(key);
    },
  };
}

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/**
 * A store in one ConfigMap (created on first write) through the port, surviving restarts: one data key per record,
 * the record as JSON. Give the operator's service account get/create/patch on that ConfigMap.
 */
export function configMapOperationStore(
  port: KubernetesObjectPort,
  where: { readonly namespace: string; readonly name: string },
): AksOperationStore {
  const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: where.namespace, name: where.name } as const;
  const fail = (verb: string, error: unknown) =>
    new NodeProvisionerError(
      "KUBERNETES_REQUEST_FAILED",
      `${verb} ConfigMap ${where.namespace}/${where.name} (AKS operation state) failed: ${describeError(error)}`,
      { cause: error, status: httpStatusOf(error) },
    );
  return {
    async get(key) {
      const cm = await getObject<ConfigMap>(port, ref);
      const raw = cm?.data?.[key];
      if (raw === undefined) return undefined;
      try {
        return JSON.parse(raw) as AksOperationRecord;
      } catch {
        return undefined;
      }
    },
    async set(key, record) {
      const value = JSON.stringify(record);
      try {
        await port.patch(ref, { data: { [key]: value } });
      } catch (error) {
        if (httpStatusOf(error) !== 404) throw fail("patching", error);
        try {
          await port.create<ConfigMap>({
            ...ref,
            metadata: { name: ref.name, namespace: ref.namespace },
            data: { [key]: value },
          });
        } catch (createError) {
          if (httpStatusOf(createError) !== 409) throw fail("creating", createError);
          await port.patch(ref, { data: { [key]: value } }).catch((e: unknown) => {
            throw fail("patching", e);
          });
        }
      }
    },
    async delete(key) {
      try {
        await port.patch(ref, { data: { [key]: null } });
      } catch (error) {
        if (httpStatusOf(error) !== 404) throw fail("patching", error);
      }
    },
  };
}
