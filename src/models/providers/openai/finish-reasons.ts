import { ProviderError, type FinishReason } from "../../../core/index.js";

/**
 * OpenAI's finish reasons (Chat Completions and Completions) as Spark's. `content_filter` is not here:
 * the clients throw contentFiltered instead.
 */
export const finishReasons: Record<string, FinishReason> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool-calls",
  function_call: "tool-calls",
};

/** What a stream stopped by the server's content filter fails with. */
export function contentFiltered(baseUrl: string): ProviderError {
  return new ProviderError("provider_bad_request", `${baseUrl} stopped the answer with its content filter. Rephrase the request or use another model.`, { status: 400 });
}
