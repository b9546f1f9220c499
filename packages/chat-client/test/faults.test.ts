/**
 * Retries, timeouts, cancellation and broken replies, against a scriptable loopback server.
 */
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accumulateChatStream,
  type ChatClientError,
  type ChatClientOptions,
  createChatClient,
  type FetchLike,
  isChatClientError,
  type RetryInfo,
} from "../src/index.ts";
import { chunkEvent, completion, json, type Loopback, startLoopback } from "./support/loopback.ts";

let lb: Loopback;
beforeAll(async () => {
  lb = await startLoopback();
});
afterAll(async () => {
  await lb.close();
});

const messages = [{ role: "user", content: "hi" }] as const;

function client(extra: Partial<ChatClientOptions> = {}) {
  return createChatClient({ baseURL: lb.url, retry: { baseDelayMs: 1, maxDelayMs: 5 }, timeoutMs: 5_000, ...extra });
}

async function failure(p: Promise<unknown>): Promise<ChatClientError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isChatClientError(e)) throw new Error(`expected a ChatClientError, got ${String(e)}`);
  return e;
}

async function drain(iterable: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of iterable) n++;
  return n;
}

describe("retries", () => {
  it("honours Retry-After on 429 (capped), then succeeds", async () => {
    lb.handle((_req, res, n) => {
      if (n === 1)
        json(res, 429, { error: { message: "rate limited", type: "RateLimitError" } }, { "retry-after": "2" });
      else json(res, 200, completion("ok"));
    });
    const retries: RetryInfo[] = [];
    const c = client({ retry: { baseDelayMs: 1, maxRetryAfterMs: 20 }, onRetry: (i) => retries.push(i) });
    const r = await c.chat.completions.create({ messages });
    expect(r.choices[0]?.message.content).toBe("ok");
    expect(lb.requests).toHaveLength(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]?.delayMs).toBe(20);
    expect(retries[0]?.error.code).toBe("RATE_LIMITED");
    expect(retries[0]?.error.retryAfterMs).toBe(2000);
  });

  it("waits the Retry-After a server gives when it is under the cap", async () => {
    lb.handle((_req, res, n) => {
      if (n === 1) res.writeHead(429, { "retry-after": "0" }).end();
      else json(res, 200, completion("ok"));
    });
    const retries: RetryInfo[] = [];
    await client({ onRetry: (i) => retries.push(i) }).chat.completions.create({ messages });
    expect(retries[0]?.delayMs).toBe(0);
  });

  it("gives up on 429 after maxRetries with RATE_LIMITED and the server's advice", async () => {
    lb.handle((_req, res) => json(res, 429, { detail: "Too many requests" }, { "retry-after": "0" }));
    const e = await failure(client().chat.completions.create({ messages }));
    expect(e.code).toBe("RATE_LIMITED");
    expect(e.status).toBe(429);
    expect(e.retryAfterMs).toBe(0);
    expect(e.attempts).toBe(3);
    expect(e.serverError?.message).toBe("Too many requests");
    expect(lb.requests).toHaveLength(3);
  });

  it("retries a 500 and then succeeds", async () => {
    lb.handle((_req, res, n) => (n === 1 ? json(res, 500, { detail: "boom" }) : json(res, 200, completion("second"))));
    const r = await client().chat.completions.create({ messages });
    expect(r.choices[0]?.message.content).toBe("second");
    expect(lb.requests).toHaveLength(2);
  });

  it("gives up on a 500 forever with SERVER_ERROR after 1 + maxRetries attempts", async () => {
    lb.handle((_req, res) =>
      json(res, 500, { object: "error", message: "engine dead", type: "InternalServerError", code: 500 }),
    );
    const e = await failure(client({ maxRetries: 3 }).chat.completions.create({ messages }));
    expect(e.code).toBe("SERVER_ERROR");
    expect(e.status).toBe(500);
    expect(e.attempts).toBe(4);
    expect(e.serverError).toMatchObject({ message: "engine dead", type: "InternalServerError", code: 500 });
    expect(e.message).toContain("after 4 attempts");
    expect(lb.requests).toHaveLength(4);
  });

  it("uses the default of 2 retries for 5xx (503 here)", async () => {
    lb.handle((_req, res) => res.writeHead(503).end());
    const e = await failure(client().chat.completions.create({ messages }));
    expect(e.code).toBe("SERVER_ERROR");
    expect(e.attempts).toBe(3);
    expect(lb.requests).toHaveLength(3);
  });

  it("does not retry 501 Not Implemented", async () => {
    lb.handle((_req, res) => json(res, 501, { detail: "no" }));
    expect((await failure(client().chat.completions.create({ messages }))).code).toBe("SERVER_ERROR");
    expect(lb.requests).toHaveLength(1);
  });

  it("does not retry when maxRetries is 0 (per call), nor a 400", async () => {
    lb.handle((_req, res) => json(res, 500, {}));
    await failure(client().chat.completions.create({ messages }, { maxRetries: 0 }));
    expect(lb.requests).toHaveLength(1);
    lb.handle((_req, res) =>
      json(res, 400, {
        error: { message: "max_tokens too large", type: "BadRequestError", param: "max_tokens", code: 400 },
      }),
    );
    const e = await failure(client().chat.completions.create({ messages }));
    expect(e.code).toBe("HTTP_ERROR");
    expect(e.serverError?.param).toBe("max_tokens");
    expect(lb.requests).toHaveLength(1);
  });

  it("retries connection errors and then reports CONNECTION_ERROR", async () => {
    const dead = await startLoopback();
    const url = dead.url;
    await dead.close();
    const retries: RetryInfo[] = [];
    const c = createChatClient({ baseURL: url, retry: { baseDelayMs: 1 }, onRetry: (i) => retries.push(i) });
    const e = await failure(c.models.list());
    expect(e.code).toBe("CONNECTION_ERROR");
    expect(e.message).toContain(url);
    expect(e.attempts).toBe(3);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
  });

  it("a 429 on a streaming request is retried (nothing was delivered yet)", async () => {
    lb.handle((_req, res, n) => {
      if (n === 1) return res.writeHead(429, { "retry-after": "0" }).end();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(chunkEvent("a") + chunkEvent("b", "stop") + "data: [DONE]\n\n");
    });
    const s = await client().chat.completions.create({ messages, stream: true });
    const final = await accumulateChatStream(s);
    expect(final.choices[0]?.message.content).toBe("ab");
    expect(lb.requests).toHaveLength(2);
  });
});

