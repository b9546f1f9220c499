/**
 * Checks request arguments before anything is sent. Each check throws a `ChatClientError` with code
 * `INVALID_REQUEST` naming the field (e.g. `messages[2].role`) and saying what is expected.
 */
import { invalidRequest } from "./errors.ts";

type Obj = Record<string, unknown>;

const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);
const TOOL_CHOICES = new Set(["none", "auto", "required"]);
const RESPONSE_FORMATS = new Set(["text", "json_object", "json_schema"]);

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? "an array" : `a ${typeof v}`;
}

function number(p: Obj, key: string, min: number, max: number, integer = false, prefix = ""): void {
  const v = p[key];
  if (v === undefined) return;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw invalidRequest(prefix + key, `must be a number, got ${show(v)}`);
  if (integer && !Number.isInteger(v)) throw invalidRequest(prefix + key, `must be an integer, got ${v}`);
  if (v < min || v > max) {
    const range = max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `between ${min} and ${max}`;
    throw invalidRequest(prefix + key, `must be ${range}, got ${v}`);
  }
}

function bool(p: Obj, key: string, prefix = ""): void {
  const v = p[key];
  if (v !== undefined && typeof v !== "boolean")
    throw invalidRequest(`${prefix}${key}`, `must be a boolean, got ${show(v)}`);
}

function str(p: Obj, key: string, nonEmpty = false, prefix = ""): void {
  const v = p[key];
  if (v === undefined) return;
  if (typeof v !== "string") throw invalidRequest(prefix + key, `must be a string, got ${show(v)}`);
  if (nonEmpty && v.trim() === "") throw invalidRequest(prefix + key, "must not be empty");
}

function checkSampling(p: Obj): void {
  str(p, "model", true);
  number(p, "max_tokens", 1, Number.POSITIVE_INFINITY, true);
  number(p, "temperature", 0, 2);
  number(p, "top_p", 0, 1);
  number(p, "n", 1, 128, true);
  number(p, "presence_penalty", -2, 2);
  number(p, "frequency_penalty", -2, 2);
  number(p, "seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  number(p, "min_p", 0, 1);
  number(p, "repetition_penalty", Number.MIN_VALUE, Number.POSITIVE_INFINITY);
  str(p, "user");
  bool(p, "stream");
  const topK = p.top_k;
  if (topK !== undefined) {
    number(p, "top_k", -1, Number.POSITIVE_INFINITY, true);
    if (topK === 0) throw invalidRequest("top_k", "must be -1 (disabled) or ≥ 1, got 0");
  }
  const stop = p.stop;
  if (stop !== undefined && stop !== null) {
    if (Array.isArray(stop)) {
      stop.forEach((s, i) => {
        if (typeof s !== "string" || s === "")
          throw invalidRequest(`stop[${i}]`, `must be a non-empty string, got ${show(s)}`);
      });
    } else if (typeof stop !== "string" || stop === "") {
      throw invalidRequest("stop", `must be a non-empty string or an array of strings, got ${show(stop)}`);
    }
  }
  const bias = p.logit_bias;
  if (bias !== undefined) {
    if (!isObject(bias)) throw invalidRequest("logit_bias", `must be an object of token id → bias, got ${show(bias)}`);
    for (const [k, v] of Object.entries(bias)) {
      if (typeof v !== "number" || v < -100 || v > 100) {
        throw invalidRequest(`logit_bias.${k}`, `must be a number between -100 and 100, got ${show(v)}`);
      }
    }
  }
  const so = p.stream_options;
  if (so !== undefined && so !== null) {
    if (!isObject(so)) throw invalidRequest("stream_options", `must be an object, got ${show(so)}`);
    bool(so, "include_usage", "stream_options.");
  }
}

/** Checks a message's `content`; `field` builds its path only when there is an error to report. */
function checkContent(field: () => string, content: unknown, allowNull: boolean): void {
  if (content === null || content === undefined) {
    if (allowNull) return;
    throw invalidRequest(field(), "is required (a string or an array of content parts)");
  }
  if (typeof content === "string") return;
  if (!Array.isArray(content))
    throw invalidRequest(field(), `must be a string or an array of content parts, got ${show(content)}`);
  for (let i = 0; i < content.length; i++) {
    const part: unknown = content[i];
    if (!isObject(part)) throw invalidRequest(`${field()}[${i}]`, `must be a content part object, got ${show(part)}`);
    if (part.type === "text") {
      if (typeof part.text !== "string") {
        throw invalidRequest(`${field()}[${i}].text`, `must be a string, got ${show(part.text)}`);
      }
    } else if (part.type === "image_url") {
      const img = part.image_url;
      if (!isObject(img) || typeof img.url !== "string") {
        throw invalidRequest(`${field()}[${i}].image_url.url`, "must be a string");
      }
    } else if (typeof part.type !== "string") {
      throw invalidRequest(`${field()}[${i}].type`, `must be a string such as "text", got ${show(part.type)}`);
    }
  }
}

function checkToolCalls(i: number, toolCalls: unknown): void {
  if (!Array.isArray(toolCalls)) throw invalidRequest(`messages[${i}].tool_calls`, "must be an array");
  for (let j = 0; j < toolCalls.length; j++) {
    const c: unknown = toolCalls[j];
    const fc = `messages[${i}].tool_calls[${j}]`;
    if (!isObject(c) || typeof c.id !== "string") throw invalidRequest(`${fc}.id`, "must be a string");
    const fn = c.function;
    if (!isObject(fn) || typeof fn.name !== "string" || typeof fn.arguments !== "string") {
      throw invalidRequest(`${fc}.function`, "must have a string name and string arguments (JSON text)");
    }
  }
}

// Field paths are built only on error: validation runs on every request, so the happy path allocates nothing.
function checkMessages(messages: unknown): void {
  if (!Array.isArray(messages)) throw invalidRequest("messages", `must be an array of messages, got ${show(messages)}`);
  if (messages.length === 0) throw invalidRequest("messages", "must contain at least one message");
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isObject(m)) throw invalidRequest(`messages[${i}]`, `must be an object with role and content, got ${show(m)}`);
    const role = m.role;
    if (typeof role !== "string" || !ROLES.has(role)) {
      throw invalidRequest(
        `messages[${i}].role`,
        `must be one of system, developer, user, assistant, tool; got ${show(role)}`,
      );
    }
    const toolCalls = m.tool_calls;
    const content = m.content;
    if (role === "assistant") {
      if (content == null) {
        if (!(Array.isArray(toolCalls) && toolCalls.length > 0)) {
          throw invalidRequest(`messages[${i}].content`, "is required unless the assistant message has tool_calls");
        }
      } else if (typeof content !== "string") checkContent(() => `messages[${i}].content`, content, false);
      if (toolCalls !== undefined) checkToolCalls(i, toolCalls);
    } else {
      if (typeof content !== "string") checkContent(() => `messages[${i}].content`, content, false);
      if (toolCalls !== undefined) {
        throw invalidRequest(`messages[${i}].tool_calls`, `is only allowed on assistant messages, not ${role}`);
      }
    }
    if (role === "tool" && (typeof m.tool_call_id !== "string" || m.tool_call_id === "")) {
      throw invalidRequest(
        `messages[${i}].tool_call_id`,
        "is required on tool messages (the id of the call it answers)",
      );
    }
    const name = m.name;
    if (name !== undefined && typeof name !== "string") {
      throw invalidRequest(`messages[${i}].name`, `must be a string, got ${show(name)}`);
    }
  }
}

