import { randomBytes } from "node:crypto";
import { mkdir, readFile, readlink, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeHeader } from "../../src/tar/header.ts";
import { directoryEntries, extractTar, readTar, type TarWriteEntry, writeTar } from "../../src/index.ts";
import { tempFolder } from "../helpers/fixtures.ts";

let tmp: { path: string; dispose: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempFolder();
});
afterAll(async () => {
  await tmp?.dispose();
});

async function collect(gen: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of gen) parts.push(c);
  return Buffer.concat(parts);
}

function raw(entries: { path: string; flag: string; data?: Buffer | string; link?: string }[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    parts.push(
      encodeHeader({
        path: e.path,
        typeflag: e.flag,
        size: data.length,
        mode: 0o644,
        mtime: 0,
        linkname: e.link ?? "",
      }),
    );
    parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const fileOf = (path: string, content: Buffer): TarWriteEntry => ({
  path,
  type: "file",
  size: content.length,
  open: () => Readable.from([content]),
});

describe("tar writer and reader", () => {
  it("round-trips files, folders and long paths (PAX)", async () => {
    const big = randomBytes(70_000);
    const longPath = `${"deep/".repeat(40)}file.txt`;
    const tar = await collect(
      writeTar([
        { path: "d", type: "directory" },
        fileOf("d/a.txt", Buffer.from("hello")),
        fileOf("d/big.bin", big),
        fileOf(longPath, Buffer.from("long")),
        fileOf("empty", Buffer.alloc(0)),
      ]),
    );
    expect(tar.length % 512).toBe(0);
    const seen: { path: string; type: string; data: Buffer }[] = [];
    for await (const e of readTar(Readable.from([tar])))
      seen.push({ path: e.path, type: e.type, data: await collect(e.body) });
    expect(seen.map((e) => [e.path, e.type])).toEqual([
      ["d/", "directory"],
      ["d/a.txt", "file"],
      ["d/big.bin", "file"],
      [longPath, "file"],
      ["empty", "file"],
    ]);
    expect(seen[2]?.data.equals(big)).toBe(true);
    expect(seen[3]?.data.toString()).toBe("long");
  });

  it("lists a folder sorted and refuses symlinks in it", async () => {
    const dir = join(tmp.path, "walk");
    await mkdir(join(dir, "b"), { recursive: true });
    await writeFile(join(dir, "z.txt"), "z");
    await writeFile(join(dir, "b", "a.txt"), "a");
    const entries = await directoryEntries(dir, "walk");
    expect(entries.map((e) => e.path)).toEqual(["walk", "walk/b", "walk/b/a.txt", "walk/z.txt"]);
    const { symlink } = await import("node:fs/promises");
    await symlink("/etc/passwd", join(dir, "link"));
    await expect(directoryEntries(dir, "walk")).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });

  it("extracts safely, with a prefix stripped, and keeps links that stay inside", async () => {
    const target = join(tmp.path, "ok");
    const tar = raw([
      { path: "data/", flag: "5" },
      { path: "data/a.txt", flag: "0", data: "A" },
      { path: "data/sub/b.txt", flag: "0", data: "B" },
      { path: "data/link", flag: "2", link: "sub/b.txt" },
      { path: "data/hard", flag: "1", link: "data/a.txt" },
      { path: "other/skip.txt", flag: "0", data: "skip" },
    ]);
    const files = await extractTar(Readable.from([tar]), target, { stripPrefix: "data" });
    expect(files).toEqual(["a.txt", "sub/b.txt", "hard"]);
    expect(await readFile(join(target, "sub", "b.txt"), "utf8")).toBe("B");
    expect(await readlink(join(target, "link"))).toBe("sub/b.txt");
    expect(await readFile(join(target, "hard"), "utf8")).toBe("A");
    await expect(stat(join(target, "skip.txt"))).rejects.toThrow();
  });

  it.each([
    ["an absolute path", [{ path: "/etc/evil", flag: "0", data: "x" }]],
    ["a .. path", [{ path: "a/../../evil", flag: "0", data: "x" }]],
    ["a symlink escaping the folder", [{ path: "l", flag: "2", link: "../../outside" }]],
    ["an absolute symlink", [{ path: "l", flag: "2", link: "/etc" }]],
    ["a hardlink escaping the folder", [{ path: "h", flag: "1", link: "../../etc/passwd" }]],
    ["a hardlink to an absolute path", [{ path: "h", flag: "1", link: "/etc/passwd" }]],
    ["a backslash path", [{ path: "a\\..\\evil", flag: "0", data: "x" }]],
  ])("rejects %s with UNSAFE_ARCHIVE", async (_why, entries) => {
    const target = join(tmp.path, `bad-${Math.random().toString(36).slice(2)}`);
    await expect(extractTar(Readable.from([raw(entries)]), target)).rejects.toMatchObject({ code: "UNSAFE_ARCHIVE" });
  });

  it("rejects writing through an inside symlink that points at an inside-looking path outside (two-step)", async () => {
    const target = join(tmp.path, "two-step");
    // "a" -> "." is inside; then "a/../x" is refused lexically before touching disk.
    const tar = raw([
      { path: "a", flag: "2", link: "." },
      { path: "a/../../x", flag: "0", data: "x" },
    ]);
    await expect(extractTar(Readable.from([tar]), target)).rejects.toMatchObject({ code: "UNSAFE_ARCHIVE" });
  });

  it("reports corrupt archives", async () => {
    const tar = raw([{ path: "a", flag: "0", data: "hello" }]);
    tar[148] = 0x39; // break the checksum
    await expect(extractTar(Readable.from([tar]), join(tmp.path, "corrupt"))).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    const truncated = raw([{ path: "a", flag: "0", data: randomBytes(2000) }]).subarray(0, 900);
    await expect(extractTar(Readable.from([truncated]), join(tmp.path, "trunc"))).rejects.toThrow(/truncated/);
  });
});
