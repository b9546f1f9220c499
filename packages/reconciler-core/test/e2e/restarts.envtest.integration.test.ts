/** The restart test (`restarts-suite.ts`) on the real control plane of @kaito-ts/envtest. */
import { describeRestarts } from "./restarts-suite.ts";

describeRestarts("envtest");
