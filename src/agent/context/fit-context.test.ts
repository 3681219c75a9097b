import { describe, expect, it } from "vitest";
import { ContextOverflowError, type Message, type ModelRequest, type StreamEvent } from "../../core/index.js";
import type { ModelClient } from "../../models/index.js";
import type { ContextPolicy } from "./context-policy.js";
import { estimateRequestTokens } from "./estimate-tokens.js";
import { fitContext, type FitResult } from "./fit-context.js";

/** A remote-like client (token counts estimated) whose summary call answers at once. */
const client: ModelClient = {
  displayName: "fake",
  supportsPrediction: false,
  async *stream(): AsyncIterable<StreamEvent> {
    yield { type: "text-delta", text: "Decisions: none yet." };
    yield { type: "finish", reason: "stop" };
  },
  close: async () => {},
};

const policy: ContextPolicy = { windowTokens: 8000, reserveTokens: 1000, compactAt: 0.8, toolOutputMaxBytes: 16 * 1024, toolOutputMaxLines: 400 };
const budget = 7000;

/** One step with `count` parallel read calls, each result `bytes` long (within the per-output cap, a quarter of the budget). */
function parallelStep(count: number, bytes: number, userText = "Compare these files."): Message[] {
  const calls = Array.from({ length: count }, (_, index) => ({ id: `c${index}`, name: "read_file", arguments: JSON.stringify({ path: `f${index}.ts` }) }));
  const line = (index: number, n: number) => `file ${index} line ${n} ${"y".repeat(30)}`;
  const output = (index: number) => Array.from({ length: Math.ceil(bytes / 48) }, (_, n) => line(index, n + 1)).join("\n").slice(0, bytes);
  return [
    { role: "system", content: "You are a test." },
    { role: "user", content: userText },
    { role: "assistant", content: "", toolCalls: calls },
    ...calls.map((call, index): Message => ({ role: "tool", toolCallId: call.id, content: output(index) })),
  ];
}

async function fit(request: ModelRequest): Promise<FitResult | undefined> {
  const events = fitContext(client, request, policy, undefined);
  for (;;) {
    const next = await events.next();
    if (next.done) return next.value;
  }
}

describe("fitContext", () => {
  it("lets several parallel tool results share the budget instead of failing the step", async () => {
    const request: ModelRequest = { messages: parallelStep(5, 5000) };
    expect(estimateRequestTokens(request)).toBeGreaterThan(budget);
    const result = await fit(request);
    expect(result).toBeDefined();
    const messages = result?.messages ?? [];
    expect(estimateRequestTokens({ messages })).toBeLessThanOrEqual(budget);
    const results = messages.filter((message) => message.role === "tool");
    expect(results).toHaveLength(5);
    for (const [index, message] of results.entries()) {
      // Each keeps its head and tail, the middle elided with a note.
      expect(message.content.startsWith(`file ${index} line 1 `)).toBe(true);
      expect(message.content).toContain("elided to fit the context window");
    }
  });

  it("keeps small results whole and cuts the large ones", async () => {
    const messages = parallelStep(4, 9000);
    const small: Message = { role: "tool", toolCallId: "c3", content: "short answer" };
    messages.splice(messages.length - 1, 1, small);
    const result = await fit({ messages });
    expect(result?.messages.at(-1)).toEqual(small);
  });

  it("still refuses a single user input that cannot fit, saying to split it", async () => {
    const request: ModelRequest = { messages: [{ role: "system", content: "You are a test." }, { role: "user", content: "z ".repeat(20_000) }] };
    await expect(fit(request)).rejects.toBeInstanceOf(ContextOverflowError);
  });
});
