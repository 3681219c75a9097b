import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ssePayloadBatches } from "./sse-payloads.js";

/** A body that delivers `bytes` in reads cut at `cuts`. */
function body(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const points = [...new Set([0, ...cuts.map((cut) => Math.min(cut, bytes.length)), bytes.length])].sort((a, b) => a - b);
  const reads = points.slice(1).map((end, i) => bytes.slice(points[i], end));
  return new ReadableStream({
    pull(controller) {
      const next = reads.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

async function payloads(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const all: string[] = [];
  for await (const batch of ssePayloadBatches(stream)) all.push(...batch);
  return all;
}

/** Events of one or more data lines (JSON-like text, multi-byte characters), with comments and event names. */
const event = fc.record({
  name: fc.option(fc.constantFrom("message", "delta"), { nil: undefined }),
  comment: fc.boolean(),
  data: fc.array(fc.constantFrom('{"a":1}', "é€😀", "x: y", " spaced", "", "data: inner", "[DONE]"), { minLength: 1, maxLength: 3 }),
});

describe("ssePayloadBatches", () => {
  it("gives each event's data lines, joined, whatever the line ends and however the bytes are cut", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 6 }), fc.constantFrom("\n", "\r\n", "\r"), fc.array(fc.nat({ max: 300 }), { maxLength: 10 }), async (events, eol, cuts) => {
        const text = events.map(({ name, comment, data }) => [...(comment ? [": keep-alive"] : []), ...(name ? [`event: ${name}`] : []), ...data.map((line) => `data: ${line}`), ""].join(eol) + eol).join("");
        const expected = events.map(({ data }) => data.join("\n"));
        expect(await payloads(body(new TextEncoder().encode(text), cuts))).toEqual(expected);
      }),
      { seed: 36, numRuns: 300 },
    );
  });
});
