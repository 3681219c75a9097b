import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SseUsageScanner } from "./sse-usage-scanner.js";

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }], usage: null })}\n\n`;
const usage = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9, prompt_tokens_details: { cached_tokens: 3 } } })}\n\n`;
const stream = chunk({ role: "assistant", content: "" }) + chunk({ content: "Hé" }) + chunk({ content: "llo" }) + chunk({}, "length") + usage + "data: [DONE]\n\n";

describe("SseUsageScanner", () => {
  it("forwards the upstream's bytes untouched and reads usage, content frames and the finish reason", () => {
    const scanner = new SseUsageScanner(false);
    const bytes = Buffer.from(stream);
    // Split inside a multi-byte character and inside frames.
    const cut = bytes.indexOf(Buffer.from("é")) + 1;
    const parts = [bytes.subarray(0, cut), bytes.subarray(cut, cut + 40), bytes.subarray(cut + 40)];
    const out = Buffer.concat(parts.map((part) => scanner.push(part) as Buffer));
    expect(out.equals(bytes)).toBe(true);
    expect(scanner.flush()).toBe("");
    expect(scanner.usage).toMatchObject({ inputTokens: 7, outputTokens: 2, cachedInputTokens: 3 });
    expect(scanner.contentFrames).toBe(2);
    expect(scanner.finishReason).toBe("length");
  });

  it("drops only the usage frame when the gateway asked for usage on the client's behalf", () => {
    const scanner = new SseUsageScanner(true);
    let out = "";
    for (let i = 0; i < stream.length; i += 17) out += String(scanner.push(Buffer.from(stream.slice(i, i + 17))));
    out += scanner.flush();
    expect(out).toBe(stream.replace(usage, ""));
    expect(scanner.usage?.outputTokens).toBe(2);
  });

  it("reads usage from a Responses API completed event", () => {
    const scanner = new SseUsageScanner(false);
    const completed = `event: response.completed\ndata: ${JSON.stringify({ type: "response.completed", response: { usage: { input_tokens: 4, output_tokens: 5 } } })}\n\n`;
    scanner.push(Buffer.from(completed));
    expect(scanner.usage).toMatchObject({ inputTokens: 4, outputTokens: 5 });
  });
});

describe("SseUsageScanner's output estimate", () => {
  it("counts a token per small frame and about four characters a token in a large one", () => {
    const scanner = new SseUsageScanner(false);
    scanner.push(Buffer.from(chunk({ content: "a" }) + chunk({ content: "x".repeat(400) })));
    expect(scanner.outputEstimate).toBe(1 + 100);
  });

  it("does not count again the text a Responses stream repeats in its .done events", () => {
    const scanner = new SseUsageScanner(false);
    const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    scanner.push(Buffer.from(event("response.output_text.delta", { delta: "abcd" }) + event("response.output_text.delta", { delta: "efgh" }) + event("response.output_text.done", { text: "abcdefgh" })));
    expect(scanner.outputEstimate).toBe(2);
  });
});

describe("SseUsageScanner with an output limit", () => {
  it("returns whole frames up to the one that passes the limit, and nothing after", () => {
    const scanner = new SseUsageScanner(false, 3);
    const frames = Array.from({ length: 10 }, (_, index) => chunk({ content: `w${index}` })).join("");
    // One chunk holding all ten frames, as a fast upstream sends them.
    const out = String(scanner.push(Buffer.from(frames)));
    expect(scanner.overLimit).toBe(true);
    expect(out).toBe(Array.from({ length: 4 }, (_, index) => chunk({ content: `w${index}` })).join(""));
    expect(scanner.push(Buffer.from(chunk({ content: "more" })))).toBe("");
    expect(scanner.flush()).toBe("");
  });

  it("forwards a stream within the limit unchanged", () => {
    const scanner = new SseUsageScanner(false, 100);
    const bytes = Buffer.from(stream);
    let out = "";
    for (let i = 0; i < bytes.length; i += 13) out += String(scanner.push(bytes.subarray(i, i + 13)));
    out += scanner.flush();
    expect(out).toBe(stream);
    expect(scanner.overLimit).toBe(false);
  });
});

describe("SseUsageScanner on generated streams", () => {
  const frame = (text: string) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: text }, finish_reason: null }], usage: null })}`;
  const usageFrame = `data: ${JSON.stringify({ id: "c", choices: [], usage: { prompt_tokens: 5, completion_tokens: 4 } })}`;

  it("strips the usage frame and passes every other frame on as it completes, whatever the line ends and the chunk cuts", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "é€", "😀 x", "\\n", ""), { minLength: 1, maxLength: 5 }),
        fc.constantFrom("\n", "\r\n", "\r"),
        fc.array(fc.nat({ max: 600 }), { maxLength: 12 }),
        (texts, eol, cuts) => {
          const frames = [...texts.map(frame), usageFrame, "data: [DONE]"].map((line) => `: comment${eol}${line}${eol}${eol}`);
          const bytes = Buffer.from(frames.join(""));
          const points = [...new Set([0, ...cuts.map((cut) => Math.min(cut, bytes.length)), bytes.length])].sort((a, b) => a - b);
          const scanner = new SseUsageScanner(true);
          const out = points.slice(1).map((end, i) => String(scanner.push(bytes.subarray(points[i], end)))).join("");
          const expected = frames.filter((text) => !text.includes('"usage":{"prompt')).join("");
          // Every frame passed on as it completed; only the last may wait for the end (its final "\r" could have been "\r\n").
          expect(expected.startsWith(out) && out.length >= expected.length - (frames.at(-1)?.length ?? 0)).toBe(true);
          expect(out + scanner.flush()).toBe(expected);
          expect(scanner.usage).toMatchObject({ inputTokens: 5, outputTokens: 4 });
        },
      ),
      { seed: 37, numRuns: 300 },
    );
  });
});
