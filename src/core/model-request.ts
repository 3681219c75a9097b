import type { Message, ToolDefinition } from "./messages.js";

/** One call to a model, the same shape for every provider. */
export interface ModelRequest {
  messages: Message[];
  tools?: ToolDefinition[];
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  /** Text expected to reappear in the output (OpenAI Predicted Outputs); the local engine speculates on it. */
  prediction?: string;
  /** Constrain the answer to JSON matching this schema (a grammar locally, structured outputs remotely). */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
}

export interface StreamOptions {
  signal?: AbortSignal;
}
