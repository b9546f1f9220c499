/**
 * Client overhead against a loopback server that answers instantly (run in a worker thread):
 *  1. per-request latency of `chat.completions.create` vs a raw `fetch` + `JSON.parse`, and vs the `openai` client;
 *  2. streaming time-to-first-chunk and chunks/s vs a raw fetch + minimal SSE parse, and vs the `openai` client.
 * Each is measured twice: over real HTTP to the loopback server, and with an in-memory `fetch` that returns a
 * prebuilt Response (no network: what is left is the client's own CPU cost, far less noisy on a busy machine).
 * All variants run in the same process, in rounds; within a round their requests (and streams) interleave one at a
 * time in rotating order, so that a variant and its baseline are timed at the same moments. Each round gives a ratio
 * per variant (its mean over the round / raw's); the aims are judged on the median of those paired ratios over the
 * rounds, over loopback. The best round of each variant (lowest µs, highest chunks/s) is printed too, but a ratio of
 * two minima taken at different moments swings with the load of a shared machine.
 *
 *   node --conditions=@kaito-ts/source packages/chat-client/bench/client.bench.ts
 */
import { Worker } from "node:worker_threads";
import OpenAI from "openai";
import { createChatClient } from "../src/index.ts";

const STREAM_CHUNKS = 500;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
/** Loopback rounds are cheap (~15 ms) and far noisier than in-memory ones: more of them. */
const LOOPBACK_ROUNDS = Number(process.env.BENCH_LOOPBACK_ROUNDS ?? 200);
const REQS_PER_ROUND = 10;
const STREAMS_PER_ROUND = 3;

const serverCode = `
const { createServer } = require("node:http");
const { parentPort } = require("node:worker_threads");
const N = ${STREAM_CHUNKS};
const completion = Buffer.from(JSON.stringify({
  id: "chatcmpl-bench", object: "chat.completion", created: 1, model: "bench",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello from the loopback server." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
}));
const parts = [];
for (let i = 0; i < N; i++) {
  const c = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1, model: "bench",
    choices: [{ index: 0, delta: { content: "tok" + i + " " }, finish_reason: i === N - 1 ? "stop" : null }] };
  parts.push("data: " + JSON.stringify(c) + "\\n\\n");
}
parts.push("data: [DONE]\\n\\n");
const writes = [];
for (let i = 0; i < parts.length; i += 25) writes.push(Buffer.from(parts.slice(i, i + 25).join("")));
const server = createServer((req, res) => {
  const body = [];
  req.on("data", (c) => body.push(c));
  req.on("end", () => {
    const stream = Buffer.concat(body).includes('"stream":true');
    if (!stream) {
      res.writeHead(200, { "content-type": "application/json", "content-length": completion.length });
      res.end(completion);
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    let i = 0;
    const next = () => {
      while (i < writes.length) {
        if (!res.write(writes[i++])) return res.once("drain", next);
      }
      res.end();
    };
    next();
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
`;

const worker = new Worker(serverCode, { eval: true });
const port = await new Promise<number>((resolve) => worker.once("message", resolve));
const base = `http://127.0.0.1:${port}`;

const params = {
  model: "bench",
  messages: [
    { role: "system" as const, content: "You are a benchmark." },
    { role: "user" as const, content: "Say hello." },
  ],
  max_tokens: 16,
  temperature: 0,
};

const completionText = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1,
  model: "bench",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello from memory." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
});
const streamPieces: Uint8Array[] = [];
{
  const parts: string[] = [];
  for (let i = 0; i < STREAM_CHUNKS; i++) {
    const c = {
      id: "chatcmpl-bench",
      object: "chat.completion.chunk",
      created: 1,
      model: "bench",
      choices: [{ index: 0, delta: { content: `tok${i} ` }, finish_reason: i === STREAM_CHUNKS - 1 ? "stop" : null }],
    };
    parts.push(`data: ${JSON.stringify(c)}\n\n`);
  }
  parts.push("data: [DONE]\n\n");
  const enc = new TextEncoder();
  for (let i = 0; i < parts.length; i += 25) streamPieces.push(enc.encode(parts.slice(i, i + 25).join("")));
}

/** An in-memory fetch: a prebuilt JSON body, or the SSE body in 25-event pieces. */
async function memoryFetch(_input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const body = typeof init?.body === "string" ? init.body : "";
  if (!body.includes('"stream":true')) {
    return new Response(completionText, { status: 200, headers: { "content-type": "application/json" } });
  }
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = streamPieces[i++];
      if (piece === undefined) controller.close();
      else controller.enqueue(piece);
    },
  });
  return new Response(stream, { status: 200, headers: { "content-type": "text/event-stream" } });
}

type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

