import type { LlamaChat, LlamaCompletion, LlamaContextSequence, Token } from "node-llama-cpp";
import type { RequestPredictor } from "../../../speed/speculation/index.js";
import type { Transcript } from "./held-tokens.js";

/** One context sequence with its chat and raw-completion drivers and token predictor: a "slot", as llama.cpp's server says. */
export interface Slot {
  sequence: LlamaContextSequence;
  chat: LlamaChat;
  completion: LlamaCompletion;
  predictor: RequestPredictor;
  lastUsed: number;
  busy: boolean;
  /** The conversation served last (ModelRequest.cacheKey). */
  cacheKey?: string | undefined;
  /** The tokens whose state is on disk for this slot (saved or loaded last); other contents are unsaved. */
  persistedTokens?: readonly Token[] | undefined;
  /** Leading tokens of the last call that every call of its workspace shares (system prompt and tools). */
  sharedPrefixLength?: number | undefined;
  /** What the sequence's last chat call left in it, as text and the exact tokens (held-tokens.ts). */
  transcript?: Transcript | undefined;
}

/** A prompt's tokens, or how to get them for a given slot (a slot's transcript may hold part of them as generated). */
export type PromptFor = readonly Token[] | ((slot: Slot) => readonly Token[]);

/**
 * A slot's prompt tokens computed once per transcript: rendering and tokenizing a long prompt costs
 * milliseconds, and pick() asks for every free slot, then the call asks again for the slot it got. Slots
 * with the same transcript (none, most often) get the same tokens; a transcript is replaced, never changed
 * in place, so its identity is the key. Made per call: it holds that call's prompt.
 */
export function tokensPerTranscript(tokensFor: (transcript: Transcript | undefined) => readonly Token[]): (slot: Slot) => readonly Token[] {
  const known = new Map<Transcript | undefined, readonly Token[]>();
  return (slot) => {
    let tokens = known.get(slot.transcript);
    if (tokens === undefined) known.set(slot.transcript, (tokens = tokensFor(slot.transcript)));
    return tokens;
  };
}

/** Share of the shorter of cache and prompt that must be shared for a slot to be reused rather than evicted. */
const minimumSimilarity = 0.5;

/**
 * Sends each request to the idle sequence whose cached tokens share the longest prefix with its prompt,
 * so follow-up turns and redirects evaluate only their new tokens. With no useful prefix anywhere the
 * least recently used sequence is taken (its cache is evicted). When every sequence is busy, requests
 * wait in order.
 */
export class SequencePool {
  private readonly waiters: (() => void)[] = [];
  private clock = 0;

  constructor(readonly slots: readonly Slot[]) {}

  /**
   * The idle slot to use: the longest shared prefix among slots where that prefix is at least half of
   * the shorter of the cache and the prompt (as llama.cpp's server requires a prompt similarity, so an
   * unrelated conversation's cache is not thrown away for a few shared tokens, while a redirect whose
   * interrupted answer outgrew its prompt still finds its slot), else the least recently used one. The
   * slot that served the same conversation (`cacheKey`) needs no similarity: its cache is that conversation's.
   */
  private pick(prompt: PromptFor, cacheKey: string | undefined): Slot | undefined {
    let best: { slot: Slot; prefix: number } | undefined;
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const promptTokens = typeof prompt === "function" ? prompt(slot) : prompt;
      const cached = slot.sequence.contextTokens.length;
      const shared = slot.sequence.compareContextTokens([...promptTokens]).firstDifferentIndex;
      const sameConversation = cacheKey !== undefined && slot.cacheKey === cacheKey;
      const prefix = shared > 0 && (sameConversation || shared >= Math.min(cached, promptTokens.length) * minimumSimilarity) ? shared : 0;
      const better = !best || prefix > best.prefix || (prefix === best.prefix && slot.lastUsed < best.slot.lastUsed);
      if (better) best = { slot, prefix };
    }
    return best?.slot;
  }

  async acquire(prompt: PromptFor, signal?: AbortSignal, cacheKey?: string): Promise<Slot> {
    for (;;) {
      signal?.throwIfAborted();
      const slot = this.pick(prompt, cacheKey);
      if (slot) {
        slot.busy = true;
        slot.lastUsed = ++this.clock;
        slot.cacheKey = cacheKey;
        return slot;
      }
      await this.waitForRelease(signal);
    }
  }

  /** Resolves at the next release; an abort stops waiting at once and passes its turn on. */
  private waitForRelease(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters.splice(this.waiters.indexOf(wake), 1);
        reject(signal?.reason);
      };
      this.waiters.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Takes `slot` for background work (saving its state) if it is idle; release gives it back. */
  tryClaim(slot: Slot): boolean {
    if (slot.busy) return false;
    slot.busy = true;
    return true;
  }

  release(slot: Slot): void {
    slot.busy = false;
    this.waiters.shift()?.();
  }

  /** The sequence used last, whose state a session save keeps. */
  mostRecent(): Slot | undefined {
    return [...this.slots].sort((a, b) => b.lastUsed - a.lastUsed)[0];
  }
}
