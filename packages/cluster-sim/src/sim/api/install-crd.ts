/** Installing cluster-sim's NodeClaim CRD into another API server, as plain JSON, and waiting until it is Established. */
import type { KubeConfig } from "@kubernetes/client-node";
import { nodeClaimCrd } from "../../builtin/nodeclaim-crd.ts";
import { ClusterSimError } from "../../errors/index.ts";
import { asObj, asObjArray } from "../shared/objects.ts";
import { apiError, KubeHttp } from "./kube-http.ts";

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

/**
 * Creates the `nodeclaims.karpenter.sh` CRD (`nodeClaimCrd()`) on the API server of `kubeConfig` unless it exists,
 * and resolves once it is Established. The body is sent as plain JSON, so `x-kubernetes-preserve-unknown-fields`
 * survives (client-node's typed CRD model drops it from plain objects, and the NodeClaim status would be pruned).
 * Rejects with a ClusterSimError: the server's reason when the create is refused, `Timeout` after `timeoutMs`.
 */
export async function installNodeClaimCrd(kubeConfig: KubeConfig, options: { timeoutMs?: number } = {}): Promise<void> {
  const http = new KubeHttp(kubeConfig);
  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    const created = await http.request("POST", CRDS, { body: nodeClaimCrd() });
    if (created.status !== 201 && created.status !== 409) {
      throw apiError(created.status, created.body, `create ${CRDS}/nodeclaims.karpenter.sh`);
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await http.request("GET", `${CRDS}/nodeclaims.karpenter.sh`);
      const established = asObjArray(asObj(asObj(res.body).status).conditions).some(
        (c) => c.type === "Established" && c.status === "True",
      );
      if (established) return;
      if (Date.now() > deadline) {
        throw new ClusterSimError(
          "Timeout",
          `the CRD nodeclaims.karpenter.sh on ${http.server} was not Established after ${timeoutMs} ms (see its status.conditions)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    http.close();
  }
}
