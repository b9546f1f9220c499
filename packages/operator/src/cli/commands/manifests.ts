/** `kaito manifests`: print the install manifests (CRD, RBAC, Deployment, webhook, tuning templates). */
import { renderManifests } from "../../manifests/generate.ts";
import type { CliIO } from "../io.ts";

/** Print the manifests for a namespace and image. */
export function runManifests(io: CliIO, opts: { namespace?: string; image?: string; replicas?: number }): number {
  io.stdout(renderManifests(opts));
  return 0;
}
