/**
 * `pnpm test-deps`: makes sure the programs the integration tests run are on this machine.
 *
 * 1. Debian packages: `docker-registry` (a real OCI registry), `openssl` and `curl`. Missing ones are installed with
 *    apt-get when running as root on Debian; otherwise the script says what to install and exits 1.
 * 2. Binaries built from the Go modules in `tools/` (never downloaded): etcd, kube-apiserver,
 *    kube-controller-manager, kube-scheduler, kubectl (all tests use this kubectl, the API server's version) and the
 *    oras CLI. They go to a cache outside the repository keyed by name and version
 *    (`${XDG_CACHE_HOME:-~/.cache}/kaito-ts/bin/<name>-<version>`, versions read from `tools/*\/go.mod`); a warm
 *    run only checks that they are there. Each binary is linked into a temporary folder and renamed into place, so an
 *    interrupted build never leaves a broken binary. With `KAITO_TS_BIN_DIR` set, nothing is built: that folder
 *    must hold the binaries under their plain names.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BINARY_SPECS,
  type BinarySpec,
  binaryCacheDir,
  findToolsDir,
  goDirective,
  ldflagsFor,
  resolveBinaries,
} from "../packages/envtest/src/binaries.ts";

const started = performance.now();
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

// --- 1. Debian packages -------------------------------------------------------------------------------------------
const needs: Record<string, string> = {
  "docker-registry": "docker-registry",
  openssl: "openssl",
  curl: "curl",
};
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
const missingDebian = Object.entries(needs).filter(([cmd]) => !has(cmd));
if (missingDebian.length > 0) {
  const packages = missingDebian.map(([, pkg]) => pkg);
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !has("apt-get")) {
    console.error(
      `The integration tests need ${missingDebian.map(([c]) => c).join(", ")}. Install them (Debian: apt-get install -y ${packages.join(" ")}) and run again.`,
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

// --- 2. Binaries from tools/ --------------------------------------------------------------------------------------
const resolved = resolveBinaries();
if (resolved.override) {
  if (resolved.missing.length > 0) {
    console.error(
      `KAITO_TS_BIN_DIR=${resolved.dir} lacks ${resolved.missing.join(", ")}; put them there or unset KAITO_TS_BIN_DIR to build them`,
    );
    process.exit(1);
  }
  console.log(`test deps: using the binaries in KAITO_TS_BIN_DIR=${resolved.dir}`);
  process.exit(0);
}

const toolsDir = findToolsDir(import.meta.dirname);
if (toolsDir === undefined) {
  console.error("tools/ not found above scripts/; run pnpm test-deps from a checkout of the repository");
  process.exit(1);
}
const cacheDir = binaryCacheDir();
mkdirSync(cacheDir, { recursive: true });
removeStaleBuildDirs(cacheDir);

const missing = BINARY_SPECS.filter((s) => resolved.missing.includes(s.name));
if (missing.length === 0) {
  console.log(`test deps: ${BINARY_SPECS.length} binaries cached in ${cacheDir} (${seconds(started)} s)`);
  process.exit(0);
}

const goMods = new Map(
  [...new Set(missing.map((s) => s.toolsModule))].map((m) => [m, readFileSync(join(toolsDir, m, "go.mod"), "utf8")]),
);
const neededGo = [...goMods.values()]
  .map((text) => goDirective(text) ?? "1.0")
  .sort(compareVersions)
  .at(-1) as string;
const goEnv = { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly" };
const goVersion = spawnSync("go", ["env", "GOVERSION"], { cwd: tmpdir(), env: goEnv, encoding: "utf8" });
const found = goVersion.status === 0 ? /^go(\d+\.\d+(?:\.\d+)?)/.exec(goVersion.stdout.trim())?.[1] : undefined;
if (found === undefined || compareVersions(found, neededGo) < 0) {
  console.error(
    `pnpm test-deps must build ${missing.map((s) => s.name).join(", ")} from Go modules and needs Go >= ${neededGo} (found: ${found === undefined ? "no go on PATH" : `go${found}`}); install Go 1.26 or newer from https://go.dev/dl/ or your distribution, put it on PATH and run again.`,
  );
  process.exit(1);
}

console.log(`test deps: building ${missing.map((s) => s.name).join(", ")} with go${found} into ${cacheDir}`);
if (missing.some((s) => s.toolsModule === "kube"))
  console.log(
    "  (a first build takes about 7 minutes on 2 idle cores, longer on a busy machine; later runs reuse the cache)",
  );
// One `go build` per tools module: the binaries of k8s.io/kubernetes share most packages, and one invocation
// compiles those once and links the binaries in parallel with the remaining compiles.
for (const module of new Set(missing.map((s) => s.toolsModule)))
  buildModule(missing.filter((s) => s.toolsModule === module));
console.log(
  `test deps ready in ${seconds(started)} s (built ${missing.length}, cached ${BINARY_SPECS.length - missing.length})`,
);

/**
 * Builds the binaries of one tools module (all of one version, so one set of linker flags) with one `go build` into
 * a private temp folder, then renames each to its cache path (atomic on one file system).
 */
function buildModule(specs: readonly BinarySpec[]): void {
  const t0 = performance.now();
  const [first] = specs as [BinarySpec];
  const version = resolved.versions[first.name] as string;
  const names = specs.map((s) => s.name).join(", ");
  console.log(`  building ${names} ${version} (tools/${first.toolsModule}) …`);
  const tmp = mkdtempSync(join(cacheDir, `.build-${process.pid}-`));
  try {
    const r = spawnSync(
      "go",
      ["build", "-trimpath", "-ldflags", ldflagsFor(first, version), "-o", `${tmp}/`, ...specs.map((s) => s.goPackage)],
      { cwd: join(toolsDir as string, first.toolsModule), env: goEnv, stdio: ["ignore", "inherit", "inherit"] },
    );
    if (r.status !== 0) {
      console.error(
        `go build of ${specs.map((s) => s.goPackage).join(" ")} in tools/${first.toolsModule} failed (exit ${r.status ?? r.signal}); see the output above`,
      );
      process.exit(1);
    }
    for (const spec of specs) {
      // go build names an executable after the last element of its package path (`server/v3` → `server`).
      const out = join(tmp, executableName(spec.goPackage));
      chmodSync(out, 0o755);
      renameSync(out, resolved.paths[spec.name] as string);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`  built ${names} ${version} in ${seconds(t0)} s → ${cacheDir}`);
}

/** The file name `go build -o <dir>/` gives a main package: its last path element, skipping a `/vN` major suffix. */
function executableName(goPackage: string): string {
  const parts = goPackage.split("/");
  const last = parts.at(-1) as string;
  return /^v\d+$/.test(last) && parts.length > 1 ? (parts.at(-2) as string) : last;
}

/** Removes `.build-<pid>-*` folders left by a build whose process is gone (killed mid-build). */
function removeStaleBuildDirs(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const m = /^\.build-(\d+)-/.exec(entry);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !isAlive(pid) && statSync(join(dir, entry)).isDirectory())
      rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
