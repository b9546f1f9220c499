/**
 * Wire types of the OpenAI-compatible API served by Kaito's vLLM and transformers runtimes, and of Kaito's classic
 * `/chat` API. Field names are the wire names (snake_case) so request bodies are sent as written.
 */

/** Roles a chat message may have. */
export type ChatRole = "system" | "developer" | "user" | "assistant" | "tool";

/** A text part of a multi-part message content. */
export interface ChatContentTextPart {
  readonly type: "text";
  readonly text: string;
}

/** An image part of a multi-part message content (for vision models). */
export interface ChatContentImagePart {
  readonly type: "image_url";
  readonly image_url: { readonly url: string; readonly detail?: "auto" | "low" | "high" };
}

/** A part of a multi-part message content. */
export type ChatContentPart = ChatContentTextPart | ChatContentImagePart;

/** A tool call the assistant made. */
export interface ChatToolCall {
  readonly id: string;
  readonly type: "function";
  readonly function: { readonly name: string; readonly arguments: string };
}

/** A message from the system/developer. */
export interface ChatSystemMessage {
  readonly role: "system" | "developer";
  readonly content: string | readonly ChatContentTextPart[];
  readonly name?: string;
}

/** A message from the user. */
export interface ChatUserMessage {
  readonly role: "user";
  readonly content: string | readonly ChatContentPart[];
  readonly name?: string;
}

/** A message from the assistant (an earlier turn). */
export interface ChatAssistantMessage {
  readonly role: "assistant";
  readonly content?: string | readonly ChatContentTextPart[] | null;
  readonly tool_calls?: readonly ChatToolCall[];
  readonly name?: string;
}

/** The result of a tool call, sent back to the model. */
export interface ChatToolMessage {
  readonly role: "tool";
  readonly content: string | readonly ChatContentTextPart[];
  readonly tool_call_id: string;
}

/** One message of a conversation. */
export type ChatMessage = ChatSystemMessage | ChatUserMessage | ChatAssistantMessage | ChatToolMessage;

/** A function the model may call. */
export interface ChatTool {
  readonly type: "function";
  readonly function: {
    readonly name: string;
    readonly description?: string;
    /** JSON Schema of the arguments. */
    readonly parameters?: Readonly<Record<string, unknown>>;
    readonly strict?: boolean;
  };
}

/** How the model may use tools. */
export type ChatToolChoice =
  | "none"
  | "auto"
  | "required"
  | { readonly type: "function"; readonly function: { readonly name: string } };

/** Requested output format. */
export type ResponseFormat =
  | { readonly type: "text" }
  | { readonly type: "json_object" }
  | {
      readonly type: "json_schema";
      readonly json_schema: {
        readonly name: string;
        readonly schema?: Readonly<Record<string, unknown>>;
        readonly strict?: boolean;
        readonly description?: string;
      };
    };

/** Sampling parameters shared by chat and text completions (OpenAI names plus vLLM's extra sampling fields). */
export interface SamplingParams {
  /**
   * The served model name. On vLLM a LoRA adapter is selected by passing its name here (Kaito registers every
   * adapter under `/mnt/adapter/<name>` as a model named `<name>`). Optional: servers fall back to their model, and
   * the client to its `model` option.
   */
  readonly model?: string;
  /** Maximum number of tokens to generate (≥ 1). */
  readonly max_tokens?: number;
  /** Sampling temperature, 0–2. */
  readonly temperature?: number;
  /** Nucleus sampling mass, 0–1. */
  readonly top_p?: number;
  /** Number of choices to generate (≥ 1). */
  readonly n?: number;
  /** Stop sequence(s). */
  readonly stop?: string | readonly string[];
  /** −2 to 2. */
  readonly presence_penalty?: number;
  /** −2 to 2. */
  readonly frequency_penalty?: number;
  /** Seed for reproducible sampling. */
  readonly seed?: number;
  /** Token-id → bias (−100 to 100). */
  readonly logit_bias?: Readonly<Record<string, number>>;
  /** End-user identifier. */
  readonly user?: string;
  /** vLLM: top-k sampling (−1 or ≥ 1). */
  readonly top_k?: number;
  /** vLLM: min-p sampling, 0–1. */
  readonly min_p?: number;
  /** vLLM: repetition penalty (> 0). */
  readonly repetition_penalty?: number;
  /** Streaming options; `include_usage` adds a final usage chunk. */
  readonly stream_options?: { readonly include_usage?: boolean };
}

