/**
 * The rule for every route: a field of the OpenAI API that a backend cannot honour is accepted and
 * ignored when ignoring it cannot change the meaning of the answer (how hard a model reasons, what a
 * client tags a request with, what the server stores or includes besides the answer, hosted tools a
 * model here can never call). Clients such as the Codex CLI send them on every request and have no
 * switch to stop. What would silently give a wrong answer (n > 1, logprobs, a forced tool) is still
 * refused by the route. Every ignored field is named in the `x-spark-ignored` response header.
 */

/** Ignorable on every route. */
const everyRoute = ["store", "service_tier", "parallel_tool_calls", "user", "safety_identifier", "prompt_cache_retention"] as const;

/** `metadata` is echoed back by the Responses encoder, so there it is honoured, not ignored. */
export const ignorableResponsesFields: readonly string[] = [...everyRoute, "reasoning", "client_metadata", "include", "truncation"];
export const ignorableChatFields: readonly string[] = [...everyRoute, "metadata", "reasoning_effort", "verbosity"];
export const ignorableCompletionsFields: readonly string[] = [...everyRoute, "metadata"];

/** Tools OpenAI runs on its own servers: no backend here runs them, so the model never calls them. */
const hostedToolTypes: ReadonlySet<string> = new Set([
  "web_search", "web_search_preview", "web_search_preview_2025_03_11", "file_search", "code_interpreter", "image_generation",
  "local_shell", "computer_use_preview",
]);

export function isHostedTool(type: string): boolean {
  return hostedToolTypes.has(type);
}

/** The fields of `names` that a body carries with a value (null counts as absent, as OpenAI treats it). */
export function presentFields(body: Record<string, unknown>, names: readonly string[]): string[] {
  return names.filter((name) => body[name] !== undefined && body[name] !== null);
}

/** The header that names what a request carried and the backend ignored; absent when nothing was. */
export function ignoredHeader(ignored: readonly string[]): Record<string, string> {
  return ignored.length > 0 ? { "x-spark-ignored": [...new Set(ignored)].join(",") } : {};
}
