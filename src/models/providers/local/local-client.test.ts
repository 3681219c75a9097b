import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModel } from "../../../../test/support/tiny-gguf.js";
import type { CompletionRequest, FinishReason, ModelRequest, StreamEvent } from "../../../core/index.js";
import { fillByChatRequest } from "../../fill-by-chat.js";
import { LocalModelClient } from "./local-client.js";
import { LocalEngine } from "./local-engine.js";

let engine: LocalEngine;
let client: LocalModelClient;

beforeAll(async () => {
  engine = new LocalEngine({ threads: 1, gpu: false });
  client = new LocalModelClient(engine, await ensureTestModel(), "tiny");
});
afterAll(async () => {
  await client.close();
  await engine.dispose();
});

async function collect(request: ModelRequest, signal?: AbortSignal): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of client.stream(request, signal ? { signal } : {})) events.push(event);
  return events;
}

const textOf = (events: StreamEvent[]) => events.map((event) => (event.type === "text-delta" ? event.text : "")).join("");
const usageOf = (events: StreamEvent[]) => events.find((event) => event.type === "usage");

describe("LocalModelClient", () => {
  it("holds the answer to a JSON schema with a grammar", async () => {
    const schema = { type: "object", properties: { verdict: { enum: ["approve", "revise"] }, count: { type: "integer" } }, required: ["verdict", "count"] };
    const events = await collect({ messages: [{ role: "user", content: "judge" }], temperature: 0.8, seed: 3, maxTokens: 200, jsonSchema: { name: "verdict", schema } });
    const parsed = JSON.parse(textOf(events)) as { verdict: string; count: number };
    expect(["approve", "revise"]).toContain(parsed.verdict);
    expect(Number.isInteger(parsed.count)).toBe(true);
  });

  it("reuses the cached prompt prefix on a follow-up turn", async () => {
    const history: ModelRequest["messages"] = [
      { role: "system", content: "You are a careful assistant. ".repeat(10) },
      { role: "user", content: "first question" },
    ];
    const first = await collect({ messages: history, temperature: 0, maxTokens: 8 });
    const second = await collect({ messages: [...history.slice(0, 1), { role: "user", content: "second question" }], temperature: 0, maxTokens: 8 });
    const firstUsage = usageOf(first);
    const secondUsage = usageOf(second);
    if (firstUsage?.type !== "usage" || secondUsage?.type !== "usage") throw new Error("no usage event");
    // The long system prompt is shared, so the second call evaluates far fewer tokens than its prompt.
    expect(secondUsage.usage.cachedInputTokens).toBeGreaterThan(secondUsage.usage.inputTokens / 2);
    const metrics = second.find((event) => event.type === "metrics");
    expect(metrics?.type === "metrics" && metrics.metrics.promptTokensReused).toBe(secondUsage.usage.cachedInputTokens);
  });

  it("continues a conversation from the tokens it generated: each turn evaluates only the new message and the last generated token", async () => {
    const messages: ModelRequest["messages"] = [{ role: "system", content: "Keep answers short." }, { role: "user", content: "Step 0: go on." }];
    let held = 0;
    for (let turn = 0; turn < 6; turn++) {
      const events = await collect({ messages, temperature: 0, maxTokens: 4, cacheKey: "held-tokens" });
      const usage = usageOf(events);
      if (usage?.type !== "usage") throw new Error("no usage event");
      // Everything the last turn left in the sequence (its prompt and answer, but the final sampled token) is reused,
      // though the tiny model's answers do not tokenize back to the same tokens (a leading space the text drops).
      if (turn > 0) expect(usage.usage.cachedInputTokens, `turn ${turn}`).toBe(held - 1);
      held = usage.usage.inputTokens + usage.usage.outputTokens;
      messages.push({ role: "assistant", content: textOf(events) }, { role: "user", content: `Result of step ${turn}: ok.` });
    }
  }, 120_000);

  it("continues an aborted answer (a steer) from the tokens it generated", async () => {
    const messages: ModelRequest["messages"] = [{ role: "system", content: "Keep answers short." }, { role: "user", content: "Write a long story." }];
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    for await (const event of client.stream({ messages, temperature: 0, maxTokens: 100_000, cacheKey: "steered" }, { signal: controller.signal })) {
      events.push(event);
      if (event.type === "text-delta" && textOf(events).length > 30) controller.abort();
    }
    const first = usageOf(events);
    if (first?.type !== "usage") throw new Error("no usage event");
    const next = await collect({ messages: [...messages, { role: "assistant", content: textOf(events) }, { role: "user", content: "Shorter, please." }], temperature: 0, maxTokens: 2, cacheKey: "steered" });
    const usage = usageOf(next);
    if (usage?.type !== "usage") throw new Error("no usage event");
    // Everything the aborted call generated is reused but its final sampled token.
    expect(usage.usage.cachedInputTokens).toBe(first.usage.inputTokens + first.usage.outputTokens - 1);
  }, 120_000);

  it("serves a conversation (cacheKey) from its sequence even when most of its prompt changed, as after a compaction", async () => {
    const system: ModelRequest["messages"][number] = { role: "system", content: "Rules of the workspace, kept verbatim. ".repeat(8) };
    const call = async (topic: string, cacheKey?: string) => {
      const events = await collect({ messages: [system, { role: "user", content: `${topic} `.repeat(150) }], temperature: 0, maxTokens: 4, ...(cacheKey ? { cacheKey } : {}) });
      const usage = usageOf(events);
      if (usage?.type !== "usage") throw new Error("no usage event");
      return usage.usage;
    };
    await call("alpha", "conversation-1");
    // The compacted prompt shares only the system prompt: under the pool's similarity bar, yet the same conversation.
    const compacted = await call("beta", "conversation-1");
    const unrelated = await call("gamma");
    expect(compacted.cachedInputTokens).toBeGreaterThan(40);
    expect(compacted.cachedInputTokens).toBeLessThan(compacted.inputTokens / 2);
    expect(unrelated.cachedInputTokens).toBeLessThan(compacted.cachedInputTokens);
  });

  it("ends an aborted call with finish abort and keeps the text generated so far", async () => {
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    for await (const event of client.stream({ messages: [{ role: "user", content: "go" }], temperature: 0, maxTokens: 100_000 }, { signal: controller.signal })) {
      events.push(event);
      if (event.type === "text-delta" && textOf(events).length > 50) controller.abort();
    }
    expect(textOf(events).length).toBeGreaterThan(50);
    expect(events.at(-1)).toEqual({ type: "finish", reason: "abort" });
  });

  it("runs concurrent calls on separate sequences without mixing their text", async () => {
    const request: ModelRequest = { messages: [{ role: "user", content: "same" }], temperature: 0, maxTokens: 30 };
    const [a, b] = await Promise.all([collect(request), collect(request)]);
    expect(textOf(a)).toBe(textOf(b));
    expect(textOf(a).length).toBeGreaterThan(0);
  });

  it("queues calls when every sequence is busy; an aborted waiter gives its turn to the next", async () => {
    const single = new LocalEngine({ threads: 1, gpu: false, sequences: 1 });
    const queued = new LocalModelClient(single, await ensureTestModel(), "tiny");
    try {
      const run = async (signal?: AbortSignal) => {
        const events: StreamEvent[] = [];
        for await (const event of queued.stream({ messages: [{ role: "user", content: "q" }], temperature: 0, maxTokens: 200 }, signal ? { signal } : {})) events.push(event);
        return events.at(-1);
      };
      const waiting = new AbortController();
      const first = run();
      const second = run(waiting.signal);
      const third = run();
      waiting.abort();
      expect(await second).toEqual({ type: "finish", reason: "abort" });
      expect(await first).toEqual({ type: "finish", reason: "length" });
      expect(await third).toEqual({ type: "finish", reason: "length" });
    } finally {
      await queued.close();
      await single.dispose();
    }
  });

  it("stops generating when the reader stops reading", async () => {
    for await (const event of client.stream({ messages: [{ role: "user", content: "break" }], temperature: 0, maxTokens: 1_000_000 })) {
      if (event.type === "text-delta") break;
    }
    await client.close();
    const loaded = await engine.load(await ensureTestModel());
    // Without the stop, the sequence would hold the whole context window of generated tokens.
    expect(Math.max(...loaded.pool.slots.map((slot) => slot.sequence.contextTokens.length))).toBeLessThan(500);
  });
});

