/**
 * Push and pull a 1 GiB blob to a local docker-registry (distribution 2.8.2), compared with curl doing a monolithic
 * upload (POST + PUT -T) and a download of the same bytes, and with the real `oras` CLI (`oras push` / `oras pull` of
 * the same file; built by `pnpm test-deps`, found through `@kaito-ts/envtest`), in the same run. Our side runs in a
 * child process (from a tsup bundle of src, as published) so that its peak RSS is its own; so does a "node floor"
 * (plain node:http doing what curl does). Rounds rotate the order of the sides. Prints, per direction, the wall-clock
 * and client-CPU ratios (ours / curl, ours / oras, ours / node floor; medians over the rounds) and the peak RSS; exits
 * 0. The machine may be shared: the CPU ratio is the steadier figure, the wall-clock one swings with the load.
 *
 *   node --conditions=@kaito-ts/source packages/image-publisher/bench/push-pull.bench.ts [sizeMiB]
 *   BENCH_ROUNDS (default 5); BENCH_ONLY=push|pull measures one direction; BENCH_NODE_HTTP_PULL=1 pulls with the
 *   node:http path instead of the fast body reader. Before each measured transfer the machine is put in the same
 *   state (see `settle`).
 */
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { orasPath } from "@kaito-ts/envtest";

const run = promisify(execFile);

const CHILD = `
import { OciRegistryClient, fileBlob } from "./bundle/index.js";
const [mode, host, repo, file, digest] = process.argv.slice(2);
// BENCH_NODE_HTTP_PULL=1 measures the previous pull path (node:http) instead of the fast body reader.
const client = new OciRegistryClient({ plainHttp: true, fastBlobDownloads: process.env.BENCH_NODE_HTTP_PULL !== "1" });
const t0 = performance.now();
if (mode === "push") {
  const r = await client.pushBlob(host + "/" + repo, fileBlob(file));
  if (r.digest !== digest) throw new Error("digest " + r.digest + " != " + digest);
} else {
  await client.pullBlob(host + "/" + repo, digest, file);
}
const seconds = (performance.now() - t0) / 1000;
if (process.env.BENCH_THREADS === "1") {
  const fs = await import("node:fs");
  const parts = [];
  for (const t of fs.readdirSync("/proc/self/task")) {
    const st = fs.readFileSync("/proc/self/task/" + t + "/stat", "utf8");
    const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
    const cpu = (Number(f[11]) + Number(f[12])) / 100;
    if (cpu >= 0.03) parts.push(st.slice(st.indexOf("(") + 1, st.lastIndexOf(")")) + "=" + cpu.toFixed(2));
  }
  process.stderr.write(mode + " threads: " + parts.join(" ") + String.fromCharCode(10));
}
client.close();
const ru = process.resourceUsage();
process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6, maxRssMiB: ru.maxRSS / 1024 }));
`;

/**
 * The "node floor": what plain node:http does for the same transfer as curl — a monolithic POST + PUT of a file whose
 * digest is known (read in 4 MiB chunks into two reused buffers, no hashing) and a GET piped to a file (no
 * verification) — so that the report says how far our client is from Node itself.
 */