function checkTools(p: Obj): void {
  const tools = p.tools;
  if (tools === undefined && p.tool_choice === undefined) {
    bool(p, "parallel_tool_calls");
    return;
  }
  const names = new Set<string>();
  if (tools !== undefined) {
    if (!Array.isArray(tools)) throw invalidRequest("tools", `must be an array of tools, got ${show(tools)}`);
    tools.forEach((t: unknown, i) => {
      const f = `tools[${i}]`;
      if (!isObject(t) || t.type !== "function") throw invalidRequest(`${f}.type`, 'must be "function"');
      const fn = t.function;
      if (!isObject(fn) || typeof fn.name !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(fn.name)) {
        throw invalidRequest(`${f}.function.name`, "must be 1-64 letters, digits, '_' or '-'");
      }
      if (fn.parameters !== undefined && !isObject(fn.parameters)) {
        throw invalidRequest(`${f}.function.parameters`, "must be a JSON Schema object");
      }
      names.add(fn.name);
    });
  }
  const choice = p.tool_choice;
  if (choice !== undefined) {
    if (typeof choice === "string") {
      if (!TOOL_CHOICES.has(choice))
        throw invalidRequest("tool_choice", `must be none, auto, required or a function, got ${show(choice)}`);
      if (choice === "required" && names.size === 0)
        throw invalidRequest("tool_choice", 'is "required" but no tools are given');
    } else {
      const fn = isObject(choice) ? choice.function : undefined;
      if (!isObject(choice) || choice.type !== "function" || !isObject(fn) || typeof fn.name !== "string") {
        throw invalidRequest(
          "tool_choice",
          'must be "none", "auto", "required" or { type: "function", function: { name } }',
        );
      }
      if (!names.has(fn.name))
        throw invalidRequest("tool_choice.function.name", `names no tool in tools: ${show(fn.name)}`);
    }
  }
  bool(p, "parallel_tool_calls");
}