interface Answer {
  text: string;
  reason: FinishReason | undefined;
  outputTokens: number | undefined;
}

async function answer(events: AsyncIterable<StreamEvent>): Promise<Answer> {
  const result: Answer = { text: "", reason: undefined, outputTokens: undefined };
  for await (const event of events) {
    if (event.type === "text-delta") result.text += event.text;
    if (event.type === "usage") result.outputTokens = event.usage.outputTokens;
    if (event.type === "finish") result.reason = event.reason;
  }
  return result;
}

/** Some text the answer holds after its start, and where it first appears. */
function stopIn(text: string): { stop: string; at: number } {
  const stop = text.slice(4, 7);
  return { stop, at: text.indexOf(stop) };
}

/**
 * Text without whitespace: node-llama-cpp releases the text it held back for a possible stop trigger as
 * a separate chunk, and the tiny model's SentencePiece vocabulary drops a chunk's leading space.
 */
const squeezed = (text: string) => text.replace(/\s/g, "");

/** The answer stopped natively: at the stop sequence's place, without it, with finish reason stop. */
function expectStoppedAt(stopped: Answer, full: Answer): void {
  const { stop, at } = stopIn(full.text);
  expect(stopped.reason).toBe("stop");
  expect(stopped.text).not.toContain(stop);
  expect(squeezed(stopped.text)).toBe(squeezed(full.text.slice(0, at)));
}

