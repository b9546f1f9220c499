/**
 * `@kaito-ts/chat-client/testing` (Node only): writes a tiny, deterministic, random-weight llama model in the GGUF
 * format — and a LoRA adapter for it — so tests and demos run a real llama.cpp engine (e.g. node-llama-cpp) behind an
 * inference endpoint without downloading any model. Its answers are random text: it exercises the wire, not quality.
 *
 * Model: F32 weights, SentencePiece-style vocab of 368 tokens (3 control, 256 byte, 95 printable ASCII, 14 words),
 * n_embd 64, 2 layers, 4 heads, ctx 512, a Jinja chat template. The output rows of control and byte tokens are
 * zeroed and the other rows scaled up, so sampling practically always yields printable ASCII.
 */
import { writeFileSync } from "node:fs";

const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
const ALIGNMENT = 32;

// GGUF metadata value types
const T_UINT32 = 4;
const T_INT32 = 5;
const T_FLOAT32 = 6;
const T_STRING = 8;
const T_ARRAY = 9;

// GGML tensor type
const GGML_F32 = 0;

type MetaValue =
  | { type: "u32"; value: number }
  | { type: "f32"; value: number }
  | { type: "str"; value: string }
  | { type: "str[]"; value: readonly string[] }
  | { type: "f32[]"; value: readonly number[] }
  | { type: "i32[]"; value: readonly number[] };

interface Tensor {
  name: string;
  /** ggml order: dims[0] is the innermost (contiguous) dimension. */
  dims: readonly number[];
  data: Float32Array;
}

class ByteWriter {
  private chunks: Uint8Array[] = [];
  length = 0;
  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.push(b);
  }
  i32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    this.push(b);
  }
  u64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    this.push(b);
  }
  f32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
  }
  str(s: string): void {
    const bytes = new TextEncoder().encode(s);
    this.u64(bytes.length);
    this.push(bytes);
  }
  raw(bytes: Uint8Array): void {
    this.push(bytes);
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    if (pad > 0) this.push(new Uint8Array(pad));
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function writeMeta(w: ByteWriter, key: string, v: MetaValue): void {
  w.str(key);
  switch (v.type) {
    case "u32":
      w.u32(T_UINT32);
      w.u32(v.value);
      return;
    case "f32":
      w.u32(T_FLOAT32);
      w.f32(v.value);
      return;
    case "str":
      w.u32(T_STRING);
      w.str(v.value);
      return;
    case "str[]":
      w.u32(T_ARRAY);
      w.u32(T_STRING);
      w.u64(v.value.length);
      for (const s of v.value) w.str(s);
      return;
    case "f32[]":
      w.u32(T_ARRAY);
      w.u32(T_FLOAT32);
      w.u64(v.value.length);
      for (const x of v.value) w.f32(x);
      return;
    case "i32[]":
      w.u32(T_ARRAY);
      w.u32(T_INT32);
      w.u64(v.value.length);
      for (const x of v.value) w.i32(x);
      return;
  }
}

function encodeGguf(meta: ReadonlyArray<readonly [string, MetaValue]>, tensors: readonly Tensor[]): Uint8Array {
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(3);
  w.u64(tensors.length);
  w.u64(meta.length);
  for (const [k, v] of meta) writeMeta(w, k, v);
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_F32);
    w.u64(offset);
    offsets.push(offset);
    offset += t.data.byteLength;
    offset += (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
  }
  w.padTo(ALIGNMENT);
  for (const t of tensors) {
    w.raw(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.padTo(ALIGNMENT);
  }
  return w.concat();
}

/** Deterministic PRNG (mulberry32) and an approximately normal sampler on top of it. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    let sum = 0;
    for (let i = 0; i < 6; i++) sum += uniform();
    return (sum - 3) * Math.SQRT2; // variance 6/12 * 2 = 1
  };
}

const N_EMBD = 64;
const N_LAYER = 2;
const N_HEAD = 4;
const N_FF = 128;
const N_CTX = 512;
const WORDS = [
  "hello",
  "world",
  "kaito",
  "model",
  "token",
  "chat",
  "the",
  "and",
  "is",
  "of",
  "to",
  "in",
  "gpu",
  "node",
];

/** The vocabulary: pieces and token types (1 normal, 3 control, 6 byte). */
export function tinyVocab(): { tokens: string[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [2, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6);
  }
  for (let c = 32; c < 127; c++) {
    tokens.push(c === 32 ? "\u2581" : String.fromCharCode(c));
    types.push(1);
  }
  for (const w of WORDS) {
    tokens.push(`\u2581${w}`);
    types.push(1);
  }
  return { tokens, types };
}

const CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + '</s>\\n' }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

function randomTensor(name: string, dims: readonly number[], rnd: () => number, scale: number): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rnd() * scale;
  return { name, dims, data };
}

function onesTensor(name: string, n: number): Tensor {
  return { name, dims: [n], data: new Float32Array(n).fill(1) };
}