/** Validates the body of `chat.completions.create`. */
export function validateChatParams(params: unknown): void {
  if (!isObject(params)) throw invalidRequest("params", `must be an object, got ${show(params)}`);
  checkMessages(params.messages);
  checkSampling(params);
  checkTools(params);
  number(params, "max_completion_tokens", 1, Number.POSITIVE_INFINITY, true);
  bool(params, "logprobs");
  number(params, "top_logprobs", 0, 20, true);
  if (params.top_logprobs !== undefined && params.logprobs !== true) {
    throw invalidRequest("top_logprobs", "requires logprobs: true");
  }
  const rf = params.response_format;
  if (rf !== undefined) {
    if (!isObject(rf) || typeof rf.type !== "string" || !RESPONSE_FORMATS.has(rf.type)) {
      throw invalidRequest("response_format.type", "must be text, json_object or json_schema");
    }
    if (rf.type === "json_schema") {
      const js = rf.json_schema;
      if (!isObject(js) || typeof js.name !== "string")
        throw invalidRequest("response_format.json_schema.name", "is required");
    }
  }
}

/** Validates the body of `completions.create`. */
export function validateCompletionParams(params: unknown): void {
  if (!isObject(params)) throw invalidRequest("params", `must be an object, got ${show(params)}`);
  const prompt = params.prompt;
  if (typeof prompt === "string") {
    if (prompt === "") throw invalidRequest("prompt", "must not be empty");
  } else if (Array.isArray(prompt)) {
    if (prompt.length === 0) throw invalidRequest("prompt", "must not be an empty array");
    const allStrings = prompt.every((x) => typeof x === "string");
    const allTokens = prompt.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0);
    if (!allStrings && !allTokens)
      throw invalidRequest("prompt", "must be a string, an array of strings, or an array of token ids");
  } else {
    throw invalidRequest("prompt", `is required (a string, strings, or token ids), got ${show(prompt)}`);
  }
  checkSampling(params);
  bool(params, "echo");
  str(params, "suffix");
  number(params, "logprobs", 0, Number.POSITIVE_INFINITY, true);
  number(params, "best_of", 1, 128, true);
}

/** Validates the body of the classic `/chat`: exactly one of `prompt` and `messages`, and sane `generate_kwargs`. */
export function validateClassicParams(params: unknown): void {
  if (!isObject(params)) throw invalidRequest("params", `must be an object, got ${show(params)}`);
  const hasPrompt = params.prompt !== undefined;
  const hasMessages = params.messages !== undefined;
  if (hasPrompt && hasMessages) {
    throw invalidRequest(
      "prompt",
      "and messages are mutually exclusive: send prompt (text-generation) or messages (conversational)",
    );
  }
  if (!hasPrompt && !hasMessages) {
    throw invalidRequest("prompt", "is required (or messages, for a conversational pipeline)");
  }
  if (hasPrompt) str(params, "prompt", true);
  if (hasMessages) {
    const messages = params.messages;
    if (!Array.isArray(messages) || messages.length === 0)
      throw invalidRequest("messages", "must be a non-empty array");
    messages.forEach((m: unknown, i) => {
      if (!isObject(m) || typeof m.role !== "string" || m.role === "") {
        throw invalidRequest(`messages[${i}].role`, "must be a non-empty string");
      }
      if (typeof m.content !== "string") throw invalidRequest(`messages[${i}].content`, "must be a string");
    });
  }
  bool(params, "return_full_text");
  bool(params, "clean_up_tokenization_spaces");
  str(params, "prefix");
  str(params, "handle_long_generation");
  const gk = params.generate_kwargs;
  if (gk !== undefined) {
    if (!isObject(gk)) throw invalidRequest("generate_kwargs", `must be an object, got ${show(gk)}`);
    const prefix = "generate_kwargs.";
    number(gk, "max_length", 1, Number.POSITIVE_INFINITY, true, prefix);
    number(gk, "min_length", 0, Number.POSITIVE_INFINITY, true, prefix);
    number(gk, "num_beams", 1, Number.POSITIVE_INFINITY, true, prefix);
    number(gk, "temperature", Number.MIN_VALUE, Number.POSITIVE_INFINITY, false, prefix);
    number(gk, "top_k", 0, Number.POSITIVE_INFINITY, true, prefix);
    number(gk, "top_p", 0, 1, false, prefix);
    number(gk, "typical_p", 0, 1, false, prefix);
    number(gk, "repetition_penalty", Number.MIN_VALUE, Number.POSITIVE_INFINITY, false, prefix);
    bool(gk, "do_sample", prefix);
    bool(gk, "early_stopping", prefix);
    const max = gk.max_length;
    const min = gk.min_length;
    if (typeof max === "number" && typeof min === "number" && min > max) {
      throw invalidRequest("generate_kwargs.min_length", `(${min}) must not exceed max_length (${max})`);
    }
  }
}
