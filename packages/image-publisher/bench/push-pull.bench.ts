/**
 * Push and pull a 1 GiB blob to a local docker-registry (distribution 2.8.2), compared with curl doing a monolithic
 * upload (POST + PUT -T) and a download of the same bytes in the same run. Our side runs in a child process (from a tsup
 * bundle of src, as published) so that its peak RSS is its own. Prints time ratios (ours / curl) and peak RSS; exits 0.
 *
 *   node --conditions=@kaito-ts/source packages/image-publisher/bench/push-pull.bench.ts [sizeMiB]
 */
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

const CHILD = `
import { OciRegistryClient, fileBlob } from "./bundle/index.js";
const [mode, host, repo, file, digest] = process.argv.slice(2);
const client = new OciRegistryClient({ plainHttp: true });
const t0 = performance.now();
if (mode === "push") {
  const r = await client.pushBlob(host + "/" + repo, fileBlob(file));
  if (r.digest !== digest) throw new Error("digest " + r.digest + " != " + digest);
} else {
  await client.pullBlob(host + "/" + repo, digest, file);
}
const seconds = (performance.now() - t0) / 1000;
client.close();
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
`;

/**
 * Runs our side in a child process, from a bundle of src built with tsup (as the published package runs): loading
 * .ts through Node's type stripping would add ~35 MiB of compiler to the RSS measured.
 */
async function ours(childScript: string, mode: string, host: string, repo: string, file: string, digest: string) {
  return new Promise<{ seconds: number; cpuSeconds: number; maxRssMiB: number }>((resolve, reject) => {
    const p = spawn(process.execPath, [childScript, mode, host, repo, file, digest], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    p.on("error", reject);
    p.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child ${mode} exited ${code}`)),
    );
  });
}

/** Runs curl under /usr/bin/time; returns wall seconds and peak RSS. */
async function curl(
  args: string[],
): Promise<{ seconds: number; cpuSeconds: number; maxRssMiB: number; stdout: string }> {
  const t0 = performance.now();
  const { stdout, stderr } = await run("/usr/bin/time", ["-f", "RSS_KB=%M CPU=%U+%S", "curl", "-sS", "-f", ...args], {
    maxBuffer: 1 << 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  const kb = Number(/RSS_KB=(\d+)/.exec(stderr)?.[1] ?? "0");
  const cpu = /CPU=([\d.]+)\+([\d.]+)/.exec(stderr);
  return { seconds, cpuSeconds: Number(cpu?.[1] ?? 0) + Number(cpu?.[2] ?? 0), maxRssMiB: kb / 1024, stdout };
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

/** Runs `a` then `b` (or `b` then `a`), returning their results as `[a, b]`. */
async function inOrder<A, B>(aFirst: boolean, a: () => Promise<A>, b: () => Promise<B>): Promise<[A, B]> {
  if (aFirst) {
    const ra = await a();
    return [ra, await b()];
  }
  const rb = await b();
  return [await a(), rb];
}

async function main(): Promise<void> {
  const sizeMiB = Number(process.argv[2] ?? "1024");
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
    const rounds = Number(process.env.BENCH_ROUNDS ?? "3");
    const hashStart = performance.now();
    await run("sha256sum", [file]);
    const sha256sumSeconds = (performance.now() - hashStart) / 1000;
    const push = {
      ours: [] as number[],
      curl: [] as number[],
      cpu: [] as number[],
      curlCpu: [] as number[],
      rss: 0,
      curlRss: 0,
    };
    const pull = {
      ours: [] as number[],
      curl: [] as number[],
      cpu: [] as number[],
      curlCpu: [] as number[],
      rss: 0,
      curlRss: 0,
    };
    for (let i = 0; i < rounds; i++) {
      // Alternate who goes first, so that neither side always meets a warmer registry.
      const curlFirst = i % 2 === 0;
      const pushCurl = () => curlPush(registry.host, `bench/curl${i}`, file, digest);
      const pushOurs = () => ours(childScript, "push", registry.host, `bench/ours${i}`, file, digest);
      const [c, o] = await inOrder(curlFirst, pushCurl, pushOurs);
      push.curl.push(c.seconds);
      push.curlCpu.push(c.cpuSeconds);
      push.cpu.push(o.cpuSeconds);
      push.curlRss = Math.max(push.curlRss, c.maxRssMiB);
      push.ours.push(o.seconds);
      push.rss = Math.max(push.rss, o.maxRssMiB);

      const outCurl = join(dir, "curl.out");
      const outOurs = join(dir, "ours.out");
      const pullCurl = () => curl(["-o", outCurl, `http://${registry.host}/v2/bench/curl${i}/blobs/${digest}`]);
      const pullOurs = () => ours(childScript, "pull", registry.host, `bench/ours${i}`, outOurs, digest);
      const [cg, og] = await inOrder(curlFirst, pullCurl, pullOurs);
      pull.curl.push(cg.seconds);
      pull.curlCpu.push(cg.cpuSeconds);
      pull.cpu.push(og.cpuSeconds);
      pull.curlRss = Math.max(pull.curlRss, cg.maxRssMiB);
      pull.ours.push(og.seconds);
      pull.rss = Math.max(pull.rss, og.maxRssMiB);
      await rm(outCurl, { force: true });
      await rm(outOurs, { force: true });
    }
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.floor(s.length / 2)] as number;
    };
    const ratios = (r: typeof push) => r.ours.map((o, i) => o / (r.curl[i] as number));
    const line = (name: string, r: typeof push) =>
      `${name}: ours ${r.ours.map((x) => x.toFixed(2)).join("/")} s, curl ${r.curl.map((x) => x.toFixed(2)).join("/")} s → ratio per round ${ratios(
        r,
      )
        .map((x) => x.toFixed(2))
        .join(
          "/",
        )}, median ${median(ratios(r)).toFixed(2)}×; client CPU ours ${median(r.cpu).toFixed(2)} s, curl ${median(r.curlCpu).toFixed(2)} s; peak RSS ours ${r.rss.toFixed(0)} MiB, curl ${r.curlRss.toFixed(0)} MiB`;
    console.log(`image-publisher push/pull of a ${sizeMiB} MiB blob to docker-registry on loopback, ${rounds} rounds`);
    console.log(line("push", push));
    console.log(line("pull", pull));
    const withHash = push.ours.map((o, i) => o / ((push.curl[i] as number) + sha256sumSeconds));
    console.log(
      `push vs "sha256sum + curl" (a shell pusher must know the digest before its PUT; sha256sum ${sha256sumSeconds.toFixed(2)} s): median ${median(withHash).toFixed(2)}×`,
    );
    const pushRatio = median(ratios(push));
    const pullRatio = median(ratios(pull));
    const rss = Math.max(push.rss, pull.rss);
    console.log(
      `aim ≤ 1.15× and ≤ 150 MiB: push ${pushRatio <= 1.15 ? "met" : "missed"} (${pushRatio.toFixed(2)}×), pull ${pullRatio <= 1.15 ? "met" : "missed"} (${pullRatio.toFixed(2)}×), RSS ${rss <= 150 ? "met" : "missed"} (${rss.toFixed(0)} MiB)`,
    );
  } finally {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
