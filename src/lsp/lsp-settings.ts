import type { ClientSettings } from "./lsp-protocol.js";

/** How the language server completes; the command line sets defaults, the client may override them. */
export interface LspSettings {
  /** Quiet time after a request before the model is called; a newer request within it replaces this one. */
  debounceMs: number;
  /** Most tokens one inline suggestion may take. */
  maxCompletionTokens: number;
  /** Most lines of a multi-line (block) suggestion. */
  maxLines: number;
  /**
   * Sampling temperature of completions. Unset: the model's configured temperature, else greedy on the
   * local engine and the server's default remotely (some reasoning models refuse any other).
   */
  temperature?: number;
  /** Characters before the cursor sent to the model. */
  prefixChars: number;
  /** Characters after the cursor sent to the model. */
  suffixChars: number;
  /** Characters of other open files sent as context, in all. */
  neighborChars: number;
  /** Suggestions remembered, so typing through one costs nothing. */
  cacheEntries: number;
  /** Most tokens of an edit-selection patch. */
  maxEditTokens: number;
  /** Quiet time after a document opens or changes before its next prompt is warmed (prefix-warmer.ts). */
  warmIdleMs: number;
}

export const defaultLspSettings: LspSettings = {
  debounceMs: 60,
  maxCompletionTokens: 96,
  maxLines: 12,
  prefixChars: 4_000,
  suffixChars: 1_000,
  neighborChars: 2_000,
  cacheEntries: 64,
  maxEditTokens: 2_048,
  warmIdleMs: 400,
};

function nonNegative(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The client's settings over the defaults; values that are not usable numbers are ignored. */
export function withClientSettings(base: LspSettings, client: unknown): LspSettings {
  if (typeof client !== "object" || client === null) return base;
  const given = client as ClientSettings;
  const settings = { ...base };
  const debounceMs = nonNegative(given.debounceMs);
  if (debounceMs !== undefined) settings.debounceMs = debounceMs;
  const maxCompletionTokens = nonNegative(given.maxCompletionTokens);
  if (maxCompletionTokens !== undefined && maxCompletionTokens >= 1) settings.maxCompletionTokens = Math.floor(maxCompletionTokens);
  const maxLines = nonNegative(given.maxLines);
  if (maxLines !== undefined && maxLines >= 1) settings.maxLines = Math.floor(maxLines);
  const temperature = nonNegative(given.temperature);
  if (temperature !== undefined && temperature <= 2) settings.temperature = temperature;
  return settings;
}
