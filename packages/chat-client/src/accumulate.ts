/**
 * Rebuilding a complete chat completion from streamed chunks.
 */
import type { ChatCompletion, ChatCompletionChunk, ChatToolCall, CompletionUsage, FinishReason } from "./types.ts";

interface ToolCallState {
  id: string;
  name: string;
  args: string;
}

interface ChoiceState {
  content: string | null;
  reasoning: string | null;
  refusal: string | null;
  finish: FinishReason | null;
  logprobs: unknown[];
  tools: Map<number, ToolCallState>;
}

/**
 * Accumulates chunks one by one (e.g. to render a partial answer) and gives the completion so far at any time.
 * Content is concatenated per choice; tool calls are merged by their `index` (the `id` and `name` come once,
 * `function.arguments` is concatenated); the last `usage` wins.
 */
export class ChatStreamAccumulator {
  private id = "";
  private created = 0;
  private model = "";
  private fingerprint: string | null | undefined = undefined;
  private usage: CompletionUsage | undefined = undefined;
  private readonly choices = new Map<number, ChoiceState>();

  /** Adds one chunk. */
  add(chunk: ChatCompletionChunk): void {
    if (this.id === "" && typeof chunk.id === "string") this.id = chunk.id;
    if (this.created === 0 && typeof chunk.created === "number") this.created = chunk.created;
    if (this.model === "" && typeof chunk.model === "string") this.model = chunk.model;
    if (chunk.system_fingerprint != null) this.fingerprint = chunk.system_fingerprint;
    if (chunk.usage != null) this.usage = chunk.usage;
    for (const c of chunk.choices) {
      let st = this.choices.get(c.index);
      if (st === undefined) {
        st = { content: null, reasoning: null, refusal: null, finish: null, logprobs: [], tools: new Map() };
        this.choices.set(c.index, st);
      }
      const d = c.delta ?? {};
      if (typeof d.content === "string") st.content = (st.content ?? "") + d.content;
      if (typeof d.reasoning_content === "string") st.reasoning = (st.reasoning ?? "") + d.reasoning_content;
      if (typeof d.refusal === "string") st.refusal = (st.refusal ?? "") + d.refusal;
      if (c.finish_reason != null) st.finish = c.finish_reason;
      if (c.logprobs != null) st.logprobs.push(c.logprobs);
      for (const t of d.tool_calls ?? []) {
        let tc = st.tools.get(t.index);
        if (tc === undefined) {
          tc = { id: "", name: "", args: "" };
          st.tools.set(t.index, tc);
        }
        if (typeof t.id === "string" && t.id !== "") tc.id = t.id;
        if (typeof t.function?.name === "string") tc.name += tc.name === t.function.name ? "" : t.function.name;
        if (typeof t.function?.arguments === "string") tc.args += t.function.arguments;
      }
    }
  }

  /** The completion accumulated so far. */
  result(): ChatCompletion {
    const choices = [...this.choices.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, st]) => {
        const toolCalls: ChatToolCall[] = [...st.tools.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([, t]) => ({ id: t.id, type: "function" as const, function: { name: t.name, arguments: t.args } }));
        return {
          index,
          message: {
            role: "assistant" as const,
            content: st.content,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            ...(st.reasoning !== null ? { reasoning_content: st.reasoning } : {}),
            ...(st.refusal !== null ? { refusal: st.refusal } : {}),
          },
          finish_reason: st.finish,
          ...(st.logprobs.length > 0 ? { logprobs: st.logprobs } : {}),
        };
      });
    return {
      id: this.id,
      object: "chat.completion",
      created: this.created,
      model: this.model,
      choices,
      ...(this.usage !== undefined ? { usage: this.usage } : {}),
      ...(this.fingerprint !== undefined ? { system_fingerprint: this.fingerprint } : {}),
    };
  }
}

/**
 * Consumes a stream of chat chunks (a `ChatStream`, any async iterable, or an array) and returns the final
 * completion: the message of each choice with its content, tool calls (arguments concatenated by index), finish
 * reason, and the usage when the server sent it (`stream_options: { include_usage: true }`).
 */
export async function accumulateChatStream(
  chunks: AsyncIterable<ChatCompletionChunk> | Iterable<ChatCompletionChunk>,
): Promise<ChatCompletion> {
  const acc = new ChatStreamAccumulator();
  for await (const c of chunks) acc.add(c);
  return acc.result();
}
