import type { CompletionRequest, ModelRequest, StreamEvent, StreamOptions } from "../core/index.js";
import type { ModelClient } from "./model-client.js";

/**
 * Spark's one policy for filling in the middle on a model that cannot do it natively (no FIM tokens, or a
 * server without `suffix` on `/v1/completions`): ask it through its chat template, with the cursor marked.
 * Chat models follow that instruction; text such as `<|fim_prefix|>` means nothing to a model without
 * those tokens.
 */
const cursorMarker = "<CURSOR>";

const systemPrompt = [
  "You are a code completion engine inside an editor. The user's file is shown with the cursor as " + cursorMarker + ".",
  "Reply with exactly the text to insert at the cursor, and nothing else: no explanation, no code fences,",
  "no repetition of the text before or after the cursor. Complete the current line, or the block the",
  "cursor opens, and stop there. If nothing should be inserted, reply with nothing.",
].join("\n");

/** The completion as a chat request: the file with the cursor marked, and the same limits. */
export function fillByChatRequest(request: CompletionRequest): ModelRequest {
  const file = `${request.prompt}${cursorMarker}${request.suffix ?? ""}`;
  return {
    messages: [
      { role: "system", content: systemPrompt },
      { role: "user", content: `File:\n\`\`\`\n${file}\n\`\`\`\n\nText to insert at ${cursorMarker}:` },
    ],
    ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.stop?.length ? { stop: request.stop } : {}),
  };
}

/**
 * Chat models often wrap code in fences or start by repeating the cursor's line; both are taken off
 * so what is left is the insertion. Applied to the text so far, so it works while streaming.
 */
export function cleanFillByChat(text: string, linePrefix: string): string {
  let out = text;
  const fence = /^```[\w+-]*\n/.exec(out);
  if (fence) out = out.slice(fence[0].length);
  const closing = out.indexOf("\n```");
  if (closing >= 0) out = out.slice(0, closing + 1);
  else if (out.startsWith("```")) out = "";
  const line = linePrefix.trimStart();
  if (line.length >= 2 && out.trimStart().startsWith(line)) out = out.trimStart().slice(line.length);
  return out.split(cursorMarker).join("");
}

/** A completion on any client: its own complete() where it has one, else the chat prompt above. */
export function completeOn(client: ModelClient, request: CompletionRequest, options: StreamOptions = {}): AsyncIterable<StreamEvent> {
  return client.complete ? client.complete(request, options) : client.stream(fillByChatRequest(request), options);
}

/** How completeOn fills in the middle on this client: "fim" natively, "chat" through the prompt above. */
export function fillModeOf(client: ModelClient): Promise<"fim" | "chat"> {
  return client.fillMode ? client.fillMode() : Promise.resolve("chat");
}
