/**
 * Where the real binaries live: a cache outside the repository keyed by name and version
 * (`${XDG_CACHE_HOME:-~/.cache}/kaito-ts/bin/<name>-<version>`), filled by `pnpm test-deps` from the Go modules in
 * `tools/` (the versions are read from their `go.mod` files), or a folder of plain-named binaries given with
 * `KAITO_TS_BIN_DIR` (like controller-runtime's `KUBEBUILDER_ASSETS`). Node built-ins only: `scripts/ensure-test-deps.ts`
 * imports this module with plain `node`.
 */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { EnvtestError } from "./errors.ts";

/** The binaries this project builds from Go modules. */
export type BinaryName = "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "kubectl" | "oras";

/** How one binary is built: the Go module under `tools/`, its main package, and the module whose version it has. */
export interface BinarySpec {
  /** The binary's name (also the cache file's prefix). */
  readonly name: BinaryName;
  /** The folder under `tools/` holding the Go module that pins it. */
  readonly toolsModule: "kube" | "etcd" | "oras";
  /** The Go main package, as listed by a `tool` directive of that module. */
  readonly goPackage: string;
  /** The required module whose version is the binary's version (read from the `go.mod`). */
  readonly versionModule: string;
}

/** Every binary, in build order (one `go build` per tools module). */
export const BINARY_SPECS: readonly BinarySpec[] = [
  {
    name: "kube-apiserver",
    toolsModule: "kube",
    goPackage: "k8s.io/kubernetes/cmd/kube-apiserver",
    versionModule: "k8s.io/kubernetes",
  },
  {
    name: "kube-controller-manager",
    toolsModule: "kube",
    goPackage: "k8s.io/kubernetes/cmd/kube-controller-manager",
    versionModule: "k8s.io/kubernetes",
  },
  {
    name: "kube-scheduler",
    toolsModule: "kube",
    goPackage: "k8s.io/kubernetes/cmd/kube-scheduler",
    versionModule: "k8s.io/kubernetes",
  },
  {
    name: "kubectl",
    toolsModule: "kube",
    goPackage: "k8s.io/kubernetes/cmd/kubectl",
    versionModule: "k8s.io/kubernetes",
  },
  {
    name: "etcd",
    toolsModule: "etcd",
    goPackage: "go.etcd.io/etcd/server/v3",
    versionModule: "go.etcd.io/etcd/server/v3",
  },
  { name: "oras", toolsModule: "oras", goPackage: "oras.land/oras/cmd/oras", versionModule: "oras.land/oras" },
];

/** The version of a required module in a `go.mod` text, e.g. `v1.37.2`; undefined when it is not required. */
export function requiredVersion(goMod: string, module: string): string | undefined {
  const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const m = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(goMod);
  return m?.[1];
}

/** The `go` directive of a `go.mod` text (the least Go version that builds it), e.g. `1.26.0`. */
export function goDirective(goMod: string): string | undefined {
  return /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(goMod)?.[1];
}

