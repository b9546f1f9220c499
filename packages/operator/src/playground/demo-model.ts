/** The demo's model: the process mapping of the inference image, and the chat at the end of the demo. */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createChatClient } from "@kaito-ts/chat-client";
import type { ProcessContext, ProcessSpec } from "@kaito-ts/cluster-sim";
import type { CliIO } from "../cli/io.ts";

/** The inference pods' process and the chat. */
export interface DemoModelServer {
  spawn(ctx: ProcessContext): ProcessSpec;
  /** Chat through the API server's service proxy at `proxyBase` (both endpoints); prints the exchange. */
  chat(io: CliIO, proxyBase: string, token: string, adapter: string | undefined): Promise<void>;
  stop(): Promise<void>;
}

/** The model server mapping: `demo-model-server.ts` with the pod's port; `adapters` are served as model names. */
export async function modelServerMapping(workDir: string, adapters: readonly string[]): Promise<DemoModelServer> {
  const here = dirname(fileURLToPath(import.meta.url));
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const script = join(here, `demo-model-server${ext}`);
  return {
    spawn(ctx) {
      return {
        command: [process.execPath, ...(ext === ".ts" ? ["--conditions=@kaito-ts/source"] : []), script, workDir],
        env: { PORT: String(ctx.ports[5000] ?? 5000), ADAPTERS: adapters.join(",") },
      };
    },
    async chat(io, proxyBase, token, adapter) {
      const client = createChatClient({ baseURL: proxyBase, apiKey: token, maxRetries: 6, timeoutMs: 120_000 });
      const say = (t: string) => io.stdout(`${t}\n`);
      // The Service's endpoints follow the pod's readiness a moment later: wait until /health answers through the proxy.
      for (let i = 0; i < 120 && !(await client.health()).healthy; i++) await new Promise((r) => setTimeout(r, 250));
      const q = "What is Kaito?";
      say(
        `\n$ chat (OpenAI-compatible /v1/chat/completions${adapter !== undefined ? `, model ${adapter}` : ""}): ${q}`,
      );
      const r = await client.chat.completions.create({
        model: adapter ?? "phi-3-mini-128k-instruct",
        messages: [{ role: "user", content: q }],
        max_tokens: 24,
      });
      say(`assistant: ${r.choices[0]?.message.content ?? ""}`);
      say(`\n$ curl -d '{"prompt": "${q}"}' …/chat          (Kaito's classic endpoint)`);
      const c = await client.classicChat({ prompt: q });
      say(`{"Result": ${JSON.stringify(c.Result)}}`);
      say("(the model has random weights: real llama.cpp inference, meaningless words)");
    },
    async stop() {},
  };
}
