import { createInterface } from "node:readline";
import {
  type ChatClient,
  type ChatMessage,
  createChatClient,
  isChatClientError,
  serviceProxyUrl,
} from "@kaito-ts/chat-client";
import type { Command } from "commander";
import type { CliIO } from "../io.ts";
import { type ClusterOptions, clientFor, clusterOptionsOf, withClientErrors, withClusterOptions } from "./apply.ts";

/** Options of `kaito chat`. */
export interface ChatOptions extends ClusterOptions {
  /** Model (a LoRA adapter's name, or the base model); default: the first base model the server lists. */
  readonly model?: string;
  /** Lines of an interactive session (default: standard input through readline). */
  readonly input?: AsyncIterable<string>;
}

/** Streams one answer to stdout; returns the whole text. Falls back to the classic `/chat` when there is no OpenAI API. */
async function answer(
  io: CliIO,
  chat: ChatClient,
  model: string | undefined,
  messages: ChatMessage[],
): Promise<string> {
  if (model === undefined) {
    const last = messages.at(-1);
    const prompt = typeof last?.content === "string" ? last.content : "";
    const { Result } = await chat.classicChat({ prompt });
    io.stdout(`${Result}\n`);
    return Result;
  }
  const stream = await chat.chat.completions.create({ model, messages, stream: true });
  let text = "";
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta.content ?? "";
    text += delta;
    io.stdout(delta);
  }
  io.stdout("\n");
  return text;
}

async function pickModel(chat: ChatClient): Promise<string | undefined> {
  try {
    const models = await chat.models.list();
    return (models.data.find((m) => m.parent === undefined || m.parent === null) ?? models.data[0])?.id;
  } catch (error) {
    // Kaito's classic transformers runtime (≤ v0.8) has no /v1/models: use its /chat.
    if (isChatClientError(error) && error.status === 404) return undefined;
    throw error;
  }
}

/** Lines of standard input, and a way to let go of it (so the process can end after `/exit`). */
function stdinLines(): { lines: AsyncIterable<string>; close: () => void } {
  const rl = createInterface({ input: process.stdin, terminal: false });
  return {
    lines: rl,
    close: () => {
      rl.close();
      process.stdin.destroy();
    },
  };
}

/** Runs `kaito chat`: one prompt, or an interactive session (`/exit` or end of input ends it). */
export async function runChat(
  io: CliIO,
  workspace: string,
  prompt: string | undefined,
  options: ChatOptions,
): Promise<number> {
  return withClientErrors(io, async () => {
    const client = await clientFor(options);
    const ws = await client.get(workspace, options.namespace);
    const namespace = ws.metadata.namespace ?? client.namespace;
    const chat = createChatClient({
      baseURL: serviceProxyUrl({ server: client.server, namespace, name: workspace }),
      fetch: client.fetch,
      timeoutMs: 600_000,
    });
    try {
      const model = options.model ?? (await pickModel(chat));
      const messages: ChatMessage[] = [];
      if (prompt !== undefined) {
        messages.push({ role: "user", content: prompt });
        await answer(io, chat, model, messages);
        return 0;
      }
      io.stderr(
        `chatting with ${namespace}/${workspace}${model !== undefined ? ` (model ${model})` : " (classic /chat)"}; /exit ends\n`,
      );
      if (io.isTTY) io.stdout("> ");
      const stdin = options.input === undefined ? stdinLines() : undefined;
      try {
        for await (const raw of options.input ?? stdin?.lines ?? []) {
          const line = raw.trim();
          if (line === "/exit" || line === "/quit") break;
          if (line !== "") {
            messages.push({ role: "user", content: line });
            const text = await answer(io, chat, model, messages);
            messages.push({ role: "assistant", content: text });
          }
          if (io.isTTY) io.stdout("> ");
        }
      } finally {
        stdin?.close();
      }
      return 0;
    } catch (error) {
      if (!isChatClientError(error)) throw error;
      const hint =
        error.status === 503 || error.status === 502 || error.code === "CONNECTION_ERROR"
          ? ` (is the Workspace ready? kaito status ${workspace} -n ${namespace})`
          : error.status === 404
            ? ` (no such model? list them: kaito endpoint ${workspace} -n ${namespace})`
            : "";
      io.stderr(`error: chat with ${namespace}/${workspace}: ${error.message}${hint}\n`);
      return 1;
    }
  });
}

/** Registers `kaito chat`. */
export function registerChatCommand(program: Command, io: CliIO, setExitCode: (code: number) => void): void {
  withClusterOptions(
    program
      .command("chat")
      .description(
        "chat with a Workspace's model through the API server's service proxy; streams the answer; without a prompt, an interactive session (/exit ends)",
      )
      .argument("<workspace>", "an inference Workspace")
      .argument("[prompt]", "one question (default: read lines from standard input)")
      .option("--model <name>", "model name: a LoRA adapter or the base model (default: the base model)"),
  ).action(async (workspace: string, prompt: string | undefined, o: Record<string, unknown>) => {
    setExitCode(
      await runChat(io, workspace, prompt, {
        ...clusterOptionsOf(o),
        ...(typeof o.model === "string" ? { model: o.model } : {}),
      }),
    );
  });
}
