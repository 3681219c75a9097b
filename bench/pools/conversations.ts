import { CHAIN_TEXT } from "../../test/support/tiny-gguf.js";

/**
 * The conversations the pools bench sends: what each one opens with and what each turn adds. Two shapes:
 * - "agent": an agent's turn is mostly its own history (~96k tokens at full scale: the files it read,
 *   the tool outputs so far). Each conversation opens with the shared instructions and then its own large
 *   context (a few thousand tokens, scaled to the tiny model), and each turn adds a small tool output.
 *   Only the conversation's own replica can have that context cached.
 * - "short" (the earlier workload, kept for honesty): each conversation opens with ~450 tokens of its
 *   own (a line naming it, then instructions) and each turn adds a small item: prompts stay short, so a
 *   replica's sequences keep many conversations and round-robin finds part of them cached.
 */

export type Message = { role: string; content: string };

export interface ConversationShape {
  name: "agent" | "short";
  /** What the results say of it. */
  description: string;
  conversations: number;
  /** The opening messages of conversation `index` of the run named `run`. */
  opening(run: string, index: number): Message[];
  /** The user message turn `step` adds (after the answer to the previous one). */
  item(step: number, index: number): string;
}

const INSTRUCTIONS = CHAIN_TEXT.slice(0, 400);
const WORDS = CHAIN_TEXT.split(/\s+/).filter((word) => word.length > 0);

/** Characters of a conversation's own context in the agent shape (~1,450 tokens of the tiny model; measured in the bench). */
export const OWN_CONTEXT_CHARS = 2000;

/** A deterministic text of `chars` characters, different for each seed: the files one conversation read. */
export function ownContext(seed: string, chars: number): string {
  // FNV-1a of the seed, then a xorshift over the words: no two conversations share more than a few words in a row.
  let state = 2166136261;
  for (const char of seed) state = Math.imul(state ^ char.charCodeAt(0), 16777619) >>> 0;
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const word = WORDS[state % WORDS.length]!;
    parts.push(word);
    length += word.length + 1;
  }
  return parts.join(" ").slice(0, chars);
}

const toolOutput = (step: number) => `Tool output ${step}: ${CHAIN_TEXT.slice(step * 40, step * 40 + 60)}`;

export const AGENT_SHAPE: ConversationShape = {
  name: "agent",
  description: `each conversation opens with the shared instructions (~450 tokens) and then its own context (${OWN_CONTEXT_CHARS.toLocaleString("en-US")} characters of files read, ~1,450 tokens), then adds one small tool output (~70 tokens) and the answer each turn`,
  conversations: 16,
  opening: (run, index) => [
    // Instructions first and the same for all, as an agent's system prompt and tools are: any replica may hold them.
    { role: "system", content: INSTRUCTIONS },
    { role: "user", content: `Files read (${run} conversation ${index}):\n${ownContext(`${run}-${index}`, OWN_CONTEXT_CHARS)}\n\nStart the task.` },
  ],
  item: (step) => toolOutput(step),
};

export const SHORT_SHAPE: ConversationShape = {
  name: "short",
  description: "each conversation opens with ~450 tokens of its own (a line naming it, then the instructions), then adds one small item (~70 tokens) and the answer each turn",
  conversations: 16,
  opening: (run, index) => [
    // The run and conversation come first, so no routing finds another's conversation in a cache.
    { role: "system", content: `${run} conversation ${index}. ${INSTRUCTIONS}` },
    { role: "user", content: "Start the task." },
  ],
  item: (step) => toolOutput(step),
};
