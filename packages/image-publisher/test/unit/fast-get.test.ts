import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOciRegistryError } from "../../src/errors.ts";
import { BodyReadError, type BodySink, type FastGetRequest, fastGet } from "../../src/transport/fast-get.ts";
import { tempFolder } from "../helpers/fixtures.ts";
import { chunked, type RawServer, rawServer, selfSignedCert, writeSlowly } from "../helpers/raw-server.ts";

/**
 * A sink collecting copies of what it gets, in call order, each copied only when its write resolves (so that a batch
 * reused too early shows up as corrupt data); counts how many writes were outstanding at once.
 */
function collector(delayMs = 0) {
  const parts: Buffer[] = [];
  let outstanding = 0;
  let maxOutstanding = 0;
  const sink: BodySink = {
    write: async (chunk) => {
      const i = parts.push(Buffer.alloc(0)) - 1;
      outstanding++;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      parts[i] = Buffer.from(chunk);
      outstanding--;
    },
  };
  return { sink, body: () => Buffer.concat(parts), writes: () => parts.length, maxOutstanding: () => maxOutstanding };
}

const small = { readBufferBytes: 1024, batchBytes: 4096 } as const;

function get(url: string, onHead: FastGetRequest["onHead"], extra: Partial<FastGetRequest> = {}) {
  return fastGet({ url: new URL(url), headers: { "user-agent": "t" }, onHead, ...small, ...extra });
}

