import { validateWorkspace, WorkspaceV1beta1Schema, applyWorkspaceDefaults, findUnknownFieldPaths } from "../src/index.ts";
import { fullContext } from "../test/validation/fake-context.ts";
import { tuningWs, inferenceWs } from "../test/validation/builders.ts";
function time(label: string, f: () => void, n = 20000) { for (let i = 0; i < 2000; i++) f(); const t = performance.now(); for (let i = 0; i < n; i++) f(); console.log(label, ((performance.now() - t) / n * 1000).toFixed(1), "us"); }
const tw = tuningWs(); const iw = inferenceWs(); const ctx = fullContext();
time("zod+defaults+unknown tuning", () => { findUnknownFieldPaths(tw); WorkspaceV1beta1Schema.safeParse(applyWorkspaceDefaults(tw)); });
time("inference ctx", () => validateWorkspace(iw, ctx));
time("tuning ctx", () => validateWorkspace(tw, ctx));
time("zod+defaults+unknown tuning", () => { findUnknownFieldPaths(tw); WorkspaceV1beta1Schema.safeParse(applyWorkspaceDefaults(tw)); });
