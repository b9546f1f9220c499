/**
 * Kaito's transformers runtime contract (reference §7.3): the classic `/chat` of ≤ v0.8 and the JSON `/metrics` and
 * `/health` of the runtime, against a loopback server that behaves as the reference describes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLASSIC_CHAT_DEFAULTS, type ChatClient, createChatClient, isChatClientError } from "../src/index.ts";
import { json, type Loopback, type SeenRequest, startLoopback } from "./support/loopback.ts";

type Json = Record<string, unknown>;

/** The classic server's behaviour: one pipeline, `prompt` required for text-generation, `messages` for conversational. */
function classicServer(pipeline: "text-generation" | "conversational", modelReady = true) {
  return (req: SeenRequest, res: import("node:http").ServerResponse) => {
    if (req.method === "GET" && req.path === "/") return json(res, 200, { message: "Server is running" });
    if (req.method === "GET" && req.path === "/health") {
      return modelReady ? json(res, 200, { status: "Healthy" }) : json(res, 500, { detail: "Model not initialized" });
    }
    if (req.method === "GET" && req.path === "/metrics") {
      return json(res, 200, {
        gpu_info: [
          {
            id: "GPU-0",
            name: "NVIDIA A100",
            load: "12%",
            temperature: "40 C",
            memory: { used: "1 GB", total: "80 GB" },
          },
        ],
      });
    }
    if (req.method === "POST" && req.path === "/chat") {
      const body = JSON.parse(req.body) as Json;
      if (pipeline === "text-generation") {
        if (typeof body.prompt !== "string") {
          return json(res, 400, { detail: "Text generation parameter prompt required" });
        }
        const full = body.return_full_text === false ? "" : body.prompt;
        return json(res, 200, { Result: `${full} and then the answer` });
      }
      if (!Array.isArray(body.messages))
        return json(res, 400, { detail: "Conversational parameter messages required" });
      return json(res, 200, { Result: "a reply" });
    }
    return json(res, 404, { detail: "Not Found" });
  };
}

let lb: Loopback;
let client: ChatClient;
beforeAll(async () => {
  lb = await startLoopback(classicServer("text-generation"));
  client = createChatClient({ baseURL: lb.url, retry: { baseDelayMs: 1 } });
});
afterAll(async () => {
  await lb.close();
});