describe("streams that break", () => {
  it("a stream cut mid-event (socket destroyed) gives STREAM_INTERRUPTED and is not retried", async () => {
    lb.handle((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunkEvent("a") + chunkEvent("b"));
      res.write('data: {"id":"c","object":"chat.comp');
      setTimeout(() => res.destroy(), 20);
    });
    const s = await client().chat.completions.create({ messages, stream: true });
    const got: string[] = [];
    const e = await failure(
      (async () => {
        for await (const c of s) got.push(c.choices[0]?.delta.content ?? "");
      })(),
    );
    expect(got).toEqual(["a", "b"]);
    expect(e.code).toBe("STREAM_INTERRUPTED");
    expect(e.message).toContain("after 2 chunks");
    expect(lb.requests).toHaveLength(1);
  });

  it("a stream that ends cleanly in the middle of an event is interrupted too", async () => {
    lb.handle((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`${chunkEvent("a")}data: {"id":"c"`);
    });
    const s = await client().chat.completions.create({ messages, stream: true });
    const e = await failure(drain(s));
    expect(e.code).toBe("STREAM_INTERRUPTED");
    expect(e.message).toContain("in the middle of an event");
    expect(lb.requests).toHaveLength(1);
  });

  it("a stream that ends after a finish_reason but without [DONE] is accepted", async () => {
    lb.handle((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(chunkEvent("a") + chunkEvent("", "stop"));
    });
    const s = await client().chat.completions.create({ messages, stream: true });
    expect(await drain(s)).toBe(2);
  });

  it("an error event inside the stream gives SERVER_ERROR with the server's message", async () => {
    lb.handle((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(
        `${chunkEvent("a")}data: {"error":{"message":"CUDA out of memory","type":"InternalServerError","code":500}}\n\n`,
      );
    });
    const s = await client().chat.completions.create({ messages, stream: true });
    const e = await failure(drain(s));
    expect(e.code).toBe("SERVER_ERROR");
    expect(e.serverError?.message).toBe("CUDA out of memory");
  });

  it("a JSON reply to a streaming request gives INVALID_RESPONSE instead of an empty stream", async () => {
    lb.handle((_req, res) => json(res, 200, completion("not streamed")));
    const s = await client().chat.completions.create({ messages, stream: true });
    const e = await failure(drain(s));
    expect(e.code).toBe("INVALID_RESPONSE");
    expect(e.message).toContain("instead of an event stream");
  });

  it("a non-JSON event gives INVALID_RESPONSE", async () => {
    lb.handle((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end("data: not json\n\n");
    });
    const s = await client().chat.completions.create({ messages, stream: true });
    expect((await failure(drain(s))).code).toBe("INVALID_RESPONSE");
  });

  it("parses bytes dribbled one at a time: CRLF, comments, multi-line data, a UTF-8 character split", async () => {
    const content = "héllo 🌍 kaito";
    const chunk = JSON.stringify({
      id: "c",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, delta: { content }, finish_reason: "stop" }],
    });
    // multi-line data: the lines are joined with "\n", which JSON allows between tokens
    const cut = chunk.indexOf(',"choices"') + 1;
    const wire = `: keep-alive\r\nevent: message\r\ndata: ${chunk.slice(0, cut)}\r\ndata: ${chunk.slice(cut)}\r\n\r\ndata: [DONE]\r\n\r\n`;
    const bytes = new TextEncoder().encode(wire);
    lb.handle(async (_req, res: ServerResponse) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (let i = 0; i < bytes.length; i++) {
        res.write(bytes.subarray(i, i + 1));
        if (i % 8 === 0) await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    const s2 = await client().chat.completions.create({ messages, stream: true });
    const final = await accumulateChatStream(s2);
    expect(final.choices[0]?.message.content).toBe(content);
  });
});

