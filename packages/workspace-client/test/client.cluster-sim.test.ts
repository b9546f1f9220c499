/** The client on cluster-sim (in process): the shared scenarios. */
import { describe } from "vitest";
import { startClusterSim } from "./support/backends.ts";
import { clientScenarios } from "./support/scenarios.ts";

describe("workspace-client on cluster-sim", () => {
  clientScenarios(() => startClusterSim());
});
