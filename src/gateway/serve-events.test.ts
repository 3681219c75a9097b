import { describe, expect, it } from "vitest";
import type { FastifyReply } from "fastify";
import { emptyUsage, type StreamEvent } from "../core/index.js";
import { serveEvents, type RunContext } from "./serve-events.js";
import { StopFilter } from "./stop-filter.js";
import type { StreamEncoder } from "./stream-encoder.js";

/** A stand-in for the response socket: records what was written and whether it was ended. */
function fakeRaw() {
  return {
    written: [] as string[],
    headersSent: false,
    destroyed: false,
    writableEnded: false,
    writeHead() {
      this.headersSent = true;
    },
    write(frames: string) {
      this.written.push(frames);
      return true;
    },
    end() {
      this.writableEnded = true;
    },
  };
}

const encoder: StreamEncoder = {
  start: () => "start;",
  text: (text) => `text:${text};`,
  reasoning: (text) => `reasoning:${text};`,
  toolCall: () => "tool;",
  end: () => "end;",
  error: (error) => `error:${error.message};`,
  body: () => ({}),
};

function contextFor(raw: ReturnType<typeof fakeRaw>, stream: boolean): RunContext {
  const reply = { raw, hijack: () => undefined } as unknown as FastifyReply;
  return { reply, headers: {}, stream, startedAt: performance.now(), signal: new AbortController().signal, stopGeneration: () => undefined, clientGone: () => false, maxTokens: 100, outputAllowance: 100, limitsTokens: true, publicMessage: (message) => message };
}

async function* throwsAfterText(): AsyncIterable<StreamEvent> {
  yield { type: "usage", usage: { ...emptyUsage(), inputTokens: 7, outputTokens: 1 } };
  yield { type: "text-delta", text: "partial" };
  throw new Error("the model broke");
}

describe("serveEvents", () => {
  it("ends an open stream with an error frame when the event iterator throws, keeping the usage so far", async () => {
    const raw = fakeRaw();
    const outcome = await serveEvents(contextFor(raw, true), throwsAfterText(), encoder, new StopFilter([]));
    expect(outcome).toMatchObject({ status: 200, reason: "error", errorCode: expect.any(String) as string });
    expect(outcome.usage).toMatchObject({ inputTokens: 7, outputTokens: 1 });
    expect(outcome.failure).toBeUndefined();
    expect(raw.written.join("")).toMatch(/^start;text:partial;error:.*the model broke.*;$/);
    expect(raw.writableEnded).toBe(true);
  });

  it("turns a throw before the stream opens into a failure to answer, keeping the usage so far", async () => {
    const raw = fakeRaw();
    const outcome = await serveEvents(contextFor(raw, false), throwsAfterText(), encoder, new StopFilter([]));
    expect(outcome.reason).toBe("error");
    expect(outcome.failure?.message).toContain("the model broke");
    expect(outcome.usage).toMatchObject({ inputTokens: 7, outputTokens: 1 });
    expect(raw.written).toEqual([]);
  });
});
