/**
 * The GGUF metadata of the test models: hyperparameters under the architecture's prefix ("llama" for the
 * tiny models, "qwen2" for the real-shape ones), the byte-level SPM vocabulary and the ChatML template.
 */
import { ALIGNMENT, bool, f32, float32s, int32s, str, strings, u32 } from "./gguf-file.js";
import type { MetaValue } from "./gguf-file.js";
import { BOS_ID, EOS_ID, UNK_ID } from "./gguf-vocab.js";
import type { Vocab } from "./gguf-vocab.js";

/** Hyperparameters of a test model. */
export interface Dims {
  embd: number;
  blocks: number;
  heads: number;
  headsKv: number;
  ff: number;
  ctx: number;
  vocab: number;
  seed: number;
}

/** What differs between the architectures the writers produce. */
export interface ArchitectureMeta {
  arch: "llama" | "qwen2";
  /** llama_ftype: 0 all F32, 2 mostly Q4_0, 7 mostly Q8_0. */
  fileType: number;
  ropeFreqBase: number;
  rmsEpsilon: number;
}

export const LLAMA_F32_META: ArchitectureMeta = { arch: "llama", fileType: 0, ropeFreqBase: 10000, rmsEpsilon: 1e-5 };

const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export function buildMetadata(
  d: Dims, vocab: Vocab, name: string, spacePrefix: boolean, architecture: ArchitectureMeta = LLAMA_F32_META,
): Array<[string, MetaValue]> {
  const a = architecture.arch;
  const meta: Array<[string, MetaValue]> = [
    ["general.architecture", str(a)],
    ["general.name", str(name)],
    ["general.alignment", u32(ALIGNMENT)],
    ["general.file_type", u32(architecture.fileType)],
    [`${a}.vocab_size`, u32(d.vocab)],
    [`${a}.context_length`, u32(d.ctx)],
    [`${a}.embedding_length`, u32(d.embd)],
    [`${a}.block_count`, u32(d.blocks)],
    [`${a}.feed_forward_length`, u32(d.ff)],
    [`${a}.attention.head_count`, u32(d.heads)],
    [`${a}.attention.head_count_kv`, u32(d.headsKv)],
    [`${a}.rope.dimension_count`, u32(d.embd / d.heads)],
    [`${a}.rope.freq_base`, f32(architecture.ropeFreqBase)],
    [`${a}.attention.layer_norm_rms_epsilon`, f32(architecture.rmsEpsilon)],
    ["tokenizer.ggml.model", str("llama")],
    ["tokenizer.ggml.tokens", strings(vocab.tokens)],
    ["tokenizer.ggml.scores", float32s(vocab.scores)],
    ["tokenizer.ggml.token_type", int32s(vocab.types)],
    ["tokenizer.ggml.bos_token_id", u32(BOS_ID)],
    ["tokenizer.ggml.eos_token_id", u32(EOS_ID)],
    ["tokenizer.ggml.unknown_token_id", u32(UNK_ID)],
    ["tokenizer.ggml.add_bos_token", bool(true)],
    ["tokenizer.ggml.add_eos_token", bool(false)],
  ];
  // llama.cpp's default for SPM is true (a text gets a leading space); left out, not written, when true.
  if (!spacePrefix) meta.push(["tokenizer.ggml.add_space_prefix", bool(false)]);
  meta.push(["tokenizer.chat_template", str(CHATML_TEMPLATE)]);
  return meta;
}
