import { LlamaText, SpecialToken, SpecialTokensText, type ChatWrapper, type LlamaModel, type LlamaTextValue, type Token, type Tokenizer } from "node-llama-cpp";

/**
 * What a context sequence last held, as text and as the exact tokens that stood for it: the prompt as the
 * chat template rendered it, then the answer as the model generated it. Text → tokens is not the inverse
 * of tokens → text (an answer's first token may carry a space the streamed text drops; a word the model
 * spelled in pieces tokenizes as one), so a follow-up that re-tokenized the answer would differ from the
 * cache at its first token and evaluate the whole answer again. A follow-up whose rendered prompt starts
 * with `text` is given `tokens` for that part instead, so only what follows it is new.
 */
export interface Transcript {
  text: LlamaText;
  tokens: readonly Token[];
}

/**
 * A run of tokens inside a LlamaText. node-llama-cpp tokenizes a LlamaText value by value and asks a
 * SpecialToken for its own tokens, so this one answers with the tokens it holds (checked by
 * held-tokens.test.ts against the pinned node-llama-cpp).
 */
class HeldTokens extends SpecialToken {
  constructor(private readonly tokens: readonly Token[]) {
    // The value only names the kind for LlamaText's JSON and string forms, which the engine never tokenizes.
    super("BOS");
  }

  override tokenize(): Token[] {
    return [...this.tokens];
  }
}

function sameValue(a: LlamaTextValue, b: LlamaTextValue): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (a instanceof SpecialTokensText && b instanceof SpecialTokensText) return a.value === b.value;
  return a instanceof SpecialToken && b instanceof SpecialToken && a.constructor === b.constructor && a.value === b.value;
}

/** What `full` says after `prefix`, when `full` starts with it (value by value; the last may end inside one); else undefined. */
export function remainderAfter(prefix: LlamaText, full: LlamaText): LlamaText | undefined {
  const head = prefix.values;
  if (head.length === 0 || head.length > full.values.length) return undefined;
  for (let index = 0; index < head.length - 1; index++) {
    if (!sameValue(head[index]!, full.values[index]!)) return undefined;
  }
  const last = head[head.length - 1]!;
  const split = full.values[head.length - 1]!;
  const rest = full.values.slice(head.length);
  if (typeof last === "string" && typeof split === "string" && split.startsWith(last)) return LlamaText([split.slice(last.length), ...rest]);
  if (last instanceof SpecialTokensText && split instanceof SpecialTokensText && split.value.startsWith(last.value)) {
    return LlamaText([new SpecialTokensText(split.value.slice(last.value.length)), ...rest]);
  }
  return sameValue(last, split) ? LlamaText(rest) : undefined;
}

/** `contextText` with the part the transcript covers replaced by its tokens; unchanged when it does not start with it. */
export function spliceTranscript(contextText: LlamaText, transcript: Transcript | undefined): LlamaText {
  if (!transcript) return contextText;
  const rest = remainderAfter(transcript.text, contextText);
  return rest ? LlamaText([new HeldTokens(transcript.tokens), ...rest.values]) : contextText;
}

/**
 * The chat wrapper a sequence's LlamaChat renders with: the same template, with each rendering spliced onto
 * what the sequence holds (`transcriptOf`, read at each rendering: a generation renders again after a
 * function call), so node-llama-cpp's reuse check compares the cache with the tokens it really holds.
 */
export function splicingWrapper(inner: ChatWrapper, transcriptOf: () => Transcript | undefined): ChatWrapper {
  const generateContextState: ChatWrapper["generateContextState"] = (options) => {
    const state = inner.generateContextState(options);
    return { ...state, contextText: spliceTranscript(state.contextText, transcriptOf()) };
  };
  return new Proxy(inner, {
    get: (target, property, receiver) => (property === "generateContextState" ? generateContextState : Reflect.get(target, property, receiver)),
  });
}

/** Generated tokens whose text an answer's streamed text may lag behind (held back while they might start a stop trigger). */
const maxUnsentTokens = 32;

/**
 * The transcript after a generation: the prompt's text and tokens, then the answer's tokens as generated.
 * The answer is kept as the longest run of its tokens that says exactly the streamed text (up to the
 * leading whitespace the template drops) with no control token in it, so that nothing the client never
 * saw is carried into the next turn: tokens an abort (a steer) left unsent are dropped, and an answer
 * whose text was changed after its tokens (a stop sequence cut) keeps only the prompt. A final
 * end-of-generation token is dropped too: the template writes its own turn end.
 */
export function transcriptAfter(model: LlamaModel, prompt: Transcript, generated: readonly Token[], said: string): Transcript {
  let end = generated.length;
  while (end > 0 && model.isEogToken(generated[end - 1]!)) end--;
  if (said === "") return prompt;
  const context = prompt.tokens.slice(-16);
  for (let length = end; length > 0 && length >= end - maxUnsentTokens; length--) {
    const tokens = generated.slice(0, length);
    const text = model.detokenize(tokens, false, context);
    if (text !== said && text.trimStart() !== said) continue;
    if (tokens.some((token) => model.isSpecialToken(token))) return prompt;
    return { text: LlamaText([prompt.text, said]), tokens: [...prompt.tokens, ...tokens] };
  }
  return prompt;
}

/** The prompt's tokens as the sequence will be given them: the transcript's where it applies, the rest tokenized. */
export function promptTokensOf(contextText: LlamaText, transcript: Transcript | undefined, tokenizer: Tokenizer): Token[] {
  return spliceTranscript(contextText, transcript).tokenize(tokenizer);
}