const FLOOR = `
import http from "node:http";
import { createWriteStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
const [mode, host, repo, file, digest] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true });
const request = (method, url, headers, send) =>
  new Promise((resolve, reject) => {
    const r = http.request(url, { method, headers, agent }, resolve);
    r.on("error", reject);
    send(r);
  });
const write = (r, chunk) => new Promise((resolve, reject) => r.write(chunk, (e) => (e ? reject(e) : resolve())));
const t0 = performance.now();
if (mode === "push") {
  const post = await request("POST", "http://" + host + "/v2/" + repo + "/blobs/uploads/", { "content-length": "0" }, (r) => r.end());
  post.resume();
  const url = new URL(post.headers.location, "http://" + host);
  url.searchParams.set("digest", digest);
  const size = (await stat(file)).size;
  const res = await request("PUT", url, { "content-length": String(size), "content-type": "application/octet-stream" }, async (r) => {
    const fh = await open(file);
    const buffers = [Buffer.allocUnsafeSlow(4 << 20), Buffer.allocUnsafeSlow(4 << 20)];
    let pending = Promise.resolve();
    for (let i = 0, pos = 0; pos < size; i++) {
      const { bytesRead } = await fh.read(buffers[i & 1], 0, Math.min(4 << 20, size - pos), pos);
      pos += bytesRead;
      await pending;
      pending = write(r, buffers[i & 1].subarray(0, bytesRead));
    }
    await pending;
    await fh.close();
    r.end();
  });
  res.resume();
  if (res.statusCode !== 201) throw new Error("PUT answered " + res.statusCode);
} else {
  const res = await request("GET", "http://" + host + "/v2/" + repo + "/blobs/" + digest, {}, (r) => r.end());
  if (res.statusCode !== 200) throw new Error("GET answered " + res.statusCode);
  await pipeline(res, createWriteStream(file));
}
const seconds = (performance.now() - t0) / 1000;
agent.destroy();
const ru = process.resourceUsage();
process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6, maxRssMiB: ru.maxRSS / 1024 }));
`;

/**
 * Runs our side in a child process, from a bundle of src built with tsup (as the published package runs): loading
 * .ts through Node's type stripping would add ~35 MiB of compiler to the RSS measured.
 */
