/**
 * Bad input is rejected before any request, with `INVALID_REQUEST` naming the field.
 */
import { describe, expect, it } from "vitest";
import { type ChatClientError, createChatClient, isChatClientError } from "../src/index.ts";

let fetchCalls = 0;
const client = createChatClient({
  baseURL: "http://ws.ns.svc.cluster.local:80",
  fetch: async () => {
    fetchCalls++;
    return new Response("{}", { status: 200 });
  },
});

async function rejected(p: Promise<unknown>): Promise<ChatClientError> {
  const before = fetchCalls;
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(fetchCalls).toBe(before);
  if (!isChatClientError(e)) throw new Error(`expected ChatClientError, got ${String(e)}`);
  expect(e.code).toBe("INVALID_REQUEST");
  return e;
}

const ok = [{ role: "user", content: "hi" }] as const;

describe("chat.completions.create validation", () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ["empty messages", { messages: [] }, "messages", /at least one message/],
    ["missing messages", {}, "messages", /must be an array/],
    ["bad role", { messages: [{ role: "robot", content: "x" }] }, "messages[0].role", /one of system/],
    ["missing content", { messages: [{ role: "user" }] }, "messages[0].content", /required/],
    [
      "content of wrong type",
      { messages: [{ role: "user", content: 5 }] },
      "messages[0].content",
      /string or an array/,
    ],
    [
      "bad content part",
      { messages: [{ role: "user", content: [{ type: "text" }] }] },
      "messages[0].content[0].text",
      /string/,
    ],
    ["tool message without id", { messages: [{ role: "tool", content: "r" }] }, "messages[0].tool_call_id", /required/],
    [
      "assistant null content w/o tools",
      { messages: [{ role: "assistant", content: null }] },
      "messages[0].content",
      /tool_calls/,
    ],
    ["temperature too high", { messages: ok, temperature: 2.5 }, "temperature", /between 0 and 2, got 2.5/],
    ["temperature negative", { messages: ok, temperature: -0.1 }, "temperature", /between 0 and 2/],
    ["temperature NaN", { messages: ok, temperature: Number.NaN }, "temperature", /must be a number/],
    ["temperature string", { messages: ok, temperature: "hot" }, "temperature", /must be a number, got "hot"/],
    ["top_p above 1", { messages: ok, top_p: 1.5 }, "top_p", /between 0 and 1/],
    ["max_tokens zero", { messages: ok, max_tokens: 0 }, "max_tokens", /≥ 1/],
    ["max_tokens fractional", { messages: ok, max_tokens: 1.5 }, "max_tokens", /integer/],
    ["n zero", { messages: ok, n: 0 }, "n", /between 1/],
    ["presence_penalty", { messages: ok, presence_penalty: 3 }, "presence_penalty", /between -2 and 2/],
    ["top_k zero", { messages: ok, top_k: 0 }, "top_k", /-1 \(disabled\) or ≥ 1/],
    ["empty model", { messages: ok, model: " " }, "model", /must not be empty/],
    ["empty stop", { messages: ok, stop: "" }, "stop", /non-empty/],
    ["stop array item", { messages: ok, stop: ["a", 3] }, "stop[1]", /non-empty string/],
    ["tools not array", { messages: ok, tools: {} }, "tools", /array/],
    [
      "tool bad name",
      { messages: ok, tools: [{ type: "function", function: { name: "a b" } }] },
      "tools[0].function.name",
      /letters/,
    ],
    ["tool_choice unknown", { messages: ok, tool_choice: "always" }, "tool_choice", /none, auto, required/],
    ["tool_choice required w/o tools", { messages: ok, tool_choice: "required" }, "tool_choice", /no tools/],
    [
      "tool_choice names missing tool",
      {
        messages: ok,
        tools: [{ type: "function", function: { name: "f" } }],
        tool_choice: { type: "function", function: { name: "g" } },
      },
      "tool_choice.function.name",
      /names no tool/,
    ],
    ["response_format", { messages: ok, response_format: { type: "yaml" } }, "response_format.type", /json_object/],
    [
      "json_schema w/o name",
      { messages: ok, response_format: { type: "json_schema", json_schema: {} } },
      "response_format.json_schema.name",
      /required/,
    ],
    ["top_logprobs w/o logprobs", { messages: ok, top_logprobs: 2 }, "top_logprobs", /requires logprobs/],
    ["stream not boolean", { messages: ok, stream: "yes" }, "stream", /boolean/],
    ["logit_bias range", { messages: ok, logit_bias: { "5": 200 } }, "logit_bias.5", /-100 and 100/],
  ];
  for (const [name, params, field, message] of cases) {
    it(`rejects ${name}`, async () => {
      const e = await rejected(client.chat.completions.create(params as never));
      expect(e.field).toBe(field);
      expect(e.message).toMatch(message);
      expect(e.message).toContain(field);
    });
  }

  it("accepts a full, valid request including tools and an assistant tool-call turn", async () => {
    const r = client.chat.completions.create({
      model: "phi-4-mini-instruct",
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: [{ type: "text", text: "weather?" }] },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c1", type: "function", function: { name: "w", arguments: "{}" } }],
        },
        { role: "tool", content: "sunny", tool_call_id: "c1" },
      ],
      tools: [{ type: "function", function: { name: "w", parameters: { type: "object" } } }],
      tool_choice: "auto",
      temperature: 0,
      top_p: 1,
      max_tokens: 10,
      stop: ["\n"],
      response_format: { type: "json_object" },
    });
    // the fake fetch answers "{}", so it fails on the shape — after a request was sent
    const e = await r.catch((err: unknown) => err);
    expect(isChatClientError(e) && e.code).toBe("INVALID_RESPONSE");
  });
});

