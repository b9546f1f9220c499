/** The restart test (`restarts-suite.ts`) on cluster-sim. */
import { describeRestarts } from "./restarts-suite.ts";

describeRestarts("cluster-sim");
