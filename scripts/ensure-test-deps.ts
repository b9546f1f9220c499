/**
 * Makes sure the programs the integration tests run are on this machine: Debian's `docker-registry` (a real OCI
 * registry), `kubectl` (Debian's `kubernetes-client` where none is installed), `openssl` and `curl`. Missing ones are
 * installed with apt-get when running as root on Debian; otherwise the script says what to install and exits 1.
 */
import { spawnSync } from "node:child_process";

const needs: Record<string, string> = {
  "docker-registry": "docker-registry",
  kubectl: "kubernetes-client",
  openssl: "openssl",
  curl: "curl",
};
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
const missing = Object.entries(needs).filter(([cmd]) => !has(cmd));
if (missing.length > 0) {
  const packages = missing.map(([, pkg]) => pkg);
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !has("apt-get")) {
    console.error(
      `The integration tests need ${missing.map(([c]) => c).join(", ")}. Install them (Debian: apt-get install -y ${packages.join(" ")}) and run again.`,
    );
    process.exit(1);
  }
  console.log(`installing from Debian: ${packages.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", ...packages],
  ]) {
    const r = spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env });
    if (r.status !== 0) {
      console.error(`apt-get ${args.join(" ")} failed (exit ${r.status}); install ${packages.join(" ")} by hand`);
      process.exit(1);
    }
  }
}
