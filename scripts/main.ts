/**
 * `pnpm main`: the project's main job until the operator demo exists. It validates the filled-in copy of the seed's
 * fine-tuning example (valid, with the bfloat16 warning), shows that the seed's example as written is rejected, and
 * lists the instance types that fit the example's preset. Exits 0 when all of that behaves as expected.
 */
import { processIO } from "../packages/operator/src/cli/io.ts";
import { runCli } from "../packages/operator/src/cli/program.ts";

const io = processIO();
const step = async (title: string, argv: string[], expected: number): Promise<boolean> => {
  io.stdout(`\n$ kaito ${argv.join(" ")}    # ${title}\n`);
  const code = await runCli(argv, io);
  if (code !== expected) io.stderr(`expected exit code ${expected}, got ${code}\n`);
  return code === expected;
};

const results = [
  await step(
    "the seed example with placeholders filled in",
    ["validate", "examples/fine-tuning/kaito_workspace_tuning_phi_3_local.yaml"],
    0,
  ),
  await step(
    "the seed example as written: rejected",
    ["validate", "examples/fine-tuning/kaito_workspace_tuning_phi_3.yaml"],
    1,
  ),
  await step(
    "instance types that can tune its preset",
    ["skus", "--fit", "phi-3-mini-128k-instruct", "--purpose", "tuning", "--method", "qlora"],
    0,
  ),
];
process.exitCode = results.every(Boolean) ? 0 : 1;
