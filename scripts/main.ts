/**
 * `pnpm main`: the project's main job — `kaito demo`, the seed's story on this machine: the seed's fine-tuning
 * example denied as written, tuned once its placeholders are filled in (simulated trainer, GPU nodes simulated by
 * cluster-sim), the adapter pushed by the real `kaito-publish` to Debian's `docker-registry`, served by an inference
 * Workspace (a tiny random-weight model in a real llama.cpp engine) and chatted with.
 *
 * First it makes sure `docker-registry` is installed, as `pnpm test-deps` does: with apt-get when running as root on
 * Debian; otherwise it says so and the demo skips only the push. Exits with the demo's exit code.
 */
import { spawnSync } from "node:child_process";
import { processIO } from "../packages/operator/src/cli/io.ts";
import { runCli } from "../packages/operator/src/cli/program.ts";
import { REGISTRY_BIN } from "../packages/operator/src/playground/demo-registry.ts";

const io = processIO();
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (!has(REGISTRY_BIN)) {
  if (isRoot && has("apt-get")) {
    io.stdout("installing Debian's docker-registry (the demo's OCI registry)\n");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    for (const args of [
      ["update", "-qq"],
      ["install", "-y", "-qq", "docker-registry"],
    ]) {
      const r = spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env });
      if (r.status !== 0) {
        io.stderr(`apt-get ${args.join(" ")} failed (exit ${r.status}); the demo will skip the push\n`);
        break;
      }
    }
  } else {
    io.stdout(
      `docker-registry is not installed and cannot be installed here (${isRoot ? "no apt-get" : "not root"}): the demo skips the push (Debian: sudo apt-get install -y docker-registry)\n`,
    );
  }
}
process.exitCode = await runCli(["demo"], io);
