import { SocketClient, responseOf } from "../../test/support/socket-client.js";

/** One request of a rollout as the client saw it: a model turn, or the prewarm before the first. */
export interface TurnFigures {
  promptTokens: number;
  evaluated: number;
  ttftMs: number;
  totalMs: number;
  prewarm?: boolean;
}

/** A rollout one request at a time, so that modes can take turns and a machine's changing load falls on all alike. */
export type Rollout = AsyncGenerator<TurnFigures, void>;

export type Item = Record<string, unknown>;

/** What a rollout sends each turn: the first input, then one tool output per tool call. */
export interface RolloutScript {
  model: string;
  instructions: string;
  first: Item[];
  toolOutput(step: number): Item;
  steps: number;
  maxOutputTokens: number;
}

function figures(response: ReturnType<typeof responseOf>, started: number, firstAt: number | undefined): TurnFigures {
  const { usage } = response;
  const ended = performance.now();
  return { promptTokens: usage.input_tokens, evaluated: usage.input_tokens - usage.input_tokens_details.cached_tokens, ttftMs: (firstAt ?? ended) - started, totalMs: ended - started };
}

/** The text of a response's output messages, as the client adds it to its own history. */
function outputText(response: ReturnType<typeof responseOf>): string {
  return (response.output as { type: string; content?: { text?: string }[] }[])
    .filter((item) => item.type === "message")
    .flatMap((item) => item.content ?? [])
    .map((part) => part.text ?? "")
    .join("");
}

/** One POST /v1/responses (SSE) with the whole history: figures from its events. */
async function postTurn(baseUrl: string, body: Item): Promise<{ figures: TurnFigures; response: ReturnType<typeof responseOf> }> {
  const started = performance.now();
  const reply = await fetch(`${baseUrl}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
  if (!reply.ok || !reply.body) throw new Error(`POST /v1/responses: ${reply.status} ${await reply.text()}`);
  const decoder = new TextDecoder();
  let buffer = "";
  let firstAt: number | undefined;
  for await (const chunk of reply.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    if (firstAt === undefined && buffer.includes("response.output_text.delta")) firstAt = performance.now();
  }
  const last = buffer.split("\n").filter((line) => line.startsWith("data: ")).at(-1) ?? "";
  const response = responseOf(JSON.parse(last.slice(6)) as Parameters<typeof responseOf>[0]);
  return { figures: figures(response, started, firstAt), response };
}

/** The rollout over HTTP, the whole conversation sent every turn (what a stateless client does). */
export async function* httpFullHistory(baseUrl: string, script: RolloutScript): Rollout {
  const history: Item[] = [...script.first];
  for (let step = 0; step <= script.steps; step++) {
    const { figures: turn, response } = await postTurn(baseUrl, { model: script.model, instructions: script.instructions, input: history, max_output_tokens: script.maxOutputTokens });
    yield turn;
    history.push({ role: "assistant", content: outputText(response) }, script.toolOutput(step));
  }
}

/** The rollout over HTTP with `store: true`: each turn only its new item, continuing the last response by previous_response_id. */
export async function* httpPreviousResponse(baseUrl: string, script: RolloutScript): Rollout {
  let previous: string | undefined;
  for (let step = 0; step <= script.steps; step++) {
    const input = step === 0 ? script.first : [script.toolOutput(step - 1)];
    const { figures: turn, response } = await postTurn(baseUrl, {
      model: script.model,
      instructions: script.instructions,
      input,
      store: true,
      max_output_tokens: script.maxOutputTokens,
      ...(previous ? { previous_response_id: previous } : {}),
    });
    yield turn;
    previous = response.id;
  }
}

/** The rollout over one socket: optionally a prewarm, then each turn only its new items with previous_response_id. */
export async function* overSocket(baseUrl: string, script: RolloutScript, prewarm: boolean): Rollout {
  const client = await SocketClient.open(baseUrl);
  try {
    const common = { model: script.model, instructions: script.instructions, max_output_tokens: script.maxOutputTokens };
    let previous: string | undefined;
    if (prewarm) {
      const started = performance.now();
      const { end } = await client.create({ ...common, input: script.first, generate: false });
      if (end.type !== "response.completed") throw new Error(`the prewarm failed: ${JSON.stringify(end).slice(0, 500)}`);
      const response = responseOf(end);
      previous = response.id;
      yield { ...figures(response, started, undefined), prewarm: true };
    }
    for (let step = 0; step <= script.steps; step++) {
      const input = step === 0 ? (previous ? [] : script.first) : [script.toolOutput(step - 1)];
      const started = performance.now();
      const from = client.events.length;
      const { end } = await client.create({ ...common, input, ...(previous ? { previous_response_id: previous } : {}) });
      if (end.type === "error") throw new Error(`turn ${step}: ${JSON.stringify(end)}`);
      const first = client.events.slice(from).find((event) => event.type === "response.output_text.delta");
      const response = responseOf(end);
      yield figures(response, started, first ? client.arrivals.get(first) : undefined);
      previous = response.id;
    }
  } finally {
    await client.close();
  }
}