async function ours(childScript: string, mode: string, host: string, repo: string, file: string, digest: string) {
  const t0 = performance.now();
  return new Promise<Run>((resolve, reject) => {
    const p = spawn(process.execPath, [childScript, mode, host, repo, file, digest], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    p.on("error", reject);
    p.on("close", (code) =>
      code === 0
        ? resolve({ ...JSON.parse(out), processSeconds: (performance.now() - t0) / 1000 })
        : reject(new Error(`child ${mode} exited ${code}`)),
    );
  });
}

/** Runs a command under /usr/bin/time; returns wall seconds, the child's CPU (user + system) and peak RSS. */
async function timed(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ seconds: number; cpuSeconds: number; maxRssMiB: number; stdout: string }> {
  const t0 = performance.now();
  const { stdout, stderr } = await run("/usr/bin/time", ["-f", "RSS_KB=%M CPU=%U+%S", command, ...args], {
    maxBuffer: 1 << 20,
    ...options,
  });
  const seconds = (performance.now() - t0) / 1000;
  const kb = Number(/RSS_KB=(\d+)/.exec(stderr)?.[1] ?? "0");
  const cpu = /CPU=([\d.]+)\+([\d.]+)/.exec(stderr);
  return { seconds, cpuSeconds: Number(cpu?.[1] ?? 0) + Number(cpu?.[2] ?? 0), maxRssMiB: kb / 1024, stdout };
}

/** Runs curl under /usr/bin/time. */
function curl(args: string[]) {
  return timed("curl", ["-sS", "-f", ...args]);
}

/**
 * Runs the real `oras` CLI under /usr/bin/time in `dir`, with `DOCKER_CONFIG` at that folder (no credentials, nothing
 * read from ~/.docker). `oras push <ref> blob.bin` (oras takes relative paths) hashes the file, uploads it (one
 * monolithic PUT), then the empty config and a manifest (a few hundred bytes more than our side's blob push);
 * `oras pull <ref> -o <folder>` resolves the manifest and downloads the titled layer to `<folder>/blob.bin`,
 * checking its digest.
 */
function orasCli(oras: string, args: string[], dir: string) {
  return timed(oras, [...args, "--plain-http", "--no-tty"], { cwd: dir, env: { ...process.env, DOCKER_CONFIG: dir } });
}

async function curlPush(host: string, repo: string, file: string, digest: string) {
  const t0 = performance.now();
  const post = await curl(["-i", "-X", "POST", `http://${host}/v2/${repo}/blobs/uploads/`]);
  const loc = /^location:\s*(\S+)/im.exec(post.stdout)?.[1];
  if (loc === undefined) throw new Error("no Location from POST");
  const url = new URL(loc, `http://${host}`);
  const put = await curl([
    "-o",
    "/dev/null",
    "-T",
    file,
    "-H",
    "content-type: application/octet-stream",
    `${url.href}&digest=${digest}`,
  ]);
  return {
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: post.cpuSeconds + put.cpuSeconds,
    maxRssMiB: put.maxRssMiB,
  };
}

/** One measured transfer. */
interface Run {
  /** Wall time of the transfer: for a node child measured inside it (after start-up), else the whole process. */
  readonly seconds: number;
  /** Wall time of the whole child process, start-up included (node children; others: `seconds`). */
  readonly processSeconds?: number;
  readonly cpuSeconds: number;
  readonly maxRssMiB: number;
}
type Side = "curl" | "ours" | "floor" | "oras";
type Series = Record<Side, Run[]>;

function newSeries(): Series {
  return { curl: [], ours: [], floor: [], oras: [] };
}

/** `xs` rotated left by `n`. */
function rotate<T>(xs: readonly T[], n: number): T[] {
  const k = n % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Per-round ratios `a[i].key / b[i].key` (`processSeconds` falls back to `seconds`). */
function ratios(a: readonly Run[], b: readonly Run[], key: "seconds" | "cpuSeconds" | "processSeconds"): number[] {
  const get = (r: Run) => (key === "processSeconds" ? (r.processSeconds ?? r.seconds) : r[key]);
  return a.map((r, i) => get(r) / get(b[i] as Run));
}

function fmt(xs: readonly number[], digits = 2): string {
  return xs.map((x) => x.toFixed(digits)).join("/");
}

/** The lines printed for one direction. */
function report(name: string, s: Series, sizeMiB: number): string {
  const med = (side: Side, key: "seconds" | "cpuSeconds") => median(s[side].map((r) => r[key])).toFixed(2);
  const perGiB = (side: Side) => ((median(s[side].map((r) => r.cpuSeconds)) * 1024) / sizeMiB).toFixed(2);
  const rss = (side: Side) => Math.max(...s[side].map((r) => r.maxRssMiB)).toFixed(0);
  return [
    `${name}: wall ours ${fmt(s.ours.map((r) => r.seconds))} s, curl ${fmt(s.curl.map((r) => r.seconds))} s, oras ${fmt(s.oras.map((r) => r.seconds))} s, node floor ${fmt(s.floor.map((r) => r.seconds))} s`,
    `  vs curl:       wall ratio per round ${fmt(ratios(s.ours, s.curl, "seconds"))}, median ${median(ratios(s.ours, s.curl, "seconds")).toFixed(2)}×; CPU ratio median ${median(ratios(s.ours, s.curl, "cpuSeconds")).toFixed(2)}× (ours ${med("ours", "cpuSeconds")} s, curl ${med("curl", "cpuSeconds")} s)`,
    `  vs oras:       wall ratio per round ${fmt(ratios(s.ours, s.oras, "seconds"))}, median ${median(ratios(s.ours, s.oras, "seconds")).toFixed(2)}× (whole process, node start-up included: median ${median(ratios(s.ours, s.oras, "processSeconds")).toFixed(2)}×); CPU ratio per round ${fmt(ratios(s.ours, s.oras, "cpuSeconds"))}, median ${median(ratios(s.ours, s.oras, "cpuSeconds")).toFixed(2)}× (oras ${med("oras", "cpuSeconds")} s)`,
    `  vs node floor: wall ratio median ${median(ratios(s.ours, s.floor, "seconds")).toFixed(2)}×; CPU ratio median ${median(ratios(s.ours, s.floor, "cpuSeconds")).toFixed(2)}× (floor ${med("floor", "cpuSeconds")} s)`,
    `  client CPU-seconds per GiB (median): ours ${perGiB("ours")}, oras ${perGiB("oras")}, curl ${perGiB("curl")}, node floor ${perGiB("floor")}`,
    `  peak RSS: ours ${rss("ours")} MiB, oras ${rss("oras")} MiB, node floor ${rss("floor")} MiB, curl ${rss("curl")} MiB`,
  ].join("\n");
}

async function main(): Promise<void> {
  const sizeMiB = Number(process.argv[2] ?? "1024");
  // The oras CLI from `pnpm test-deps` (throws BINARIES_MISSING, saying how to build it, when it is not there).
  const oras = orasPath();
  const { startRegistry } = await import("../test/helpers/registry.ts");
  const dir = await mkdtemp(join(tmpdir(), "kaito-ip-bench-"));
  const registry = await startRegistry();
  try {
    const pkg = join(import.meta.dirname, "..");
    await run(
      join(pkg, "..", "..", "node_modules", ".bin", "tsup"),
      [
        "src/index.ts",
        "--format",
        "esm",
        "--target",
        "node22",
        "--out-dir",
        join(dir, "bundle"),
        "--silent",
        "--no-config",
      ],
      { cwd: pkg },
    );
    const childScript = join(dir, "child.mjs");
    await writeFile(childScript, CHILD);
    const file = join(dir, "blob.bin");
    const h = createHash("sha256");
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(file);
      let left = sizeMiB;
      const chunk = randomBytes(1 << 20);
      const write = () => {
        while (left > 0) {
          // vary each MiB so that nothing compresses or dedups
          chunk.writeUInt32LE(left, 0);
          h.update(chunk);
          left--;
          if (!out.write(Buffer.from(chunk))) return void out.once("drain", write);
        }
        out.end(resolve);
      };
      out.on("error", reject);
      write();
    });
    const digest = `sha256:${h.digest("hex")}`;
    // warm the page cache, as both sides read the same file
    for await (const _ of createReadStream(file)) {
      // discard
    }
    const floorScript = join(dir, "floor.mjs");
    await writeFile(floorScript, FLOOR);
    const rounds = Number(process.env.BENCH_ROUNDS ?? "5");
    const only = process.env.BENCH_ONLY;
    /**
     * Puts the machine in the same state before each measured transfer. Every transfer writes a GiB (the registry's
     * upload, the puller's file): the kernel writing it back to disk later would steal CPU from whichever side runs
     * then, so dirty pages are flushed first (`sync`). And on this VM, page-cache pages the guest has not touched
     * recently cost a host page fault each: writing a GiB into them took up to twice the CPU of writing into pages
     * just freed, so the side that happened to run after a deletion won. A scratch file of the transfer's size plus a
     * quarter is written and deleted first, so that every side writes into recently freed pages.
     */
    const settle = async () => {
      const scratch = join(dir, "scratch.bin");
      const fh = await open(scratch, "w");
      const buf = Buffer.alloc(4 << 20, 1);
      for (let i = 0; i < Math.ceil((sizeMiB * 1.25) / 4); i++) await fh.write(buf);
      await fh.close();
      await rm(scratch);
      await run("sync", []);
    };
    const load = () =>
      loadavg()
        .map((x) => x.toFixed(1))
        .join(" ");
    const loadAtStart = load();
    const hashStart = performance.now();
    await run("sha256sum", [file]);
    const sha256sumSeconds = (performance.now() - hashStart) / 1000;
    const push = newSeries();
    const pull = newSeries();
    for (let i = 0; i < rounds; i++) {
      // Rotate who goes first, so that no side always meets a warmer registry or a quieter machine.
      const order = rotate(["curl", "ours", "floor", "oras"] as const, i);
      const pushers: Record<Side, () => Promise<Run>> = {
        curl: () => curlPush(registry.host, `bench/curl${i}`, file, digest),
        ours: () => ours(childScript, "push", registry.host, `bench/ours${i}`, file, digest),
        floor: () => ours(floorScript, "push", registry.host, `bench/floor${i}`, file, digest),
        oras: () => orasCli(oras, ["push", `${registry.host}/bench/oras${i}:v1`, "blob.bin"], dir),
      };
      for (const side of order) {
        if (only === "pull") {
          // the repository (for oras: the tagged artifact) to pull from, unmeasured
          if (side === "oras") await pushers.oras();
          else await curlPush(registry.host, `bench/${side}${i}`, file, digest);
          continue;
        }
        await settle();
        push[side].push(await pushers[side]());
      }
      const out = (side: Side) => join(dir, `${side}.out`);
      const pullers: Record<Side, () => Promise<Run>> = {
        curl: () => curl(["-o", out("curl"), `http://${registry.host}/v2/bench/curl${i}/blobs/${digest}`]),
        ours: () => ours(childScript, "pull", registry.host, `bench/ours${i}`, out("ours"), digest),
        floor: () => ours(floorScript, "pull", registry.host, `bench/floor${i}`, out("floor"), digest),
        oras: () => orasCli(oras, ["pull", `${registry.host}/bench/oras${i}:v1`, "-o", out("oras")], dir),
      };
      if (only === "push") continue;
      for (const side of order) {
        await settle();
        pull[side].push(await pullers[side]());
        await rm(out(side), { recursive: true, force: true });
      }
    }
    console.log(
      `image-publisher push/pull of a ${sizeMiB} MiB blob to docker-registry on loopback, ${rounds} rounds (load average at the start ${loadAtStart}, at the end ${load()})`,
    );
    for (const [name, series] of [
      ["push", push],
      ["pull", pull],
    ] as const) {
      if (series.ours.length > 0) console.log(report(name, series, sizeMiB));
    }
    if (push.ours.length > 0) {
      const withHash = push.ours.map((o, i) => o.seconds / ((push.curl[i] as Run).seconds + sha256sumSeconds));
      console.log(
        `push vs "sha256sum + curl" (a shell pusher must know the digest before its PUT; sha256sum ${sha256sumSeconds.toFixed(2)} s): median ${median(withHash).toFixed(2)}×`,
      );
    }
    const verdict = (name: string, s: Series) => {
      if (s.ours.length === 0) return `${name} not measured`;
      const wall = median(ratios(s.ours, s.curl, "seconds"));
      const cpu = median(ratios(s.ours, s.curl, "cpuSeconds"));
      return `${name} ${wall <= 1.15 ? "met" : "missed"} (wall ${wall.toFixed(2)}×, CPU ${cpu.toFixed(2)}×)`;
    };
    const rss = Math.max(...push.ours.map((r) => r.maxRssMiB), ...pull.ours.map((r) => r.maxRssMiB));
    console.log(
      `aim ≤ 1.15× curl and ≤ 150 MiB: ${verdict("push", push)}, ${verdict("pull", pull)}, RSS ${rss <= 150 ? "met" : "missed"} (${rss.toFixed(0)} MiB)`,
    );
    const versusOras = (name: string, s: Series) => {
      if (s.ours.length === 0) return `${name} not measured`;
      // Judged on the whole process (node's start-up included), as oras's time includes its own start-up.
      const wall = median(ratios(s.ours, s.oras, "processSeconds"));
      const cpu = median(ratios(s.ours, s.oras, "cpuSeconds"));
      return `${name} ${wall <= 1.0 ? "met" : "missed"} (wall ${wall.toFixed(2)}×, CPU ${cpu.toFixed(2)}×)`;
    };
    console.log(`aim ≤ 1.0× oras (whole-process wall): ${versusOras("push", push)}, ${versusOras("pull", pull)}`);
  } finally {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
