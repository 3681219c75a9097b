import type { Message, StreamEvent, ToolCall } from "../core/index.js";

/** What the model said, collected on the way to the encoder: a kept response holds it for the next turn. */
export interface Said {
  text: string;
  toolCalls: ToolCall[];
}

export function nothingSaid(): Said {
  return { text: "", toolCalls: [] };
}

/**
 * Passes the model's events on, noting what it said (`onToolCall` at each call). `onEnd` runs at the `finish` event of a stream that
 * did not fail, before the finish is passed on: so before the client reads `response.completed`, and a
 * client that continues at once finds the response already kept.
 */
export async function* collect(events: AsyncIterable<StreamEvent>, said: Said, onEnd?: () => void, onToolCall?: () => void): AsyncIterable<StreamEvent> {
  let failed = false;
  for await (const event of events) {
    if (event.type === "text-delta") said.text += event.text;
    else if (event.type === "tool-call") {
      said.toolCalls.push(event.toolCall);
      onToolCall?.();
    }
    else if (event.type === "error") failed = true;
    else if (event.type === "finish" && !failed) onEnd?.();
    yield event;
  }
}

/** The assistant's turn as a message of the conversation (none when it said nothing). */
export function assistantTurn(said: Said): Message[] {
  if (!said.text && said.toolCalls.length === 0) return [];
  return [{ role: "assistant", content: said.text, ...(said.toolCalls.length ? { toolCalls: said.toolCalls } : {}) }];
}
