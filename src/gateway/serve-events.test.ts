import { describe, expect, it } from "vitest";
import { emptyUsage, type StreamEvent } from "../core/index.js";
import { CallMeter } from "../speed/index.js";
import type { EventSink, WireEvent } from "./event-sink.js";
import type { GatewayError } from "./openai-error.js";
import { serveEvents, type RunContext } from "./serve-events.js";
import { StopFilter } from "./stop-filter.js";
import type { StreamEncoder } from "./stream-encoder.js";

/** Records what a runner tells its client, as one string of event data. */
class RecordingSink implements EventSink {
  readonly gone = new AbortController().signal;
  opened = false;
  sent = false;
  ended = false;
  written = "";
  failure: GatewayError | undefined;
  open(): void {
    this.opened = this.sent = true;
  }
  async send(events: readonly WireEvent[]): Promise<void> {
    this.written += events.map((event) => String(event.data)).join("");
    return Promise.resolve();
  }
  async forward(): Promise<void> {
    return Promise.resolve();
  }
  end(): void {
    this.ended = true;
  }
  async fail(error: GatewayError, events: readonly WireEvent[]): Promise<void> {
    this.failure = error;
    await this.send(events);
    this.end();
  }
  answer(): void {
    this.sent = true;
  }
}

const events = (data: string) => [{ data }];
const encoder: StreamEncoder = {
  start: () => events("start;"),
  text: (text) => events(`text:${text};`),
  reasoning: (text) => events(`reasoning:${text};`),
  toolCall: () => events("tool;"),
  end: () => events("end;"),
  error: (error) => events(`error:${error.message};`),
  body: () => ({}),
};

function contextFor(sink: EventSink, stream: boolean): RunContext {
  return { sink, stream, meter: new CallMeter(), signal: new AbortController().signal, stopGeneration: () => undefined, maxTokens: 100, outputAllowance: 100, limitsTokens: true, publicMessage: (message) => message };
}

async function* throwsAfterText(): AsyncIterable<StreamEvent> {
  yield { type: "usage", usage: { ...emptyUsage(), inputTokens: 7, outputTokens: 1 } };
  yield { type: "text-delta", text: "partial" };
  throw new Error("the model broke");
}

describe("serveEvents", () => {
  it("ends an open stream with an error frame when the event iterator throws, keeping the usage so far", async () => {
    const sink = new RecordingSink();
    const outcome = await serveEvents(contextFor(sink, true), throwsAfterText(), encoder, new StopFilter([]));
    expect(outcome).toMatchObject({ status: 200, reason: "error", errorCode: expect.any(String) as string });
    expect(outcome.usage).toMatchObject({ inputTokens: 7, outputTokens: 1 });
    expect(outcome.failure).toBeUndefined();
    expect(sink.written).toMatch(/^start;text:partial;error:.*the model broke.*;$/);
    expect(sink.ended).toBe(true);
  });

  it("turns a throw before the stream opens into a failure to answer, keeping the usage so far", async () => {
    const sink = new RecordingSink();
    const outcome = await serveEvents(contextFor(sink, false), throwsAfterText(), encoder, new StopFilter([]));
    expect(outcome.reason).toBe("error");
    expect(outcome.failure?.message).toContain("the model broke");
    expect(outcome.usage).toMatchObject({ inputTokens: 7, outputTokens: 1 });
    expect(sink.sent).toBe(false);
  });
});
