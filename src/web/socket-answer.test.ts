import { describe, expect, it } from "vitest";
import { GatewayRequestError } from "./gateway-client.js";
import { SOCKET_CLOSED, STEERED } from "./responses-socket.js";
import { SocketAnswer } from "./socket-answer.js";

const message = (text: string) => ({ type: "message", content: [{ type: "output_text", text }] });
const delta = (text: string) => ({ type: "response.output_text.delta", delta: text });
const end = (type: string, text: string, extra: Record<string, unknown> = {}) => ({ type, response: { id: "resp_2", output: [message(text)], usage: { input_tokens: 7, output_tokens: 3 }, ...extra } });

function readAll(answer: SocketAnswer, events: Record<string, unknown>[]) {
  return events.flatMap((event) => answer.read(event as { type: string }));
}

describe("SocketAnswer (a turn's Responses events as the page's chat events)", () => {
  it("turns a steered end into the redirect, keeps the partial part, and reads the successor", () => {
    const answer = new SocketAnswer(() => "go left");
    const events = readAll(answer, [
      { type: "spark.rate_limits", headers: { "x-spark-family": "spark", "x-ratelimit-limit-requests": "9", "x-ratelimit-remaining-requests": "8", "Bad Name": "x", "x-number": 5 } },
      { type: "response.created", response: { id: "resp_1" } },
      delta("Going "),
      delta("right"),
      { type: STEERED, response: { output: [message("Going right")] } },
      { type: "response.created", response: { id: "resp_2" } },
      delta("Left."),
      end("response.completed", "Left."),
    ]);
    expect(events).toEqual([
      { type: "quota", quota: { family: "spark", windows: [{ name: "requests/min", remaining: 8, limit: 9, reset: "" }] } },
      { type: "text-delta", text: "Going ", deltas: 1 },
      { type: "text-delta", text: "right", deltas: 1 },
      { type: "steered", text: "go left" },
      { type: "text-delta", text: "Left.", deltas: 1 },
      { type: "usage", promptTokens: 7, completionTokens: 3 },
      { type: "finish", reason: "stop" },
    ]);
    expect(answer.steps).toEqual([
      { role: "assistant", content: "Going right" },
      { role: "user", content: "go left" },
    ]);
    expect([answer.text, answer.responseId, answer.matches, answer.reason]).toEqual(["Left.", "resp_2", true, "stop"]);
  });

  it("takes no redirect the page did not send (a hostile server's steered end fails the answer)", () => {
    const answer = new SocketAnswer(() => undefined);
    const events = readAll(answer, [{ type: "response.created", response: { id: "resp_1" } }, delta("Hi"), { type: STEERED, response: { output: [message("Hi")] } }]);
    expect(events.map((event) => event.type)).toEqual(["text-delta", "error", "finish"]);
    expect(answer.steps).toEqual([]);
  });

  it("notes when the server's copy differs from the page's, so the next turn resends everything", () => {
    const answer = new SocketAnswer(() => undefined);
    readAll(answer, [{ type: "response.created", response: { id: "resp_1" } }, delta("Hello"), end("response.completed", "Hello, and more")]);
    expect(answer.matches).toBe(false);
  });

  it("reads a length end, a lost chain, a refusal before the response, and a drop before and after it began", () => {
    const length = new SocketAnswer(() => undefined);
    expect(readAll(length, [delta("ab"), end("response.incomplete", "ab", { incomplete_details: { reason: "max_output_tokens" } })]).at(-1)).toEqual({ type: "finish", reason: "length" });

    const lost = new SocketAnswer(() => undefined);
    expect(readAll(lost, [{ type: "error", status: 400, error: { code: "previous_response_not_found", message: "gone" } }])).toEqual([]);
    expect(lost.chainLost).toBe(true);

    const refused = new SocketAnswer(() => undefined);
    readAll(refused, [{ type: "error", status: 429, error: { code: "rate_limit_exceeded", message: "slow down" } }]);
    expect(refused.refused).toEqual(new GatewayRequestError(429, "rate_limit_exceeded", "slow down"));

    const early = new SocketAnswer(() => undefined);
    expect(readAll(early, [{ type: SOCKET_CLOSED }])).toEqual([]);
    expect(early.closedBeforeStart).toBe(true);

    const late = new SocketAnswer(() => undefined);
    const events = readAll(late, [{ type: "response.created", response: { id: "resp_1" } }, delta("part"), { type: SOCKET_CLOSED }]);
    expect(events.slice(1).map((event) => event.type)).toEqual(["error", "finish"]);
    expect(events.at(-1)).toEqual({ type: "finish", reason: "abort" });
    expect([late.closedBeforeStart, late.reason]).toEqual([false, "abort"]);
  });
});
