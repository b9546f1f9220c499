/**
 * cluster-sim API server benchmark: writes/s, list latency at 10,000 objects, watch fan-out latency to 10 watchers,
 * and memory per 10,000 objects — each next to a baseline measured in the same run (a bare node:http server doing
 * the same I/O without any API semantics). Run:
 *   node --expose-gc --conditions=@kaito-ts/source packages/cluster-sim/bench/server.bench.ts
 */
import { spawn } from "node:child_process";
import { Agent, createServer, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { type KubeObject, MemoryStore, startCluster } from "../src/index.ts";

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** One request; retried once when a kept-alive socket was closed by the server at the moment of reuse. */
async function send(
  base: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  try {
    return await sendOnce(base, method, path, body);
  } catch (e) {
    if ((e as { code?: string }).code !== "ECONNRESET") throw e;
    return sendOnce(base, method, path, body);
  }
}

function sendOnce(
  base: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(base + path);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        agent,
        headers: body ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Writes per second of wall time, and per CPU-second of the server (this process; the client is a child process). */
interface WriteRate {
  wall: number;
  cpu: number;
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

/** The load generator: `total` POSTs of small ConfigMaps, `concurrency` at a time (runs in the child process). */
async function postConfigMaps(
  base: string,
  path: string,
  total: number,
  concurrency: number,
  prefix: string,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const body = JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `${prefix}-${i}` },
        data: { k: `v${i}` },
      });
      const r = await send(base, "POST", path, body);
      if (r.status !== 201) throw new Error(`write failed: ${r.status} ${r.text}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

// Child mode: be the HTTP client, so that the parent's CPU time is the server's alone.
if (process.argv[2] === "--load") {
  const [base = "", path = "", total = "0", concurrency = "1", prefix = "cm"] = process.argv.slice(3);
  await postConfigMaps(base, path, Number(total), Number(concurrency), prefix);
  agent.destroy();
  process.exit(0);
}

/** Measures writes against `base` with a client in a child process. */
async function writesPerSecond(
  base: string,
  path: string,
  total: number,
  concurrency: number,
  prefix = "cm",
): Promise<WriteRate> {
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        "--load",
        base,
        path,
        String(total),
        String(concurrency),
        prefix,
      ],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`load generator exited with ${code}`))));
  });
  return { wall: total / ((performance.now() - start) / 1000), cpu: total / cpuSeconds(cpu0) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function listLatencyMs(base: string, path: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = await send(base, "GET", path);
    if (r.status !== 200) throw new Error(`list failed: ${r.status}`);
    times.push(performance.now() - t);
  }
  return median(times);
}

/** Opens `n` streaming GETs; resolves with a function that waits until each has received one more line. */
async function openWatchers(
  base: string,
  path: string,
  n: number,
): Promise<{ next: () => Promise<void>; close: () => void }> {
  const waiters: Array<() => void> = [];
  const reqs: ReturnType<typeof request>[] = [];
  let pending = 0;
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((ready) => {
          const u = new URL(base + path);
          const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search }, (res) => {
            ready();
            res.on("error", () => {});
            let buf = "";
            res.on("data", (c: Buffer) => {
              buf += c.toString();
              let nl = buf.indexOf("\n");
              while (nl >= 0) {
                buf = buf.slice(nl + 1);
                pending--;
                if (pending === 0) for (const w of waiters.splice(0)) w();
                nl = buf.indexOf("\n");
              }
            });
          });
          req.on("error", () => {});
          req.end();
          reqs.push(req);
        }),
    ),
  );
  return {
    next: () =>
      new Promise<void>((resolve) => {
        pending += n;
        waiters.push(resolve);
      }),
    close: () => {
      for (const r of reqs) r.destroy();
    },
  };
}

function heapMb(): number {
  const g = (globalThis as { gc?: () => void }).gc;
  g?.();
  g?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

const configMap = (i: number): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: `obj-${i}`, namespace: "default", labels: { app: "bench", shard: String(i % 10) } },
  data: { key: `value-${i}`, other: "x".repeat(64) },
});

// ------------------------------------------------------------------ baseline: bare node:http
const items: string[] = [];
const streams = new Set<ServerResponse>();
const baseline: Server = createServer((req, res) => {
  if (req.url?.startsWith("/watch")) {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.flushHeaders();
    streams.add(res);
    req.on("close", () => streams.delete(res));
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    if (req.method === "POST") {
      const text = Buffer.concat(chunks).toString();
      const obj = JSON.parse(text) as Record<string, unknown>;
      if (req.url?.startsWith("/push")) {
        const line = `{"type":"ADDED","object":${text}}\n`;
        for (const s of streams) s.write(line);
      }
      res.writeHead(201, { "Content-Type": "application/json" });
      res.end(JSON.stringify(obj));
      return;
    }
    const body = `{"kind":"List","items":[${items.join(",")}]}`;
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(body);
  });
});
baseline.keepAliveTimeout = 60_000;
await new Promise<void>((r) => baseline.listen(0, "127.0.0.1", () => r()));
const baseUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}`;

const cluster = await startCluster({ simulation: false });
const cmPath = "/api/v1/namespaces/default/configmaps";
const WRITES = 4000;

await writesPerSecond(baseUrl, "/echo", 500, 16);
const baseWrites = await writesPerSecond(baseUrl, "/echo", WRITES, 16);
await writesPerSecond(cluster.url, cmPath, 500, 16, "warm");
const simWrites = await writesPerSecond(cluster.url, cmPath, WRITES, 16);
const fastCluster = await startCluster({ simulation: false, store: { trackManagedFields: false } });
await writesPerSecond(fastCluster.url, cmPath, 500, 16, "warm");
const simWritesNoMf = await writesPerSecond(fastCluster.url, cmPath, WRITES, 16);
await fastCluster.stop();
const cmKey = { group: "", version: "v1", resource: "configmaps" };
/** In-process writes per CPU-second: creates, then read-modify-write updates, then merge patches. */
function inProcess(trackManagedFields: boolean): { create: number; update: number; patch: number } {
  const store = new MemoryStore({ trackManagedFields });
  for (let i = 0; i < 5_000; i++)
    store.create(cmKey, { ...configMap(i), metadata: { name: `warm-${i}`, namespace: "default" } });
  const N = 20_000;
  let cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) store.create(cmKey, configMap(i));
  const create = N / cpuSeconds(cpu0);
  cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const o = store.get(cmKey, "default", `obj-${i}`);
    if (!o) throw new Error(`obj-${i} is missing`);
    o.data = { key: `updated-${i}` };
    store.update(cmKey, o);
  }
  const update = N / cpuSeconds(cpu0);
  cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++)
    store.patch(cmKey, "default", `obj-${i}`, "merge", { metadata: { labels: { patched: String(i) } } });
  const patch = N / cpuSeconds(cpu0);
  store.close();
  return { create, update, patch };
}
const inProcessWrites = inProcess(true);
const inProcessWritesNoMf = inProcess(false);
let t0 = 0;

