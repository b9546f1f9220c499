/** `kaito manifests`: print the install manifests (CRD, RBAC, Deployment, webhook, tuning templates). */
import type { CliIO } from "../io.ts";

/** Print the manifests for a namespace and image (the generator, which reads reconciler-core, is loaded on use). */
export async function runManifests(
  io: CliIO,
  opts: { namespace?: string; image?: string; replicas?: number },
): Promise<number> {
  const { renderManifests } = await import("../../manifests/generate.ts");
  io.stdout(renderManifests(opts));
  return 0;
}
