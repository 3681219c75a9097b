/**
 * `store: true` and `previous_response_id` over POST /v1/responses on the built `spark serve`, with the
 * official `openai` SDK: responses kept in the gateway's SQLite database under the API key that made
 * them, continued whole on a Chat Completions upstream, a Responses upstream (never passed through: its
 * own store is shared by every key) and the tiny local model; another key, an unknown id, a response made
 * without `store` and one dropped by the per-key bound all get `previous_response_not_found`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";
import { SocketClient, responseOf } from "./support/socket-client.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

const reply = (): ScriptedReply => ({ kind: "text", chunks: ["Hello", " Ada"], usage: { prompt: 12, completion: 2 } });

let upstream: ScriptedServer;
let gateway: GatewayProcess;
let alice: OpenAI;
let bob: OpenAI;
let aliceKey: string;

beforeAll(async () => {
  const model = await ensureTestModel();
  upstream = await startScriptedServer(reply);
  const project = tempDir("spark-responses-store-");
  const home = tempDir("spark-responses-store-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(
    join(project, ".spark", "config.toml"),
    [
      "[aliases]",
      `tiny = "local:${model}"`,
      "[models.tiny]",
      "context_size = 4096",
      "temperature = 0",
      "[models.remote-chat]",
      `base_url = "${upstream.url}"`,
      'model = "upstream-model"',
      "[providers.lab]",
      `base_url = "${upstream.url}"`,
      'api = "responses"',
      "[gateway]",
      'models = ["lab/codex"]',
      "stored_responses_max = 3",
      "",
    ].join("\n"),
  );
  const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
  const keys: string[] = [];
  for (const name of ["alice", "bob"]) {
    const created = await runSpark(["keys", "create", "--name", name], { cwd: project, env, timeoutMs: 30_000 });
    expect(created.code, created.stderr).toBe(0);
    keys.push(created.stdout.trim());
  }
  aliceKey = keys[0] ?? "";
  gateway = await startGateway(project, env);
  alice = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: aliceKey, maxRetries: 0 });
  bob = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: keys[1] ?? "", maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  const code = await gateway?.stop();
  await upstream?.close();
  expect(code).toBe(0);
});

type ChatBody = { messages: { role: string; content: string }[] };

async function notFound(call: Promise<unknown>): Promise<void> {
  const error = await call.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  const failure = error as InstanceType<typeof OpenAI.BadRequestError>;
  expect(failure.code).toBe("previous_response_not_found");
  expect(failure.param).toBe("previous_response_id");
}

describe("store: true and previous_response_id over HTTP", () => {
  it("continues a stored response: the upstream gets the whole conversation, with the new instructions", async () => {
    const first = await alice.responses.create({ model: "remote-chat", instructions: "Be brief.", input: "My name is Ada.", store: true });
    expect(first.output_text).toBe("Hello Ada");
    const seen = upstream.requests.length;
    const second = await alice.responses.create({ model: "remote-chat", instructions: "Be kind.", input: "What is my name?", previous_response_id: first.id, store: true, stream: false });
    expect(second.output_text).toBe("Hello Ada");
    const body = upstream.requests[seen]?.body as ChatBody;
    expect(body.messages.map((message) => [message.role, message.content])).toEqual([
      ["system", "Be kind."],
      ["user", "My name is Ada."],
      ["assistant", "Hello Ada"],
      ["user", "What is my name?"],
    ]);
    // A chain of three: the second one was stored too, streamed or not.
    const stream = await alice.responses.create({ model: "remote-chat", input: "And again?", previous_response_id: second.id, stream: true });
    for await (const event of stream) void event;
    expect((upstream.requests.at(-1)?.body as ChatBody).messages).toHaveLength(5);
  });

  it("never lets another key continue a key's response, nor an unknown id, nor one made without store", async () => {
    const mine = await alice.responses.create({ model: "remote-chat", input: "The secret is 42.", store: true });
    const seen = upstream.requests.length;
    await notFound(bob.responses.create({ model: "remote-chat", input: "What is the secret?", previous_response_id: mine.id }));
    await notFound(alice.responses.create({ model: "remote-chat", input: "x", previous_response_id: "resp_does_not_exist" }));
    const unstored = await alice.responses.create({ model: "remote-chat", input: "not kept" });
    await notFound(alice.responses.create({ model: "remote-chat", input: "x", previous_response_id: unstored.id }));
    // Over the socket too: bob's socket cannot reach alice's stored response.
    const socket = await SocketClient.open(gateway.url, { authorization: `Bearer ${bob.apiKey}` });
    const from = socket.events.length;
    socket.send({ type: "response.create", model: "remote-chat", input: "x", previous_response_id: mine.id });
    expect(await socket.next((event) => event.type === "error", from)).toMatchObject({ error: { code: "previous_response_not_found" } });
    await socket.close();
    expect(upstream.requests.length).toBe(seen + 1);
  });

  it("keeps at most stored_responses_max per key: the oldest is dropped", async () => {
    const ids: string[] = [];
    for (let index = 0; index < 4; index++) ids.push((await bob.responses.create({ model: "remote-chat", input: `turn ${index}`, store: true })).id);
    await notFound(bob.responses.create({ model: "remote-chat", input: "x", previous_response_id: ids[0] ?? "" }));
    const last = await bob.responses.create({ model: "remote-chat", input: "still here", previous_response_id: ids[3] ?? "" });
    expect(last.output_text).toBe("Hello Ada");
  });

  it("never passes a stored conversation through to a Responses upstream's own store", async () => {
    const first = await alice.responses.create({ model: "lab/codex", input: "Remember: blue.", store: true });
    const seen = upstream.requests.length;
    await alice.responses.create({ model: "lab/codex", input: "Which colour?", previous_response_id: first.id });
    const sent = upstream.requests[seen] as RecordedRequest;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body.previous_response_id).toBeUndefined();
    expect(sent.body.store).not.toBe(true);
    expect(JSON.stringify(sent.body.input)).toContain("Remember: blue.");
    expect(JSON.stringify(sent.body.input)).toContain("Which colour?");
  });

  it("continues on the local engine, and a socket of the same key continues a response stored over HTTP", async () => {
    const first = await alice.responses.create({ model: "tiny", input: "Count: one, two,", store: true, max_output_tokens: 4 });
    const second = await alice.responses.create({ model: "tiny", input: "Go on.", previous_response_id: first.id, store: true, max_output_tokens: 4 });
    expect(second.usage?.input_tokens).toBeGreaterThan(first.usage?.input_tokens ?? 0);
    const socket = await SocketClient.open(gateway.url, { authorization: `Bearer ${aliceKey}` });
    const turn = await socket.create({ model: "tiny", input: "And more.", previous_response_id: second.id, max_output_tokens: 4 });
    expect(responseOf(turn.end).usage.input_tokens).toBeGreaterThan(second.usage?.input_tokens ?? 0);
    await socket.close();
  }, 60_000);

  it("continues a stored conversation on the local engine evaluating only each turn's new message", async () => {
    let previous: string | undefined;
    let held = 0;
    for (let turn = 0; turn < 6; turn++) {
      const response = await alice.responses.create({ model: "tiny", input: `Stored step ${turn}: go on.`, store: true, max_output_tokens: 4, ...(previous ? { previous_response_id: previous } : {}) });
      const usage = response.usage;
      if (!usage) throw new Error("no usage");
      // Everything the last turn left in the engine's sequence, its answer as generated included, is reused but its final sampled token.
      if (turn > 0) expect(usage.input_tokens_details.cached_tokens, `turn ${turn}: ${JSON.stringify(usage)}`).toBe(held - 1);
      held = usage.input_tokens + usage.output_tokens;
      previous = response.id;
    }
  }, 120_000);
});
