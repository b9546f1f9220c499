/** The client on the real kube-apiserver + etcd of envtest: the shared scenarios. */
import { describe } from "vitest";
import { startEnvtest } from "./support/backends.ts";
import { clientScenarios } from "./support/scenarios.ts";

describe("workspace-client on envtest (real kube-apiserver)", () => {
  clientScenarios(() => startEnvtest());
});
