import { randomBytes } from "node:crypto";
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bytesBlob,
  fileBlob,
  OCI_EMPTY,
  OCI_LAYER_TAR,
  OciRegistryClient,
  sha256Digest,
  staticCredentials,
} from "../src/index.ts";
import { type FaultProxy, startFaultProxy } from "./helpers/fault-proxy.ts";
import { tempFolder } from "./helpers/fixtures.ts";
import { freePort } from "./helpers/net.ts";
import { type RegistryHandle, startRegistry } from "./helpers/registry.ts";

let registry: RegistryHandle;
let proxy: FaultProxy;
let tmp: { path: string; dispose: () => Promise<void> };
const MiB = 1024 * 1024;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host);
  tmp = await tempFolder();
});

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  await tmp?.dispose();
});

function client(extra: Partial<ConstructorParameters<typeof OciRegistryClient>[0]> = {}): OciRegistryClient {
  return new OciRegistryClient({
    plainHttp: true,
    chunkSize: MiB,
    monolithicThreshold: MiB,
    retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 50 },
    ...extra,
  });
}

/** Matches the second PATCH of an upload. */
const isPatch = (n: { seen: number }) => (req: IncomingMessage) => req.method === "PATCH" && ++n.seen === 2;

describe("resumable chunked uploads through a faulty connection", () => {
  it("resumes from the server's Range after a connection reset mid-PATCH", async () => {
    const file = join(tmp.path, "resume.bin");
    const data = randomBytes(4 * MiB + 77);
    await writeFile(file, data);
    const counter = { seen: 0 };
    proxy.rules.push({
      match: isPatch(counter),
      action: { kind: "reset-before-forward", afterBytes: 300_000 },
      times: 1,
    });
    const c = client();
    try {
      const phases: string[] = [];
      const r = await c.pushBlob(`${proxy.host}/faults/resume`, fileBlob(file), {
        onProgress: (e) => phases.push(e.phase),
      });
      expect(r.digest).toBe(sha256Digest(data));
      expect(r.resumes).toBe(1);
      expect(r.restarts).toBe(0);
      expect(phases).toContain("resumed");
      expect(proxy.seen.filter((s) => s.startsWith("GET /v2/faults/resume/blobs/uploads/")).length).toBe(1);
      const out = join(tmp.path, "resume.out");
      await c.pullBlob(`${registry.host}/faults/resume`, r.digest, out);
      expect(Buffer.compare(await readFile(out), data)).toBe(0);
    } finally {
      c.close();
    }
  });

  it("resumes from zero when the first PATCH is cut (the registry answers Range 0-0)", async () => {
    const file = join(tmp.path, "first.bin");
    const data = randomBytes(2 * MiB + 3);
    await writeFile(file, data);
    const counter = { seen: 0 };
    proxy.rules.push({
      match: (req) => req.method === "PATCH" && ++counter.seen === 1,
      action: { kind: "reset-before-forward", afterBytes: 100_000 },
      times: 1,
    });
    const c = client();
    try {
      const r = await c.pushBlob(`${proxy.host}/faults/first`, fileBlob(file));
      expect(r.digest).toBe(sha256Digest(data));
      expect(r.resumes).toBe(1);
      const out = join(tmp.path, "first.out");
      await c.pullBlob(`${registry.host}/faults/first`, r.digest, out);
      expect(Buffer.compare(await readFile(out), data)).toBe(0);
    } finally {
      c.close();
    }
  });

  it("starts the upload over when the registry kept a partial chunk and dropped the session", async () => {
    const file = join(tmp.path, "partial.bin");
    const data = randomBytes(3 * MiB + 5);
    await writeFile(file, data);
    const counter = { seen: 0 };
    proxy.rules.push({ match: isPatch(counter), action: { kind: "reset-mid-forward", afterBytes: 200_000 }, times: 1 });
    const c = client();
    try {
      const r = await c.pushBlob(`${proxy.host}/faults/partial`, fileBlob(file));
      expect(r.digest).toBe(sha256Digest(data));
      // distribution 2.8.2 keeps the partial bytes and then rejects the old upload state: a restart (observed
      // restarts 1, resumes 0); a registry that discarded them would let the client resume instead.
      expect(r.resumes + r.restarts).toBeGreaterThanOrEqual(1);
      const out = join(tmp.path, "partial.out");
      await c.pullBlob(`${registry.host}/faults/partial`, r.digest, out);
      expect(Buffer.compare(await readFile(out), data)).toBe(0);
    } finally {
      c.close();
    }
  });
});

