/**
 * The Responses API over WebSocket on the built `spark serve` with the tiny local model: prewarm and
 * incremental turns served from the KV cache, the errors a client can cause, lanes, steering, and a
 * socket dropped mid-generation. Raw events through the `ws` library.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { holdRequest } from "./support/raw-http.js";
import { tempDir } from "./support/run-spark.js";
import { responseOf, SocketClient, type ServerEvent } from "./support/socket-client.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

let gateway: GatewayProcess;
const instructions = "You are a careful coding assistant. Answer briefly.";

beforeAll(async () => {
  const model = await ensureTestModel();
  const project = tempDir("spark-ws-project-");
  const home = tempDir("spark-ws-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), ["[aliases]", `tiny = "local:${model}"`, "[models.tiny]", "context_size = 4096", "temperature = 0", ""].join("\n"));
  gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
});

afterAll(async () => {
  await gateway?.stop();
});

async function metric(pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => pattern.test(line))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

/** A response that ended well: complete, or cut at max_output_tokens (the tiny model never stops by itself). */
function finished(event: ServerEvent): boolean {
  const response = responseOf(event);
  return response.status === "completed" || (response.status === "incomplete" && response.incomplete_details?.reason === "max_output_tokens");
}

function evaluated(event: ServerEvent): number {
  const { usage } = responseOf(event);
  return usage.input_tokens - usage.input_tokens_details.cached_tokens;
}