/** Bytes of the tiny model; the same bytes on every call. */
export function tinyLlamaGguf(seed = 42): Uint8Array {
  const { tokens, types } = tinyVocab();
  const nVocab = tokens.length;
  const rnd = gaussian(seed);
  const tensors: Tensor[] = [randomTensor("token_embd.weight", [N_EMBD, nVocab], rnd, 1)];
  for (let l = 0; l < N_LAYER; l++) {
    const p = `blk.${l}`;
    const s = 1 / Math.sqrt(N_EMBD);
    tensors.push(
      onesTensor(`${p}.attn_norm.weight`, N_EMBD),
      randomTensor(`${p}.attn_q.weight`, [N_EMBD, N_EMBD], rnd, s),
      randomTensor(`${p}.attn_k.weight`, [N_EMBD, N_EMBD], rnd, s),
      randomTensor(`${p}.attn_v.weight`, [N_EMBD, N_EMBD], rnd, s),
      randomTensor(`${p}.attn_output.weight`, [N_EMBD, N_EMBD], rnd, s),
      onesTensor(`${p}.ffn_norm.weight`, N_EMBD),
      randomTensor(`${p}.ffn_gate.weight`, [N_EMBD, N_FF], rnd, s),
      randomTensor(`${p}.ffn_up.weight`, [N_EMBD, N_FF], rnd, s),
      randomTensor(`${p}.ffn_down.weight`, [N_FF, N_EMBD], rnd, 1 / Math.sqrt(N_FF)),
    );
  }
  tensors.push(onesTensor("output_norm.weight", N_EMBD));
  const output = randomTensor("output.weight", [N_EMBD, nVocab], rnd, 2);
  // Zero the rows of control and byte tokens: their logit is 0 while the best normal token's is far above.
  for (let t = 0; t < nVocab; t++) {
    if (types[t] !== 1) output.data.fill(0, t * N_EMBD, (t + 1) * N_EMBD);
  }
  tensors.push(output);

  const meta: Array<readonly [string, MetaValue]> = [
    ["general.architecture", { type: "str", value: "llama" }],
    ["general.name", { type: "str", value: "tiny-random-llama" }],
    ["general.alignment", { type: "u32", value: ALIGNMENT }],
    ["llama.context_length", { type: "u32", value: N_CTX }],
    ["llama.embedding_length", { type: "u32", value: N_EMBD }],
    ["llama.block_count", { type: "u32", value: N_LAYER }],
    ["llama.feed_forward_length", { type: "u32", value: N_FF }],
    ["llama.attention.head_count", { type: "u32", value: N_HEAD }],
    ["llama.attention.head_count_kv", { type: "u32", value: N_HEAD }],
    ["llama.rope.dimension_count", { type: "u32", value: N_EMBD / N_HEAD }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: 1e-5 }],
    ["tokenizer.ggml.model", { type: "str", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "str[]", value: tokens }],
    ["tokenizer.ggml.scores", { type: "f32[]", value: tokens.map((t, i) => (types[i] === 1 ? -t.length : 0)) }],
    ["tokenizer.ggml.token_type", { type: "i32[]", value: types }],
    ["tokenizer.ggml.unknown_token_id", { type: "u32", value: 0 }],
    ["tokenizer.ggml.bos_token_id", { type: "u32", value: 1 }],
    ["tokenizer.ggml.eos_token_id", { type: "u32", value: 2 }],
    ["tokenizer.chat_template", { type: "str", value: CHAT_TEMPLATE }],
  ];
  return encodeGguf(meta, tensors);
}

/** Bytes of a rank-4 LoRA adapter for {@link tinyLlamaGguf} touching the attention and output projections. */
export function tinyLoraGguf(seed = 7): Uint8Array {
  const rank = 4;
  const rnd = gaussian(seed);
  const tensors: Tensor[] = [];
  for (let l = 0; l < N_LAYER; l++) {
    for (const m of ["attn_q", "attn_v", "attn_output"]) {
      tensors.push(randomTensor(`blk.${l}.${m}.weight.lora_a`, [N_EMBD, rank], rnd, 1));
      tensors.push(randomTensor(`blk.${l}.${m}.weight.lora_b`, [rank, N_EMBD], rnd, 1));
    }
  }
  const meta: Array<readonly [string, MetaValue]> = [
    ["general.architecture", { type: "str", value: "llama" }],
    ["general.type", { type: "str", value: "adapter" }],
    ["general.name", { type: "str", value: "tiny-random-lora" }],
    ["adapter.type", { type: "str", value: "lora" }],
    ["adapter.lora.alpha", { type: "f32", value: rank }],
  ];
  return encodeGguf(meta, tensors);
}

/** Writes the model and the adapter into `dir`; returns their paths. */
export function writeTinyModelFiles(dir: string): { modelPath: string; loraPath: string } {
  const modelPath = `${dir}/tiny-random-llama.gguf`;
  const loraPath = `${dir}/tiny-random-lora.gguf`;
  writeFileSync(modelPath, tinyLlamaGguf());
  writeFileSync(loraPath, tinyLoraGguf());
  return { modelPath, loraPath };
}
