/**
 * `pnpm test-deps` (scripts/ensure-test-deps.ts): a warm run only checks the cache; a missing or old Go is one clear
 * line and exit 1; leftovers of an interrupted build are removed; `KAITO_TS_BIN_DIR` replaces the cache.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BINARY_SPECS, resolveBinaries } from "../src/binaries.ts";

const root = join(import.meta.dirname, "..", "..", "..");
const script = join(root, "scripts", "ensure-test-deps.ts");
const scratch = mkdtempSync(join(tmpdir(), "envtest-test-deps-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function testDeps(env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [script], { cwd: root, env, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** PATH with node and the system folders (Debian's docker-registry, openssl, curl) but not /usr/local/go/bin. */
const pathWithoutGo = (...extra: string[]) => [...extra, dirname(process.execPath), "/usr/bin", "/bin"].join(":");
const baseEnv = { HOME: process.env.HOME ?? "/root", LANG: "C" };

describe("pnpm test-deps", () => {
  it("a warm run finds every binary in the cache and builds nothing", () => {
    const r = testDeps({ ...process.env, KAITO_TS_BIN_DIR: "" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`test deps: ${BINARY_SPECS.length} binaries cached in \\S+ \\(\\d+\\.\\d s\\)`),
    );
    expect(r.stdout).not.toContain("building");
  });

  it("no Go on PATH: one line saying what to install, exit 1", () => {
    const r = testDeps({ ...baseEnv, PATH: pathWithoutGo(), XDG_CACHE_HOME: join(scratch, "empty-1") });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^pnpm test-deps must build kube-apiserver, .*, oras from Go modules and needs Go >= 1\.26(\.\d+)? \(found: no go on PATH\); install Go 1\.26 or newer from https:\/\/go\.dev\/dl\/ or your distribution, put it on PATH and run again\.$/,
    );
  });

  it("a Go that is too old: the same line with the version found, exit 1", () => {
    const fakeBin = join(scratch, "old-go");
    mkdirSync(fakeBin);
    // a `go` that reports an old version, as an old distribution Go would
    writeFileSync(join(fakeBin, "go"), '#!/bin/sh\n[ "$1 $2" = "env GOVERSION" ] && echo go1.19.8 && exit 0\nexit 2\n');
    chmodSync(join(fakeBin, "go"), 0o755);
    const r = testDeps({ ...baseEnv, PATH: pathWithoutGo(fakeBin), XDG_CACHE_HOME: join(scratch, "empty-2") });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/needs Go >= 1\.26(\.\d+)? \(found: go1\.19\.8\); install Go 1\.26 or newer/);
  });

  it("removes the temp folder of a build that was killed, and keeps complete binaries", () => {
    const cache = join(scratch, "cache-3");
    const bin = join(cache, "kaito-ts", "bin");
    mkdirSync(bin, { recursive: true });
    const real = resolveBinaries();
    for (const spec of BINARY_SPECS)
      symlinkSync(real.paths[spec.name], join(bin, `${spec.name}-${real.versions[spec.name]}`));
    const deadPid = spawnSync("true").pid;
    const leftover = join(bin, `.build-${deadPid}-x1y2z3`);
    mkdirSync(leftover);
    writeFileSync(join(leftover, "kube-apiserver"), "half a binary");
    const r = testDeps({ ...process.env, KAITO_TS_BIN_DIR: "", XDG_CACHE_HOME: cache });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(leftover)).toBe(false);
    expect(r.stdout).toContain(`binaries cached in ${bin}`);
  });

  it("KAITO_TS_BIN_DIR without the binaries: names what is missing, exit 1", () => {
    const dir = join(scratch, "bin-dir");
    mkdirSync(dir);
    const r = testDeps({ ...process.env, KAITO_TS_BIN_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `KAITO_TS_BIN_DIR=${dir} lacks ${BINARY_SPECS.map((s) => s.name).join(", ")}; put them there or unset KAITO_TS_BIN_DIR to build them`,
    );
  });
});