/** Body of `POST /v1/chat/completions`. */
export interface ChatCompletionCreateParams extends SamplingParams {
  /** The conversation, at least one message. */
  readonly messages: readonly ChatMessage[];
  /** Stream the answer as Server-Sent Events. */
  readonly stream?: boolean;
  readonly tools?: readonly ChatTool[];
  readonly tool_choice?: ChatToolChoice;
  readonly parallel_tool_calls?: boolean;
  readonly response_format?: ResponseFormat;
  readonly logprobs?: boolean;
  /** 0–20, requires `logprobs`. */
  readonly top_logprobs?: number;
  /** Newer name of `max_tokens`. */
  readonly max_completion_tokens?: number;
}

/** Chat params with streaming on. */
export type ChatCompletionCreateParamsStreaming = ChatCompletionCreateParams & { readonly stream: true };
/** Chat params with streaming off. */
export type ChatCompletionCreateParamsNonStreaming = ChatCompletionCreateParams & { readonly stream?: false };

/** Token usage. */
export interface CompletionUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

/** Why generation stopped. Servers may send other strings (e.g. vLLM's `"abort"`). */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call" | (string & {});

/** A message the assistant produced. */
export interface ChatCompletionMessage {
  readonly role: "assistant";
  readonly content: string | null;
  readonly tool_calls?: readonly ChatToolCall[];
  /** Reasoning text, for servers started with a reasoning parser. */
  readonly reasoning_content?: string | null;
  readonly refusal?: string | null;
}

/** One choice of a chat completion. */
export interface ChatCompletionChoice {
  readonly index: number;
  readonly message: ChatCompletionMessage;
  readonly finish_reason: FinishReason | null;
  readonly logprobs?: unknown;
}

/** Response of `POST /v1/chat/completions` without streaming. */
export interface ChatCompletion {
  readonly id: string;
  readonly object: "chat.completion";
  readonly created: number;
  readonly model: string;
  readonly choices: readonly ChatCompletionChoice[];
  readonly usage?: CompletionUsage;
  readonly system_fingerprint?: string | null;
}

/** A tool-call fragment inside a streamed delta; `function.arguments` arrives in pieces to concatenate by `index`. */
export interface ChatToolCallDelta {
  readonly index: number;
  readonly id?: string;
  readonly type?: "function";
  readonly function?: { readonly name?: string; readonly arguments?: string };
}

/** What a streamed chunk adds to a choice. */
export interface ChatCompletionDelta {
  readonly role?: "assistant";
  readonly content?: string | null;
  readonly reasoning_content?: string | null;
  readonly tool_calls?: readonly ChatToolCallDelta[];
  readonly refusal?: string | null;
}

/** One choice of a streamed chunk. */
export interface ChatCompletionChunkChoice {
  readonly index: number;
  readonly delta: ChatCompletionDelta;
  readonly finish_reason: FinishReason | null;
  readonly logprobs?: unknown;
}

/** One chunk of a streamed chat completion. */
export interface ChatCompletionChunk {
  readonly id: string;
  readonly object: "chat.completion.chunk";
  readonly created: number;
  readonly model: string;
  readonly choices: readonly ChatCompletionChunkChoice[];
  readonly usage?: CompletionUsage | null;
  readonly system_fingerprint?: string | null;
}

/** Body of `POST /v1/completions`. */
export interface CompletionCreateParams extends SamplingParams {
  /** The prompt: text, texts, or token ids. */
  readonly prompt: string | readonly string[] | readonly number[];
  readonly stream?: boolean;
  /** Echo the prompt in the output. */
  readonly echo?: boolean;
  /** Text appended after the completion. */
  readonly suffix?: string;
  /** Number of log-probabilities to return, 0–5 (OpenAI) or more (vLLM). */
  readonly logprobs?: number;
  /** Generate `best_of` and return the best `n`. */
  readonly best_of?: number;
}

