import { sparkVersion, UsageError } from "../../core/index.js";
import { defaultLspSettings, ModelSet, startLanguageServer, type LspSettings } from "../../lsp/index.js";
import type { GlobalOptions } from "../common/global-options.js";
import { openRuntime } from "../common/open-runtime.js";

export interface LspOptions extends GlobalOptions {
  stdio?: boolean;
  reviewModel?: string;
  debounceMs?: string;
  completionTokens?: string;
}

function wholeNumber(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) throw new UsageError(`${flag} expects a whole number of at least ${min}, got "${value}".`);
  return number;
}

/**
 * `spark lsp`: the language server on stdin/stdout. The model names are resolved before the server
 * starts, so a wrong name or config fails at once with its usual message (on stderr, exit 2); the
 * models themselves are opened on first use, the fast one right after the client says `initialized`,
 * and share one local engine.
 */
export async function runLanguageServer(options: LspOptions): Promise<number> {
  const models = new ModelSet(await openRuntime(options, { reviewModel: options.reviewModel, printWarnings: false }));
  const settings: LspSettings = { ...defaultLspSettings };
  const debounceMs = wholeNumber("--debounce-ms", options.debounceMs, 0);
  if (debounceMs !== undefined) settings.debounceMs = debounceMs;
  const completionTokens = wholeNumber("--completion-tokens", options.completionTokens, 1);
  if (completionTokens !== undefined) settings.maxCompletionTokens = completionTokens;
  startLanguageServer({ input: process.stdin, output: process.stdout, models, settings, version: sparkVersion });
  // The server ends the process itself: on the client's `exit` notification or when stdin closes.
  return new Promise<number>(() => undefined);
}
