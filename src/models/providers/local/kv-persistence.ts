import type { Token } from "node-llama-cpp";
import { errorMessage } from "../../../core/index.js";
import type { KvCacheStore } from "./kv-cache-store.js";
import { sharedPrefix } from "./kv-entry.js";
import { saveSequenceState } from "./save-sequence-state.js";
import type { SequencePool, Slot } from "./sequence-pool.js";

/** A saved state is loaded only when it holds at least this many more prompt tokens than memory does. */
const minRestoreGain = 16;
/** Shorter states are not worth a file. */
const minSavedTokens = 16;
/** A slot unused this long after a call has its state saved (the session went idle). */
const defaultIdleMs = 2000;

/**
 * Keeps one loaded model's conversations warm across processes: before a call, the saved state holding
 * the longest prefix of its prompt is loaded when memory holds less of it; after a call, once the slot
 * has been idle a while (and when the engine shuts down), its state is saved, and with it, once per
 * workspace and model, the state of just the prefix every agent call shares. Saving happens after the
 * answer, on the idle slot; a busy slot is saved after its next call instead.
 */
export class KvPersistence {
  private readonly timers = new Map<Slot, NodeJS.Timeout>();
  private readonly saving = new Set<Promise<void>>();
  /** State bytes per token seen in the last save, to skip a state that could never fit the bound. */
  private bytesPerToken = 0;
  private closed = false;

  constructor(
    private readonly store: KvCacheStore,
    private readonly model: string,
    private readonly pool: SequencePool,
    private readonly limits: { contextSize: number; maxBytes: number; idleMs?: number | undefined },
    private readonly note: (message: string) => void = () => undefined,
  ) {}

  /** Loads into `slot` the saved state holding most of `prompt`, when it beats the `reused` tokens memory holds; returns the tokens now reused. */
  async restore(slot: Slot, prompt: readonly Token[], reused: number): Promise<number> {
    if (this.closed || prompt.length - reused < minRestoreGain) return reused;
    const hit = await this.store.find(this.model, prompt, reused + minRestoreGain, this.limits.contextSize);
    if (!hit) return reused;
    try {
      await slot.sequence.loadStateFromFile(hit.statePath, { acceptRisk: true });
      slot.persistedTokens = [...slot.sequence.contextTokens];
    } catch (error) {
      // llama.cpp clears the sequence when it refuses a state: the call runs cold.
      this.note(`loading ${hit.statePath} failed: ${errorMessage(error)}`);
      slot.persistedTokens = undefined;
    }
    return slot.sequence.compareContextTokens([...prompt]).firstDifferentIndex;
  }

  /** After a call on `slot`: its state is saved once the slot has stayed idle. */
  used(slot: Slot, sharedPrefixLength: number): void {
    if (this.closed) return;
    slot.sharedPrefixLength = sharedPrefixLength;
    clearTimeout(this.timers.get(slot));
    const timer = setTimeout(() => {
      this.timers.delete(slot);
      if (!this.pool.tryClaim(slot)) return;
      this.track(this.saveSlot(slot, true).finally(() => this.pool.release(slot)));
    }, this.limits.idleMs ?? defaultIdleMs);
    timer.unref();
    this.timers.set(slot, timer);
  }

  private track(work: Promise<void>): void {
    this.saving.add(work);
    void work.finally(() => this.saving.delete(work));
  }

  private dirty(slot: Slot): boolean {
    const tokens = slot.sequence.contextTokens;
    const saved = slot.persistedTokens;
    return tokens.length >= minSavedTokens && !(saved && saved.length === tokens.length && sharedPrefix(saved, tokens) === tokens.length);
  }

  /**
   * Saves the slot's conversation, then, if the shared prefix is not on disk yet, cuts the slot back to
   * it, saves that, and (`restoreAfter`, unless shutting down) loads the conversation back.
   */
  private async saveSlot(slot: Slot, restoreAfter: boolean): Promise<void> {
    if (!this.dirty(slot)) return;
    const tokens = [...slot.sequence.contextTokens];
    if (this.bytesPerToken * tokens.length > this.limits.maxBytes) return;
    const conversation = await this.store.save(this.model, "conversation", tokens, (path) => this.write(slot, path, tokens.length));
    if (!conversation) return;
    slot.persistedTokens = tokens;
    const prefix = slot.sharedPrefixLength ?? 0;
    if (prefix < minSavedTokens || prefix >= tokens.length || (await this.store.has(this.model, "prefix", tokens.slice(0, prefix)))) return;
    try {
      await slot.sequence.eraseContextTokenRanges([{ start: prefix, end: slot.sequence.nextTokenIndex }]);
      slot.persistedTokens = undefined;
      await this.store.save(this.model, "prefix", tokens.slice(0, prefix), (path) => this.write(slot, path, prefix));
      if (restoreAfter && !this.closed) {
        await slot.sequence.loadStateFromFile(conversation, { acceptRisk: true });
        slot.persistedTokens = tokens;
      }
    } catch (error) {
      this.note(`keeping the shared prefix failed: ${errorMessage(error)}`);
    }
  }

  private async write(slot: Slot, path: string, tokens: number): Promise<void> {
    const { fileSize } = await saveSequenceState(slot.sequence, path);
    this.bytesPerToken = fileSize / Math.max(1, tokens);
  }

  /** Shutting down: pending saves finish and every unsaved idle conversation is saved now. */
  async flush(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled(this.saving);
    for (const slot of this.pool.slots) {
      if (!this.pool.tryClaim(slot)) continue;
      try {
        await this.saveSlot(slot, false);
      } finally {
        this.pool.release(slot);
      }
    }
  }
}