/** Completion params with streaming on. */
export type CompletionCreateParamsStreaming = CompletionCreateParams & { readonly stream: true };
/** Completion params with streaming off. */
export type CompletionCreateParamsNonStreaming = CompletionCreateParams & { readonly stream?: false };

/** One choice of a text completion (also the shape of streamed text completion chunks). */
export interface CompletionChoice {
  readonly index: number;
  readonly text: string;
  readonly finish_reason: FinishReason | null;
  readonly logprobs?: unknown;
}

/** Response of `POST /v1/completions`, and each chunk of its stream. */
export interface Completion {
  readonly id: string;
  readonly object: "text_completion";
  readonly created: number;
  readonly model: string;
  readonly choices: readonly CompletionChoice[];
  readonly usage?: CompletionUsage | null;
  readonly system_fingerprint?: string | null;
}

/** One model served by the endpoint. On vLLM a LoRA adapter has `parent` set to the base model. */
export interface Model {
  readonly id: string;
  readonly object: "model";
  readonly created?: number;
  readonly owned_by?: string;
  /** vLLM: the model path (for adapters, the adapter directory). */
  readonly root?: string | null;
  /** vLLM: for a LoRA adapter, the name of the base model; `null` for the base model. */
  readonly parent?: string | null;
  readonly max_model_len?: number;
}

/** Response of `GET /v1/models`. */
export interface ModelList {
  readonly object: "list";
  readonly data: readonly Model[];
}

/** `generate_kwargs` of Kaito's classic `/chat`; extra keys are passed to the model's `generate`. */
export interface ClassicGenerateKwargs {
  readonly max_length?: number;
  readonly min_length?: number;
  readonly do_sample?: boolean;
  readonly early_stopping?: boolean;
  readonly num_beams?: number;
  readonly temperature?: number;
  readonly top_k?: number;
  readonly top_p?: number;
  readonly typical_p?: number;
  readonly repetition_penalty?: number;
  readonly pad_token_id?: number;
  readonly eos_token_id?: number;
  readonly [key: string]: unknown;
}

/** Fields of the classic `/chat` body besides the input. */
interface ClassicChatCommon {
  readonly return_full_text?: boolean;
  readonly clean_up_tokenization_spaces?: boolean;
  readonly prefix?: string;
  readonly handle_long_generation?: string;
  readonly generate_kwargs?: ClassicGenerateKwargs;
}

/**
 * Body of Kaito's classic `POST /chat`: `prompt` for the `text-generation` pipeline, or `messages` for
 * `conversational` — exactly one of them.
 */
export type ClassicChatParams =
  | (ClassicChatCommon & { readonly prompt: string; readonly messages?: undefined })
  | (ClassicChatCommon & {
      readonly messages: readonly { readonly role: string; readonly content: string }[];
      readonly prompt?: undefined;
    });

/** Response of the classic `/chat`. */
export interface ClassicChatResult {
  readonly Result: string;
}

/** Result of `GET /health`; a non-2xx answer is reported here (not thrown) so probes can read it. */
export interface HealthResult {
  /** True for a 2xx answer. */
  readonly healthy: boolean;
  readonly status: number;
  /** The parsed JSON body, the text body, or `undefined` when empty (vLLM answers 200 with no body). */
  readonly body: unknown;
}

/** One accelerator in the transformers runtime's JSON `/metrics`. */
export interface TransformersGpuInfo {
  readonly id: string | number;
  readonly name: string;
  readonly load: number | string;
  readonly temperature: number | string;
  readonly memory: { readonly used: number | string; readonly total: number | string };
}

/** The transformers runtime's JSON `/metrics` (`gpu_info` on GPU nodes, `cpu_info` otherwise). */
export interface TransformersMetrics {
  readonly gpu_info?: readonly TransformersGpuInfo[];
  readonly cpu_info?: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** One sample of a Prometheus text exposition. */
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
}

/** Result of `GET /metrics`: Prometheus text (vLLM) or JSON (transformers runtime). */
export type MetricsResult =
  | { readonly format: "prometheus"; readonly text: string; readonly samples: readonly PrometheusSample[] }
  | { readonly format: "json"; readonly data: TransformersMetrics };
