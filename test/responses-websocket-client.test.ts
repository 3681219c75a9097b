/**
 * Spark's own Responses client over the gateway's WebSocket: `spark exec --server URL` runs a tool loop
 * on one socket, each turn sending only its new items with `previous_response_id` (the gateway joins the
 * chain, so the scripted upstream still sees the whole conversation); the built CLI and gateway, the
 * upstream scripted at the network edge.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";

let upstream: ScriptedServer;
let gateway: GatewayProcess;

beforeAll(async () => {
  upstream = await startScriptedServer([
    { kind: "tool-calls", calls: [{ id: "c1", name: "read_file", arguments: JSON.stringify({ path: "notes.txt" }) }] },
    { kind: "tool-calls", calls: [{ id: "c2", name: "read_file", arguments: JSON.stringify({ path: "notes.txt" }) }] },
    { kind: "text", chunks: ["The notes ", "say hello."] },
  ]);
  const project = tempDir("spark-ws-client-gw-");
  const home = tempDir("spark-ws-client-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), ["[models.remote-chat]", `base_url = "${upstream.url}"`, 'model = "upstream-model"', "[gateway.websocket]", "ping_interval_ms = 200", ""].join("\n"));
  gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
});

async function metric(pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => pattern.test(line))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

describe("spark --server over the Responses WebSocket", () => {
  it("runs a tool loop on one socket with incremental turns", async () => {
    const cwd = tempDir("spark-ws-client-work-");
    writeFileSync(join(cwd, "notes.txt"), "hello from the notes\n");
    const result = await runSpark(["exec", "--server", `${gateway.url}/v1`, "-m", "remote-chat", "--approval", "full-auto", "what do the notes say?"], { cwd, timeoutMs: 60_000 });
    expect(result.stderr).not.toContain("spark: ");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("The notes say hello.");
    expect(await metric(/^spark_gateway_websocket_responses_total\{kind="generate"\}/)).toBe(3);
    expect(await metric(/^spark_gateway_websocket_turns_count/)).toBe(1);
    // The gateway joined each turn to its chain: the upstream saw the whole conversation every time.
    const last = upstream.requests.at(-1)?.body as { messages: { role: string; content: string | null }[] };
    expect(last.messages.filter((message) => message.role === "tool")).toHaveLength(2);
    expect(last.messages.some((message) => message.role === "user" && message.content?.includes("what do the notes say?"))).toBe(true);
  }, 90_000);

  it("drops a socket whose peer stops answering pings (ping_interval_ms), while live clients keep working", async () => {
    const silent = new WebSocket(`${gateway.url.replace(/^http/, "ws")}/v1/responses`, { autoPong: false });
    await new Promise<void>((resolve, reject) => {
      silent.once("open", () => resolve());
      silent.once("error", reject);
    });
    const started = performance.now();
    const code = await new Promise<number>((resolve) => silent.once("close", (closeCode) => resolve(closeCode)));
    expect(code).toBe(1006);
    expect(performance.now() - started).toBeLessThan(5_000);
    await expect.poll(() => metric(/^spark_gateway_websockets_open /)).toBe(0);
  }, 30_000);
});
