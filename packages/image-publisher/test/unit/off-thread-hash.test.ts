import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashFileOffThread, OffThreadHash } from "../../src/blobs/off-thread-hash.ts";
import { digestOfSourceOffThread } from "../../src/blobs/push.ts";
import { bytesBlob, fileBlob } from "../../src/blobs/source.ts";
import { tempFolder } from "../helpers/fixtures.ts";

const run = promisify(execFile);
const sha = (algo: string, ...parts: Uint8Array[]) => {
  const h = createHash(algo);
  for (const p of parts) h.update(p);
  return h.digest("hex");
};

let tmp: { path: string; dispose: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempFolder();
});
afterAll(async () => {
  await tmp?.dispose();
});

describe("OffThreadHash", () => {
  it("matches node:crypto for shared memory, ordinary memory larger than its staging buffer, and sha512", async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(3 * 1024 * 1024));
    shared.set(randomBytes(shared.byteLength));
    const plain = randomBytes(2.5 * 1024 * 1024 + 7);
    for (const algo of ["sha256", "sha512"] as const) {
      const h = new OffThreadHash(algo);
      await h.update(shared.subarray(10, 2_000_000));
      await h.update(plain);
      await h.update(new Uint8Array(0));
      expect(await h.digestHex()).toBe(sha(algo, shared.subarray(10, 2_000_000), plain));
    }
  });

  it("keeps concurrent digests apart, each in its own order", async () => {
    const parts = Array.from({ length: 6 }, () => randomBytes(100_000));
    const a = new OffThreadHash("sha256");
    const b = new OffThreadHash("sha256");
    await Promise.all([
      (async () => {
        for (const p of parts) await a.update(p);
      })(),
      (async () => {
        for (const p of [...parts].reverse()) await b.update(p);
      })(),
    ]);
    expect(await a.digestHex()).toBe(sha("sha256", ...parts));
    expect(await b.digestHex()).toBe(sha("sha256", ...[...parts].reverse()));
  });

  it("refuses updates after digestHex, and drop() is harmless", async () => {
    const h = new OffThreadHash("sha256");
    await h.update(Buffer.from("abc"));
    expect(await h.digestHex()).toBe(sha("sha256", Buffer.from("abc")));
    await expect(h.update(Buffer.from("d"))).rejects.toThrow(/after digest/);
    h.drop();
    const dropped = new OffThreadHash("sha256");
    dropped.drop();
    const after = new OffThreadHash("sha256");
    expect(await after.digestHex()).toBe(sha("sha256"));
  });

  it("never keeps a process alive (the worker is unref'd when idle)", async () => {
    const src = join(import.meta.dirname, "../../src/blobs/off-thread-hash.ts");
    const script = `import { OffThreadHash } from ${JSON.stringify(src)};
const h = new OffThreadHash("sha256"); await h.update(Buffer.from("x")); console.log(await h.digestHex());`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { timeout: 20_000 });
    expect(stdout.trim()).toBe(sha("sha256", Buffer.from("x")));
  });
});

describe("hashFileOffThread / digestOfSourceOffThread", () => {
  it("hashes the first size bytes of a file, and any other source by streaming it", async () => {
    const data = randomBytes(9 * 1024 * 1024 + 3);
    const file = join(tmp.path, "f.bin");
    await writeFile(file, data);
    expect(await hashFileOffThread(file, data.length)).toBe(sha("sha256", data));
    expect(await hashFileOffThread(file, 1000, "sha512")).toBe(sha("sha512", data.subarray(0, 1000)));
    expect(await digestOfSourceOffThread(fileBlob(file))).toBe(`sha256:${sha("sha256", data)}`);
    expect(await digestOfSourceOffThread(bytesBlob(data))).toBe(`sha256:${sha("sha256", data)}`);
  });

  it("names the file when it is missing or shorter than expected", async () => {
    const missing = join(tmp.path, "missing.bin");
    await expect(hashFileOffThread(missing, 10)).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: expect.stringContaining(missing),
    });
    const short = join(tmp.path, "short.bin");
    await writeFile(short, "abc");
    await expect(hashFileOffThread(short, 10)).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: expect.stringMatching(/short\.bin.*shorter than 10 bytes/),
    });
  });
});
