/**
 * Steering over the gateway's Responses WebSocket when the model is an upstream (a scripted Chat
 * Completions server at the network edge): the gateway aborts the upstream stream and continues with a
 * new request carrying the partial answer and the steer's input; a steer never cuts a tool call's
 * arguments, in the events the client gets nor in what the upstream is sent next.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";
import { responseOf, SocketClient, type ServerEvent } from "./support/socket-client.js";

type ChatMessage = { role: string; content: string | null; tool_calls?: { function: { name: string; arguments: string } }[] };
const lastUser = (request: RecordedRequest) => (request.body as { messages: ChatMessage[] }).messages.filter((message) => message.role === "user").at(-1)?.content ?? "";
const longArguments = JSON.stringify({ path: "src/a-rather-long-file-name-for-slicing.ts", note: "x".repeat(200) });

const reply = (request: RecordedRequest): ScriptedReply => {
  const prompt = lastUser(request);
  if (prompt === "Write a story.") return { kind: "hang-after", chunks: ["Once ", "upon ", "a time"] };
  if (prompt === "Call a tool.") return { kind: "tool-calls", calls: [{ id: "call_1", name: "read_file", arguments: longArguments }], argumentChunkSize: 3, hang: true };
  return { kind: "text", chunks: ["Hi", "!"] };
};

let upstream: ScriptedServer;
let gateway: GatewayProcess;

beforeAll(async () => {
  upstream = await startScriptedServer(reply);
  const project = tempDir("spark-steer-upstream-");
  const home = tempDir("spark-steer-upstream-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), ["[models.remote-chat]", `base_url = "${upstream.url}"`, 'model = "upstream-model"', ""].join("\n"));
  gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
});

/** Every function_call the client was shown carries whole (parseable) arguments. */
function wholeCalls(events: ServerEvent[]): void {
  for (const event of events) {
    const item = event["item"] as { type?: string; arguments?: string } | undefined;
    if (item?.type === "function_call") expect(() => JSON.parse(item.arguments ?? "")).not.toThrow();
    if (event.type === "response.function_call_arguments.done") expect(() => JSON.parse(String(event["arguments"]))).not.toThrow();
  }
}

describe("steering an upstream model over the WebSocket", () => {
  it("aborts the upstream stream and continues with the partial answer and the steer's input", async () => {
    const client = await SocketClient.open(gateway.url);
    const from = client.events.length;
    const seen = upstream.requests.length;
    client.send({ type: "response.create", model: "remote-chat", input: "Write a story." });
    await client.next((event) => event.type === "response.output_text.delta", from);
    client.send({ type: "response.steer", input: "Say hi instead." });
    expect(await client.next((event) => event.type === "response.steer.accepted", from)).toBeDefined();
    const steered = await client.next((event) => event.type === "response.incomplete", from);
    expect(responseOf(steered).incomplete_details).toEqual({ reason: "steered" });
    await upstream.waitForClientDisconnect(5_000);
    const successor = await client.next((event) => event.type === "response.completed", from);
    expect(responseOf(successor).id).not.toBe(responseOf(steered).id);
    const text = client.events.slice(client.events.indexOf(steered)).filter((event) => event.type === "response.output_text.delta").map((event) => event["delta"]).join("");
    expect(text).toBe("Hi!");
    const next = upstream.requests.slice(seen)[1]?.body as { messages: ChatMessage[] };
    expect(next.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(next.messages[1]?.content).toMatch(/^Once /);
    expect(next.messages[2]?.content).toBe("Say hi instead.");
    await client.close();
  }, 60_000);

  it("never cuts a tool call's arguments: not in the client's events, not in the successor's request", async () => {
    const client = await SocketClient.open(gateway.url);
    const from = client.events.length;
    const seen = upstream.requests.length;
    client.send({ type: "response.create", model: "remote-chat", input: "Call a tool.", tools: [{ type: "function", name: "read_file", parameters: { type: "object", properties: { path: { type: "string" } } } }] });
    // The upstream is mid-arguments (they stream in 3-character slices and never finish).
    await expect.poll(() => upstream.requests.length, { timeout: 5_000 }).toBeGreaterThan(seen);
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.send({ type: "response.steer", input: "Never mind, say hi." });
    const steered = await client.next((event) => event.type === "response.incomplete", from);
    expect(responseOf(steered).incomplete_details).toEqual({ reason: "steered" });
    await client.next((event) => event.type === "response.completed", from);
    wholeCalls(client.events.slice(from));
    const next = upstream.requests.slice(seen)[1]?.body as { messages: ChatMessage[] };
    expect(next.messages.at(-1)?.content).toBe("Never mind, say hi.");
    for (const message of next.messages) for (const call of message.tool_calls ?? []) expect(() => JSON.parse(call.function.arguments)).not.toThrow();
    await client.close();
  }, 60_000);
});
