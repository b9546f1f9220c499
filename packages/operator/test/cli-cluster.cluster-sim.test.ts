/** `kaito apply/status/deploy/endpoint` against cluster-sim. */
import { startCluster } from "@kaito-ts/cluster-sim";
import { KubeTransport } from "@kaito-ts/workspace-client";
import { workspaceCrd } from "@kaito-ts/workspace-types";
import { describeCliOn } from "./cli-support.ts";

describeCliOn("cluster-sim", async () => {
  const cluster = await startCluster({ simulation: false });
  return {
    kubeConfig: cluster.kubeConfig,
    kubeconfigPath: cluster.kubeconfigPath,
    async installWorkspaceCrd() {
      await new KubeTransport(cluster.kubeConfig).send(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        { verb: "create", what: "the Workspace CRD" },
        { method: "POST", body: structuredClone(workspaceCrd) },
      );
    },
    stop: () => cluster.stop(),
  };
});