describe("classic /chat", () => {
  it("sends the §7.3 defaults and parses { Result }", async () => {
    lb.handle(classicServer("text-generation"));
    const r = await client.classicChat({ prompt: "Tell me about Kaito" });
    expect(r).toEqual({ Result: "Tell me about Kaito and then the answer" });
    const sent = JSON.parse(lb.requests[0]?.body ?? "{}") as Json;
    expect(lb.requests[0]?.path).toBe("/chat");
    expect(lb.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(sent).toEqual({
      prompt: "Tell me about Kaito",
      return_full_text: true,
      clean_up_tokenization_spaces: false,
      generate_kwargs: {
        max_length: 200,
        min_length: 0,
        do_sample: true,
        early_stopping: false,
        num_beams: 1,
        temperature: 1.0,
        top_k: 10,
        top_p: 1,
        typical_p: 1,
        repetition_penalty: 1,
      },
    });
    expect(sent).toEqual({ prompt: "Tell me about Kaito", ...CLASSIC_CHAT_DEFAULTS });
  });

  it("merges caller overrides and extra generate_kwargs over the defaults", async () => {
    lb.handle(classicServer("text-generation"));
    const r = await client.classicChat({
      prompt: "Hi",
      return_full_text: false,
      generate_kwargs: { max_length: 50, temperature: 0.3, no_repeat_ngram_size: 3 },
    });
    expect(r.Result).toBe(" and then the answer");
    const sent = JSON.parse(lb.requests[0]?.body ?? "{}") as { generate_kwargs: Json; return_full_text: boolean };
    expect(sent.return_full_text).toBe(false);
    expect(sent.generate_kwargs).toMatchObject({
      max_length: 50,
      temperature: 0.3,
      no_repeat_ngram_size: 3,
      top_k: 10,
      num_beams: 1,
    });
  });

  it("sends messages for a conversational pipeline", async () => {
    lb.handle(classicServer("conversational"));
    const r = await client.classicChat({ messages: [{ role: "user", content: "hi" }] });
    expect(r.Result).toBe("a reply");
    const sent = JSON.parse(lb.requests[0]?.body ?? "{}") as Json;
    expect(sent.prompt).toBeUndefined();
    expect(sent.messages).toEqual([{ role: "user", content: "hi" }]);
  });

  it("surfaces the server's 400 when a text-generation server gets messages (FastAPI detail), without retry", async () => {
    lb.handle(classicServer("text-generation"));
    const e = await client.classicChat({ messages: [{ role: "user", content: "hi" }] }).catch((err: unknown) => err);
    expect(isChatClientError(e)).toBe(true);
    if (!isChatClientError(e)) return;
    expect(e.code).toBe("HTTP_ERROR");
    expect(e.status).toBe(400);
    expect(e.serverError?.message).toBe("Text generation parameter prompt required");
    expect(e.serverError?.detail).toBe("Text generation parameter prompt required");
    expect(e.message).toContain("Text generation parameter prompt required");
    expect(lb.requests).toHaveLength(1);
  });

  it("parses FastAPI validation details (422) into a readable message", async () => {
    lb.handle((_req, res) =>
      json(res, 422, {
        detail: [
          { loc: ["body", "generate_kwargs", "max_length"], msg: "value is not a valid integer", type: "type_error" },
        ],
      }),
    );
    const e = await client.classicChat({ prompt: "x" }).catch((err: unknown) => err);
    expect(isChatClientError(e) && e.serverError?.message).toBe(
      "body.generate_kwargs.max_length: value is not a valid integer",
    );
  });

  it("rejects a reply without Result", async () => {
    lb.handle((_req, res) => json(res, 200, { result: "lowercase" }));
    const e = await client.classicChat({ prompt: "x" }).catch((err: unknown) => err);
    expect(isChatClientError(e) && e.code).toBe("INVALID_RESPONSE");
  });
});

describe("transformers runtime /metrics and /health", () => {
  it("returns the JSON metrics", async () => {
    lb.handle(classicServer("text-generation"));
    const m = await client.metrics();
    expect(m.format).toBe("json");
    if (m.format !== "json") return;
    expect(m.data.gpu_info?.[0]?.name).toBe("NVIDIA A100");
    expect(m.data.gpu_info?.[0]?.memory.total).toBe("80 GB");
  });

  it("returns cpu_info metrics on a CPU node", async () => {
    lb.handle((_req, res) => json(res, 200, { cpu_info: { load_percentage: 3.5, physical_cores: 2 } }));
    const m = await client.metrics();
    expect(m).toEqual({ format: "json", data: { cpu_info: { load_percentage: 3.5, physical_cores: 2 } } });
  });

  it("reports health, including 500 'Model not initialized' as unhealthy (not thrown, not retried)", async () => {
    lb.handle(classicServer("text-generation"));
    expect(await client.health()).toEqual({ healthy: true, status: 200, body: { status: "Healthy" } });
    lb.handle(classicServer("text-generation", false));
    expect(await client.health()).toEqual({ healthy: false, status: 500, body: { detail: "Model not initialized" } });
    expect(lb.requests).toHaveLength(1);
  });

  it("serves the OpenAI-compatible model list shape of v0.9+", async () => {
    lb.handle((_req, res) =>
      json(res, 200, { object: "list", data: [{ id: "phi-4-mini-instruct", object: "model", owned_by: "kaito" }] }),
    );
    const list = await client.models.list();
    expect(list.data[0]?.id).toBe("phi-4-mini-instruct");
    expect(lb.requests[0]?.path).toBe("/v1/models");
  });
});
