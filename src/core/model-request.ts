import type { Message, ToolDefinition } from "./messages.js";

/** One call to a model, the same shape for every provider. */
export interface ModelRequest {
  messages: Message[];
  tools?: ToolDefinition[];
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  /** Generation ends before any of these strings, which the answer leaves out (finish reason `stop`). */
  stop?: string[];
  /** Text expected to reappear in the output (OpenAI Predicted Outputs); the local engine speculates on it. */
  prediction?: string;
  /** Constrain the answer to JSON matching this schema (a grammar locally, structured outputs remotely). */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  /**
   * The conversation this call continues (as OpenAI's prompt_cache_key): the local engine serves it from
   * the sequence that holds it even when most of its prompt changed (after a compaction), so the shared
   * prefix stays cached. Not sent to remote servers.
   */
  cacheKey?: string;
}

export interface StreamOptions {
  signal?: AbortSignal;
}
