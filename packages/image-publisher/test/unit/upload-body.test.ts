import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOfSource } from "../../src/blobs/push.ts";
import { ChunkBufferPool, type ChunkBuffers, forEachChunk, OPEN_RANGE_READER } from "../../src/blobs/range-reader.ts";
import { bytesBlob, fileBlob } from "../../src/blobs/source.ts";
import { BodyWriteError, isBodyWriter, writeAndWait } from "../../src/transport/body-writer.ts";
import { createAgents, readBytes, sendHttp } from "../../src/transport/http.ts";
import { tempFolder } from "../helpers/fixtures.ts";

let tmp: { path: string; dispose: () => Promise<void> };
let file: string;
const data = randomBytes(1000);
beforeAll(async () => {
  tmp = await tempFolder();
  file = join(tmp.path, "blob.bin");
  await writeFile(file, data);
});
afterAll(async () => {
  await tmp?.dispose();
});

/** Collects the chunks of a range, copying each only after its (delayed) onChunk settles. */
async function collectLate(source: Parameters<typeof forEachChunk>[0], start: number, end: number, size: number) {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  await forEachChunk(
    source,
    start,
    end,
    async (chunk, offset) => {
      offsets.push(offset);
      await new Promise((r) => setTimeout(r, 1));
      // A reader that reused this buffer before onChunk settled would show other bytes here.
      parts.push(Buffer.from(chunk));
    },
    { chunkSize: size },
  );
  return { bytes: Buffer.concat(parts), offsets };
}

describe("forEachChunk", () => {
  it("reads a file range in order, in chunks of the given size, without reusing a buffer still in use", async () => {
    const { bytes, offsets } = await collectLate(fileBlob(file), 10, 990, 64);
    expect(bytes.equals(data.subarray(10, 990))).toBe(true);
    expect(offsets.slice(0, 3)).toEqual([10, 74, 138]);
    expect(offsets).toHaveLength(Math.ceil(980 / 64));
  });

  it("falls back to the stream of a source without a range reader", async () => {
    const blob = bytesBlob(data);
    expect(OPEN_RANGE_READER in blob).toBe(false);
    const { bytes, offsets } = await collectLate(blob, 100, 300, 64);
    expect(bytes.equals(data.subarray(100, 300))).toBe(true);
    expect(offsets).toEqual([100]);
  });

  it("calls nothing for an empty range", async () => {
    let calls = 0;
    await forEachChunk(fileBlob(file), 500, 500, () => {
      calls++;
    });
    expect(calls).toBe(0);
  });

  it("fails when the file is shorter than the range", async () => {
    await expect(forEachChunk(fileBlob(file), 0, 2000, () => {}, { chunkSize: 256 })).rejects.toThrow(
      /ended at byte 1000/,
    );
  });

  it("stops at the first failing chunk", async () => {
    const seen: number[] = [];
    await expect(
      forEachChunk(
        fileBlob(file),
        0,
        1000,
        async (_chunk, offset) => {
          seen.push(offset);
          if (offset === 128) throw new Error("network down");
        },
        { chunkSize: 128 },
      ),
    ).rejects.toThrow("network down");
    expect(seen.at(-1)).toBeLessThanOrEqual(256);
  });

  it("reads into the pool's buffers, and lends a pair to one reader at a time", async () => {
    const pool = new ChunkBufferPool(100);
    const seen = new Set<ArrayBufferLike>();
    const read = (buffers: ChunkBuffers) =>
      forEachChunk(
        fileBlob(file),
        0,
        1000,
        (chunk) => {
          seen.add(chunk.buffer);
        },
        { buffers },
      );
    const first = await pool.with(async (b) => {
      await read(b);
      return b;
    });
    expect(seen).toEqual(new Set([first[0].buffer, first[1].buffer]));
    await pool.with(async (again) => {
      expect(again).toBe(first);
      // an overlapping reader (a retry while the failed attempt winds down) gets its own pair
      await pool.with(async (other) => {
        expect(other[0]).not.toBe(first[0]);
        expect(other[0].byteLength).toBe(100);
      });
    });
  });

  it("hashes a source once for its digest", async () => {
    const expected = `sha256:${createHash("sha256").update(data).digest("hex")}`;
    expect(await digestOfSource(fileBlob(file))).toBe(expected);
    expect(await digestOfSource(bytesBlob(data))).toBe(expected);
  });
});

describe("body writers", () => {
  it("recognises writers and nothing else", () => {
    expect(isBodyWriter({ writeTo: async () => {} })).toBe(true);
    expect(isBodyWriter(Buffer.from("x"))).toBe(false);
    expect(isBodyWriter(() => new PassThrough())).toBe(false);
    expect(isBodyWriter(undefined)).toBe(false);
  });

  it("resolves a write once the stream took it, and rejects on a closed stream", async () => {
    const got: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        got.push(Buffer.from(chunk));
        setTimeout(cb, 1);
      },
    });
    await writeAndWait(sink, Buffer.from("abc"));
    expect(Buffer.concat(got).toString()).toBe("abc");
    sink.destroy();
    await expect(writeAndWait(sink, Buffer.from("d"))).rejects.toBeInstanceOf(BodyWriteError);
  });

  it("rejects with a BodyWriteError when the stream fails", async () => {
    const sink = new Writable({
      write(_chunk, _enc, cb) {
        cb(new Error("EPIPE"));
      },
    });
    sink.on("error", () => {});
    const e = await writeAndWait(sink, Buffer.from("x")).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BodyWriteError);
    expect((e as BodyWriteError).message).toContain("EPIPE");
  });
});

describe("sendHttp with a body writer", () => {
  let server: http.Server;
  let base: URL;
  const agents = createAgents();
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const h = createHash("sha256");
      let n = 0;
      req.on("data", (c: Buffer) => {
        h.update(c);
        n += c.byteLength;
      });
      req.on("end", () => res.end(`${n} ${h.digest("hex")}`));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`);
  });
  afterAll(async () => {
    agents.http.destroy();
    await new Promise((r) => server.close(r));
  });

  it("sends the bytes a file writer produces", async () => {
    const big = randomBytes(3 * 1024 * 1024 + 17);
    const path = join(tmp.path, "big.bin");
    await writeFile(path, big);
    const res = await sendHttp(
      {
        method: "PUT",
        url: base,
        headers: { "content-length": String(big.byteLength) },
        body: {
          writeTo: (out) =>
            forEachChunk(fileBlob(path), 0, big.byteLength, (chunk) => writeAndWait(out, chunk), {
              chunkSize: 1024 * 1024,
            }),
        },
      },
      agents,
    );
    expect(res.status).toBe(200);
    expect((await readBytes(res)).toString()).toBe(
      `${big.byteLength} ${createHash("sha256").update(big).digest("hex")}`,
    );
  });

  it("reports a failing source as INVALID_INPUT, not as a network error", async () => {
    await expect(
      sendHttp(
        {
          method: "PUT",
          url: base,
          headers: { "content-length": "10" },
          body: {
            writeTo: async () => {
              throw new Error("EIO: read failed");
            },
          },
        },
        agents,
      ),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("EIO: read failed") });
  });
});