const servers: RawServer[] = [];
async function serve(handler: Parameters<typeof rawServer>[0]): Promise<RawServer> {
  const s = await rawServer(handler);
  servers.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const data = randomBytes(300_000);
const okHead = (n: number) => `HTTP/1.1 200 OK\r\nContent-Length: ${n}\r\n\r\n`;

describe("fastGet", () => {
  it("streams a Content-Length body to the sink in reused batches, at most batchCount outstanding", async () => {
    const s = await serve((sock) => {
      sock.write(okHead(data.length));
      sock.end(data);
    });
    const c = collector(2);
    const memories = new Set<ArrayBufferLike>();
    const res = await get(
      `${s.origin}/v2/x/blobs/sha256:1?a=b`,
      () => ({
        write: (chunk) => {
          memories.add(chunk.buffer);
          return c.sink.write(chunk);
        },
      }),
      { headers: { authorization: "Bearer t" } },
    );
    expect(res.status).toBe(200);
    expect(res.streamed).toBe(true);
    expect(c.body().equals(data)).toBe(true);
    expect(memories.size).toBe(3); // the same 3 batches' memory, again and again
    expect(c.maxOutstanding()).toBe(3); // the default 3 batches, all with the slow sink while receiving pauses
    expect(c.writes()).toBeGreaterThan(data.length / 4096 - 1);
    const req = s.requests.at(-1);
    expect(req?.line).toBe("GET /v2/x/blobs/sha256:1?a=b HTTP/1.1");
    expect(req?.headers).toMatchObject({ host: `127.0.0.1:${s.port}`, authorization: "Bearer t", connection: "close" });
  });

  it("keeps the body intact when the sink finishes batches out of order (and reading resumes into the oldest)", async () => {
    const s = await serve((sock) => {
      sock.write(okHead(data.length));
      sock.end(data);
    });
    const parts: Buffer[] = [];
    let n = 0;
    const sink: BodySink = {
      write: async (chunk) => {
        const i = parts.push(Buffer.alloc(0)) - 1;
        // every third batch is slow, so later ones finish first
        await new Promise((r) => setTimeout(r, n++ % 3 === 0 ? 6 : 1));
        parts[i] = Buffer.from(chunk);
      },
    };
    await get(s.origin, () => sink);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
  });

  it("with batchCount 2, the sink holds at most two batches", async () => {
    const s = await serve((sock) => {
      sock.write(okHead(data.length));
      sock.end(data);
    });
    const c = collector(1);
    await get(s.origin, () => c.sink, { batchCount: 2 });
    expect(c.body().equals(data)).toBe(true);
    expect(c.maxOutstanding()).toBe(2);
  });

  it("reads chunked bodies (chunks crossing read buffers, extensions, trailers) and close-delimited bodies", async () => {
    const s = await serve((sock, req) => {
      if (req.line.includes("chunked")) {
        sock.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        sock.end(chunked(data, [1, 1000, 1023, 1025, 5000, 3]));
      } else {
        sock.write("HTTP/1.1 200 OK\r\n\r\n");
        sock.end(data);
      }
    });
    for (const path of ["/chunked", "/close"]) {
      const c = collector();
      const res = await get(`${s.origin}${path}`, () => c.sink);
      expect(res.streamed).toBe(true);
      expect(c.body().equals(data)).toBe(true);
    }
  });

  it("copes with a server sending one byte at a time and headers split across reads", async () => {
    const body = randomBytes(300);
    const wire = Buffer.concat([Buffer.from(okHead(body.length)), body]);
    const s = await serve(async (sock, req) => {
      if (req.line.includes("bytes"))
        await writeSlowly(
          sock,
          [...wire].map((b) => Buffer.from([b])),
          0,
        );
      else await writeSlowly(sock, ["HTTP/1.1 20", "0 OK\r\nContent-Le", "ngth: 300\r", "\n\r", "\n", body], 5);
      sock.end();
    });
    for (const path of ["/bytes", "/split"]) {
      const c = collector();
      await get(`${s.origin}${path}`, () => c.sink);
      expect(c.body().equals(body)).toBe(true);
    }
  });

  it("keeps the body of a non-2xx answer in memory (bounded) and does not call onHead", async () => {
    const s = await serve((sock) => {
      sock.end(`HTTP/1.1 404 Not Found\r\nContent-Length: 30\r\n\r\n{"errors":[{"code":"BLOB_X"}]}`);
    });
    let called = false;
    const res = await get(s.origin, () => {
      called = true;
      return collector().sink;
    });
    expect(called).toBe(false);
    expect(res.status).toBe(404);
    expect(res.streamed).toBe(false);
    const chunks: Buffer[] = [];
    for await (const c of res.body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('{"errors":[{"code":"BLOB_X"}]}');
  });

  it("follows redirects, dropping Authorization when the host changes", async () => {
    const target = await serve((sock) => sock.end(`${okHead(2)}ok`));
    const s = await serve((sock, req) => {
      if (req.line.startsWith("GET /same"))
        sock.end("HTTP/1.1 302 Found\r\nLocation: /there\r\nContent-Length: 0\r\n\r\n");
      else if (req.line.startsWith("GET /there")) sock.end(`${okHead(2)}ok`);
      else sock.end(`HTTP/1.1 307 Temporary\r\nLocation: http://localhost:${target.port}/blob\r\n\r\n`);
    });
    const c = collector();
    await get(`${s.origin}/other`, () => c.sink, { followRedirects: true, headers: { authorization: "Basic x" } });
    expect(c.body().toString()).toBe("ok");
    expect(target.requests.at(-1)?.headers.authorization).toBeUndefined();
    expect(target.requests.at(-1)?.headers.host).toBe(`localhost:${target.port}`);
    await get(`${s.origin}/same`, () => collector().sink, {
      followRedirects: true,
      headers: { authorization: "Basic x" },
    });
    expect(s.requests.at(-1)?.line).toBe("GET /there HTTP/1.1");
    expect(s.requests.at(-1)?.headers.authorization).toBe("Basic x");
    const noFollow = await get(`${s.origin}/same`, () => collector().sink);
    expect(noFollow.status).toBe(302);
  });

  it("fails a body cut short or badly framed with a BodyReadError, after the sink saw part of it", async () => {
    const s = await serve((sock, req) => {
      if (req.line.includes("cut")) {
        sock.write(okHead(data.length));
        sock.write(data.subarray(0, 10_000), () => sock.destroy());
      } else {
        sock.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        sock.end("10\r\nshort\r\n0\r\n\r\n");
      }
    });
    for (const path of ["/cut", "/framing"]) {
      const err = await get(`${s.origin}${path}`, () => collector().sink).catch((e: unknown) => e);
      expect(err, path).toBeInstanceOf(BodyReadError);
      expect((err as Error).message).toContain(`${s.origin}${path}`);
    }
  });

  it("maps a bad head to INVALID_RESPONSE, a huge head to a clear error, and a refused connection to UNREACHABLE", async () => {
    const s = await serve((sock, req) => {
      if (req.line.includes("huge")) sock.end(`HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`);
      else sock.end("SSH-2.0-OpenSSH_9.2\r\n\r\n");
    });
    await expect(get(`${s.origin}/garbage`, () => collector().sink)).rejects.toMatchObject({
      code: "INVALID_RESPONSE",
      message: expect.stringContaining("bad status line"),
    });
    await expect(get(`${s.origin}/huge`, () => collector().sink)).rejects.toMatchObject({
      code: "INVALID_RESPONSE",
      message: expect.stringContaining("larger than 65536 bytes"),
    });
    const gone = await serve(() => {});
    await gone.close();
    const err = await get(gone.origin, () => collector().sink).catch((e: unknown) => e);
    expect(isOciRegistryError(err) && err.code).toBe("UNREACHABLE");
    expect((err as { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED");
  });

  it("maps a connection closed before the answer to a retryable UNREACHABLE (ECONNRESET)", async () => {
    const s = await serve((sock) => sock.destroy());
    const err = await get(s.origin, () => collector().sink).catch((e: unknown) => e);
    expect(isOciRegistryError(err) && err.code).toBe("UNREACHABLE");
    expect((err as { cause?: { code?: string } }).cause?.code).toBe("ECONNRESET");
  });

  it("is cancelled by an AbortSignal mid-body (ABORTED) and times out a silent server", async () => {
    const s = await serve((sock) => {
      sock.write(okHead(data.length));
      sock.write(data.subarray(0, 50_000)); // then silence
    });
    const ac = new AbortController();
    const c = collector();
    const p = get(
      s.origin,
      () => ({
        write: async (chunk) => {
          await c.sink.write(chunk);
          ac.abort();
        },
      }),
      { signal: ac.signal },
    );
    await expect(p).rejects.toMatchObject({ code: "ABORTED" });
    expect(c.writes()).toBeGreaterThan(0);
    const aborted = new AbortController();
    aborted.abort();
    await expect(get(s.origin, () => c.sink, { signal: aborted.signal })).rejects.toMatchObject({ code: "ABORTED" });
    const err = await get(s.origin, () => collector().sink, { idleTimeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyReadError);
    expect(((err as Error).cause as { code?: string }).code).toBe("ETIMEDOUT");
  });

  it("passes a sink failure through unchanged and refuses header values with line breaks", async () => {
    const s = await serve((sock) => sock.end(`${okHead(data.length)}${data.toString("latin1")}`));
    const boom = new Error("disk full");
    await expect(get(s.origin, () => ({ write: () => Promise.reject(boom) }))).rejects.toBe(boom);
    await expect(get(s.origin, () => collector().sink, { headers: { "x-a": "1\r\nx-b: 2" } })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });
});

describe("fastGet over TLS", () => {
  let tls: RawServer;
  let cert: string;
  let tmp: { path: string; dispose: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempFolder();
    const pair = await selfSignedCert(tmp.path).catch((e: unknown) => {
      throw new Error(`cannot make a test certificate with openssl: ${(e as Error).message}`);
    });
    cert = pair.cert;
    tls = await rawServer((sock) => {
      sock.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      sock.end(chunked(data, [4000, 9000]));
    }, pair);
  });
  afterAll(async () => {
    await tls?.close();
    await tmp?.dispose();
  });

  it("downloads over https with the server name checked against the given CA", async () => {
    const c = collector();
    const res = await get(`${tls.origin}/blob`, () => c.sink, { ca: cert });
    expect(res.status).toBe(200);
    expect(c.body().equals(data)).toBe(true);
    expect(tls.requests.at(-1)?.headers.host).toBe(`localhost:${tls.port}`);
  });

  it("refuses a certificate it does not trust (UNREACHABLE with the TLS error as cause)", async () => {
    const err = await get(`${tls.origin}/blob`, () => collector().sink).catch((e: unknown) => e);
    expect(isOciRegistryError(err) && err.code).toBe("UNREACHABLE");
    expect((err as Error).message).toMatch(/SELF_SIGNED|self[- ]signed/i);
  });
});
