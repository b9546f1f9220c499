import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import {
  buildImage,
  checkBaseImage,
  expandEnv,
  mapImagePath,
  type RunStep,
  rewriteAbsolutePaths,
  type StageConfig,
  withoutCorepack,
} from "../rehearse/build.ts";
import { badSymlinks, devDependenciesIn, installedPackages, writableBy } from "../rehearse/checks.ts";
import { copyContext, globToRegExp, isIgnored, parseDockerignore } from "../rehearse/context.ts";
import { type Instruction, logicalLines, parseDockerfile, SUPPORTED_INSTRUCTIONS } from "../rehearse/dockerfile.ts";
import { isRehearsalError, type RehearsalErrorCode } from "../rehearse/errors.ts";
import { hostArgv, imageArgv, mapArgv, runImage } from "../rehearse/run-image.ts";
import { deploymentFitsImage } from "../rehearse/smoke.ts";

const fixtures = join(import.meta.dirname, "fixtures", "rehearse");
const repo = join(import.meta.dirname, "..", "..");
const nodeBinDir = dirname(process.execPath);
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "rehearse-test-"));
  chmodSync(d, 0o755);
  dirs.push(d);
  return d;
}

function parseError(text: string): { code: RehearsalErrorCode; message: string } {
  try {
    parseDockerfile(text, "t.Dockerfile");
  } catch (e) {
    if (isRehearsalError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected a RehearsalError");
}

describe("parseDockerfile: good input", () => {
  const good = parseDockerfile(readFileSync(join(fixtures, "good.Dockerfile"), "utf8"), "good.Dockerfile");

  // One row per supported instruction: what the fixture's first such instruction parses to.
  const rows: Record<(typeof SUPPORTED_INSTRUCTIONS)[number], (ins: Instruction[]) => void> = {
    FROM: () => {
      expect(good.stages.map((s) => [s.from.image, s.name, s.from.line])).toEqual([
        ["node:24-bookworm-slim", "build", 2],
        ["node:24-bookworm-slim", undefined, 12],
      ]);
    },
    WORKDIR: (ins) => expect(ins.find((i) => i.kind === "WORKDIR")).toEqual({ kind: "WORKDIR", line: 3, path: "/src" }),
    COPY: (ins) =>
      expect(ins.filter((i) => i.kind === "COPY")).toEqual([
        { kind: "COPY", line: 4, sources: ["."], dest: "." },
        { kind: "COPY", line: 15, from: "build", sources: ["/out"], dest: "/app" },
        { kind: "COPY", line: 16, sources: ["extra.txt"], dest: "data/" },
      ]),
    RUN: (ins) =>
      expect(ins.find((i) => i.kind === "RUN")).toEqual({
        kind: "RUN",
        line: 8,
        command: 'mkdir -p /out  && cp main.js /out/main.js  && echo "$GREETING from the build stage" > /out/built.txt',
      }),
    ENV: (ins) =>
      expect(ins.find((i) => i.kind === "ENV")).toEqual({
        kind: "ENV",
        line: 5,
        vars: [
          ["GREETING", "hello"],
          ["TARGET", "/out"],
        ],
      }),
    USER: (ins) =>
      expect(ins.find((i) => i.kind === "USER")).toEqual({ kind: "USER", line: 17, uid: 65532, gid: 65532 }),
    EXPOSE: (ins) =>
      expect(ins.find((i) => i.kind === "EXPOSE")).toEqual({ kind: "EXPOSE", line: 18, ports: ["8080", "9443"] }),
    ENTRYPOINT: (ins) =>
      expect(ins.find((i) => i.kind === "ENTRYPOINT")).toEqual({
        kind: "ENTRYPOINT",
        line: 19,
        argv: ["node", "/app/main.js"],
      }),
    CMD: (ins) =>
      expect(ins.find((i) => i.kind === "CMD")).toEqual({ kind: "CMD", line: 20, argv: ["greet", "world"] }),
  };
  const all = good.stages.flatMap((s) => [...s.instructions]);

  it.each(Object.entries(rows))("%s", (_, check) => check(all));

  it("has a row for every supported instruction", () => {
    expect(Object.keys(rows).sort()).toEqual([...SUPPORTED_INSTRUCTIONS].sort());
  });

  it("reads shell-form ENTRYPOINT/CMD as /bin/sh -c, legacy ENV, named and numeric users, a stage index", () => {
    const p = parseDockerfile(
      "FROM node:24\nENV A some value\nUSER node\nUSER 10\nCMD echo hi\nENTRYPOINT exec x\nFROM node:24\nCOPY --from=0 /a /b\n",
    );
    const ins = p.stages[0]?.instructions ?? [];
    expect(ins).toContainEqual({ kind: "ENV", line: 2, vars: [["A", "some value"]] });
    expect(ins).toContainEqual({ kind: "USER", line: 3, uid: 1000, gid: 1000 });
    expect(ins).toContainEqual({ kind: "USER", line: 4, uid: 10, gid: 10 });
    expect(ins).toContainEqual({ kind: "CMD", line: 5, argv: ["/bin/sh", "-c", "echo hi"] });
    expect(ins).toContainEqual({ kind: "ENTRYPOINT", line: 6, argv: ["/bin/sh", "-c", "exec x"] });
    expect(p.stages[1]?.instructions[0]).toEqual({ kind: "COPY", line: 8, from: "0", sources: ["/a"], dest: "/b" });
  });

  it("parses both Dockerfiles of the repository", () => {
    for (const [file, entry] of [
      ["packages/operator/Dockerfile", ["node", "/app/dist/cli/main.js"]],
      ["packages/image-publisher/Dockerfile", ["kaito-publish"]],
    ] as const) {
      const p = parseDockerfile(readFileSync(join(repo, file), "utf8"), file);
      expect(p.stages.length, file).toBe(2);
      expect(
        p.stages[1]?.instructions.find((i) => i.kind === "ENTRYPOINT"),
        file,
      ).toMatchObject({ argv: entry });
    }
  });

  it("joins continuation lines and drops comments inside them", () => {
    expect(logicalLines("RUN a \\\n# note\n  && b\n\nCMD x\n")).toEqual([
      { line: 1, text: "RUN a   && b" },
      { line: 5, text: "CMD x" },
    ]);
  });
});

describe("parseDockerfile: bad input names the line and what to do", () => {
  const rows: [string, string, RehearsalErrorCode, RegExp][] = [
    [
      "unknown instruction",
      "FROM node:24\nADD x /x\n",
      "UNSUPPORTED_INSTRUCTION",
      /t\.Dockerfile:2: "ADD" is not an instruction/,
    ],
    ["ARG", "ARG V=1\nFROM node:24\n", "UNSUPPORTED_INSTRUCTION", /t\.Dockerfile:1: "ARG"/],
    ["LABEL", "FROM node:24\nLABEL a=b\n", "UNSUPPORTED_INSTRUCTION", /:2: "LABEL".*it knows FROM, WORKDIR/],
    ["COPY --chown", "FROM node:24\nCOPY --chown=1:1 a b\n", "UNSUPPORTED_INSTRUCTION", /:2: COPY flag "--chown=1:1"/],
    [
      "COPY wildcard",
      "FROM node:24\nCOPY *.json ./\n",
      "UNSUPPORTED_INSTRUCTION",
      /:2: COPY source "\*\.json" has a wildcard/,
    ],
    ["COPY JSON form", 'FROM node:24\nCOPY ["a", "b"]\n', "UNSUPPORTED_INSTRUCTION", /:2: COPY in JSON form/],
    ["COPY one word", "FROM node:24\nCOPY a\n", "PARSE_ERROR", /:2: COPY needs at least one source and a destination/],
    ["RUN exec form", 'FROM node:24\nRUN ["a"]\n', "UNSUPPORTED_INSTRUCTION", /:2: only shell-form RUN/],
    [
      "RUN --mount",
      "FROM node:24\nRUN --mount=type=cache,target=/x true\n",
      "UNSUPPORTED_INSTRUCTION",
      /:2: only shell-form RUN/,
    ],
    [
      "RUN heredoc",
      "FROM node:24\nRUN <<EOF\n",
      "UNSUPPORTED_INSTRUCTION",
      /:2: only shell-form RUN without flags or heredocs/,
    ],
    [
      "relative WORKDIR",
      "FROM node:24\nWORKDIR app\n",
      "UNSUPPORTED_INSTRUCTION",
      /:2: WORKDIR "app" must be an absolute path/,
    ],
    ["named user", "FROM node:24\nUSER nobody\n", "UNSUPPORTED_INSTRUCTION", /:2: USER "nobody".*use USER <uid>:<gid>/],
    [
      "named group",
      "FROM node:24\nUSER 1:staff\n",
      "UNSUPPORTED_INSTRUCTION",
      /:2: USER group "staff" must be numeric/,
    ],
    ["ENV without =", "FROM node:24\nENV A=1 B\n", "PARSE_ERROR", /:2: ENV "B" must be NAME=value/],
    ["no arguments", "FROM node:24\nCMD\n", "PARSE_ERROR", /:2: CMD has no arguments/],
    ["before FROM", "RUN true\n", "PARSE_ERROR", /:1: RUN before the first FROM/],
    ["no FROM", "# nothing\n", "PARSE_ERROR", /no FROM instruction/],
    ["FROM flags", "FROM --platform=linux/amd64 node:24\n", "UNSUPPORTED_INSTRUCTION", /:1: FROM flags/],
    ["FROM shape", "FROM node:24 build\n", "PARSE_ERROR", /:1: FROM must be "FROM <image> \[AS <name>\]"/],
    [
      "duplicate stage",
      "FROM node:24 AS a\nFROM node:24 AS a\n",
      "PARSE_ERROR",
      /:2: a stage named "a" already exists/,
    ],
    ["trailing backslash", "FROM node:24\nRUN a \\\n", "PARSE_ERROR", /line 2: .*ends with "\\"/],
    ["parser directive", "# syntax=docker/dockerfile:1\nFROM node:24\n", "UNSUPPORTED_INSTRUCTION", /parser directive/],
  ];
  it.each(rows)("%s", (_, text, code, message) => {
    const e = parseError(text);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
});

describe("build helpers", () => {
  it("maps image paths into a stage's folder", () => {
    expect(mapImagePath("/r", "/app/x")).toBe("/r/app/x");
    expect(mapImagePath("/r", "/")).toBe("/r");
    expect(mapImagePath("/r", "/../../etc")).toBe("/r/etc");
  });

  it.each([
    ["ln -s /opt/a /usr/local/bin/a", "ln -s /r/opt/a /r/usr/local/bin/a"],
    ["pnpm deploy --prod /out", "pnpm deploy --prod /r/out"],
    ['X="/a b" --dir=/c', 'X="/r/a b" --dir=/r/c'],
    ["curl https://x/y && cp a ./b", "curl https://x/y && cp a ./b"],
  ])("rewrites absolute paths: %s", (command, expected) => {
    expect(rewriteAbsolutePaths(command, "/r")).toBe(expected);
  });

  it.each([
    ["corepack enable && corepack prepare pnpm@12.21.0 --activate", "", "12.21.0"],
    ["corepack enable && pnpm install", "pnpm install", undefined],
    ["pnpm install && corepack prepare pnpm@9.1.0", "pnpm install", "9.1.0"],
    ["echo 'a && b'", "echo 'a && b'", undefined],
  ])("takes corepack steps out: %s", (command, kept, version) => {
    const plan = withoutCorepack(command, "f:1");
    expect(plan.command).toBe(kept);
    expect(plan.pnpmVersion).toBe(version);
  });

  it("refuses corepack that is not a whole step", () => {
    expect(() => withoutCorepack("true || corepack enable", "f:3")).toThrow(/f:3: corepack is used inside/);
  });

  it("stands in only for node images of this Node's major", () => {
    expect(() => checkBaseImage("node:24-bookworm-slim", 24, "f:1")).not.toThrow();
    expect(() => checkBaseImage("docker.io/library/node:24", 24, "f:1")).not.toThrow();
    expect(() => checkBaseImage("node:22-slim", 24, "f:1")).toThrow(/f:1: FROM node:22-slim asks for Node 22/);
    expect(() => checkBaseImage("debian:bookworm", 24, "f:2")).toThrow(/f:2: FROM debian:bookworm: .*node:<major>/);
  });

  it("expands $VAR and braced vars in ENV values, PATH from the base image", () => {
    const env = new Map([["A", "x"]]);
    const braced = ["$", "{A}"].join("");
    expect(expandEnv(`$A-${braced}-$MISSING`, env)).toBe("x-x-");
    expect(expandEnv("/opt/bin:$PATH", env)).toBe(
      "/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    );
  });
});

describe(".dockerignore", () => {
  const rules = parseDockerignore("# comment\n**/node_modules\n/dist/\n*.log\n!keep.log\ndocs/**/*.png\n");
  it.each([
    ["node_modules/a/index.js", true],
    ["packages/x/node_modules/y", true],
    ["dist/index.js", true],
    ["packages/x/dist/index.js", false],
    ["build.log", true],
    ["keep.log", false],
    ["sub/build.log", false],
    ["docs/a/b/c.png", true],
    ["docs/c.png", true],
    ["src/index.ts", false],
  ])("%s ignored: %s", (path, ignored) => {
    expect(isIgnored(path, rules)).toBe(ignored);
  });
  it("compiles Docker's glob syntax", () => {
    expect(globToRegExp("a?c").test("abc")).toBe(true);
    expect(globToRegExp("a?c").test("a/c")).toBe(false);
    expect(globToRegExp("[ab].txt").test("b.txt")).toBe(true);
  });
});

/** Builds the good fixture from its context folder; returns the image and the RUN steps seen. */
function buildGood(run?: RunStep) {
  const work = tempDir();
  const context = join(work, "context");
  const source = join(fixtures, "context");
  const summary = copyContext(source, readdirSync(source), context);
  const logs: string[] = [];
  const parsed = parseDockerfile(readFileSync(join(fixtures, "good.Dockerfile"), "utf8"), "good.Dockerfile");
  const built = buildImage(parsed, {
    context,
    workDir: work,
    nodeBinDir,
    log: (l) => logs.push(l),
    ...(run ? { run } : {}),
  });
  return { built, logs, summary, work };
}

describe("buildImage and runImage on a fixture", () => {
  it("builds both stages, honours .dockerignore, records the config and says what stands in for the base", () => {
    const { built, logs, summary } = buildGood();
    expect(summary).toMatchObject({ files: 3, ignored: 1 });
    const final = built.final;
    expect(readFileSync(join(final.root, "app/built.txt"), "utf8")).toBe("hello from the build stage\n");
    expect(readFileSync(join(final.root, "app/data/extra.txt"), "utf8")).toBe("extra file\n");
    expect(readdirSync(join(built.stages[0]?.root as string, "src")).sort()).toEqual([
      ".dockerignore",
      "extra.txt",
      "main.js",
    ]);
    expect(final).toMatchObject({
      workdir: "/app",
      user: { uid: 65532, gid: 65532 },
      exposed: ["8080", "9443"],
      entrypoint: ["node", "/app/main.js"],
      cmd: ["greet", "world"],
    });
    expect(Object.fromEntries(final.env)).toEqual({ NODE_ENV: "production" });
    expect(logs.join("\n")).toMatch(/FROM node:24-bookworm-slim \(stage build\) — stood in for by this machine's Node/);
    expect(writableBy(final.root, 65532, 65532, ["/tmp"])).toEqual([]);
    expect(badSymlinks(final.root)).toEqual([]);
  });

  it("runs ENTRYPOINT + CMD as the image's user, in WORKDIR, with ENV and HOME=/nonexistent", async () => {
    const { built } = buildGood();
    expect(imageArgv(built.final)).toEqual(["node", "/app/main.js", "greet", "world"]);
    expect(mapArgv(imageArgv(built.final), built.final, nodeBinDir)).toEqual([
      join(nodeBinDir, "node"),
      join(built.final.root, "app/main.js"),
      "greet",
      "world",
    ]);
    const r = await runImage(built.final, nodeBinDir, { args: ["hi"] });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      argv: ["hi"],
      built: "hello from the build stage",
      extra: "extra file",
      cwd: join(built.final.root, "app"),
      home: "/nonexistent",
      nodeEnv: "production",
    });
    if (process.getuid?.() === 0) {
      // Switched to USER 65532: the image's own files are read-only to it.
      expect(out).toMatchObject({ uid: 65532, writable: false });
    }
  });

  it("maps the image's ENTRYPOINT/CMD paths, not the paths of an override (mounted files)", () => {
    const { built } = buildGood();
    const root = built.final.root;
    expect(hostArgv(built.final, nodeBinDir, {})).toEqual([
      join(nodeBinDir, "node"),
      join(root, "app/main.js"),
      "greet",
      "world",
    ]);
    expect(hostArgv(built.final, nodeBinDir, { args: ["/tmp/mount/x.yaml"] })).toEqual([
      join(nodeBinDir, "node"),
      join(root, "app/main.js"),
      "/tmp/mount/x.yaml",
    ]);
    expect(hostArgv(built.final, nodeBinDir, { command: ["/bin/sh", "-c"], args: ["/app/x"] })).toEqual([
      "/bin/sh",
      "-c",
      "/app/x",
    ]);
  });

  it("gives the container only the slim base image's tools on PATH (no openssl, curl or git)", async () => {
    const { built } = buildGood();
    const r = await runImage(built.final, nodeBinDir, {
      command: ["/bin/sh", "-c"],
      args: ["for t in openssl curl git tr head node; do command -v $t >/dev/null && echo $t; done"],
    });
    expect(r.stdout.split("\n").filter((l) => l !== "")).toEqual(["tr", "head", "node"]);
  });

  it("a pod-style command replaces ENTRYPOINT and drops CMD", () => {
    const { built } = buildGood();
    expect(imageArgv(built.final, { command: ["/bin/sh", "-c"], args: ["echo"] })).toEqual(["/bin/sh", "-c", "echo"]);
    expect(mapArgv(["/bin/sh", "-c", "/app/main.js"], built.final, nodeBinDir)).toEqual([
      "/bin/sh",
      "-c",
      join(built.final.root, "app/main.js"),
    ]);
  });

  it("runs RUN steps in the stage's WORKDIR with image paths mapped and the stage's ENV", () => {
    const seen: Parameters<RunStep>[0][] = [];
    buildGood((step) => {
      seen.push(step);
      mkdirSync(join(dirname(step.cwd), "out")); // what the step would have made, for the next stage's COPY
      return { status: 0 };
    });
    expect(seen).toHaveLength(1);
    const [step] = seen as [Parameters<RunStep>[0]];
    expect(step.command).toContain(`cp main.js ${dirname(step.cwd)}/out/main.js`);
    expect(step.cwd.endsWith("/src")).toBe(true);
    expect(step.env).toMatchObject({ GREETING: "hello", TARGET: "/out" });
    expect(step.env.PATH?.split(":")).toContain(nodeBinDir);
  });

  it("a failing RUN names its line", () => {
    expect(() => buildGood(() => ({ status: 3, output: "boom" }))).toThrow(
      /good\.Dockerfile:8: RUN exited with 3:\nboom/,
    );
  });

  it("replaces corepack with a pinned pnpm shim, and says so", () => {
    const work = tempDir();
    mkdirSync(join(work, "context"));
    const seen: Parameters<RunStep>[0][] = [];
    const logs: string[] = [];
    const parsed = parseDockerfile(readFileSync(join(fixtures, "corepack.Dockerfile"), "utf8"), "corepack.Dockerfile");
    buildImage(parsed, {
      context: join(work, "context"),
      workDir: work,
      nodeBinDir,
      npx: "/usr/bin/npx",
      log: (l) => logs.push(l),
      run: (s) => {
        seen.push(s);
        return { status: 0 };
      },
    });
    expect(logs.join("\n")).toMatch(
      /corepack\.Dockerfile:3: corepack steps replaced by a pnpm shim running "npx --yes pnpm@12\.21\.0" \(corepack's download fails here\)/,
    );
    expect(seen.map((s) => s.command)).toEqual([`pnpm --version > ${join(work, "final")}/src/pnpm-version.txt`]);
    const shimDir = (seen[0]?.env.PATH ?? "").split(":")[0] as string;
    expect(readFileSync(join(shimDir, "pnpm"), "utf8")).toBe(
      '#!/bin/sh\nexec "/usr/bin/npx" --yes pnpm@12.21.0 "$@"\n',
    );
  });

  it.each([
    ["a missing COPY source", "FROM node:24\nCOPY nothere /x\n", /t:2: COPY nothere: not found in the build context/],
    [
      "COPY --from an image",
      "FROM node:24\nCOPY --from=alpine /a /b\n",
      /t:2: COPY --from=alpine names no earlier stage/,
    ],
    [
      "COPY from outside the context",
      "FROM node:24\nCOPY ../x /x\n",
      /t:2: COPY \.\.\/x: a source outside the build context/,
    ],
    ["a base that is not node", "FROM ubuntu:24.04\n", /t:1: FROM ubuntu:24\.04/],
    [
      "corepack without a version",
      "FROM node:24\nRUN corepack enable\n",
      /t:2: corepack without "corepack prepare pnpm@<version>"/,
    ],
  ])("build refuses %s", (_, text, message) => {
    const work = tempDir();
    mkdirSync(join(work, "context"));
    expect(() =>
      buildImage(parseDockerfile(text, "t"), {
        context: join(work, "context"),
        workDir: work,
        nodeBinDir,
        log: () => {},
        run: () => ({ status: 0 }),
      }),
    ).toThrow(message);
  });

  it("refuses to run an image that keeps the base image's ENTRYPOINT", () => {
    const work = tempDir();
    mkdirSync(join(work, "context"));
    const built = buildImage(parseDockerfile('FROM node:24\nCMD ["x.js"]\n', "t"), {
      context: join(work, "context"),
      workDir: work,
      nodeBinDir,
      log: () => {},
    });
    expect(() => imageArgv(built.final)).toThrow(/docker-entrypoint\.sh/);
  });
});

describe("image checks", () => {
  it("finds files the image's user could write, outside the mounted folders", () => {
    const root = tempDir();
    mkdirSync(join(root, "app"));
    mkdirSync(join(root, "tmp"));
    writeFileSync(join(root, "app/ok.js"), "");
    writeFileSync(join(root, "app/world.js"), "");
    chmodSync(join(root, "app/world.js"), 0o666);
    writeFileSync(join(root, "tmp/scratch"), "");
    chmodSync(join(root, "tmp/scratch"), 0o666);
    expect(writableBy(root, 65532, 65532, ["/tmp"])).toEqual(["/app/world.js"]);
    // Owned by the current user, the owner bit counts for that uid.
    const me = process.getuid?.() ?? 0;
    expect(writableBy(root, me, 12345, ["/tmp"])).toContain("/app/ok.js");
  });

  it("finds symlinks that leave the image or dangle", () => {
    const root = tempDir();
    mkdirSync(join(root, "app"));
    writeFileSync(join(root, "app/a.js"), "");
    symlinkSync("a.js", join(root, "app/good"));
    symlinkSync(join(root, "app/a.js"), join(root, "app/abs-inside"));
    symlinkSync("/etc/passwd", join(root, "app/outside"));
    symlinkSync("missing.js", join(root, "app/dangling"));
    expect(badSymlinks(root).sort()).toEqual([
      "/app/dangling -> missing.js (dangling)",
      "/app/outside -> /etc/passwd (outside the image)",
    ]);
  });

  it("lists installed packages (pnpm's .pnpm store and scoped names) and the devDependencies among them", () => {
    const root = tempDir();
    for (const d of [
      "app/node_modules/yaml",
      "app/node_modules/@kaito-ts/workspace-types",
      "app/node_modules/.pnpm/vitest@5.1.2/node_modules/vitest",
      "app/node_modules/.pnpm/@biomejs+biome@2.6.8/node_modules/@biomejs/biome",
      "app/node_modules/.pnpm/node_modules/.bin",
    ]) {
      mkdirSync(join(root, d), { recursive: true });
    }
    // A runtime package that needs one of the workspace's devDependencies brings it legitimately.
    mkdirSync(join(root, "app/node_modules/.pnpm/client@1.0.0/node_modules/client"), { recursive: true });
    writeFileSync(
      join(root, "app/node_modules/.pnpm/client@1.0.0/node_modules/client/package.json"),
      JSON.stringify({ name: "client", dependencies: { "@types/node": "*" } }),
    );
    mkdirSync(join(root, "app/node_modules/.pnpm/@types+node@24.0.0/node_modules/@types/node"), { recursive: true });
    expect([...installedPackages(root)].sort()).toEqual([
      "@biomejs/biome",
      "@kaito-ts/workspace-types",
      "@types/node",
      "client",
      "vitest",
      "yaml",
    ]);
    expect(
      devDependenciesIn(root, [
        { dependencies: { yaml: "1" }, devDependencies: { vitest: "1", typescript: "1" } },
        { devDependencies: { yaml: "1", "@biomejs/biome": "1", "@types/node": "1" } },
      ]),
    ).toEqual(["@biomejs/biome", "vitest"]);
  });
});

describe("the operator Deployment fits the operator image", () => {
  /** The final stage's config as far as the parser knows it (USER, CMD, ENTRYPOINT), without building. */
  function operatorImage(): StageConfig {
    const parsed = parseDockerfile(readFileSync(join(repo, "packages/operator/Dockerfile"), "utf8"));
    const ins = parsed.stages.at(-1)?.instructions ?? [];
    const user = ins.find((i) => i.kind === "USER");
    const cmd = ins.find((i) => i.kind === "CMD");
    const entrypoint = ins.find((i) => i.kind === "ENTRYPOINT");
    return {
      root: "/nowhere",
      workdir: "/app",
      env: new Map(),
      user: user?.kind === "USER" ? { uid: user.uid, gid: user.gid } : { uid: 0, gid: 0 },
      exposed: [],
      ...(entrypoint?.kind === "ENTRYPOINT" ? { entrypoint: entrypoint.argv } : {}),
      ...(cmd?.kind === "CMD" ? { cmd: cmd.argv } : {}),
    };
  }
  const yaml = createRequire(join(repo, "packages/operator/package.json"))("yaml") as {
    parseAllDocuments(s: string): { toJS(): unknown }[];
  };
  const committed = yaml
    .parseAllDocuments(readFileSync(join(repo, "packages/operator/manifests/install.yaml"), "utf8"))
    .map((d) => d.toJS() as { kind?: string })
    .find((d) => d.kind === "Deployment") as Parameters<typeof deploymentFitsImage>[0];

  it("the committed install.yaml runs the Dockerfile's USER and CMD on a read-only root with /tmp mounted", () => {
    expect(deploymentFitsImage(committed, operatorImage())).toBeUndefined();
  });

  /** The fields a row breaks, writable. */
  interface Editable {
    spec: {
      template: {
        spec: {
          securityContext: { runAsUser?: number };
          containers: {
            command?: string[];
            args?: string[];
            securityContext: { readOnlyRootFilesystem?: boolean };
            volumeMounts?: unknown[];
          }[];
        };
      };
    };
  }
  type Container = Editable["spec"]["template"]["spec"]["containers"][number];
  const container = (d: Editable) => d.spec.template.spec.containers[0] as Container;
  const broken: [string, (d: Editable) => void, RegExp][] = [
    [
      "another user",
      (d) => {
        d.spec.template.spec.securityContext.runAsUser = 1000;
      },
      /runs as 1000:65532, the image's USER is 65532:65532/,
    ],
    [
      "a command override",
      (d) => {
        container(d).command = ["sh"];
      },
      /overrides the image's ENTRYPOINT/,
    ],
    [
      "another subcommand",
      (d) => {
        container(d).args = ["demo"];
      },
      /args start with demo, the image's CMD with operator/,
    ],
    [
      "a writable root",
      (d) => {
        container(d).securityContext.readOnlyRootFilesystem = false;
      },
      /not read-only/,
    ],
    [
      "no /tmp mount",
      (d) => {
        container(d).volumeMounts = [];
      },
      /mounts nothing writable at \/tmp/,
    ],
  ];
  it.each(broken)("finds %s", (_, breakIt, message) => {
    const copy = structuredClone(committed) as unknown as Editable;
    breakIt(copy);
    expect(deploymentFitsImage(copy as unknown as typeof committed, operatorImage())).toMatch(message);
  });
});