const listStore = (cluster as unknown as { store: { create: (k: typeof cmKey, o: KubeObject) => KubeObject } }).store;
for (let i = 0; i < 10_000; i++) {
  const o = listStore.create(cmKey, {
    ...configMap(i),
    metadata: { ...configMap(i).metadata, namespace: "default", name: `list-${i}` },
  });
  items.push(JSON.stringify(o));
}
const baseList = await listLatencyMs(baseUrl, "/list", 7);
const simList = await listLatencyMs(cluster.url, `${cmPath}?labelSelector=app%3Dbench`, 7);

const FAN = 10;
const ROUNDS = 50;
const baseW = await openWatchers(baseUrl, "/watch", FAN);
const simW = await openWatchers(
  cluster.url,
  `${cmPath}?watch=true&resourceVersion=${cluster.store.currentResourceVersion()}`,
  FAN,
);
const fanOut = async (w: typeof baseW, base: string, path: string, prefix: string): Promise<number> => {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const arrived = w.next();
    const t = performance.now();
    await send(
      base,
      "POST",
      path,
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${prefix}-${i}` } }),
    );
    await arrived;
    times.push(performance.now() - t);
  }
  return median(times);
};
const baseFan = await fanOut(baseW, baseUrl, "/push", "b");
const simFan = await fanOut(simW, cluster.url, cmPath, "w");
baseW.close();
simW.close();

function storeMemory(trackManagedFields: boolean): number {
  const before = heapMb();
  const memStore = new MemoryStore({ trackManagedFields });
  for (let i = 0; i < 10_000; i++) memStore.create(cmKey, configMap(i));
  const mb = heapMb() - before;
  memStore.close();
  return mb;
}
const storeMb = storeMemory(true);
const storeMbNoMf = storeMemory(false);
const before2 = heapMb();
const plain: KubeObject[] = [];
for (let i = 0; i < 10_000; i++) plain.push(structuredClone(configMap(i)));
const plainMb = heapMb() - before2;
t0 = plain.length;

agent.destroy();
await cluster.stop();
baseline.close();

const fmt = (n: number, d = 1) => n.toFixed(d);
console.log("cluster-sim API server benchmark (baseline = bare node:http doing the same I/O, same run)");
console.log(
  `HTTP writes per server CPU-second (POST, 16 concurrent, client in a child process): ${fmt(simWrites.cpu, 0)}  baseline ${fmt(baseWrites.cpu, 0)}  ratio ${fmt(simWrites.cpu / baseWrites.cpu, 2)}  (without managedFields: ${fmt(simWritesNoMf.cpu, 0)})`,
);
console.log(
  `HTTP writes/s (wall clock, client and server both busy; the machine may be shared): ${fmt(simWrites.wall, 0)}  baseline ${fmt(baseWrites.wall, 0)}  ratio ${fmt(simWrites.wall / baseWrites.wall, 2)}  (without managedFields: ${fmt(simWritesNoMf.wall, 0)})`,
);
const ip = (r: { create: number; update: number; patch: number }): string =>
  `create ${fmt(r.create, 0)}, get+update ${fmt(r.update, 0)}, merge patch ${fmt(r.patch, 0)}`;
console.log(
  `in-process writes per CPU-second: ${ip(inProcessWrites)}  (without managedFields: ${ip(inProcessWritesNoMf)}); creates vs the HTTP baseline's writes per CPU-second: ${fmt(inProcessWrites.create / baseWrites.cpu, 1)}×`,
);
console.log(
  `list of 10,000 objects (median ms):        ${fmt(simList)}  baseline ${fmt(baseList)}  ratio ${fmt(simList / baseList, 2)}`,
);
console.log(
  `watch fan-out to ${FAN} watchers (median ms): ${fmt(simFan, 2)}  baseline ${fmt(baseFan, 2)}  ratio ${fmt(simFan / baseFan, 2)}`,
);
console.log(
  `memory per 10,000 objects (MB):            ${fmt(storeMb)}  baseline (plain objects) ${fmt(plainMb)}  ratio ${fmt(storeMb / plainMb, 2)} (without managedFields: ${fmt(storeMbNoMf)})${(globalThis as { gc?: unknown }).gc ? "" : "  (run with --expose-gc for stable memory figures)"}`,
);
console.log(`(${t0} plain objects kept for the memory baseline)`);
process.exit(0);
