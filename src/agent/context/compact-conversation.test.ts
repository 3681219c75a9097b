import { describe, expect, it } from "vitest";
import type { Message, ModelRequest, StreamEvent } from "../../core/index.js";
import type { ModelClient } from "../../models/index.js";
import { compactConversation } from "./compact-conversation.js";
import type { ContextPolicy } from "./context-policy.js";
import { estimateRequestTokens } from "./estimate-tokens.js";

/** A client (token counts estimated) that records its requests and answers with a short summary. */
function recordingClient(window?: number): ModelClient & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    displayName: "fake",
    supportsPrediction: false,
    requests,
    async *stream(request: ModelRequest): AsyncIterable<StreamEvent> {
      requests.push(request);
      yield { type: "text-delta", text: "Decisions: carry on." };
      yield { type: "finish", reason: "stop" };
    },
    ...(window === undefined ? {} : { contextWindow: async () => window }),
    close: async () => {},
  };
}

const policy = (windowTokens: number): ContextPolicy => ({ windowTokens, reserveTokens: 500, compactAt: 0.8, toolOutputMaxBytes: 16 * 1024, toolOutputMaxLines: 400 });
const paste = (words: number) => `paste: ${"q ".repeat(words)}`;

/** TASK-ONE, an answer, then an oversize paste (refused before), then the latest message. */
const conversationWith = (oversize: string): Message[] => [
  { role: "system", content: "You are a test." },
  { role: "user", content: "TASK-ONE: fix the parser." },
  { role: "assistant", content: "Fixed the parser in parse.ts." },
  { role: "user", content: oversize },
  { role: "assistant", content: "That is too large." },
  { role: "user", content: "latest question" },
];
/** Larger than half of a 100,000-token window: older than what compaction keeps, though the agent's window holds it. */
const large = paste(60_000);

describe("compactConversation's summary request", () => {
  it("drops a unit that alone exceeds the window, not the older ones, and still fits", async () => {
    const client = recordingClient();
    const oversize = paste(12_000);
    const compaction = await compactConversation({ client, messages: conversationWith(oversize), tools: [], policy: policy(6000) });
    const request = client.requests[0] as ModelRequest;
    const texts = request.messages.map((message) => message.content);
    expect(texts).toContain("TASK-ONE: fix the parser.");
    expect(texts).toContain("Fixed the parser in parse.ts.");
    expect(texts).not.toContain(oversize);
    expect(estimateRequestTokens(request) + (request.maxTokens ?? 0)).toBeLessThanOrEqual(6000);
    // The facts of the dropped unit survive in the state.
    expect(compaction?.state).toContain("TASK-ONE");
  });

  it("sizes the request against the summariser's own window, not the agent's", async () => {
    const client = recordingClient();
    const summarizer = recordingClient(3000);
    await compactConversation({ client, messages: conversationWith(large), tools: [], policy: policy(100_000) }, summarizer);
    const request = summarizer.requests[0] as ModelRequest;
    expect(request.messages.map((message) => message.content)).not.toContain(large);
    expect(request.messages.map((message) => message.content)).toContain("TASK-ONE: fix the parser.");
    expect(estimateRequestTokens(request) + (request.maxTokens ?? 0)).toBeLessThanOrEqual(3000);
  });

  it("uses the window the policy declares for a summariser that does not report one", async () => {
    const client = recordingClient();
    const summarizer = recordingClient();
    await compactConversation({ client, messages: conversationWith(large), tools: [], policy: { ...policy(100_000), summarizerWindowTokens: () => 3000 } }, summarizer);
    const request = summarizer.requests[0] as ModelRequest;
    expect(request.messages.map((message) => message.content)).not.toContain(large);
    expect(estimateRequestTokens(request) + (request.maxTokens ?? 0)).toBeLessThanOrEqual(3000);
  });
});