describe("completions.create and classicChat validation", () => {
  it("rejects bad prompts", async () => {
    expect((await rejected(client.completions.create({ prompt: "" }))).field).toBe("prompt");
    expect((await rejected(client.completions.create({ prompt: [] }))).field).toBe("prompt");
    expect((await rejected(client.completions.create({} as never))).field).toBe("prompt");
    expect((await rejected(client.completions.create({ prompt: ["a", 1] as never }))).field).toBe("prompt");
    expect((await rejected(client.completions.create({ prompt: "x", best_of: 0 }))).field).toBe("best_of");
  });

  it("rejects both prompt and messages, or neither", async () => {
    const both = await rejected(
      client.classicChat({ prompt: "a", messages: [{ role: "user", content: "b" }] } as never),
    );
    expect(both.field).toBe("prompt");
    expect(both.message).toMatch(/mutually exclusive/);
    expect((await rejected(client.classicChat({} as never))).message).toMatch(/required/);
  });

  it("rejects bad generate_kwargs", async () => {
    const e1 = await rejected(client.classicChat({ prompt: "a", generate_kwargs: { temperature: 0 } }));
    expect(e1.field).toBe("generate_kwargs.temperature");
    const e2 = await rejected(client.classicChat({ prompt: "a", generate_kwargs: { max_length: 10, min_length: 20 } }));
    expect(e2.field).toBe("generate_kwargs.min_length");
    const e3 = await rejected(client.classicChat({ prompt: "a", generate_kwargs: { num_beams: 0 } }));
    expect(e3.field).toBe("generate_kwargs.num_beams");
    const e4 = await rejected(client.classicChat({ messages: [{ role: "user", content: 1 as never }] }));
    expect(e4.field).toBe("messages[0].content");
  });

  it("rejects bad per-call options", async () => {
    expect((await rejected(client.chat.completions.create({ messages: ok }, { timeoutMs: 0 }))).field).toBe(
      "timeoutMs",
    );
    expect((await rejected(client.chat.completions.create({ messages: ok }, { maxRetries: -1 }))).field).toBe(
      "maxRetries",
    );
    expect((await rejected(client.models.list({ idleTimeoutMs: Number.NaN }))).field).toBe("idleTimeoutMs");
  });
});

describe("createChatClient options", () => {
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ["missing baseURL", {}, "baseURL"],
    ["relative baseURL", { baseURL: "/v1" }, "baseURL"],
    ["ftp baseURL", { baseURL: "ftp://x" }, "baseURL"],
    ["credentials in baseURL", { baseURL: "http://u:p@x" }, "baseURL"],
    ["query in baseURL", { baseURL: "http://x/?token=abc" }, "baseURL"],
    ["empty apiKey", { baseURL: "http://x", apiKey: "" }, "apiKey"],
    ["apiKey with newline", { baseURL: "http://x", apiKey: "a\nb" }, "apiKey"],
    ["bad header name", { baseURL: "http://x", headers: { "a b": "x" } }, "headers.a b"],
    ["header value with CRLF", { baseURL: "http://x", headers: { "x-a": "1\r\nx-b: 2" } }, "headers.x-a"],
    ["timeout", { baseURL: "http://x", timeoutMs: -5 }, "timeoutMs"],
    ["maxRetries", { baseURL: "http://x", maxRetries: 1.5 }, "maxRetries"],
    ["retry delay", { baseURL: "http://x", retry: { baseDelayMs: -1 } }, "retry.baseDelayMs"],
    ["fetch", { baseURL: "http://x", fetch: "no" }, "fetch"],
    ["model", { baseURL: "http://x", model: "" }, "model"],
  ];
  for (const [name, options, field] of bad) {
    it(`rejects ${name}`, () => {
      let caught: unknown;
      try {
        createChatClient(options as never);
      } catch (e) {
        caught = e;
      }
      expect(isChatClientError(caught) && caught.code).toBe("INVALID_REQUEST");
      expect(isChatClientError(caught) && caught.field).toBe(field);
    });
  }

  // A baseURL that carries a secret: one the URL parser accepts (query, rejected as such) and one it does not
  // (echoed in the message after redaction), so the secret reaches the message unless the client removes it.
  it.each([
    ["a token in a valid URL's query", "http://x/?token=supersecret", /must not have a query/],
    [
      "user info and a token in an unparseable URL",
      "ht!tp://me:supersecret@x/?token=supersecret",
      /got "ht!tp:\/\/x\/"/,
    ],
  ])("does not echo %s", (_, baseURL, shown) => {
    let caught: unknown;
    try {
      createChatClient({ baseURL });
    } catch (e) {
      caught = e;
    }
    expect(isChatClientError(caught) && caught.field).toBe("baseURL");
    expect(String(caught)).toMatch(shown);
    expect(`${String(caught)} ${JSON.stringify(caught)}`).not.toContain("supersecret");
  });

  it("normalises baseURL: trailing slashes and /v1 removed, path prefixes kept", () => {
    // URL drops the scheme's default port; the address is the same
    expect(createChatClient({ baseURL: "http://ws.ns.svc.cluster.local:80/" }).baseURL).toBe(
      "http://ws.ns.svc.cluster.local",
    );
    expect(createChatClient({ baseURL: "http://h:5000/v1/" }).baseURL).toBe("http://h:5000");
    expect(createChatClient({ baseURL: "https://k8s:6443/api/v1/namespaces/d/services/ws:80/proxy/" }).baseURL).toBe(
      "https://k8s:6443/api/v1/namespaces/d/services/ws:80/proxy",
    );
  });
});
