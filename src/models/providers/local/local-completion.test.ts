import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModel } from "../../../../test/support/tiny-gguf.js";
import type { CompletionRequest, FinishReason, StreamEvent } from "../../../core/index.js";
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
