/** The cache layout of `pnpm test-deps` and how binaries are resolved from it (no binaries needed). */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  BINARY_SPECS,
  binaryCacheDir,
  findToolsDir,
  goDirective,
  kubectlPath,
  ldflagsFor,
  readToolVersions,
  requireBinaries,
  requiredVersion,
  resolveBinaries,
} from "../src/binaries.ts";
import { isEnvtestError } from "../src/errors.ts";

const scratch = mkdtempSync(join(tmpdir(), "envtest-binaries-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const GO_MOD = `module example.local/tools

go 1.26.7

tool oras.land/oras/cmd/oras

require oras.land/oras v1.3.6

require (
\tgithub.com/x/y v0.1.0 // indirect
\tk8s.io/kubernetes v1.37.2 // indirect
)
`;

describe("go.mod reading", () => {
  it.each([
    ["oras.land/oras", "v1.3.6"],
    ["k8s.io/kubernetes", "v1.37.2"],
    ["github.com/x/y", "v0.1.0"],
    ["github.com/x", undefined],
    ["k8s.io/api", undefined],
  ])("requiredVersion(%s) = %s", (module, version) => {
    expect(requiredVersion(GO_MOD, module)).toBe(version);
  });

  it("goDirective reads the go line", () => {
    expect(goDirective(GO_MOD)).toBe("1.26.7");
    expect(goDirective("module x\n")).toBeUndefined();
  });

  it("every binary's version comes from the repository's tools/*/go.mod", () => {
    const tools = findToolsDir();
    expect(tools).toBeDefined();
    const versions = readToolVersions(tools as string);
    for (const spec of BINARY_SPECS) expect(versions[spec.name], spec.name).toMatch(/^v\d+\.\d+\.\d+/);
    expect(versions["kube-apiserver"]).toBe(versions.kubectl);
  });

  it("a tools module without the pinned module is an INVALID_INPUT naming the file", () => {
    const tools = join(scratch, "broken-tools");
    for (const m of ["kube", "etcd", "oras"]) {
      mkdirSync(join(tools, m), { recursive: true });
      writeFileSync(join(tools, m, "go.mod"), "module x\n\ngo 1.26.0\n");
    }
    expect(() => readToolVersions(tools)).toThrow(/kube\/go\.mod does not require k8s\.io\/kubernetes/);
  });
});

describe("ldflags", () => {
  it("stamp the Kubernetes version the way a release build does", () => {
    const spec = BINARY_SPECS.find((s) => s.name === "kubectl");
    const flags = ldflagsFor(spec as (typeof BINARY_SPECS)[number], "v1.37.2");
    expect(flags).toContain("-X k8s.io/component-base/version.gitVersion=v1.37.2");
    expect(flags).toContain("-X k8s.io/client-go/pkg/version.gitMinor=37");
    expect(flags).toContain("-X k8s.io/component-base/version.gitMajor=1");
  });
  it("leave etcd and oras to their own version constants", () => {
    for (const name of ["etcd", "oras"] as const) {
      const spec = BINARY_SPECS.find((s) => s.name === name) as (typeof BINARY_SPECS)[number];
      expect(ldflagsFor(spec, "v9.9.9")).toBe("-s -w");
    }
  });
});

describe("resolveBinaries", () => {
  it("uses XDG_CACHE_HOME/kaito-ts/bin/<name>-<version>, else ~/.cache/kaito-ts/bin", () => {
    expect(binaryCacheDir({ XDG_CACHE_HOME: "/x/cache", HOME: "/home/u" })).toBe("/x/cache/kaito-ts/bin");
    expect(binaryCacheDir({ HOME: "/home/u" })).toBe("/home/u/.cache/kaito-ts/bin");
    const r = resolveBinaries({ env: { XDG_CACHE_HOME: join(scratch, "empty-cache") } });
    expect(r.override).toBe(false);
    expect(r.paths["kube-apiserver"]).toBe(
      join(scratch, "empty-cache", "kaito-ts", "bin", `kube-apiserver-${r.versions["kube-apiserver"]}`),
    );
    expect([...r.missing].sort()).toEqual(BINARY_SPECS.map((s) => s.name).sort());
  });

  it("KAITO_TS_BIN_DIR holds plain names; a file that is not executable counts as missing", () => {
    const dir = join(scratch, "bin-dir");
    mkdirSync(dir, { recursive: true });
    for (const spec of BINARY_SPECS) {
      writeFileSync(join(dir, spec.name), "#!/bin/sh\n");
      chmodSync(join(dir, spec.name), spec.name === "oras" ? 0o644 : 0o755);
    }
    const r = resolveBinaries({ env: { KAITO_TS_BIN_DIR: dir } });
    expect(r.override).toBe(true);
    expect(r.paths.etcd).toBe(join(dir, "etcd"));
    expect(r.missing).toEqual(["oras"]);
    expect(kubectlPath({ env: { KAITO_TS_BIN_DIR: dir } })).toBe(join(dir, "kubectl"));
  });

  it("missing binaries: BINARIES_MISSING naming them, where they were looked for, and pnpm test-deps", () => {
    const env = { XDG_CACHE_HOME: join(scratch, "empty-cache") };
    let caught: unknown;
    try {
      requireBinaries(["etcd", "kube-apiserver"], { env });
    } catch (e) {
      caught = e;
    }
    expect(isEnvtestError(caught) && caught.code).toBe("BINARIES_MISSING");
    const message = (caught as Error).message;
    expect(message).toContain("missing etcd, kube-apiserver");
    expect(message).toContain(join(scratch, "empty-cache", "kaito-ts", "bin"));
    expect(message).toContain("pnpm test-deps");
  });

  it("the cache of this machine has what `pnpm test-deps` built", () => {
    const r = resolveBinaries();
    expect(r.missing, `run pnpm test-deps; missing in ${r.dir}`).toEqual([]);
  });
});
