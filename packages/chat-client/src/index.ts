/**
 * `@kaito-ts/chat-client` — a small, typed, dependency-free client for the inference endpoints Kaito Workspaces
 * serve: the OpenAI-compatible API (vLLM and transformers runtimes) and Kaito's classic `/chat`. Runs wherever a
 * standard `fetch` does (Node, browsers, edge runtimes).
 */
export { accumulateChatStream, ChatStreamAccumulator } from "./accumulate.ts";
export {
  CLASSIC_CHAT_DEFAULTS,
  type ChatClient,
  type ChatClientOptions,
  type ChatCompletions,
  type Completions,
  createChatClient,
} from "./client.ts";
export {
  ChatClientError,
  type ChatClientErrorCode,
  type ChatClientErrorOptions,
  isChatClientError,
  type ServerErrorBody,
} from "./errors.ts";
export { parseServerErrorBody } from "./http-errors.ts";
export { adapterModels, baseModels } from "./models.ts";
export { parsePrometheusText } from "./prometheus.ts";
export { parseRetryAfter, type RetryPolicy, retryDelayMs } from "./retry.ts";
export { parseSseText, type SseEvent, SseParser } from "./sse.ts";
export { ChatStream } from "./stream.ts";
export type { FetchLike, RequestOptions, RetryInfo } from "./transport.ts";
export type {
  ChatAssistantMessage,
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  ChatCompletionCreateParams,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionDelta,
  ChatCompletionMessage,
  ChatContentImagePart,
  ChatContentPart,
  ChatContentTextPart,
  ChatMessage,
  ChatRole,
  ChatSystemMessage,
  ChatTool,
  ChatToolCall,
  ChatToolCallDelta,
  ChatToolChoice,
  ChatToolMessage,
  ChatUserMessage,
  ClassicChatParams,
  ClassicChatResult,
  ClassicGenerateKwargs,
  Completion,
  CompletionChoice,
  CompletionCreateParams,
  CompletionCreateParamsNonStreaming,
  CompletionCreateParamsStreaming,
  CompletionUsage,
  FinishReason,
  HealthResult,
  MetricsResult,
  Model,
  ModelList,
  PrometheusSample,
  ResponseFormat,
  SamplingParams,
  TransformersGpuInfo,
  TransformersMetrics,
} from "./types.ts";
export {
  redactUrl,
  type ServiceProxyUrlOptions,
  serviceProxyUrl,
  type WorkspaceServiceUrlOptions,
  workspaceServiceUrl,
} from "./urls.ts";
