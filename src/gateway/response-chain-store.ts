import type { Message } from "../core/index.js";

/** A response a socket may continue with `previous_response_id`: the conversation up to and including it. */
export interface StoredResponse {
  id: string;
  /** Every message so far, without the instructions (a continuation sends its own, as OpenAI's API does). */
  conversation: Message[];
  /** The first response of the chain: its conversation's cache key on the local engine. */
  root: string;
  /** Whether it was a prewarm (`generate: false`), for the prewarm-hit metric. */
  prewarm: boolean;
  /** Why it ended: a steer continues only a response that stopped for one. */
  status: "completed" | "incomplete" | "failed";
  /** The tool calls it ended with, whose outputs the client owes (a steer then waits for them). */
  pendingCalls: number;
}

export interface ChainLimits {
  maxResponses: number;
  maxBytes: number;
  ttlMs: number;
}

interface Entry {
  response: StoredResponse;
  bytes: number;
  expiresAt: number;
}

/**
 * One socket's responses, kept in memory only (as OpenAI's WebSocket mode keeps them for `store: false`),
 * bounded by count, bytes and age: the oldest go first, an expired one is gone. A continuation of a
 * response no longer kept gets `previous_response_not_found`, and the client sends the full input again.
 */
export class ResponseChainStore {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly limits: ChainLimits, private readonly now: () => number = Date.now) {}

  get(id: string): StoredResponse | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.delete(id, entry);
      return undefined;
    }
    return entry.response;
  }

  /** Keeps a response; one larger than the whole budget is not kept at all. */
  put(response: StoredResponse): void {
    const bytes = JSON.stringify(response.conversation).length;
    const existing = this.entries.get(response.id);
    if (existing) this.delete(response.id, existing);
    if (bytes > this.limits.maxBytes) return;
    this.entries.set(response.id, { response, bytes, expiresAt: this.now() + this.limits.ttlMs });
    this.bytes += bytes;
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxResponses && this.bytes <= this.limits.maxBytes) break;
      this.delete(id, entry);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get storedBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private delete(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }
}
