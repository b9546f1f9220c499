/**
 * Pure helpers: URLs, Retry-After and backoff, error bodies and the error family, accumulation, Prometheus text.
 */
import { describe, expect, it } from "vitest";
import {
  accumulateChatStream,
  adapterModels,
  baseModels,
  ChatClientError,
  type ChatCompletionChunk,
  ChatStreamAccumulator,
  isChatClientError,
  parsePrometheusText,
  parseRetryAfter,
  parseServerErrorBody,
  redactUrl,
  retryDelayMs,
  serviceProxyUrl,
  workspaceServiceUrl,
} from "../src/index.ts";
import { DEFAULT_RETRY_POLICY } from "../src/retry.ts";

function throwsField(fn: () => unknown, field: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isChatClientError(caught) && caught.code).toBe("INVALID_REQUEST");
  expect(isChatClientError(caught) && caught.field).toBe(field);
}

describe("workspace URLs", () => {
  it("builds the in-cluster Service URL", () => {
    expect(workspaceServiceUrl({ name: "workspace-phi-4", namespace: "default" })).toBe(
      "http://workspace-phi-4.default.svc.cluster.local:80",
    );
    expect(workspaceServiceUrl({ name: "ws", namespace: "ml", clusterDomain: "corp.internal." })).toBe(
      "http://ws.ml.svc.corp.internal:80",
    );
  });

  it("rejects names that are not DNS labels", () => {
    throwsField(() => workspaceServiceUrl({ name: "My_WS", namespace: "default" }), "name");
    throwsField(() => workspaceServiceUrl({ name: "ws", namespace: "" }), "namespace");
    throwsField(() => workspaceServiceUrl({ name: "ws", namespace: "a".repeat(64) }), "namespace");
    throwsField(
      () => workspaceServiceUrl({ name: "ws", namespace: "d", clusterDomain: "bad domain" }),
      "clusterDomain",
    );
  });

  it("builds the API-server service-proxy URL, minding trailing slashes and path prefixes", () => {
    expect(serviceProxyUrl({ server: "https://10.0.0.1:6443", namespace: "default", name: "ws" })).toBe(
      "https://10.0.0.1:6443/api/v1/namespaces/default/services/ws:80/proxy",
    );
    expect(serviceProxyUrl({ server: "https://k8s.example.com/", namespace: "d", name: "ws", port: "http" })).toBe(
      "https://k8s.example.com/api/v1/namespaces/d/services/ws:http/proxy",
    );
    expect(
      serviceProxyUrl({
        server: "https://rancher.example.com/k8s/clusters/c-1//",
        namespace: "d",
        name: "ws",
        port: 8080,
      }),
    ).toBe("https://rancher.example.com/k8s/clusters/c-1/api/v1/namespaces/d/services/ws:8080/proxy");
  });

  it("rejects bad servers and ports", () => {
    throwsField(() => serviceProxyUrl({ server: "10.0.0.1:6443", namespace: "d", name: "ws" }), "server");
    throwsField(() => serviceProxyUrl({ server: "https://h", namespace: "d", name: "ws", port: 0 }), "port");
    throwsField(() => serviceProxyUrl({ server: "https://h", namespace: "d", name: "ws", port: "HTTP PORT" }), "port");
  });

  it("redacts credentials, query and fragment from URLs", () => {
    expect(redactUrl("https://user:pw@h:1/p?token=x#f")).toBe("https://h:1/p");
    expect(redactUrl("not a url?token=x")).toBe("not a url");
  });
});

describe("Retry-After and backoff", () => {
  const now = Date.parse("2026-11-28T12:00:00Z");
  it("parses seconds, HTTP dates and retry-after-ms", () => {
    expect(parseRetryAfter("3", null, now)).toBe(3000);
    expect(parseRetryAfter("0", null, now)).toBe(0);
    expect(parseRetryAfter("Sat, 28 Nov 2026 12:00:05 GMT", null, now)).toBe(5000);
    expect(parseRetryAfter("Sat, 28 Nov 2026 11:00:00 GMT", null, now)).toBe(0);
    expect(parseRetryAfter("soon", null, now)).toBeUndefined();
    expect(parseRetryAfter(null, null, now)).toBeUndefined();
    expect(parseRetryAfter("9", "250", now)).toBe(250);
  });

  it("caps Retry-After and grows the backoff exponentially with jitter", () => {
    const p = DEFAULT_RETRY_POLICY;
    expect(retryDelayMs(p, 0, 120_000)).toBe(60_000);
    expect(retryDelayMs(p, 0, 1500)).toBe(1500);
    expect(retryDelayMs(p, 0, undefined, 0)).toBe(250);
    expect(retryDelayMs(p, 0, undefined, 0.999999)).toBe(500);
    expect(retryDelayMs(p, 2, undefined, 0)).toBe(1000);
    expect(retryDelayMs(p, 10, undefined, 0.999999)).toBe(8000);
  });
});