function makeVariants(fetchFn: FetchFn, label: string) {
  const ours = createChatClient({ baseURL: base, apiKey: "bench-key", fetch: fetchFn });
  const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: "bench-key", fetch: fetchFn as never });
  const headers = { "content-type": "application/json", authorization: "Bearer bench-key", accept: "application/json" };

  async function rawRequest(): Promise<unknown> {
    const r = await fetchFn(`${base}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify(params) });
    const json: unknown = JSON.parse(await r.text());
    return json;
  }

  /** The raw streaming baseline: fetch, decode, split on blank lines, JSON.parse each data line until [DONE]. */
  async function* rawStream(): AsyncGenerator<unknown> {
    const r = await fetchFn(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { ...headers, accept: "text/event-stream" },
      body: JSON.stringify({ ...params, stream: true }),
    });
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let i = buf.indexOf("\n\n");
      while (i !== -1) {
        const event = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (event.startsWith("data: ")) {
          const data = event.slice(6);
          if (data !== "[DONE]") yield JSON.parse(data);
        }
        i = buf.indexOf("\n\n");
      }
    }
  }

  const request: Record<Variant, () => Promise<unknown>> = {
    raw: rawRequest,
    "chat-client": () => ours.chat.completions.create(params),
    openai: () => openai.chat.completions.create(params),
  };
  const stream: Record<Variant, () => Promise<AsyncIterable<unknown>>> = {
    raw: async () => rawStream(),
    "chat-client": () => ours.chat.completions.create({ ...params, stream: true }),
    openai: () => openai.chat.completions.create({ ...params, stream: true }),
  };
  return { label, request, stream };
}

type Variant = "raw" | "chat-client" | "openai";
const variants: Variant[] = ["raw", "chat-client", "openai"];

/** Best of rounds: the lowest time (noise on a busy machine only ever adds time). */
function best(xs: readonly number[]): number {
  return Math.min(...xs);
}

/** The median. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The median over rounds of `xs[r] / base[r]`: each round times the variants back to back, so a per-round ratio
 * cancels load that drifts between rounds (the best-of-rounds figure compares minima that may come from different,
 * differently loaded, moments).
 */
function pairedRatio(xs: readonly number[], base: readonly number[]): number {
  return median(xs.map((x, i) => x / (base[i] as number)));
}

/** Best of rounds for a rate: the highest. */
function bestRate(xs: readonly number[]): number {
  return Math.max(...xs);
}

type Suite = ReturnType<typeof makeVariants>;

async function timeRequests(suite: Suite, v: Variant, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await suite.request[v]();
  return ((performance.now() - t0) / n) * 1000; // µs per request
}

async function timeStreams(suite: Suite, v: Variant, n: number): Promise<{ ttfcUs: number; chunksPerSec: number }> {
  let ttfc = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    let first = 0;
    let count = 0;
    for await (const _ of await suite.stream[v]()) {
      if (count === 0) first = performance.now();
      count++;
    }
    const t1 = performance.now();
    if (count !== STREAM_CHUNKS) throw new Error(`${v}: got ${count} chunks, expected ${STREAM_CHUNKS}`);
    ttfc += first - t0;
    total += t1 - t0;
  }
  return { ttfcUs: (ttfc / n) * 1000, chunksPerSec: (STREAM_CHUNKS * n) / (total / 1000) };
}

/** Runs one suite; `judged` suites print the issue's aims as met / NOT met (the loopback one). */
async function runSuite(suite: Suite, reqsPerRound: number, rounds: number, judged: boolean): Promise<void> {
  for (const v of variants) {
    await timeRequests(suite, v, 50); // warm-up: JIT, connection pools
    await timeStreams(suite, v, 3);
  }
  const perRequest: Record<Variant, number[]> = { raw: [], "chat-client": [], openai: [] };
  const ttfc: Record<Variant, number[]> = { raw: [], "chat-client": [], openai: [] };
  const cps: Record<Variant, number[]> = { raw: [], "chat-client": [], openai: [] };
  for (let round = 0; round < rounds; round++) {
    // rotate the order each round so no variant always runs first
    const order = variants.map((_, i) => variants[(i + round) % variants.length] as Variant);
    // Requests interleave one at a time (raw, ours, openai, raw, …, the order rotating), so that a variant's figure
    // and its baseline's come from the same moments: load that drifts within a round cancels in the paired ratio.
    const sums: Record<Variant, number> = { raw: 0, "chat-client": 0, openai: 0 };
    for (let i = 0; i < reqsPerRound; i++) {
      for (let k = 0; k < variants.length; k++) {
        const v = variants[(k + i + round) % variants.length] as Variant;
        const t0 = performance.now();
        await suite.request[v]();
        sums[v] += performance.now() - t0;
      }
    }
    for (const v of variants) perRequest[v].push((sums[v] / reqsPerRound) * 1000);
    // Streams interleave one at a time as well; a round's figure per variant is its mean over the round.
    const tt: Record<Variant, number> = { raw: 0, "chat-client": 0, openai: 0 };
    const cs: Record<Variant, number> = { raw: 0, "chat-client": 0, openai: 0 };
    for (let i = 0; i < STREAMS_PER_ROUND; i++) {
      for (let k = 0; k < variants.length; k++) {
        const v = order[(k + i) % order.length] as Variant;
        const s = await timeStreams(suite, v, 1);
        tt[v] += s.ttfcUs / STREAMS_PER_ROUND;
        cs[v] += s.chunksPerSec / STREAMS_PER_ROUND;
      }
    }
    for (const v of variants) {
      ttfc[v].push(tt[v]);
      cps[v].push(cs[v]);
    }
  }
  const fmt = (x: number, d = 0) => x.toFixed(d).padStart(9);
  const rawReq = best(perRequest.raw);
  const rawTtfc = best(ttfc.raw);
  const rawCps = bestRate(cps.raw);
  console.log(
    `\n## ${suite.label}: ${rounds} rounds × ${reqsPerRound} requests / ${STREAMS_PER_ROUND} streams of ${STREAM_CHUNKS} chunks (best of rounds)`,
  );
  console.log(
    "non-streaming request        µs/req   ratio to raw fetch+JSON.parse   overhead µs/req   median paired ratio",
  );
  for (const v of variants) {
    const m = best(perRequest[v]);
    const paired = pairedRatio(perRequest[v], perRequest.raw);
    console.log(
      `  ${v.padEnd(24)}${fmt(m, 1)}   ${(m / rawReq).toFixed(3)}×${fmt(m - rawReq, 1).padStart(30)}${paired.toFixed(3).padStart(21)}×`,
    );
  }
  console.log(
    "streaming                 TTFC µs   ratio     chunks/s   ratio to raw SSE parse (higher is better)   median paired TTFC / chunks/s",
  );
  for (const v of variants) {
    const t = best(ttfc[v]);
    const c = bestRate(cps[v]);
    const pt = pairedRatio(ttfc[v], ttfc.raw);
    const pc = pairedRatio(cps[v], cps.raw);
    console.log(
      `  ${v.padEnd(20)}${fmt(t)}   ${(t / rawTtfc).toFixed(3)}×${fmt(c)}   ${(c / rawCps).toFixed(3)}×${`${pt.toFixed(3)}× / ${pc.toFixed(3)}×`.padStart(46)}`,
    );
  }
  const ourReq = best(perRequest["chat-client"]) / rawReq;
  const oaReq = best(perRequest.openai) / rawReq;
  // The verdict uses the median of per-round paired ratios: each round times the variants at the same moments, so
  // the ratio cancels the load; a best-of-rounds ratio compares two minima taken at different moments.
  const ourPaired = pairedRatio(perRequest["chat-client"], perRequest.raw);
  const ourTtfc = pairedRatio(ttfc["chat-client"], ttfc.raw);
  const ourCps = pairedRatio(cps["chat-client"], cps.raw);
  const verdict = (ok: boolean) => (judged ? (ok ? " met" : " NOT met") : "");
  console.log(
    `  ${judged ? "aim" : "for information (the aims are judged over loopback)"} — paired medians: request ≤ 1.05× raw → ${ourPaired.toFixed(3)}×${verdict(ourPaired <= 1.05)} (best of rounds ${ourReq.toFixed(3)}×); ` +
      `streaming TTFC ≤ 1.05× → ${ourTtfc.toFixed(3)}×${verdict(ourTtfc <= 1.05)}, chunks/s ≥ 1/1.05 = 0.952× → ${ourCps.toFixed(3)}×${verdict(ourCps >= 1 / 1.05)}; ` +
      `no slower than openai → ${ourReq <= oaReq ? "met" : "NOT met"} (openai ${oaReq.toFixed(3)}×); ` +
      `streaming vs openai: TTFC ${(best(ttfc["chat-client"]) / best(ttfc.openai)).toFixed(3)}×, ` +
      `chunks/s ${(bestRate(cps["chat-client"]) / bestRate(cps.openai)).toFixed(3)}×`,
  );
}

console.log("chat-client benchmark (raw = fetch + JSON.parse / fetch + minimal SSE split; openai = openai@7 client)");
await runSuite(makeVariants(memoryFetch, "in-memory fetch (client CPU only)"), REQS_PER_ROUND * 10, ROUNDS, false);
await runSuite(
  makeVariants((input, init) => fetch(input, init), "loopback HTTP (server in a worker thread)"),
  REQS_PER_ROUND,
  LOOPBACK_ROUNDS,
  true,
);
await worker.terminate();