describe("retries", () => {
  it("waits for Retry-After on 429 and retries", async () => {
    const c = client();
    try {
      const pushed = await c.pushBlob(`${proxy.host}/faults/retry`, bytesBlob("retry me"));
      proxy.rules.push({
        match: (req) => req.method === "HEAD" && (req.url ?? "").includes("/faults/retry/blobs/"),
        action: {
          kind: "respond",
          status: 429,
          headers: { "retry-after": "1", "content-type": "application/json" },
          body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
        },
        times: 1,
      });
      const before = proxy.seen.length;
      expect(await c.blobExists(`${proxy.host}/faults/retry`, pushed.digest)).toBe(true);
      expect(proxy.seen.slice(before).filter((s) => s.startsWith("HEAD")).length).toBe(2);
    } finally {
      c.close();
    }
  });

  it("retries 503 and then succeeds; gives up with UNAVAILABLE when it persists", async () => {
    const c = client();
    try {
      proxy.rules.push({
        match: (req) => req.method === "POST" && (req.url ?? "").includes("/faults/svc/"),
        action: { kind: "respond", status: 503, body: "busy" },
        times: 2,
      });
      const r = await c.pushBlob(`${proxy.host}/faults/svc`, bytesBlob("after 503"));
      expect(r.outcome).toBe("uploaded");
      proxy.rules.push({
        match: (req) => req.method === "POST" && (req.url ?? "").includes("/faults/down/"),
        action: { kind: "respond", status: 503, body: "down" },
        times: 100,
      });
      await expect(c.pushBlob(`${proxy.host}/faults/down`, bytesBlob("never"))).rejects.toMatchObject({
        code: "UNAVAILABLE",
        status: 503,
      });
    } finally {
      c.close();
    }
  });

  it("cancels a retry wait through an AbortSignal", async () => {
    const c = client({ retry: { retries: 3, maxRetryAfterMs: 60_000 } });
    try {
      proxy.rules.push({
        match: (req) => (req.url ?? "").includes("/faults/abort/"),
        action: { kind: "respond", status: 429, headers: { "retry-after": "30" } },
        times: 1,
      });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      await expect(c.getManifest(`${proxy.host}/faults/abort:v1`, ac.signal)).rejects.toMatchObject({
        code: "ABORTED",
      });
    } finally {
      c.close();
    }
  });
});