describe("the Responses WebSocket on the local engine", () => {
  it("prewarms with generate:false, then a turn evaluates only the tokens the prewarm did not", async () => {
    const client = await SocketClient.open(gateway.url);
    const pre = await client.create({ model: "tiny", instructions, input: [{ role: "user", content: "Explain what a binary search does." }], generate: false });
    expect(pre.events.map((event) => event.type)).toEqual(["response.created", "response.in_progress", "response.completed"]);
    expect(pre.events.map((event) => event["sequence_number"])).toEqual([0, 1, 2]);
    expect(responseOf(pre.end).output).toEqual([]);
    const prompt = responseOf(pre.end).usage.input_tokens;
    expect(prompt).toBeGreaterThan(10);

    const turn = await client.create({ model: "tiny", instructions, previous_response_id: responseOf(pre.end).id, input: [], max_output_tokens: 4 });
    expect(finished(turn.end), JSON.stringify(turn.end)).toBe(true);
    expect(turn.events.map((event) => event["sequence_number"])).toEqual(turn.events.map((_, index) => index));
    // Only the assistant turn's opening tokens are new: the prompt itself came from the prewarm's cache.
    expect(responseOf(turn.end).usage.input_tokens_details.cached_tokens).toBeGreaterThanOrEqual(prompt - 1);
    expect(evaluated(turn.end)).toBeLessThanOrEqual(8);
    expect(await metric(/^spark_gateway_websocket_prewarm_hits_total /)).toBeGreaterThanOrEqual(1);
    // The gateway's own time (the turn less the engine's call) is measured for each generated turn.
    expect(await metric(/^spark_gateway_overhead_seconds_count\{route="\/v1\/responses \(websocket\)"\} /)).toBeGreaterThanOrEqual(1);
    await client.close();
  }, 60_000);

  it("runs a 10-turn loop over one socket, each turn evaluating only its new items", async () => {
    const client = await SocketClient.open(gateway.url);
    let previous: string | undefined;
    let input = 0;
    let held = 0;
    for (let turn = 0; turn < 10; turn++) {
      const items = turn % 2 === 1 && previous ? [{ role: "user", content: `Result of step ${turn}: ok.` }] : [{ role: "user", content: `Step ${turn}: go on.` }];
      const { end } = await client.create({ model: "tiny", instructions, input: items, max_output_tokens: 4, ...(previous ? { previous_response_id: previous } : {}) });
      expect(finished(end), JSON.stringify(end)).toBe(true);
      const { usage } = responseOf(end);
      expect(usage.input_tokens).toBeGreaterThan(input);
      // The last turn's prompt and answer, as the tokens generated, are all reused but its final sampled token
      // (never fed back): only the new items are evaluated, with that one token.
      if (turn > 0) expect(usage.input_tokens_details.cached_tokens, `turn ${turn}: ${JSON.stringify(usage)}`).toBe(held - 1);
      if (turn > 0) expect(evaluated(end)).toBeLessThanOrEqual(40);
      input = usage.input_tokens;
      held = usage.input_tokens + usage.output_tokens;
      previous = responseOf(end).id;
    }
    expect(input).toBeGreaterThan(150);
    await client.close();
  }, 120_000);

  it("answers malformed events, unknown types, unknown ids and a busy socket with error events, and keeps serving", async () => {
    const client = await SocketClient.open(gateway.url);
    const errors = async (send: () => void) => {
      const from = client.events.length;
      send();
      return client.next((event) => event.type === "error", from);
    };
    const malformed = await errors(() => client.send("{not json"));
    expect(malformed).toMatchObject({ type: "error", status: 400, error: { type: "invalid_request_error", code: "invalid_json" } });
    expect(await errors(() => client.send({ type: "response.frobnicate" }))).toMatchObject({ status: 400, error: { code: "unknown_event_type", param: "type" } });
    expect(await errors(() => client.send({ no: "type" }))).toMatchObject({ status: 400, error: { param: "type" } });
    expect(await errors(() => client.send({ type: "response.create", model: "tiny", input: [], previous_response_id: "resp_nope" }))).toMatchObject({
      status: 400,
      error: { code: "previous_response_not_found", param: "previous_response_id" },
    });
    expect(await errors(() => client.send({ type: "response.create", model: "no-such-model", input: "hi" }))).toMatchObject({ status: 404, error: { code: "model_not_found" } });

    const from = client.events.length;
    client.send({ type: "response.create", model: "tiny", input: "Write a long story.", max_output_tokens: 3000 });
    await client.next((event) => event.type === "response.output_text.delta", from);
    expect(await errors(() => client.send({ type: "response.create", model: "tiny", input: "another" }))).toMatchObject({ status: 400, error: { code: "conversation_already_has_active_response" } });
    client.send({ type: "response.interrupt" });
    const interrupted = await client.next((event) => event.type === "response.incomplete", from);
    expect(responseOf(interrupted).incomplete_details).toEqual({ reason: "interrupted" });
    expect(responseOf(interrupted).usage.output_tokens).toBeLessThan(3000);

    const after = await client.create({ model: "tiny", input: "still there?", max_output_tokens: 2 });
    expect(finished(after.end)).toBe(true);
    await client.close();
  }, 60_000);

  it("closes a socket that sends a frame over the body limit, and the gateway keeps serving", async () => {
    const client = await SocketClient.open(gateway.url);
    client.send({ type: "response.create", model: "tiny", input: "x".repeat(10 * 1024 * 1024) });
    await new Promise<void>((resolve) => client.socket.once("close", () => resolve()));
    expect(client.closed?.code).toBe(1009);
    const next = await SocketClient.open(gateway.url);
    expect(finished((await next.create({ model: "tiny", input: "hi", max_output_tokens: 2 })).end)).toBe(true);
    await next.close();
  }, 60_000);

  it("stops the generation of a socket closed mid-stream and charges only the tokens generated", async () => {
    const route = /route="\/v1\/responses \(websocket\)"/;
    const disconnectsBefore = await metric(new RegExp(`^spark_gateway_client_disconnects_total\\{${route.source}`));
    const outputTokens = /^spark_gateway_tokens_total\{model="tiny".*kind="output"/;
    const chargedBefore = await metric(outputTokens);
    await noSocketsOpen();
    const client = await SocketClient.open(gateway.url);
    client.send({ type: "response.create", model: "tiny", input: "Write a very long story.", max_output_tokens: 3000 });
    await client.next((event) => event.type === "response.output_text.delta");
    client.socket.terminate();
    for (let tries = 0; tries < 100 && (await metric(new RegExp(`^spark_gateway_client_disconnects_total\\{${route.source}`))) <= disconnectsBefore; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    await gaugeReachesZero(/^spark_gateway_active_generations /);
    // Stopped, not run to its end (the tiny model never stops by itself), and charged what it generated.
    const charged = (await metric(outputTokens)) - chargedBefore;
    expect(charged).toBeGreaterThan(0);
    expect(charged).toBeLessThan(3000);
    expect(await metric(new RegExp(`^spark_gateway_client_disconnects_total\\{${route.source}`))).toBe(disconnectsBefore + 1);
    await noSocketsOpen();
  }, 60_000);

  it("runs lanes in parallel, FIFO within a lane, each event echoing its stream_id", async () => {
    const client = await SocketClient.open(gateway.url);
    const from = client.events.length;
    client.send({ type: "response.create", stream_id: "a", model: "tiny", input: "first on a", max_output_tokens: 24 });
    client.send({ type: "response.create", stream_id: "a", model: "tiny", input: "second on a", max_output_tokens: 2 });
    client.send({ type: "response.create", stream_id: "b", model: "tiny", input: "first on b", max_output_tokens: 2 });
    const ending = (event: ServerEvent) => event.type === "response.completed" || event.type === "response.incomplete";
    await client.next((event) => ending(event) && event["stream_id"] === "b", from);
    const laneA = () => client.events.slice(from).filter((event) => event["stream_id"] === "a" && ending(event));
    for (let tries = 0; tries < 300 && laneA().length < 2; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    const events = client.events.slice(from);
    expect(events.every((event) => event["stream_id"] === "a" || event["stream_id"] === "b")).toBe(true);
    const created = events.filter((event) => event.type === "response.created");
    const completed = events.filter(ending);
    // b started before a's first response ended: the lanes ran side by side.
    expect(events.indexOf(created.find((event) => event["stream_id"] === "b") as ServerEvent)).toBeLessThan(events.indexOf(completed.find((event) => event["stream_id"] === "a") as ServerEvent));
    // Within a, the second response was created only after the first completed.
    const [firstA, secondA] = laneA();
    const secondCreated = created.filter((event) => event["stream_id"] === "a")[1] as ServerEvent;
    expect(events.indexOf(secondCreated)).toBeGreaterThan(events.indexOf(firstA as ServerEvent));
    expect(secondA).toBeDefined();
    await client.close();
  }, 60_000);

  it("steers a generating response: accepted, ended incomplete 'steered', and a successor continues from the cache", async () => {
    const client = await SocketClient.open(gateway.url);
    const from = client.events.length;
    client.send({ type: "response.create", model: "tiny", instructions, input: "Write a very long story.", max_output_tokens: 3000 });
    await client.next((event) => event.type === "response.output_text.delta", from);
    client.send({ type: "response.steer", input: "Stop. Say hi instead." });
    const accepted = await client.next((event) => event.type === "response.steer.accepted", from);
    const steered = await client.next((event) => event.type === "response.incomplete", from);
    expect(accepted["response_id"]).toBe(responseOf(steered).id);
    expect(responseOf(steered).incomplete_details).toEqual({ reason: "steered" });
    const successorCreated = await client.next((event) => event.type === "response.created" && responseOf(event).id !== responseOf(steered).id, from);
    await client.next((event) => event.type === "response.output_text.delta" && client.events.indexOf(event) > client.events.indexOf(successorCreated), from);
    client.send({ type: "response.interrupt" });
    const successor = await client.next((event) => event.type === "response.incomplete" && responseOf(event).id === responseOf(successorCreated).id, from);
    // What the successor evaluated: the steered answer's end and the steer's own tokens, not the conversation.
    expect(evaluated(successor)).toBeLessThanOrEqual(40);
    expect(responseOf(successor).usage.input_tokens).toBeGreaterThan(responseOf(steered).usage.input_tokens);
    client.send({ type: "response.steer", input: "nothing is running" });
    expect(await client.next((event) => event.type === "response.steer.failed", from)).toMatchObject({ input: [{ role: "user", content: "nothing is running" }] });
    await client.close();
  }, 90_000);
});

/** Waits (bounded) for a gauge to come down to 0: the gateway sees a socket's close a moment after the client. */
async function gaugeReachesZero(pattern: RegExp): Promise<void> {
  for (let tries = 0; tries < 100 && (await metric(pattern)) > 0; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await metric(pattern)).toBe(0);
}

async function noSocketsOpen(): Promise<void> {
  await gaugeReachesZero(/^spark_gateway_websockets_open /);
}

describe("the Responses WebSocket's bounds", () => {
  it("refuses a ninth lane on one socket with an error event", async () => {
    const client = await SocketClient.open(gateway.url);
    const from = client.events.length;
    for (let lane = 0; lane < 8; lane++) client.send({ type: "response.create", stream_id: `lane-${lane}`, model: "tiny", input: "Write a long story.", max_output_tokens: 3000 });
    client.send({ type: "response.create", stream_id: "lane-8", model: "tiny", input: "one too many" });
    expect(await client.next((event) => event.type === "error", from)).toMatchObject({ status: 400, stream_id: "lane-8", error: { code: "too_many_streams" } });
    for (let lane = 0; lane < 8; lane++) client.send({ type: "response.interrupt", stream_id: `lane-${lane}` });
    await client.close();
  }, 60_000);

  it("opens and drops 1,000 sockets, never more than max_sockets at once, and frees them all", async () => {
    // Every earlier test closed its sockets, but the gateway sees a close a moment later: wait for none open.
    await noSocketsOpen();
    let refused = 0;
    const otherFailures: string[] = [];
    for (let round = 0; round < 4; round++) {
      const attempts = await Promise.allSettled(Array.from({ length: 250 + (round === 3 ? 50 : 0) }, () => SocketClient.open(gateway.url)));
      const opened = attempts.flatMap((attempt) => (attempt.status === "fulfilled" ? [attempt.value] : []));
      for (const attempt of attempts) {
        if (attempt.status === "fulfilled") continue;
        const message = String((attempt.reason as Error).message);
        // The gateway's own refusal; a connection the loaded machine reset before the handshake is not one.
        if (message === "handshake refused: 503") refused++;
        else otherFailures.push(message);
      }
      expect(await metric(/^spark_gateway_websockets_open /)).toBeLessThanOrEqual(256);
      for (const client of opened) client.socket.terminate();
    }
    // The last round asked for 300 at once: past the limit of 256, the rest were refused (503).
    expect(refused).toBeGreaterThan(0);
    await noSocketsOpen();
    expect(await metric(/^spark_gateway_websockets_refused_total\{reason="max_sockets"\}/), `other failures: ${otherFailures.join("; ")}`).toBe(refused);
    expect(otherFailures.every((message) => !message.startsWith("handshake refused")), otherFailures.join("; ")).toBe(true);
    const client = await SocketClient.open(gateway.url);
    expect(finished((await client.create({ model: "tiny", input: "hi", max_output_tokens: 2 })).end)).toBe(true);
    await client.close();
  }, 120_000);
});

describe("the Responses WebSocket handshake", () => {
  it("frees the place of a handshake the ws library rejects, so bad handshakes cannot use up max_sockets", async () => {
    const port = Number(new URL(gateway.url).port);
    // No Sec-WebSocket-Key: authenticated and counted, then rejected by ws (400) without a socket.
    const head = `GET /v1/responses HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    for (let round = 0; round < 3; round++) {
      const outcomes = await Promise.all(Array.from({ length: 100 }, () => holdRequest(port, head).closed));
      expect(outcomes.every((outcome) => outcome.status === 400)).toBe(true);
    }
    const client = await SocketClient.open(gateway.url);
    expect(finished((await client.create({ model: "tiny", input: "hi", max_output_tokens: 2 })).end)).toBe(true);
    await client.close();
  }, 60_000);


  it("refuses another site's page (Origin) like HTTP, and tells a plain GET to upgrade", async () => {
    const refused = new WebSocket(`${gateway.url.replace("http", "ws")}/v1/responses`, { headers: { origin: "http://evil.example" } });
    const status = await new Promise<number | undefined>((resolve) => {
      refused.once("unexpected-response", (_request, response) => resolve(response.statusCode));
      refused.once("open", () => resolve(undefined));
      refused.once("error", () => resolve(undefined));
    });
    expect(status).toBe(403);
    const plain = await fetch(`${gateway.url}/v1/responses`);
    expect(plain.status).toBe(426);
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe("upgrade_required");
  });
});
