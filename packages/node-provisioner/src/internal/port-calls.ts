/**
 * Port calls wrapped so that failures become `KUBERNETES_REQUEST_FAILED` errors naming the object.
 */
import { describeError, NodeProvisionerError } from "../errors.ts";
import { httpStatusOf, type KubeObject, type KubernetesObjectPort, type ListQuery, type ObjectRef } from "../types.ts";

function where(ref: { apiVersion: string; kind: string; name?: string; namespace?: string | undefined }): string {
  const ns = ref.namespace === undefined ? "" : `${ref.namespace}/`;
  return `${ref.kind} ${ns}${ref.name ?? "(list)"} (${ref.apiVersion})`;
}

function failed(verb: string, target: string, error: unknown): NodeProvisionerError {
  return new NodeProvisionerError(
    "KUBERNETES_REQUEST_FAILED",
    `${verb} ${target} failed: ${describeError(error)}; it is retried on the next pass (check RBAC and the API server if it persists)`,
    { cause: error, status: httpStatusOf(error) },
  );
}

/** `port.list` with a clear error. */
export async function listObjects<T extends KubeObject>(port: KubernetesObjectPort, query: ListQuery): Promise<T[]> {
  try {
    return await port.list<T>(query);
  } catch (error) {
    throw failed("listing", where(query), error);
  }
}

/** `port.get` with a clear error. */
export async function getObject<T extends KubeObject>(
  port: KubernetesObjectPort,
  ref: ObjectRef,
): Promise<T | undefined> {
  try {
    return await port.get<T>(ref);
  } catch (error) {
    throw failed("reading", where(ref), error);
  }
}

/** `port.delete`; `false` when already gone (404 included). */
export async function deleteObject(port: KubernetesObjectPort, ref: ObjectRef): Promise<boolean> {
  try {
    return await port.delete(ref);
  } catch (error) {
    if (httpStatusOf(error) === 404) return false;
    throw failed("deleting", where(ref), error);
  }
}

/** `port.patch` with a clear error. */
export async function patchObject<T extends KubeObject>(
  port: KubernetesObjectPort,
  ref: ObjectRef,
  patch: Parameters<KubernetesObjectPort["patch"]>[1],
): Promise<T> {
  try {
    return await port.patch<T>(ref, patch);
  } catch (error) {
    throw failed("patching", where(ref), error);
  }
}