describe("timeouts and cancellation", () => {
  it("a slow first byte beyond timeoutMs gives timeout, promptly and without retry", async () => {
    lb.handle((_req, res) => {
      setTimeout(() => {
        if (!res.destroyed) json(res, 200, completion("late"));
      }, 3_000);
    });
    const e = await failure(client({ timeoutMs: 100 }).chat.completions.create({ messages }));
    expect(e.code).toBe("TIMEOUT");
    expect(e.message).toContain("100 ms");
    expect(lb.requests).toHaveLength(1);
  });

  it("a stream that goes silent beyond idleTimeoutMs gives timeout", async () => {
    lb.handle((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunkEvent("a"));
    });
    const s = await client({ idleTimeoutMs: 100 }).chat.completions.create({ messages, stream: true });
    let n = 0;
    const e = await failure(
      (async () => {
        for await (const _ of s) n++;
      })(),
    );
    expect(n).toBe(1);
    expect(e.code).toBe("TIMEOUT");
  });

  it("a slow consumer does not trip the idle timeout", async () => {
    lb.handle((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(chunkEvent("a") + chunkEvent("b", "stop") + "data: [DONE]\n\n");
    });
    const s = await client({ idleTimeoutMs: 50 }).chat.completions.create({ messages, stream: true });
    let n = 0;
    for await (const _ of s) {
      n++;
      await new Promise((r) => setTimeout(r, 120));
    }
    expect(n).toBe(2);
  });

  it("an already-aborted signal sends nothing", async () => {
    lb.handle((_req, res) => json(res, 200, completion("x")));
    const e = await failure(client().chat.completions.create({ messages }, { signal: AbortSignal.abort() }));
    expect(e.code).toBe("ABORTED");
    expect(lb.requests).toHaveLength(0);
  });

  it("aborting while waiting for headers, or between retries, rejects promptly with aborted", async () => {
    lb.handle(() => {
      // never answers
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect((await failure(client().chat.completions.create({ messages }, { signal: ac.signal }))).code).toBe("ABORTED");

    lb.handle((_req, res) => res.writeHead(503, { "retry-after": "30" }).end());
    const ac2 = new AbortController();
    const c = client({ retry: { maxRetryAfterMs: 60_000 }, onRetry: () => ac2.abort() });
    const e = await failure(c.chat.completions.create({ messages }, { signal: ac2.signal }));
    expect(e.code).toBe("ABORTED");
    expect(e.message).toContain("waiting to retry");
  });

  it("stream.abort() stops an iteration with aborted", async () => {
    lb.handle((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunkEvent("a"));
    });
    const s = await client().chat.completions.create({ messages, stream: true });
    const e = await failure(
      (async () => {
        for await (const _ of s) s.abort();
      })(),
    );
    expect(e.code).toBe("ABORTED");
  });
});

