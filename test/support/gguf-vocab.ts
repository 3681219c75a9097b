/**
 * Vocabularies of the test models: byte-level SPM (llama.cpp's "llama" tokenizer) with the ChatML
 * special tokens. Three kinds: the default, an "alt" variant that a draft-model pairing must refuse, and
 * a chain vocabulary cut from a text (see chain-text.ts).
 */
import { chainWords } from "./chain-text.js";

/** llama.cpp token types (llama_token_type). */
const enum TokenType { Normal = 1, Unknown = 2, Control = 3, Unused = 5, Byte = 6 }

const SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"] as const;
export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
const IM_END_ID = 4;

/** Which vocabulary a default (non-chain) model gets. */
export type VocabularyVariant = "default" | "alt";

/**
 * Common pieces so SPM tokenization is not purely bytes. SPM merges pairs of adjacent symbols only when
 * the concatenation is itself a token, so every prefix (of 2+ characters) of a piece is added too;
 * otherwise a long piece could never be reached. "▁" is SPM's escaped space.
 */
const COMMON_PIECES = [
  "▁", "▁the", "▁function", "▁return", "▁const", "▁let", "▁if", "▁else", "▁for", "▁import", "▁export",
  "▁from", "▁class", "▁new", "▁this", "▁to", "▁of", "▁and", "▁in", "▁is", "▁a", "▁that", "▁it", "▁with",
  "▁as", "▁on", "▁true", "▁false", "▁null", "▁string", "▁number", "ing", "ion", "ed", "er", "es", "en",
  "re", "th", "st", "▁=", "▁{", "▁}", "();", "▁=>",
];

/**
 * The "alt" vocabulary: two pieces removed ("▁null", "▁string"), two added ("▁value", "▁type"), and
 * all pieces in reverse order. Chosen so that it has exactly as many tokens as the default one, the same
 * special and byte tokens at the same ids, and yet different token texts from id 261 on: a vocabulary
 * check that compares sizes or special tokens only does not notice the difference.
 */
const ALT_REMOVED = new Set(["▁null", "▁string"]);
const ALT_ADDED = ["▁value", "▁type"];

export interface Vocab {
  tokens: string[];
  scores: number[];
  types: number[];
  /** Per token id: may the model generate it? (The weights make the others unreachable.) */
  allowed: boolean[];
}

function byteToken(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`;
}

/** Printable ASCII and "\n": the only bytes a generated text may contain. */
function isAllowedByte(byte: number): boolean {
  return (byte >= 0x20 && byte <= 0x7e) || byte === 0x0a;
}

function piecesWithPrefixes(pieces: readonly string[]): string[] {
  const out = new Set<string>();
  for (const piece of pieces) {
    const chars = [...piece];
    for (let end = Math.min(2, chars.length); end <= chars.length; end++) out.add(chars.slice(0, end).join(""));
  }
  return [...out];
}

/** Special tokens, then the 256 byte tokens, then `pieces` (longer pieces score higher). */
function vocabWith(pieces: readonly string[], eosReachable: boolean): Vocab {
  const vocab: Vocab = { tokens: [], scores: [], types: [], allowed: [] };
  const add = (text: string, type: TokenType, score: number, allowed: boolean): void => {
    vocab.tokens.push(text);
    vocab.types.push(type);
    vocab.scores.push(score);
    vocab.allowed.push(allowed);
  };
  SPECIAL_TOKENS.forEach((text, id) => {
    const type = id === UNK_ID ? TokenType.Unknown : TokenType.Control;
    add(text, type, 0, eosReachable && id === IM_END_ID);
  });
  for (let byte = 0; byte < 256; byte++) add(byteToken(byte), TokenType.Byte, 0, isAllowedByte(byte));
  // Longer pieces get higher scores so SPM prefers the longest merge.
  for (const piece of pieces) add(piece, TokenType.Normal, [...piece].length - 10, true);
  return vocab;
}

export function buildVocab(eosReachable: boolean, variant: VocabularyVariant = "default"): Vocab {
  if (variant === "default") return vocabWith(piecesWithPrefixes(COMMON_PIECES), eosReachable);
  const kept = COMMON_PIECES.filter((piece) => !ALT_REMOVED.has(piece));
  return vocabWith(piecesWithPrefixes([...kept, ...ALT_ADDED]).reverse(), eosReachable);
}

/** A chain vocabulary (see chain-text.ts) and the ids of the text's tokens, in order. */
export interface ChainVocab {
  vocab: Vocab;
  chain: number[];
}

export function buildChainVocab(text: string, eosReachable: boolean): ChainVocab {
  const words = chainWords(text);
  const vocab = vocabWith(piecesWithPrefixes(words), eosReachable);
  const ids = new Map(vocab.tokens.map((token, id) => [token, id]));
  const chain = words.map((word) => {
    const id = ids.get(word);
    if (id === undefined) throw new Error(`chain word ${JSON.stringify(word)} is missing from the vocabulary`);
    return id;
  });
  return { vocab, chain };
}

/**
 * Pads `vocab` to `size` tokens with unused ones, so a model gets a real vocabulary's size (the output
 * matrix, read for every token, is vocabulary x width). Their texts start with "<filler" and no prefix of
 * them is a token, so SPM can never merge its way to one; their logits are forbidden like control tokens'.
 */
export function padVocab(vocab: Vocab, size: number): Vocab {
  if (size < vocab.tokens.length) throw new Error(`a vocabulary of ${size} tokens cannot hold the ${vocab.tokens.length} the text needs`);
  const padded: Vocab = { tokens: [...vocab.tokens], scores: [...vocab.scores], types: [...vocab.types], allowed: [...vocab.allowed] };
  for (let id = vocab.tokens.length; id < size; id++) {
    padded.tokens.push(`<filler${id}>`);
    padded.scores.push(-1000);
    padded.types.push(TokenType.Unused);
    padded.allowed.push(false);
  }
  return padded;
}
