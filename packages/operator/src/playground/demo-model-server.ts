/**
 * The demo's inference server, run as the inference pod's process by cluster-sim's process runtime: a REAL llama.cpp
 * engine (node-llama-cpp, CPU) running a tiny random-weight model generated on the spot — it answers, but its words
 * are random. Serves what Kaito's runtimes serve: `/health`, `/v1/models`, `/v1/chat/completions` (non-streaming and
 * SSE), and Kaito's classic `POST /chat {"prompt": …}` → `{"Result": …}`. Adapters named in `ADAPTERS` (comma list)
 * are served as model names using the tiny LoRA adapter (the pushed adapter is not loadable by llama.cpp: it is a
 * simulated trainer's output).
 *
 * Usage: node demo-model-server.ts <model-dir>   (PORT from the environment)
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { getLlama, LlamaChatSession, LlamaLogLevel } from "node-llama-cpp";
import { writeTinyModelFiles } from "@kaito-ts/chat-client/testing";

const BASE = "phi-3-mini-128k-instruct";
const dir = process.argv[2] ?? ".";
const port = Number(process.env.PORT ?? "5000");
const adapters = (process.env.ADAPTERS ?? "").split(",").filter((a) => a !== "");

const { modelPath, loraPath } = writeTinyModelFiles(dir);
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath });
const base = await model.createContext({ contextSize: 512, threads: 1 });
const lora = await model.createContext({
  contextSize: 512,
  threads: 1,
  lora: { adapters: [{ filePath: loraPath, scale: 1 }] },
});
let queue: Promise<unknown> = Promise.resolve();

function generate(modelName: string, prompt: string, maxTokens: number): Promise<string> {
  const ctx = adapters.includes(modelName) ? lora : base;
  const run = queue.then(async () => {
    const sequence = ctx.getSequence();
    try {
      const session = new LlamaChatSession({ contextSequence: sequence });
      return await session.prompt(prompt, { maxTokens, temperature: 0.8, seed: 1 });
    } finally {
      sequence.dispose();
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json" });
  res.end(text);
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(parts).toString("utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}

createServer(async (req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  try {
    if (path === "/health") return send(res, 200, { status: "ok" });
    if (path === "/v1/models") {
      const created = Math.floor(Date.now() / 1000);
      return send(res, 200, {
        object: "list",
        data: [BASE, ...adapters].map((id, i) => ({
          id,
          object: "model",
          created,
          owned_by: "kaito-demo",
          root: BASE,
          parent: i === 0 ? null : BASE,
        })),
      });
    }
    if (path === "/chat" && req.method === "POST") {
      const b = await body(req);
      if (typeof b.prompt !== "string") return send(res, 400, { detail: "prompt must be a string" });
      const kw = (b.generate_kwargs ?? {}) as { max_length?: number };
      const text = await generate(BASE, b.prompt, Math.min(kw.max_length ?? 24, 48));
      return send(res, 200, { Result: `${b.prompt} ${text}` });
    }
    if (path === "/v1/chat/completions" && req.method === "POST") {
      const b = await body(req);
      const messages = (b.messages ?? []) as Array<{ role: string; content: string }>;
      const modelName = typeof b.model === "string" ? b.model : BASE;
      if (modelName !== BASE && !adapters.includes(modelName)) {
        return send(res, 404, {
          object: "error",
          message: `The model \`${modelName}\` does not exist.`,
          type: "NotFoundError",
          param: "model",
          code: 404,
        });
      }
      const prompt = messages.map((m) => m.content).join("\n");
      const maxTokens = typeof b.max_tokens === "number" ? Math.min(b.max_tokens, 48) : 24;
      const text = await generate(modelName, prompt, maxTokens);
      const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
      const created = Math.floor(Date.now() / 1000);
      const usage = {
        prompt_tokens: prompt.length,
        completion_tokens: text.length,
        total_tokens: prompt.length + text.length,
      };
      if (b.stream === true) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        const chunk = (delta: object, finish: string | null) =>
          `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: modelName, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        res.write(chunk({ role: "assistant", content: "" }, null));
        for (const word of text.split(/(?<= )/)) res.write(chunk({ content: word }, null));
        res.write(chunk({}, "stop"));
        res.end("data: [DONE]\n\n");
        return;
      }
      return send(res, 200, {
        id,
        object: "chat.completion",
        created,
        model: modelName,
        choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
        usage,
      });
    }
    send(res, 404, { detail: "Not Found" });
  } catch (e) {
    send(res, 500, { object: "error", message: String(e), type: "InternalServerError", code: 500 });
  }
}).listen(port, "127.0.0.1", () => console.log(`[demo model server] tiny random-weight model on :${port}`));