describe("broken replies", () => {
  it("a non-JSON reply gives INVALID_RESPONSE naming the URL", async () => {
    lb.handle((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>login page</html>"));
    const e = await failure(client().chat.completions.create({ messages }));
    expect(e.code).toBe("INVALID_RESPONSE");
    expect(e.message).toContain(`${lb.url}/v1/chat/completions`);
    expect(e.message).toContain("not JSON");
    expect(e.message).toContain("<html>login page</html>");
  });

  it("truncated JSON gives INVALID_RESPONSE", async () => {
    lb.handle((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end('{"id":"x","choices":[{"index'),
    );
    const e = await failure(client().chat.completions.create({ messages }));
    expect(e.code).toBe("INVALID_RESPONSE");
    expect(e.message).toContain("truncated JSON");
  });

  it("a body cut short of its content-length gives CONNECTION_ERROR, never a hang", async () => {
    lb.handle((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
      res.write('{"id":"x","choices":[');
      setTimeout(() => res.destroy(), 10);
    });
    const e = await failure(client().chat.completions.create({ messages }));
    expect(e.code).toBe("CONNECTION_ERROR");
    expect(lb.requests).toHaveLength(3);
  });

  it("JSON of the wrong shape gives INVALID_RESPONSE", async () => {
    lb.handle((_req, res) => json(res, 200, { hello: "world" }));
    expect((await failure(client().chat.completions.create({ messages }))).code).toBe("INVALID_RESPONSE");
    expect((await failure(client().models.list())).code).toBe("INVALID_RESPONSE");
  });

  it("an empty 200 body gives INVALID_RESPONSE", async () => {
    lb.handle((_req, res) => res.writeHead(200).end());
    const e = await failure(client().completions.create({ prompt: "x" }));
    expect(e.code).toBe("INVALID_RESPONSE");
    expect(e.message).toContain("empty body");
  });
});

describe("secrets", () => {
  const key = "sk-live-SECRET-0123456789";
  const token = "eyJhbGciOiJSUzI1NiJ9.kubeconfig-token";
  // Each way of giving the client a credential, the header the client then sends, and the secret inside it. The
  // servers below echo that header as received, so each secret really reaches the output unless the client redacts it.
  const credentials: [string, Partial<ChatClientOptions>, string, string][] = [
    ["apiKey", { apiKey: key }, "authorization", key],
    ["a bearer token in headers", { headers: { authorization: `Bearer ${token}` } }, "authorization", token],
    ["an x-api-key header", { headers: { "x-api-key": key } }, "x-api-key", key],
  ];
  const sent = (header: string) => String(lb.requests[0]?.headers[header] ?? "");
  const everything = (e: ChatClientError) =>
    `${e.message} ${String(e)} ${JSON.stringify(e)} ${JSON.stringify(e.serverError)} ${e.stack ?? ""}`;

  it.each(credentials)(
    "never shows %s, even when the server echoes the header it got",
    async (_, creds, header, secret) => {
      lb.handle((req, res) => {
        const got = String(req.headers[header] ?? "");
        json(res, 401, {
          error: { message: `Incorrect API key provided: ${got}`, type: "auth", param: got, code: got },
        });
      });
      const c = createChatClient({ baseURL: lb.url, maxRetries: 0, ...creds });
      const e = await failure(c.chat.completions.create({ messages }));
      expect(sent(header)).toContain(secret);
      expect(e.code).toBe("HTTP_ERROR");
      expect(e.status).toBe(401);
      expect(everything(e)).not.toContain(secret);
      expect(e.message).toContain("Incorrect API key provided: ");
      expect(e.message).toContain("[REDACTED]");
      expect(e.message).toContain("check apiKey");
    },
  );

  it.each(credentials)("keeps %s out of stream errors that echo it", async (_, creds, header, secret) => {
    lb.handle((req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`data: ${JSON.stringify({ error: { message: `bad key ${String(req.headers[header])}` } })}\n\n`);
    });
    const s = await createChatClient({ baseURL: lb.url, ...creds }).chat.completions.create({ messages, stream: true });
    const e = await failure(drain(s));
    expect(sent(header)).toContain(secret);
    expect(e.message).toContain("bad key ");
    expect(everything(e)).not.toContain(secret);
  });

  it.each(credentials)("keeps %s out of connection errors whose cause names it", async (_, creds, header, secret) => {
    // A fetch (a proxy wrapper, a polyfill) whose failure quotes the request header it was given.
    const seen: string[] = [];
    const fetch: FetchLike = (_input, init) => {
      const value = new Headers(init.headers).get(header) ?? "";
      seen.push(value);
      return Promise.reject(new TypeError("fetch failed", { cause: new Error(`proxy refused ${header}: ${value}`) }));
    };
    const c = createChatClient({ baseURL: lb.url, maxRetries: 0, fetch, ...creds });
    const e = await failure(c.models.list());
    expect(seen[0]).toContain(secret);
    expect(e.code).toBe("CONNECTION_ERROR");
    expect(e.message).toContain(`proxy refused ${header}: `);
    expect(everything(e)).not.toContain(secret);
  });
});
