import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staticCredentials } from "../../src/auth/credentials.ts";
import { pullBlobToFile } from "../../src/blobs/pull.ts";
import { RegistrySession } from "../../src/transport/session.ts";
import { tempFolder } from "../helpers/fixtures.ts";
import { type RawServer, rawServer } from "../helpers/raw-server.ts";

const data = randomBytes(6 * 1024 * 1024 + 123);
const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
const head = (n: number) => `HTTP/1.1 200 OK\r\nContent-Length: ${n}\r\n\r\n`;
/** The head of a 206 carrying the bytes from `from` to the end. */
const partialHead = (from: number) =>
  `HTTP/1.1 206 Partial Content\r\nContent-Range: bytes ${from}-${data.length - 1}/${data.length}\r\nContent-Length: ${data.length - from}\r\n\r\n`;

let tmp: { path: string; dispose: () => Promise<void> };
let server: RawServer;
/** Per repository: how the fake registry answers the n-th request. */
const behaviours: Record<string, (sock: import("node:net").Socket, n: number, auth: string | undefined) => void> = {
  ok: (sock) => {
    sock.write(head(data.length));
    sock.end(data);
  },
  cut: (sock, n) => {
    sock.write(head(data.length));
    if (n === 0) sock.write(data.subarray(0, 3 * 1024 * 1024), () => sock.destroy());
    else sock.end(data);
  },
  busy: (sock, n) => {
    if (n === 0) sock.end("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
    else behaviours.ok?.(sock, n, undefined);
  },
  basic: (sock, _n, auth) => {
    if (auth === undefined)
      sock.end('HTTP/1.1 401 No\r\nWWW-Authenticate: Basic realm="r"\r\nContent-Length: 0\r\n\r\n');
    else behaviours.ok?.(sock, 0, undefined);
  },
  altered: (sock) => {
    const bad = Buffer.from(data);
    bad[5] = (bad[5] as number) ^ 1;
    sock.write(head(bad.length));
    sock.end(bad);
  },
  missing: (sock) => {
    const body = '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}';
    sock.end(`HTTP/1.1 404 Not Found\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  },
  /** Cut after 3 MiB; then honours the Range of the next request with a 206. */
  ranged: (sock, n, _auth) => {
    if (n === 0) {
      sock.write(head(data.length));
      sock.write(data.subarray(0, 3 * 1024 * 1024), () => sock.destroy());
      return;
    }
    partial(sock, rangeFrom());
  },
  /** Cut, then a 206 whose Content-Range starts elsewhere than asked. */
  badrange: (sock, n) => {
    if (n === 0) {
      sock.write(head(data.length));
      sock.write(data.subarray(0, 3 * 1024 * 1024), () => sock.destroy());
      return;
    }
    const from = rangeFrom() + 1;
    sock.end(partialHead(from));
  },
  /** Cut, then 416 for the Range, then the whole blob again. */
  unsatisfiable: (sock, n) => {
    if (n === 0) {
      sock.write(head(data.length));
      sock.write(data.subarray(0, 3 * 1024 * 1024), () => sock.destroy());
    } else if (n === 1) sock.end("HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\n\r\n");
    else behaviours.ok?.(sock, n, undefined);
  },
  /** Cut three times, each time 2.5 MiB further along (more than a batch), then the rest: progress every time. */
  flaky: (sock, n) => {
    const from = n === 0 ? 0 : rangeFrom();
    const end = n < 3 ? Math.min(data.length, from + 2.5 * 1024 * 1024) : data.length;
    if (n === 0) sock.write(head(data.length));
    else sock.write(partialHead(from));
    if (n < 3) sock.write(data.subarray(from, end), () => sock.destroy());
    else sock.end(data.subarray(from));
  },
  stall: (sock) => {
    sock.write(head(data.length));
    sock.write(data.subarray(0, 5 * 1024 * 1024)); // more than a batch, then nothing more
  },
};
const counts = new Map<string, number>();
/** The Range header of the request being answered. */
let currentRange: string | undefined;
/** The first byte the current request's `Range: bytes=<n>-` asks for (fails the test when absent). */
function rangeFrom(): number {
  const m = /^bytes=(\d+)-$/.exec(currentRange ?? "");
  if (m === null) throw new Error(`expected a Range request, got ${String(currentRange)}`);
  return Number(m[1]);
}
/** Answers 206 with the bytes from `from` on. */
function partial(sock: import("node:net").Socket, from: number) {
  sock.write(partialHead(from));
  sock.end(data.subarray(from));
}

beforeAll(async () => {
  tmp = await tempFolder();
  server = await rawServer((sock, req) => {
    const repo = req.line.split("/")[2] ?? "";
    const n = counts.get(repo) ?? 0;
    counts.set(repo, n + 1);
    currentRange = req.headers.range;
    try {
      behaviours[repo]?.(sock, n, req.headers.authorization);
    } catch {
      sock.destroy(); // a request the behaviour did not expect (e.g. no Range): fail fast, not by a timeout
    }
  });
});
afterAll(async () => {
  await server?.close();
  await tmp?.dispose();
});

function session(extra: ConstructorParameters<typeof RegistrySession>[0] = {}) {
  return new RegistrySession({ plainHttp: true, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...extra });
}
const registry = () => `127.0.0.1:${server.port}`;

describe("pullBlobToFile over the fast body reader", () => {
  it("downloads and verifies a blob, sending the request itself (connection: close)", async () => {
    const out = join(tmp.path, "ok.bin");
    const events: number[] = [];
    const r = await pullBlobToFile(session(), { registry: registry(), repository: "ok" }, digest, out, {
      size: data.length,
      onProgress: (e) => events.push(e.bytesDone),
    });
    expect(r).toEqual({ digest, size: data.length });
    expect((await readFile(out)).equals(data)).toBe(true);
    expect(events.at(-1)).toBe(data.length);
    expect(server.requests.at(-1)?.headers).toMatchObject({ connection: "close", "user-agent": "kaito-publish" });
  });

  it("uses node:http when told to (fast: false or fastBlobDownloads: false)", async () => {
    for (const [s, opts] of [
      [session(), { fast: false }],
      [session({ fastBlobDownloads: false }), {}],
    ] as const) {
      const out = join(tmp.path, `slow-${Math.random()}.bin`);
      await pullBlobToFile(s, { registry: registry(), repository: "ok" }, digest, out, opts);
      s.close();
      expect((await readFile(out)).equals(data)).toBe(true);
      expect(server.requests.at(-1)?.headers.connection).toBe("keep-alive");
    }
  });

  it("starts over when the server ignores the Range of a resumed download (200), and still verifies the file", async () => {
    const out = join(tmp.path, "cut.bin");
    await pullBlobToFile(session(), { registry: registry(), repository: "cut" }, digest, out);
    expect(counts.get("cut")).toBe(2);
    expect(server.requests.filter((r) => r.line.includes("/cut/")).at(-1)?.headers.range).toMatch(/^bytes=\d+-$/);
    expect((await readFile(out)).equals(data)).toBe(true);
  });

  it("resumes a download cut mid-body from where it stopped (Range → 206)", async () => {
    const out = join(tmp.path, "ranged.bin");
    const phases: string[] = [];
    await pullBlobToFile(session(), { registry: registry(), repository: "ranged" }, digest, out, {
      onProgress: (e) => phases.push(`${e.phase}:${e.bytesDone}`),
    });
    expect(counts.get("ranged")).toBe(2);
    expect((await readFile(out)).equals(data)).toBe(true);
    const resumed = phases.filter((p) => p.startsWith("resumed:"));
    expect(resumed).toHaveLength(1);
    const from = Number(resumed[0]?.split(":")[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(3 * 1024 * 1024);
    expect(server.requests.filter((r) => r.line.includes("/ranged/")).at(-1)?.headers.range).toBe(`bytes=${from}-`);
    expect(phases.at(-1)).toBe(`done:${data.length}`);
  });

  it("reports a target folder that does not exist as INVALID_INPUT naming the file", async () => {
    const out = join(tmp.path, "no-such-folder", "x.bin");
    await expect(
      pullBlobToFile(session(), { registry: registry(), repository: "ok" }, digest, out),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("no-such-folder") });
  });

  it("rejects a 206 that starts elsewhere than asked, leaving no file", async () => {
    const out = join(tmp.path, "badrange.bin");
    await expect(
      pullBlobToFile(session(), { registry: registry(), repository: "badrange" }, digest, out),
    ).rejects.toMatchObject({ code: "INVALID_RESPONSE", message: expect.stringMatching(/Content-Range/) });
    expect((await readdir(tmp.path)).filter((f) => f.startsWith("badrange"))).toEqual([]);
  });

  it("starts over when the server cannot serve the Range (416)", async () => {
    const out = join(tmp.path, "unsatisfiable.bin");
    await pullBlobToFile(session(), { registry: registry(), repository: "unsatisfiable" }, digest, out);
    expect(counts.get("unsatisfiable")).toBe(3);
    expect(server.requests.filter((r) => r.line.includes("/unsatisfiable/")).at(-1)?.headers.range).toBeUndefined();
    expect((await readFile(out)).equals(data)).toBe(true);
  });

  it("gives each resume that made progress a fresh retry budget", async () => {
    const out = join(tmp.path, "flaky.bin");
    // one retry allowed, cut after cut: it only completes because every attempt got further
    const s = session({ retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 5 } });
    await pullBlobToFile(s, { registry: registry(), repository: "flaky" }, digest, out, { size: data.length });
    expect(counts.get("flaky")).toBeGreaterThanOrEqual(3); // without the fresh budget, the second cut ends it
    expect((await readFile(out)).equals(data)).toBe(true);
  });

  it("goes through the session's retries and authentication (503, then a Basic challenge)", async () => {
    const out = join(tmp.path, "busy.bin");
    await pullBlobToFile(session(), { registry: registry(), repository: "busy" }, digest, out);
    expect(counts.get("busy")).toBe(2);
    const creds = staticCredentials({ [registry()]: { username: "u", password: "p" } });
    await pullBlobToFile(session({ credentials: creds }), { registry: registry(), repository: "basic" }, digest, out);
    expect(server.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
  });

  it("maps registry errors and refuses altered content, leaving no file behind", async () => {
    const dir = join(tmp.path, "errors");
    await import("node:fs/promises").then((fs) => fs.mkdir(dir));
    await expect(
      pullBlobToFile(session(), { registry: registry(), repository: "missing" }, digest, join(dir, "m.bin")),
    ).rejects.toMatchObject({ code: "BLOB_UNKNOWN", status: 404 });
    await expect(
      pullBlobToFile(session(), { registry: registry(), repository: "altered" }, digest, join(dir, "a.bin")),
    ).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
    await expect(
      pullBlobToFile(session(), { registry: registry(), repository: "ok" }, digest, join(dir, "s.bin"), { size: 10 }),
    ).rejects.toMatchObject({ code: "SIZE_INVALID" });
    expect(await readdir(dir)).toEqual([]);
  });

  it("is cancelled mid-body with ABORTED and removes the partial file", async () => {
    const dir = join(tmp.path, "abort");
    await import("node:fs/promises").then((fs) => fs.mkdir(dir));
    const ac = new AbortController();
    const p = pullBlobToFile(session(), { registry: registry(), repository: "stall" }, digest, join(dir, "x.bin"), {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.bytesDone > 0) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: "ABORTED" });
    expect(await readdir(dir)).toEqual([]);
  });
});