describe("error family", () => {
  it("parses OpenAI, vLLM flat and FastAPI error bodies", () => {
    expect(parseServerErrorBody('{"error":{"message":"m","type":"t","code":"c","param":"p"}}')).toEqual({
      message: "m",
      type: "t",
      code: "c",
      param: "p",
    });
    expect(parseServerErrorBody('{"object":"error","message":"m","type":"BadRequestError","code":400}')).toEqual({
      message: "m",
      type: "BadRequestError",
      code: 400,
    });
    expect(parseServerErrorBody('{"detail":"Model not initialized"}')).toEqual({
      message: "Model not initialized",
      detail: "Model not initialized",
    });
    expect(parseServerErrorBody('{"error":"plain"}')?.message).toBe("plain");
    expect(parseServerErrorBody("<html>")).toBeUndefined();
    expect(parseServerErrorBody('{"ok":true}')).toBeUndefined();
    expect(parseServerErrorBody('{"error":{"message":"key sk-abcdef1234"}}', ["sk-abcdef1234"])?.message).toBe(
      "key [REDACTED]",
    );
  });

  it("brands errors with Symbol.for so the guard works across copies", () => {
    const e = new ChatClientError("TIMEOUT", "t", { url: "http://x", cause: new Error("c") });
    expect(isChatClientError(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("ChatClientError");
    expect(e.cause).toBeInstanceOf(Error);
    const foreign = { [Symbol.for("@kaito-ts/chat-client/ChatClientError")]: true };
    expect(isChatClientError(foreign)).toBe(true);
    expect(isChatClientError(new Error("x"))).toBe(false);
    expect(isChatClientError(null)).toBe(false);
    expect(isChatClientError("TIMEOUT")).toBe(false);
  });
});

describe("accumulateChatStream", () => {
  const base = { id: "c1", object: "chat.completion.chunk", created: 5, model: "m" } as const;
  const chunk = (
    choices: ChatCompletionChunk["choices"],
    extra: Partial<ChatCompletionChunk> = {},
  ): ChatCompletionChunk => ({
    ...base,
    choices,
    ...extra,
  });

  it("rebuilds content, tool calls by index, finish reasons, and usage", async () => {
    const chunks: ChatCompletionChunk[] = [
      chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: "Let me " }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: "check." }, finish_reason: null }]),
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              { index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } },
            ],
          },
          finish_reason: null,
        },
      ]),
      chunk([
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, finish_reason: null },
      ]),
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: "{}" } }],
          },
          finish_reason: null,
        },
      ]),
      chunk([
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, finish_reason: null },
      ]),
      chunk([{ index: 0, delta: {}, finish_reason: "tool_calls" }]),
      chunk([], { usage: { prompt_tokens: 10, completion_tokens: 7, total_tokens: 17 } }),
    ];
    const r = await accumulateChatStream(chunks);
    expect(r).toEqual({
      id: "c1",
      object: "chat.completion",
      created: 5,
      model: "m",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Let me check.",
            tool_calls: [
              { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
              { id: "call_b", type: "function", function: { name: "get_time", arguments: "{}" } },
            ],
          },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 7, total_tokens: 17 },
    });
    expect(JSON.parse(r.choices[0]?.message.tool_calls?.[0]?.function.arguments ?? "")).toEqual({ city: "Paris" });
  });

  it("keeps choices apart (n > 1), reasoning content, and gives partial results as it goes", async () => {
    const acc = new ChatStreamAccumulator();
    acc.add(chunk([{ index: 1, delta: { content: "B" }, finish_reason: null }]));
    acc.add(chunk([{ index: 0, delta: { reasoning_content: "think", content: "A" }, finish_reason: null }]));
    expect(acc.result().choices.map((c) => c.message.content)).toEqual(["A", "B"]);
    acc.add(chunk([{ index: 0, delta: { content: "a" }, finish_reason: "stop" }]));
    const r = acc.result();
    expect(r.choices[0]?.message).toEqual({ role: "assistant", content: "Aa", reasoning_content: "think" });
    expect(r.choices[0]?.finish_reason).toBe("stop");
    expect(r.choices[1]?.finish_reason).toBeNull();
    expect(r.usage).toBeUndefined();
  });

  it("accepts an async iterable and an empty stream", async () => {
    async function* gen() {
      yield chunk([{ index: 0, delta: { content: "x" }, finish_reason: "length" }]);
    }
    expect((await accumulateChatStream(gen())).choices[0]?.message.content).toBe("x");
    expect((await accumulateChatStream([])).choices).toEqual([]);
  });
});

describe("model lists", () => {
  it("separates LoRA adapters from base models", () => {
    const list = {
      object: "list",
      data: [
        { id: "phi-4", object: "model", parent: null },
        { id: "my-adapter", object: "model", parent: "phi-4", root: "/mnt/adapter/my-adapter" },
      ],
    } as const;
    expect(adapterModels(list).map((m) => m.id)).toEqual(["my-adapter"]);
    expect(baseModels(list).map((m) => m.id)).toEqual(["phi-4"]);
  });
});

describe("parsePrometheusText", () => {
  it("parses samples with labels, escapes, special values and timestamps", () => {
    const text = [
      "# HELP vllm:num_requests_running Number of requests.",
      "# TYPE vllm:num_requests_running gauge",
      'vllm:num_requests_running{model_name="phi-4"} 2',
      'vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="phi-4"} 7',
      'weird{path="a\\"b\\\\c\\nd"} NaN',
      "kaito_model_download_speed_bytes_per_second 1.5e6 1700000000000",
      "garbage line here",
      "",
    ].join("\n");
    expect(parsePrometheusText(text)).toEqual([
      { name: "vllm:num_requests_running", labels: { model_name: "phi-4" }, value: 2 },
      { name: "vllm:e2e_request_latency_seconds_bucket", labels: { le: "+Inf", model_name: "phi-4" }, value: 7 },
      { name: "weird", labels: { path: 'a"b\\c\nd' }, value: Number.NaN },
      { name: "kaito_model_download_speed_bytes_per_second", labels: {}, value: 1.5e6, timestampMs: 1700000000000 },
    ]);
  });
});
