/** `kaito apply/status/deploy/endpoint` against the real kube-apiserver of envtest. */
import { startControlPlane } from "@kaito-ts/envtest";
import { workspaceCrd } from "@kaito-ts/workspace-types";
import { describeCliOn } from "./cli-support.ts";

describeCliOn("envtest (real kube-apiserver)", async () => {
  const cp = await startControlPlane();
  return {
    kubeConfig: cp.kubeConfig,
    kubeconfigPath: cp.kubeconfigPath,
    installWorkspaceCrd: async () => {
      await cp.installCRDs([structuredClone(workspaceCrd) as never]);
    },
    stop: () => cp.stop(),
  };
});
