import type { Message, ModelRequest } from "../../core/index.js";

/**
 * A close, deliberately high estimate of a remote model's prompt tokens, where the tokenizer is not at
 * hand: code and English run at 3.5 to 4.5 characters per token in the common BPE vocabularies, so 3.5
 * plus a margin rarely undercounts, and undercounting is the mistake that fails a request.
 */
const charsPerToken = 3.5;
const safetyMargin = 1.1;
/** Role markers and separators each chat template adds around a message. */
const tokensPerMessage = 4;

export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / charsPerToken);
}

function messageChars(message: Message): number {
  if (message.role === "assistant") return message.content.length + (message.toolCalls ?? []).reduce((sum, call) => sum + call.name.length + call.arguments.length + 8, 0);
  return message.content.length;
}

export function estimateRequestTokens(request: Pick<ModelRequest, "messages" | "tools">): number {
  const chars = request.messages.reduce((sum, message) => sum + messageChars(message), 0) + (request.tools ? JSON.stringify(request.tools).length : 0);
  return Math.ceil((chars / charsPerToken + request.messages.length * tokensPerMessage) * safetyMargin) + 3;
}
