import type { FinishReason } from "../core/index.js";

/**
 * What Spark adds to the Language Server Protocol: a metrics notification, its commands and the
 * settings a client may send. The VS Code extension keeps its own copy of these names (it is built
 * apart from src/); test/lsp-extension.test.ts checks that the two copies agree.
 */

/** Server -> client after every completion or edit, with the speed figures of the call. */
export const metricsNotification = "spark/metrics";

/** Server -> client whenever a model starts loading, is ready, or cannot be used. */
export const statusNotification = "spark/status";

export const commands = {
  /** Arguments: one EditSelectionArguments object. Result: EditSelectionResult. */
  editSelection: "spark.editSelection",
  /** Arguments: optional { role: "fast" | "review" }; without one, switches to the other. Result: ModelInfo. */
  toggleModel: "spark.toggleModel",
} as const;

/** Which configured model serves completions and edits: the fast one, or the strong review one. */
export type ModelRole = "fast" | "review";

/** How a suggestion was produced: native fill-in-the-middle tokens, a chat prompt, or the cache. */
export type CompletionMode = "fim" | "chat" | "cache";

export interface SparkMetrics {
  kind: "completion" | "edit";
  uri: string;
  model: string;
  role: ModelRole;
  mode: CompletionMode | "patch";
  /** "cached" when the suggestion came from the cache and no model ran. */
  finish: FinishReason | "cached" | "superseded";
  /** Milliseconds from the request reaching the server to the model's first token. */
  ttftMs: number | null;
  /** Generated tokens per second after the first one. */
  tokensPerSecond: number | null;
  outputTokens: number;
  promptTokensReused: number;
  /** Milliseconds from the request reaching the server to its answer. */
  totalMs: number;
  /** Characters of the suggestion (or of the patch) that were returned. */
  chars: number;
}

export interface SparkStatus {
  state: "loading" | "ready" | "failed";
  role: ModelRole;
  model: string;
  /** With "ready": milliseconds the load took. */
  loadMs?: number;
  /** With "failed": why, and what to do. */
  message?: string;
}

export interface EditSelectionArguments {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  /** What to do with the selection; the VS Code extension asks for it when the code action has none. */
  instruction?: string;
  /** Also ask the client to apply the edit (workspace/applyEdit). Default true. */
  apply?: boolean;
}

export interface ModelInfo {
  role: ModelRole;
  model: string;
  /** The other role's model, when one is configured. */
  alternative?: string;
}

/** Settings a client may pass as initializationOptions (each optional; the command line gives defaults). */
export interface ClientSettings {
  debounceMs?: number;
  maxCompletionTokens?: number;
  maxLines?: number;
  temperature?: number;
}
