/**
 * A small OpenAI-compatible HTTP server (node:http) in front of a REAL llama.cpp engine (node-llama-cpp, prebuilt CPU
 * binary) running the tiny random-weight model of `@kaito-ts/chat-client/testing` (`src/testing/tiny-gguf.ts`). It serves what Kaito's vLLM runtime serves and
 * the client uses: `/v1/models`, `/v1/chat/completions` (JSON and SSE), `/v1/completions` (JSON and SSE),
 * `/health`, `/metrics` (Prometheus text). Two model names: the base model and a LoRA adapter (a real LoRA GGUF
 * loaded into a second context), selected by `model` like vLLM's `--enable-lora` modules.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ChatHistoryItem,
  getLlama,
  LlamaChat,
  LlamaCompletion,
  type LlamaContext,
  type LlamaContextSequence,
  LlamaLogLevel,
} from "node-llama-cpp";
import { writeTinyModelFiles } from "../../src/testing/tiny-gguf.ts";

export const BASE_MODEL = "tiny-random-llama";
export const ADAPTER_MODEL = "tiny-lora-adapter";

/** What the server saw, for assertions. */
export interface ServerLog {
  requests: Array<{ method: string; path: string; model: string | undefined; authorization: string | undefined }>;
  /** Requests whose client went away before the answer was complete. */
  clientAborts: number;
}

export interface LlamaTestServer {
  readonly url: string;
  readonly log: ServerLog;
  close(): Promise<void>;
}

interface Engine {
  readonly name: string;
  readonly context: LlamaContext;
  readonly sequence: LlamaContextSequence;
  queue: Promise<unknown>;
}

type Json = Record<string, unknown>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function vllmError(res: ServerResponse, status: number, type: string, message: string, param?: string): void {
  sendJson(res, status, { object: "error", message, type, param: param ?? null, code: status });
}

function toHistory(messages: Json[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (const m of messages) {
    const text = typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? "");
    if (m.role === "system" || m.role === "developer") history.push({ type: "system", text });
    else if (m.role === "assistant") history.push({ type: "model", response: [text] });
    else history.push({ type: "user", text });
  }
  history.push({ type: "model", response: [] });
  return history;
}