const prompt: CompletionRequest = { prompt: "function add(a, b) {\n  return ", maxTokens: 12, temperature: 0 };

describe("LocalModelClient.complete", () => {
  it("continues a prompt, the same way each time, up to maxTokens", async () => {
    const first = await answer(client.complete(prompt));
    const second = await answer(client.complete(prompt));
    expect(first).toMatchObject({ reason: "length", outputTokens: 12 });
    expect(first.text.length).toBeGreaterThan(0);
    expect(second.text).toBe(first.text);
  });

  it("ends before a stop sequence, natively, with finish reason stop", async () => {
    const full = await answer(client.complete({ ...prompt, maxTokens: 24 }));
    const stopped = await answer(client.complete({ ...prompt, maxTokens: 24, stop: [stopIn(full.text).stop] }));
    expectStoppedAt(stopped, full);
  });

  it("fills in the middle through the chat prompt when the model has no infill tokens", async () => {
    const request: CompletionRequest = { ...prompt, suffix: "\n}\n" };
    expect(await client.fillMode()).toBe("chat");
    const filled = await answer(client.complete(request));
    const chat = await answer(client.stream(fillByChatRequest(request)));
    expect(filled).toEqual(chat);
    expect(filled.outputTokens).toBe(12);
  });

  it("ends an aborted completion with finish abort, keeping what was generated", async () => {
    const controller = new AbortController();
    const result: Answer = { text: "", reason: undefined, outputTokens: undefined };
    for await (const event of client.complete({ ...prompt, maxTokens: 2000 }, { signal: controller.signal })) {
      if (event.type === "text-delta") {
        result.text += event.text;
        controller.abort();
      }
      if (event.type === "finish") result.reason = event.reason;
    }
    expect(result.reason).toBe("abort");
    expect(result.text.length).toBeGreaterThan(0);
  });
});

describe("LocalModelClient.stream with stop", () => {
  it("ends the chat answer before a stop sequence with finish reason stop", async () => {
    const request = { messages: [{ role: "user" as const, content: "hello" }], maxTokens: 24, temperature: 0 };
    const full = await answer(client.stream(request));
    const stopped = await answer(client.stream({ ...request, stop: [stopIn(full.text).stop] }));
    expectStoppedAt(stopped, full);
  });
});