/** The linker flags for a binary: stripped, and for Kubernetes the version stamped as a release build does it. */
export function ldflagsFor(spec: BinarySpec, version: string): string {
  const flags = ["-s", "-w"];
  if (spec.toolsModule === "kube") {
    const [, major = "1", minor = "0"] = /^v(\d+)\.(\d+)/.exec(version) ?? [];
    for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
      flags.push(
        `-X ${pkg}.gitVersion=${version}`,
        `-X ${pkg}.gitMajor=${major}`,
        `-X ${pkg}.gitMinor=${minor}`,
        `-X ${pkg}.gitTreeState=clean`,
        `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
      );
    }
  }
  return flags.join(" ");
}

/** The `tools/` folder of this repository, found by walking up from `start`; undefined outside the repository. */
export function findToolsDir(start: string = import.meta.dirname): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, "tools", "kube", "go.mod"))) return join(dir, "tools");
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The version of every binary, read from the `go.mod` files under `toolsDir`. */
export function readToolVersions(toolsDir: string): Record<BinaryName, string> {
  const out = {} as Record<BinaryName, string>;
  for (const spec of BINARY_SPECS) {
    const file = join(toolsDir, spec.toolsModule, "go.mod");
    const version = existsSync(file) ? requiredVersion(readFileSync(file, "utf8"), spec.versionModule) : undefined;
    if (version === undefined)
      throw new EnvtestError(
        "INVALID_INPUT",
        `${file} does not require ${spec.versionModule}, so the version of ${spec.name} is unknown; restore the file from git`,
      );
    out[spec.name] = version;
  }
  return out;
}

/** The binary cache: `${XDG_CACHE_HOME:-~/.cache}/kaito-ts/bin`. */
export function binaryCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(base, "kaito-ts", "bin");
}

/** Options of {@link resolveBinaries}. */
export interface ResolveBinariesOptions {
  /** A folder of plain-named binaries (`etcd`, `kube-apiserver`, …); default `$KAITO_TS_BIN_DIR`. */
  readonly binDir?: string;
  /** The repository's `tools/` folder; default: found by walking up from this module. */
  readonly toolsDir?: string;
  /** The environment to read `KAITO_TS_BIN_DIR`, `XDG_CACHE_HOME` and `HOME` from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Where each binary is expected, and which are not there (or not executable). */
export interface ResolvedBinaries {
  /** The folder the binaries are looked up in. */
  readonly dir: string;
  /** True when the folder came from `binDir` / `KAITO_TS_BIN_DIR` (plain names, no versions). */
  readonly override: boolean;
  /** The absolute path of each binary (whether or not it exists). */
  readonly paths: Readonly<Record<BinaryName, string>>;
  /** The version of each binary from `tools/*\/go.mod`; empty with an override folder. */
  readonly versions: Readonly<Partial<Record<BinaryName, string>>>;
  /** The binaries that are missing or not executable. */
  readonly missing: readonly BinaryName[];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves the path of every binary: `<binDir>/<name>` when a folder is given (option or `KAITO_TS_BIN_DIR`),
 * otherwise `<cache>/<name>-<version>` with the versions from `tools/*\/go.mod`. Does not build anything.
 */
export function resolveBinaries(options: ResolveBinariesOptions = {}): ResolvedBinaries {
  const env = options.env ?? process.env;
  const binDir = options.binDir ?? (env.KAITO_TS_BIN_DIR || undefined);
  const paths = {} as Record<BinaryName, string>;
  let versions: Partial<Record<BinaryName, string>> = {};
  let dir: string;
  if (binDir !== undefined) {
    dir = resolve(binDir);
    for (const spec of BINARY_SPECS) paths[spec.name] = join(dir, spec.name);
  } else {
    const toolsDir = options.toolsDir ?? findToolsDir();
    if (toolsDir === undefined)
      throw new EnvtestError(
        "BINARIES_MISSING",
        "cannot tell which etcd/Kubernetes versions to use: no tools/ folder above this package and KAITO_TS_BIN_DIR is not set; set KAITO_TS_BIN_DIR to a folder with etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kubectl",
      );
    versions = readToolVersions(toolsDir);
    dir = binaryCacheDir(env);
    for (const spec of BINARY_SPECS) paths[spec.name] = join(dir, `${spec.name}-${versions[spec.name]}`);
  }
  const missing = BINARY_SPECS.map((s) => s.name).filter((name) => !isExecutable(paths[name]));
  return { dir, override: binDir !== undefined, paths, versions, missing };
}

/**
 * The paths of `names`, or an `EnvtestError` (`BINARIES_MISSING`) naming the missing ones, where they were looked
 * for, and `pnpm test-deps` (which builds them).
 */
export function requireBinaries<N extends BinaryName>(
  names: readonly N[],
  options: ResolveBinariesOptions = {},
): Record<N, string> {
  const resolved = resolveBinaries(options);
  const missing = names.filter((n) => resolved.missing.includes(n));
  if (missing.length > 0) {
    const where = missing.map((n) => resolved.paths[n]).join(", ");
    const fix = resolved.override
      ? `put them in ${resolved.dir} (KAITO_TS_BIN_DIR) or unset KAITO_TS_BIN_DIR and run \`pnpm test-deps\``
      : "run `pnpm test-deps` at the repository root to build them from tools/ (needs Go)";
    throw new EnvtestError("BINARIES_MISSING", `missing ${missing.join(", ")} (looked for ${where}); ${fix}`);
  }
  const out = {} as Record<N, string>;
  for (const n of names) out[n] = resolved.paths[n];
  return out;
}

/** The path of this project's `kubectl` (the same version as the API server); throws `BINARIES_MISSING` if unbuilt. */
export function kubectlPath(options: ResolveBinariesOptions = {}): string {
  return requireBinaries(["kubectl"], options).kubectl;
}

/** The path of this project's `oras` CLI; throws `BINARIES_MISSING` if unbuilt. */
export function orasPath(options: ResolveBinariesOptions = {}): string {
  return requireBinaries(["oras"], options).oras;
}
