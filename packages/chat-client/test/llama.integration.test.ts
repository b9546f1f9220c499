/**
 * The client against a real OpenAI-compatible endpoint: llama.cpp (node-llama-cpp) running a tiny random-weight
 * model the test writes itself, behind a node:http server started once for this file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accumulateChatStream,
  adapterModels,
  type ChatClient,
  type ChatCompletionChunk,
  createChatClient,
  isChatClientError,
} from "../src/index.ts";
import { ADAPTER_MODEL, BASE_MODEL, type LlamaTestServer, startLlamaServer } from "./support/llama-server.ts";

let server: LlamaTestServer;
let client: ChatClient;

beforeAll(async () => {
  try {
    server = await startLlamaServer();
  } catch (e) {
    throw new Error(`the llama.cpp test server could not start (node-llama-cpp prebuilt binary): ${String(e)}`);
  }
  client = createChatClient({ baseURL: `${server.url}/v1`, apiKey: "sk-test-key-123", timeoutMs: 20_000 });
});

afterAll(async () => {
  await server?.close();
});

const messages = [
  { role: "system", content: "You are a tiny test model." },
  { role: "user", content: "hello kaito" },
] as const;

describe("against llama.cpp", () => {
  it("lists the base model and the LoRA adapter", async () => {
    const list = await client.models.list();
    expect(list.object).toBe("list");
    expect(list.data.map((m) => m.id)).toEqual([BASE_MODEL, ADAPTER_MODEL]);
    expect(adapterModels(list).map((m) => m.id)).toEqual([ADAPTER_MODEL]);
    expect(server.log.requests.at(-1)?.authorization).toBe("Bearer sk-test-key-123");
  });

  it("creates a chat completion", async () => {
    const r = await client.chat.completions.create({ model: BASE_MODEL, messages, max_tokens: 8, temperature: 0 });
    expect(r.object).toBe("chat.completion");
    expect(r.model).toBe(BASE_MODEL);
    expect(r.choices).toHaveLength(1);
    const content = r.choices[0]?.message.content ?? "";
    expect(content.length).toBeGreaterThan(0);
    expect(r.choices[0]?.finish_reason).toMatch(/^(length|stop)$/);
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
    expect(r.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it("streams chunks as they are generated and accumulates them into the same answer", async () => {
    const params = { model: BASE_MODEL, messages, max_tokens: 12, temperature: 0 } as const;
    const whole = await client.chat.completions.create(params);
    const stream = await client.chat.completions.create({
      ...params,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(stream.response.headers.get("content-type")).toContain("text/event-stream");
    const chunks: ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    const final = await accumulateChatStream(chunks);
    expect(final.choices[0]?.message.content).toBe(whole.choices[0]?.message.content);
    expect(final.choices[0]?.finish_reason).toBe(whole.choices[0]?.finish_reason);
    expect(final.usage?.completion_tokens).toBe(whole.usage?.completion_tokens);
  });

  it("creates text completions, plain and streamed", async () => {
    const r = await client.completions.create({
      model: BASE_MODEL,
      prompt: "the model",
      max_tokens: 6,
      temperature: 0,
    });
    expect(r.object).toBe("text_completion");
    const text = r.choices[0]?.text ?? "";
    expect(text.length).toBeGreaterThan(0);
    const s = await client.completions.create({
      model: BASE_MODEL,
      prompt: "the model",
      max_tokens: 6,
      temperature: 0,
      stream: true,
    });
    let streamed = "";
    for await (const c of s) streamed += c.choices[0]?.text ?? "";
    expect(streamed).toBe(text);
  });

  it("selects the LoRA adapter by model name, giving a different deterministic answer", async () => {
    const ask = (model: string) => client.chat.completions.create({ model, messages, max_tokens: 10, temperature: 0 });
    const base1 = await ask(BASE_MODEL);
    const lora1 = await ask(ADAPTER_MODEL);
    const lora2 = await ask(ADAPTER_MODEL);
    expect(lora1.model).toBe(ADAPTER_MODEL);
    expect(lora1.choices[0]?.message.content).toBe(lora2.choices[0]?.message.content);
    expect(lora1.choices[0]?.message.content).not.toBe(base1.choices[0]?.message.content);
    expect(server.log.requests.filter((r) => r.model === ADAPTER_MODEL).length).toBeGreaterThanOrEqual(2);
  });

  it("uses the client's default model (an adapter) when a request names none", async () => {
    const adapterClient = createChatClient({ baseURL: server.url, model: ADAPTER_MODEL });
    const r = await adapterClient.chat.completions.create({ messages, max_tokens: 4, temperature: 0 });
    expect(r.model).toBe(ADAPTER_MODEL);
  });

  it("reports an unknown model as HTTP_ERROR 404 with the server's message", async () => {
    const e = await client.chat.completions.create({ model: "no-such-adapter", messages, max_tokens: 4 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isChatClientError(e)).toBe(true);
    if (!isChatClientError(e)) return;
    expect(e.code).toBe("HTTP_ERROR");
    expect(e.status).toBe(404);
    expect(e.serverError?.type).toBe("NotFoundError");
    expect(e.serverError?.param).toBe("model");
    expect(e.message).toContain("no-such-adapter");
    expect(e.attempts).toBe(1);
  });

  it("checks health and reads Prometheus metrics", async () => {
    const h = await client.health();
    expect(h).toEqual({ healthy: true, status: 200, body: undefined });
    const m = await client.metrics();
    expect(m.format).toBe("prometheus");
    if (m.format !== "prometheus") return;
    const success = m.samples.find((s) => s.name === "vllm:request_success_total");
    expect(success?.labels.model_name).toBe(BASE_MODEL);
    expect(success?.value).toBeGreaterThan(0);
    expect(m.samples.find((s) => s.name === "kaito_ratelimit_rejected_total")?.value).toBe(0);
  });

  it("aborts mid-stream: the iteration rejects with aborted and the server sees the disconnect", async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: BASE_MODEL, messages, max_tokens: 400, temperature: 0, stream: true },
      { signal: controller.signal },
    );
    const abortsBefore = server.log.clientAborts;
    let seen = 0;
    const error = await (async () => {
      for await (const _ of stream) {
        seen++;
        if (seen === 3) controller.abort(new Error("user pressed stop"));
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(seen).toBe(3);
    expect(isChatClientError(error) && error.code).toBe("ABORTED");
    await expect.poll(() => server.log.clientAborts).toBeGreaterThan(abortsBefore);
    // the engine is free again
    const r = await client.chat.completions.create({ model: BASE_MODEL, messages, max_tokens: 2 });
    expect(r.choices).toHaveLength(1);
  });

  it("stops reading when the consumer breaks out of the loop", async () => {
    const stream = await client.chat.completions.create({ model: BASE_MODEL, messages, max_tokens: 400, stream: true });
    let n = 0;
    for await (const _ of stream) if (++n === 2) break;
    expect(n).toBe(2);
    const r = await client.chat.completions.create({ model: BASE_MODEL, messages, max_tokens: 2 });
    expect(r.choices).toHaveLength(1);
  });
});
