/**
 * The gateway's own page pays for every WebSocket message (one per token at thousands of tokens a second
 * doubled its CPU time against the HTTP stream), so on the Spark protocol (`spark.responses.v1`) text deltas
 * that come together go out as one message, renumbered so sequence numbers stay consecutive; any other
 * client (the Codex CLI, OpenAI's SDKs) still gets one message per delta. Built `spark serve`, a scripted
 * upstream at the network edge that sends its chunks in one burst.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyProtocol, SPARK_SOCKET_PROTOCOL } from "../src/web/responses-socket.js";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";
import { SocketClient, type ServerEvent } from "./support/socket-client.js";

const CHUNKS = Array.from({ length: 300 }, (_, index) => `w${index} `);
let upstream: ScriptedServer;
let gateway: GatewayProcess;
let key = "";

beforeAll(async () => {
  upstream = await startScriptedServer(() => ({ kind: "text", chunks: CHUNKS }));
  const project = tempDir("spark-coalesce-");
  const home = tempDir("spark-coalesce-home-");
  const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
  mkdirSync(join(project, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), ['[models."remote-spark"]', `base_url = "${upstream.url}"`, 'model = "upstream-fast"', ""].join("\n"));
  const created = await runSpark(["keys", "create", "--name", "page"], { cwd: project, env, timeoutMs: 30_000 });
  expect(created.code, created.stderr).toBe(0);
  key = created.stdout.trim();
  gateway = await startGateway(project, env);
}, 120_000);

afterAll(async () => {
  expect(await gateway?.stop()).toBe(0);
  await upstream?.close();
});

const deltasOf = (events: ServerEvent[]) => events.filter((event) => event.type === "response.output_text.delta");
const textOf = (events: ServerEvent[]) => deltasOf(events).map((event) => String(event["delta"])).join("");
const sequenceOf = (events: ServerEvent[]) => events.map((event) => event["sequence_number"]);

describe("text deltas on the Responses WebSocket", () => {
  it("go out merged on the page's protocol, the same text, sequence numbers consecutive", async () => {
    const page = await SocketClient.open(gateway.url, {}, [SPARK_SOCKET_PROTOCOL, keyProtocol(key)]);
    const { end, events } = await page.create({ model: "remote-spark", input: "stream fast" });
    expect(end.type).toBe("response.completed");
    expect(textOf(events)).toBe(CHUNKS.join(""));
    // The upstream's burst arrives in a few reads; one message per read at most, far fewer than per token.
    expect(deltasOf(events).length).toBeLessThan(CHUNKS.length / 4);
    const numbered = events.filter((event) => typeof event["sequence_number"] === "number");
    const first = Number(numbered[0]?.["sequence_number"]);
    expect(sequenceOf(numbered)).toEqual(numbered.map((_, index) => first + index));
    page.socket.close();
  }, 60_000);

  it("go out one per delta to any other client", async () => {
    const codexLike = await SocketClient.open(gateway.url, { authorization: `Bearer ${key}` });
    const { end, events } = await codexLike.create({ model: "remote-spark", input: "stream fast" });
    expect(end.type).toBe("response.completed");
    expect(textOf(events)).toBe(CHUNKS.join(""));
    expect(deltasOf(events)).toHaveLength(CHUNKS.length);
    codexLike.socket.close();
  }, 60_000);
});
