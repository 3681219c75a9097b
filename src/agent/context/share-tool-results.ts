import type { Message, ModelRequest } from "../../core/index.js";
import type { ModelClient } from "../../models/index.js";
import { capToolOutput } from "./cap-tool-output.js";
import { countRequestTokens } from "./context-policy.js";

/**
 * Parallel tool calls: each output is capped on its own (a quarter of the budget), so several in one step
 * can together exceed the budget, and the latest unit (the assistant message and its results) is never
 * split by compaction. Before calling that an overflow, the results of the latest step share the room
 * the rest of the request leaves: outputs smaller than an equal share stay whole, the others are cut to
 * the share (head and tail kept, the middle elided with a note).
 */

/** Bytes per token assumed when sizing outputs (low, so the cut errs small); each retry cuts deeper. */
const bytesPerToken = 3;
const minOutputBytes = 64;
const attempts = 4;

/** Indexes of the tool results that end the conversation (the latest step's), oldest first. */
function latestToolResults(messages: readonly Message[]): number[] {
  const indexes: number[] = [];
  for (let index = messages.length - 1; index >= 0 && messages[index]?.role === "tool"; index--) indexes.unshift(index);
  return indexes;
}

/** Equal shares of `room` bytes, where an output under its share leaves the rest to the others. */
function shares(sizes: readonly number[], room: number): number[] {
  const limits = sizes.map(() => 0);
  let left = room;
  const order = sizes.map((size, index) => ({ size, index })).sort((a, b) => a.size - b.size);
  order.forEach(({ size, index }, position) => {
    const share = Math.floor(left / (order.length - position));
    limits[index] = Math.max(minOutputBytes, Math.min(size, share));
    left -= Math.min(size, share);
  });
  return limits;
}

/**
 * The request's messages with the latest step's tool results cut to share `budget`, or undefined when
 * there are none to cut or even the cut request does not fit (then the input itself is too large).
 * Returns the messages and their token count.
 */
export async function shareToolResults(client: ModelClient, request: ModelRequest, budget: number): Promise<{ messages: Message[]; tokens: number } | undefined> {
  const indexes = latestToolResults(request.messages);
  if (indexes.length === 0) return undefined;
  const emptied = request.messages.map((message, index) => (indexes.includes(index) ? { ...message, content: "" } : message));
  const rest = await countRequestTokens(client, { ...request, messages: emptied });
  const sizes = indexes.map((index) => Buffer.byteLength(request.messages[index]?.content ?? "", "utf8"));
  let room = (budget - rest) * bytesPerToken;
  for (let attempt = 0; attempt < attempts && room > 0; attempt++) {
    const limits = shares(sizes, room);
    const messages = request.messages.map((message, index) => {
      const at = indexes.indexOf(index);
      return at < 0 ? message : { ...message, content: capToolOutput(message.content, { maxBytes: limits[at] ?? minOutputBytes, maxLines: Number.MAX_SAFE_INTEGER }) };
    });
    const tokens = await countRequestTokens(client, { ...request, messages });
    if (tokens <= budget) return { messages, tokens };
    room = Math.floor(room * Math.min(0.8, budget / tokens));
  }
  return undefined;
}