/** Starts the model, both contexts and the HTTP server on 127.0.0.1 (random port). */
export async function startLlamaServer(): Promise<LlamaTestServer> {
  const dir = mkdtempSync(join(tmpdir(), "kaito-chat-client-llama-"));
  const { modelPath, loraPath } = writeTinyModelFiles(dir);
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath });
  const baseCtx = await model.createContext({ contextSize: 512, threads: 1 });
  const loraCtx = await model.createContext({
    contextSize: 512,
    threads: 1,
    lora: { adapters: [{ filePath: loraPath, scale: 1 }] },
  });
  const engines = new Map<string, Engine>([
    [BASE_MODEL, { name: BASE_MODEL, context: baseCtx, sequence: baseCtx.getSequence(), queue: Promise.resolve() }],
    [
      ADAPTER_MODEL,
      { name: ADAPTER_MODEL, context: loraCtx, sequence: loraCtx.getSequence(), queue: Promise.resolve() },
    ],
  ]);
  const log: ServerLog = { requests: [], clientAborts: 0 };
  const counters = { success: 0, promptTokens: 0, generationTokens: 0 };
  const created = Math.floor(Date.now() / 1000);

  /** Runs generations one at a time per engine (the context has one sequence). */
  function exclusive<T>(engine: Engine, job: () => Promise<T>): Promise<T> {
    const run = engine.queue.then(job, job);
    engine.queue = run.catch(() => undefined);
    return run;
  }

  async function generate(res: ServerResponse, body: Json, kind: "chat" | "text"): Promise<void> {
    const modelName = typeof body.model === "string" ? body.model : BASE_MODEL;
    const engine = engines.get(modelName);
    if (engine === undefined) {
      vllmError(res, 404, "NotFoundError", `The model \`${modelName}\` does not exist.`, "model");
      return;
    }
    if (kind === "chat" && (!Array.isArray(body.messages) || body.messages.length === 0)) {
      vllmError(res, 400, "BadRequestError", "messages must be a non-empty list", "messages");
      return;
    }
    if (kind === "text" && typeof body.prompt !== "string") {
      vllmError(res, 400, "BadRequestError", "prompt must be a string", "prompt");
      return;
    }
    const maxTokens = typeof body.max_tokens === "number" ? body.max_tokens : 16;
    const temperature = typeof body.temperature === "number" ? body.temperature : 0;
    const stream = body.stream === true;
    const includeUsage = (body.stream_options as Json | undefined)?.include_usage === true;
    const id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-${Math.random().toString(36).slice(2)}`;
    const object = kind === "chat" ? "chat.completion" : "text_completion";
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) {
        log.clientAborts++;
        abort.abort(new Error("client went away"));
      }
    });

    await exclusive(engine, async () => {
      if (abort.signal.aborted) return;
      const seq = engine.sequence;
      await seq.clearHistory();
      const before = seq.tokenMeter.getState();
      let completionTokens = 0;
      const chunk = (delta: Json | string, finish: string | null): Json =>
        kind === "chat"
          ? {
              id,
              object: "chat.completion.chunk",
              created,
              model: modelName,
              choices: [{ index: 0, delta, finish_reason: finish }],
            }
          : {
              id,
              object: "text_completion",
              created,
              model: modelName,
              choices: [{ index: 0, text: delta, finish_reason: finish }],
            };
      if (stream) {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        if (kind === "chat") res.write(`data: ${JSON.stringify(chunk({ role: "assistant", content: "" }, null))}\n\n`);
      }
      const onTextChunk = (text: string) => {
        if (stream && !res.writableEnded)
          res.write(`data: ${JSON.stringify(chunk(kind === "chat" ? { content: text } : text, null))}\n\n`);
      };
      const onToken = (tokens: readonly unknown[]) => {
        completionTokens += tokens.length;
      };
      const options = {
        maxTokens,
        temperature,
        onTextChunk,
        onToken,
        signal: abort.signal,
        stopOnAbortSignal: true,
        seed: 1,
      };
      let text: string;
      let stopReason: string;
      try {
        if (kind === "chat") {
          const chat = new LlamaChat({ contextSequence: seq, autoDisposeSequence: false });
          try {
            const r = await chat.generateResponse(toHistory(body.messages as Json[]), options);
            text = r.response;
            stopReason = r.metadata.stopReason;
          } finally {
            chat.dispose({ disposeSequence: false });
          }
        } else {
          const completion = new LlamaCompletion({ contextSequence: seq, autoDisposeSequence: false });
          try {
            const r = await completion.generateCompletionWithMeta(body.prompt as string, options);
            text = r.response;
            stopReason = r.metadata.stopReason;
          } finally {
            completion.dispose({ disposeSequence: false });
          }
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        if (stream) {
          res.end(
            `data: ${JSON.stringify({ error: { message: String(e), type: "InternalServerError", code: 500 } })}\n\n`,
          );
        } else vllmError(res, 500, "InternalServerError", String(e));
        return;
      }
      if (abort.signal.aborted) return;
      const after = seq.tokenMeter.getState();
      const promptTokens = after.usedInputTokens - before.usedInputTokens;
      const usage = {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      };
      const finish = stopReason === "maxTokens" ? "length" : "stop";
      counters.success++;
      counters.promptTokens += promptTokens;
      counters.generationTokens += completionTokens;
      if (stream) {
        res.write(`data: ${JSON.stringify(chunk(kind === "chat" ? {} : "", finish))}\n\n`);
        if (includeUsage) res.write(`data: ${JSON.stringify({ ...chunk({}, null), choices: [], usage })}\n\n`);
        res.end("data: [DONE]\n\n");
        return;
      }
      const choice =
        kind === "chat"
          ? { index: 0, message: { role: "assistant", content: text }, finish_reason: finish, logprobs: null }
          : { index: 0, text, finish_reason: finish, logprobs: null };
      sendJson(res, 200, { id, object, created, model: modelName, choices: [choice], usage });
    });
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const handle = async () => {
      const raw = req.method === "POST" ? await readBody(req) : "";
      let body: Json = {};
      if (raw !== "") {
        try {
          body = JSON.parse(raw) as Json;
        } catch {
          vllmError(res, 400, "BadRequestError", "request body is not JSON");
          return;
        }
      }
      log.requests.push({
        method: req.method ?? "",
        path,
        model: typeof body.model === "string" ? body.model : undefined,
        authorization: req.headers.authorization,
      });
      if (req.method === "GET" && path === "/health") {
        res.writeHead(200).end();
      } else if (req.method === "GET" && path === "/v1/models") {
        sendJson(res, 200, {
          object: "list",
          data: [
            {
              id: BASE_MODEL,
              object: "model",
              created,
              owned_by: "vllm",
              root: modelPath,
              parent: null,
              max_model_len: 512,
            },
            {
              id: ADAPTER_MODEL,
              object: "model",
              created,
              owned_by: "vllm",
              root: `/mnt/adapter/${ADAPTER_MODEL}`,
              parent: BASE_MODEL,
            },
          ],
        });
      } else if (req.method === "GET" && path === "/metrics") {
        const lines = [
          "# HELP vllm:request_success_total Count of successfully processed requests.",
          "# TYPE vllm:request_success_total counter",
          `vllm:request_success_total{finished_reason="length",model_name="${BASE_MODEL}"} ${counters.success}`,
          "# TYPE vllm:prompt_tokens_total counter",
          `vllm:prompt_tokens_total{model_name="${BASE_MODEL}"} ${counters.promptTokens}`,
          "# TYPE vllm:generation_tokens_total counter",
          `vllm:generation_tokens_total{model_name="${BASE_MODEL}"} ${counters.generationTokens}`,
          "# TYPE kaito_ratelimit_rejected_total counter",
          "kaito_ratelimit_rejected_total 0",
          "",
        ];
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(lines.join("\n"));
      } else if (req.method === "POST" && path === "/v1/chat/completions") {
        await generate(res, body, "chat");
      } else if (req.method === "POST" && path === "/v1/completions") {
        await generate(res, body, "text");
      } else {
        sendJson(res, 404, { detail: "Not Found" });
      }
    };
    handle().catch((e: unknown) => {
      if (!res.headersSent) vllmError(res, 500, "InternalServerError", String(e));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...engines.values()].map((e) => e.queue));
      await baseCtx.dispose();
      await loraCtx.dispose();
      await model.dispose();
      await llama.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
