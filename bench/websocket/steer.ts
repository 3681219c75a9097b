import { SocketClient, responseOf } from "../../test/support/socket-client.js";
import type { Item, RolloutScript } from "./rollout.js";

/** One redirect: from the moment the user's new input is sent to the first token of the answer to it. */
export interface RedirectFigures {
  /** Steer (or abort) sent → first text delta of the response that answers the new input. */
  latencyMs: number;
  /** Prompt tokens that response evaluated (not taken from the cache). */
  evaluated: number;
}

const redirect: Item = { role: "user", content: "Stop there. Summarise the task in one line instead." };

/** A conversation long enough to make a cold prefill count: the first input and `steps` tool outputs. */
export function conversation(script: RolloutScript, steps: number): Item[] {
  return [...script.first, ...Array.from({ length: steps }, (_, step) => [{ role: "assistant", content: "Working on it." }, script.toolOutput(step)]).flat()];
}

/** `response.steer` into a generating response on the socket; the gateway continues it from the cache. */
export async function steerOnSocket(baseUrl: string, script: RolloutScript, steps: number): Promise<RedirectFigures> {
  const client = await SocketClient.open(baseUrl);
  try {
    const from = client.events.length;
    client.send({ type: "response.create", model: script.model, instructions: script.instructions, input: conversation(script, steps), max_output_tokens: 200 });
    await client.next((event) => event.type === "response.output_text.delta", from);
    const sentAt = performance.now();
    client.send({ type: "response.steer", input: [redirect] });
    const steered = await client.next((event) => event.type === "response.incomplete", from);
    const created = await client.next((event) => event.type === "response.created" && responseOf(event).id !== responseOf(steered).id, from);
    const first = await client.next((event) => event.type === "response.output_text.delta" && client.events.indexOf(event) > client.events.indexOf(created), from);
    const latencyMs = (client.arrivals.get(first) ?? performance.now()) - sentAt;
    client.send({ type: "response.interrupt" });
    const end = await client.next((event) => event.type === "response.incomplete" && responseOf(event).id === responseOf(created).id, from);
    const { usage } = responseOf(end);
    return { latencyMs, evaluated: usage.input_tokens - usage.input_tokens_details.cached_tokens };
  } finally {
    await client.close();
  }
}

/** Reads an SSE stream until its first text delta; returns when it arrived and the rest's last data line. */
async function untilFirstDelta(body: ReadableStream<Uint8Array>, stopAfterFirst: boolean): Promise<{ firstAt: number | undefined; text: string; last: string }> {
  const decoder = new TextDecoder();
  let buffer = "";
  let firstAt: number | undefined;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    if (firstAt === undefined && buffer.includes("response.output_text.delta")) {
      firstAt = performance.now();
      if (stopAfterFirst) break;
    }
  }
  const data = buffer.split("\n").filter((line) => line.startsWith("data: "));
  const text = data.map((line) => JSON.parse(line.slice(6)) as { type: string; delta?: string }).filter((event) => event.type === "response.output_text.delta").map((event) => event.delta ?? "").join("");
  return { firstAt, text, last: data.at(-1) ?? "" };
}

/** What a client without steering does: abort the HTTP stream, then POST the whole history with the partial answer and the new input. */
export async function abortAndResend(baseUrl: string, script: RolloutScript, steps: number): Promise<RedirectFigures> {
  const post = (input: Item[], signal?: AbortSignal) =>
    fetch(`${baseUrl}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: script.model, instructions: script.instructions, input, max_output_tokens: 16, stream: true }), ...(signal ? { signal } : {}) });
  const history = conversation(script, steps);
  const controller = new AbortController();
  const running = await post(history, controller.signal);
  if (!running.body) throw new Error(`POST /v1/responses: ${running.status}`);
  const partial = await untilFirstDelta(running.body, true);
  const sentAt = performance.now();
  controller.abort();
  const resent = await post([...history, { role: "assistant", content: partial.text }, redirect]);
  if (!resent.body) throw new Error(`POST /v1/responses: ${resent.status}`);
  const answer = await untilFirstDelta(resent.body, false);
  const { usage } = responseOf(JSON.parse(answer.last.slice(6)) as Parameters<typeof responseOf>[0]);
  return { latencyMs: (answer.firstAt ?? performance.now()) - sentAt, evaluated: usage.input_tokens - usage.input_tokens_details.cached_tokens };
}