describe("garbage and unreachable registries", () => {
  it("maps a non-JSON manifest answer to INVALID_RESPONSE", async () => {
    proxy.rules.push({
      match: (req) => (req.url ?? "").includes("/faults/garbage/manifests/"),
      action: { kind: "respond", status: 200, headers: { "content-type": "text/html" }, body: "<html>hello</html>" },
      times: 1,
    });
    const c = client();
    try {
      await expect(c.getManifest(`${proxy.host}/faults/garbage:v1`)).rejects.toMatchObject({
        code: "INVALID_RESPONSE",
        message: expect.stringContaining("not JSON"),
      });
    } finally {
      c.close();
    }
  });

  it("fails with INVALID_RESPONSE and pushes no manifest when the upload start has no Location", async () => {
    proxy.rules.push({
      match: (req) => req.method === "POST" && (req.url ?? "").includes("/faults/noloc/"),
      action: { kind: "respond", status: 202, body: "" },
      times: 1,
    });
    const c = client();
    try {
      await expect(
        c.pushImage({
          reference: `${proxy.host}/faults/noloc:v1`,
          config: { source: bytesBlob("{}"), mediaType: OCI_EMPTY },
          layers: [{ source: bytesBlob(randomBytes(64)), mediaType: OCI_LAYER_TAR }],
          artifactType: "application/x.test",
        }),
      ).rejects.toMatchObject({ code: "INVALID_RESPONSE", message: expect.stringContaining("Location") });
      expect(proxy.seen.some((s) => s.startsWith("PUT /v2/faults/noloc/manifests/"))).toBe(false);
    } finally {
      c.close();
    }
  });

  it("reports a server that does not speak HTTP, and an unreachable port", async () => {
    const tcp = createTcpServer((sock) => sock.end("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
    const addr = tcp.address();
    const port = typeof addr === "object" && addr !== null ? addr.port : 0;
    const c = client();
    try {
      await expect(c.getManifest(`127.0.0.1:${port}/x/y:v1`)).rejects.toMatchObject({ code: "INVALID_RESPONSE" });
      const closed = await freePort();
      await expect(c.getManifest(`127.0.0.1:${closed}/x/y:v1`)).rejects.toMatchObject({
        code: "UNREACHABLE",
        message: expect.stringContaining("ECONNREFUSED"),
      });
    } finally {
      c.close();
      tcp.close();
    }
  });
});

describe("downloads through a faulty connection", () => {
  it("resumes a blob download cut mid-body with a Range request, and still verifies it", async () => {
    const data = randomBytes(12 * MiB + 5);
    const c = client();
    try {
      const pushed = await c.pushBlob(`${registry.host}/faults/dl`, bytesBlob(data));
      proxy.rules.push({
        match: (req) => req.method === "GET" && (req.url ?? "").includes(`/faults/dl/blobs/${pushed.digest}`),
        action: { kind: "cut-response", afterBytes: 7 * MiB },
        times: 1,
      });
      const before = proxy.seen.length;
      const out = join(tmp.path, "dl.out");
      const resumedAt: number[] = [];
      await c.pullBlob(`${proxy.host}/faults/dl`, pushed.digest, out, {
        size: data.length,
        onProgress: (e) => {
          if (e.phase === "resumed") resumedAt.push(e.bytesDone);
        },
      });
      expect(Buffer.compare(await readFile(out), data)).toBe(0);
      const gets = proxy.seen
        .map((line, i) => ({ line, headers: proxy.seenHeaders[i] }))
        .slice(before)
        .filter((r) => r.line.startsWith("GET /v2/faults/dl/blobs/"));
      expect(gets.length).toBe(2);
      expect(gets[0]?.headers?.range).toBeUndefined();
      // the second GET asks for the rest only: from what was received, hashed and written before the cut
      expect(resumedAt).toHaveLength(1);
      const from = resumedAt[0] as number;
      expect(from).toBeGreaterThan(0);
      expect(from).toBeLessThanOrEqual(7 * MiB);
      expect(gets[1]?.headers?.range).toBe(`bytes=${from}-`);
    } finally {
      c.close();
    }
  });
});

describe("content verification", () => {
  it("rejects a blob whose bytes do not match its digest, leaving no file", async () => {
    const c = client();
    try {
      const pushed = await c.pushBlob(`${proxy.host}/faults/verify`, bytesBlob("the real content"));
      proxy.rules.push({
        match: (req) => req.method === "GET" && (req.url ?? "").includes(`/faults/verify/blobs/${pushed.digest}`),
        action: { kind: "respond", status: 200, body: "tampered content" },
        times: 1,
      });
      const out = join(tmp.path, "tampered.out");
      await expect(c.pullBlob(`${proxy.host}/faults/verify`, pushed.digest, out)).rejects.toMatchObject({
        code: "DIGEST_MISMATCH",
      });
      const { readdir } = await import("node:fs/promises");
      expect((await readdir(tmp.path)).filter((f) => f.startsWith("tampered"))).toEqual([]);
    } finally {
      c.close();
    }
  });

  it("rejects a manifest whose bytes do not match the registry's digest header", async () => {
    const c = client();
    try {
      const d = sha256Digest("{}");
      proxy.rules.push({
        match: (req) => (req.url ?? "").includes("/faults/mverify/manifests/"),
        action: {
          kind: "respond",
          status: 200,
          headers: { "content-type": "application/vnd.oci.image.manifest.v1+json", "docker-content-digest": d },
          body: JSON.stringify({
            schemaVersion: 2,
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            config: { mediaType: OCI_EMPTY, digest: d, size: 2 },
            layers: [],
          }),
        },
        times: 1,
      });
      await expect(c.getManifest(`${proxy.host}/faults/mverify:v1`)).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
    } finally {
      c.close();
    }
  });
});

describe("redirects", () => {
  it("follows a blob redirect to another host without sending Authorization there", async () => {
    const data = Buffer.from("redirected content");
    const digest = sha256Digest(data);
    let storageHeaders: IncomingHttpHeaders | undefined;
    const storage = createHttpServer((req, res) => {
      storageHeaders = req.headers;
      res.writeHead(200, { "content-length": String(data.length) });
      res.end(data);
    });
    await new Promise<void>((r) => storage.listen(0, "127.0.0.1", r));
    const addr = storage.address();
    const port = typeof addr === "object" && addr !== null ? addr.port : 0;
    proxy.rules.push({
      match: (req) => req.method === "GET" && (req.url ?? "").includes(`/faults/redirect/blobs/${digest}`),
      action: { kind: "respond", status: 307, headers: { location: `http://localhost:${port}/storage/blob` } },
      times: 1,
    });
    let proxyAuth: string | undefined;
    const c = client({ credentials: staticCredentials({ registryToken: "s3cret-registry-token" }) });
    try {
      const out = join(tmp.path, "redirected.out");
      proxy.rules.unshift({
        match: (req) => {
          if ((req.url ?? "").includes("/faults/redirect/")) proxyAuth = req.headers.authorization;
          return false;
        },
        action: { kind: "respond", status: 500 },
        times: 1,
      });
      await c.pullBlob(`${proxy.host}/faults/redirect`, digest, out);
      expect(await readFile(out, "utf8")).toBe("redirected content");
      expect(proxyAuth).toBe("Bearer s3cret-registry-token");
      expect(storageHeaders).toBeDefined();
      expect(storageHeaders?.authorization).toBeUndefined();
    } finally {
      c.close();
      storage.close();
    }
  });
});
