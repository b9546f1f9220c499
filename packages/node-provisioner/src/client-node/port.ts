/**
 * A {@link KubernetesObjectPort} over `@kubernetes/client-node`'s generic `KubernetesObjectApi`: every call goes to
 * the API server (no cache). Errors stay client-node's `ApiException` (`code` = HTTP status), which the port contract
 * accepts; a 404 on get/delete becomes `undefined`/`false`.
 */
import { type KubeConfig, KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import type { KubeObject, KubernetesObjectPort } from "../types.ts";

/** A port that reads and writes through `kubeConfig`'s current context. */
export function kubernetesObjectPort(kubeConfig: KubeConfig): KubernetesObjectPort {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const header = (ref: { apiVersion: string; kind: string; name: string; namespace?: string | undefined }) => ({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }) },
  });
  return {
    async get<T extends KubeObject>(ref: Parameters<KubernetesObjectPort["get"]>[0]) {
      try {
        return (await api.read(header(ref))) as unknown as T;
      } catch (error) {
        if ((error as { code?: unknown }).code === 404) return undefined;
        throw error;
      }
    },
    async list<T extends KubeObject>(query: Parameters<KubernetesObjectPort["list"]>[0]) {
      const selector = Object.entries(query.labelSelector ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      const list = await api.list(
        query.apiVersion,
        query.kind,
        query.namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        selector === "" ? undefined : selector,
      );
      return list.items as unknown as T[];
    },
    async create<T extends KubeObject>(object: T) {
      return (await api.create(object as never)) as unknown as T;
    },
    async patch<T extends KubeObject>(
      ref: Parameters<KubernetesObjectPort["patch"]>[0],
      patch: Parameters<KubernetesObjectPort["patch"]>[1],
    ) {
      const body = {
        ...patch,
        ...header(ref),
        metadata: { ...(patch.metadata as object | undefined), ...header(ref).metadata },
      };
      return (await api.patch(
        body as never,
        undefined,
        undefined,
        undefined,
        undefined,
        PatchStrategy.MergePatch,
      )) as unknown as T;
    },
    async delete(ref: Parameters<KubernetesObjectPort["delete"]>[0]) {
      try {
        await api.delete(header(ref), undefined, undefined, undefined, undefined, "Background");
        return true;
      } catch (error) {
        if ((error as { code?: unknown }).code === 404) return false;
        throw error;
      }
    },
  };
}
