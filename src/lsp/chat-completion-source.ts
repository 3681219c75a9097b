import type { Message, StreamEvent } from "../core/index.js";
import type { ModelClient } from "../models/index.js";
import type { CompletionCall, CompletionSource } from "./completion-source.js";
import type { FimContext } from "./fim-context.js";

export const cursorMarker = "<CURSOR>";

const systemPrompt = [
  "You are a code completion engine inside an editor. The user's file is shown with the cursor as " + cursorMarker + ".",
  "Reply with exactly the text to insert at the cursor, and nothing else: no explanation, no code fences,",
  "no repetition of the text before or after the cursor. Complete the current line, or the block the",
  "cursor opens, and stop there. If nothing should be inserted, reply with nothing.",
].join("\n");

/** The fill-in-the-middle task as a chat: for models without FIM tokens and for OpenAI-compatible servers. */
export function chatCompletionMessages(context: FimContext): Message[] {
  const parts: string[] = [];
  for (const neighbor of context.neighbors) parts.push(`Open file ${neighbor.path}:\n\`\`\`\n${neighbor.text}\n\`\`\``);
  parts.push(`File ${context.path} (${context.languageId}):\n\`\`\`\n${context.prefix}${cursorMarker}${context.suffix}\n\`\`\``);
  parts.push(`Text to insert at ${cursorMarker}:`);
  return [
    { role: "system", content: systemPrompt },
    { role: "user", content: parts.join("\n\n") },
  ];
}

/**
 * Chat models often wrap code in fences or start by repeating the cursor's line; both are taken off
 * so what is left is the insertion. Applied to the text so far, so it works while streaming.
 */
export function cleanChatCompletion(text: string, linePrefix: string): string {
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

/** Inline suggestions from any ModelClient through a chat prompt. */
export class ChatCompletionSource implements CompletionSource {
  constructor(private readonly client: ModelClient) {}

  get displayName(): string {
    return this.client.displayName;
  }

  mode(): Promise<"chat"> {
    return Promise.resolve("chat");
  }

  complete(context: FimContext, call: CompletionCall): AsyncIterable<StreamEvent> {
    return this.client.stream(
      {
        messages: chatCompletionMessages(context),
        maxTokens: call.maxTokens,
        ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
      },
      { signal: call.signal },
    );
  }
}
