/**
 * Regenerates the committed CRDs from the zod schemas:
 *   crds/kaito.sh_workspaces.yaml, crds/karpenter.sh_nodeclaims.yaml, src/crd/crds.generated.ts
 * Run from the repo root: node --conditions=@kaito-ts/source packages/workspace-types/scripts/gen-crds.ts
 * With --check it writes nothing and exits 1 when a file is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildNodeClaimCrd, buildWorkspaceCrd } from "../src/crd/build.ts";
import { crdFileText, generatedModuleText } from "../src/crd/render.ts";

const pkg = join(import.meta.dirname, "..");
const workspaceCrd = buildWorkspaceCrd();
const nodeClaimCrd = buildNodeClaimCrd();
const files: [string, string][] = [
  [join(pkg, "crds", "kaito.sh_workspaces.yaml"), crdFileText(workspaceCrd)],
  [join(pkg, "crds", "karpenter.sh_nodeclaims.yaml"), crdFileText(nodeClaimCrd)],
  [join(pkg, "src", "crd", "crds.generated.ts"), generatedModuleText({ workspaceCrd, nodeClaimCrd })],
];
const check = process.argv.includes("--check");
let stale = 0;
for (const [path, text] of files) {
  let current: string | undefined;
  try {
    current = readFileSync(path, "utf8");
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  stale++;
  if (check) console.error(`stale: ${path}`);
  else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
if (check && stale > 0) process.exit(1);
if (stale === 0) console.log("CRDs are up to date");
