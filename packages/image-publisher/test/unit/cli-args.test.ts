import { describe, expect, it } from "vitest";
import { parseCli, UsageError } from "../../src/cli/args.ts";
import { EXIT, exitCodeFor } from "../../src/cli/exit-codes.ts";
import { describeEvent, formatBytes, renderBar } from "../../src/progress/render.ts";

describe("parseCli", () => {
  it("parses push with every option", () => {
    expect(
      parseCli([
        "push",
        "/out",
        "r.io/a:v1",
        "--adapter",
        "--annotation",
        "a=b=c",
        "--annotation",
        "x=",
        "--tag",
        "t2",
        "--wait-for",
        "/out/done",
        "--wait-timeout",
        "1.5",
        "--docker-config",
        "/cfg",
        "--plain-http",
        "--model-name",
        "phi",
      ]),
    ).toEqual({
      kind: "push",
      paths: ["/out"],
      reference: "r.io/a:v1",
      adapter: true,
      annotations: { a: "b=c", x: "" },
      modelName: "phi",
      tags: ["t2"],
      waitFor: "/out/done",
      waitTimeoutMs: 1500,
      waitIntervalMs: 500,
      dockerConfig: "/cfg",
      plainHttp: true,
    });
  });

  it("parses pull, help and version", () => {
    expect(parseCli(["pull", "r.io/a:v1", "/dir"])).toEqual({
      kind: "pull",
      reference: "r.io/a:v1",
      target: "/dir",
      adapter: false,
      plainHttp: false,
    });
    expect(parseCli([])).toEqual({ kind: "help" });
    expect(parseCli(["--version"])).toEqual({ kind: "version" });
  });

  it.each([
    [["push", "r.io/a:v1"], "at least one file"],
    [["push", "a", "b", "r.io/a:v1", "--adapter"], "exactly one folder"],
    [["push", "a", "r.io/a:v1", "--annotation", "novalue"], "key=value"],
    [["push", "a", "r.io/a:v1", "--wait-timeout=-1"], "positive"],
    [["push", "a", "r.io/a:v1", "--wait-timeout", "soon"], "positive"],
    [["pull", "r.io/a:v1"], "a reference and a folder"],
    [["push", "--nope"], "Unknown option"],
    [["launch"], 'unknown command "launch"'],
  ])("rejects %j", (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});

describe("exit codes and progress text", () => {
  it("maps error codes to exit codes", () => {
    expect(exitCodeFor("INVALID_REFERENCE")).toBe(EXIT.usage);
    expect(exitCodeFor("INVALID_INPUT")).toBe(EXIT.input);
    expect(exitCodeFor("UNAUTHORIZED")).toBe(EXIT.auth);
    expect(exitCodeFor("DENIED")).toBe(EXIT.auth);
    expect(exitCodeFor("UNREACHABLE")).toBe(EXIT.unavailable);
    expect(exitCodeFor("MANIFEST_INVALID")).toBe(EXIT.failure);
  });

  it("renders bars and lines", () => {
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(renderBar(50, 100, 10)).toBe("[====>     ]  50% 50 B/100 B");
    expect(renderBar(100, 100, 4)).toBe("[====] 100% 100 B/100 B");
    expect(describeEvent({ direction: "push", phase: "exists", label: "cfg", bytesDone: 2, bytesTotal: 2 })).toBe(
      "cfg already in the registry, skipped (2 B)",
    );
    expect(describeEvent({ direction: "pull", phase: "progress", bytesDone: 1 })).toBeUndefined();
  });
});

describe("progressPrinter", () => {
  it("draws a bar on a terminal and plain lines elsewhere", async () => {
    const { progressPrinter } = await import("../../src/progress/render.ts");
    const tty: string[] = [];
    const p = progressPrinter({ write: (s: string) => tty.push(s), isTTY: true });
    p({ direction: "push", phase: "start", label: "layer", bytesDone: 0, bytesTotal: 100 });
    p({ direction: "push", phase: "progress", label: "layer", bytesDone: 100, bytesTotal: 100 });
    p({ direction: "push", phase: "done", label: "layer", digest: "sha256:ab", bytesDone: 100, bytesTotal: 100 });
    expect(tty.join("")).toContain("[========================] 100% 100 B/100 B layer");
    expect(tty.at(-1)).toBe("\r\x1b[2Kpushed layer sha256:ab\n");
    const plain: string[] = [];
    const q = progressPrinter({ write: (s: string) => plain.push(s) });
    q({ direction: "pull", phase: "start", label: "x", bytesDone: 0 });
    q({ direction: "pull", phase: "progress", label: "x", bytesDone: 5 });
    q({ direction: "pull", phase: "done", label: "x", digest: "sha256:cd", bytesDone: 5 });
    expect(plain).toEqual(["pulling x\n", "pulled x sha256:cd\n"]);
  });
});
