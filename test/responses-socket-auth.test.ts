/**
 * The Responses WebSocket's principal after its handshake, on the built `spark serve` with a scripted
 * upstream at the network edge and keys made and revoked with the real CLI: a key revoked while its
 * sockets are open ends them (the next response.create gets `invalid_api_key` and never reaches the
 * upstream; an idle socket is closed too), a socket opened on a keyless gateway stops once a key is
 * created (`missing_api_key`), and one key cannot hold more than `max_sockets_per_key` sockets.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyProtocol, SPARK_SOCKET_PROTOCOL } from "../src/web/responses-socket.js";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedServer } from "./support/scripted-openai-server.js";
import { SocketClient, type ServerEvent } from "./support/socket-client.js";

interface Setup {
  gateway: GatewayProcess;
  spark: (args: string[]) => ReturnType<typeof runSpark>;
}

let upstream: ScriptedServer;
const running: GatewayProcess[] = [];

beforeAll(async () => {
  upstream = await startScriptedServer(() => ({ kind: "text", chunks: ["Hello ", "again."] }));
});

afterAll(async () => {
  for (const gateway of running) expect(await gateway.stop()).toBe(0);
  await upstream?.close();
});

/** A project whose model is the scripted upstream, its own Spark home; `keys` are created before the gateway starts. */
async function setUp(prefix: string, homeConfig: string[], keys: string[]): Promise<Setup & { keys: Record<string, string> }> {
  const project = tempDir(`${prefix}-`);
  const home = tempDir(`${prefix}-home-`);
  const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
  mkdirSync(join(project, ".spark"));
  mkdirSync(join(home, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), ['[models."remote-spark"]', `base_url = "${upstream.url}"`, 'model = "upstream-fast"', ""].join("\n"));
  writeFileSync(join(home, ".spark", "config.toml"), [...homeConfig, ""].join("\n"));
  const spark = (args: string[]) => runSpark(args, { cwd: project, env, timeoutMs: 30_000 });
  const made: Record<string, string> = {};
  for (const name of keys) {
    const created = await spark(["keys", "create", "--name", name]);
    expect(created.code, created.stderr).toBe(0);
    made[name] = created.stdout.trim();
  }
  const gateway = await startGateway(project, env);
  running.push(gateway);
  return { gateway, spark, keys: made };
}

function prompted(text: string): RecordedRequest[] {
  return upstream.requests.filter((request) => JSON.stringify(request.body).includes(text));
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A handshake the gateway refuses: its status and error body. */
function refusedHandshake(url: string, headers: Record<string, string>): Promise<{ status: number; body: { error: { code: string; message: string } } }> {
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}/v1/responses`, { headers });
  return new Promise((resolve, reject) => {
    socket.once("open", () => (socket.close(), reject(new Error("the handshake was accepted"))));
    socket.once("unexpected-response", (_request, response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(body) as { error: { code: string; message: string } } }));
    });
    socket.once("error", () => undefined);
  });
}

/** Polls (bounded) until `test` holds: a state another process changes, never a guessed sleep. */
async function until(test: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await test()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Sends a response.create unless the socket is no longer open, then waits for the error event that refuses
 * it (the socket's only one: its earlier turns completed).
 */
async function refusedCreate(client: SocketClient, prompt: string): Promise<ServerEvent> {
  if (client.socket.readyState === WebSocket.OPEN) client.send({ type: "response.create", model: "remote-spark", input: prompt });
  // The error may also come from the gateway's sweep, if it found the socket first: the same event either way.
  return client.next((event) => event.type === "error", 0);
}

describe("a gateway with keys", () => {
  let setup: Setup & { keys: Record<string, string> };

  beforeAll(async () => {
    setup = await setUp("spark-socket-auth", ["[gateway.websocket]", "max_sockets_per_key = 2"], ["alice", "bob", "carol"]);
  }, 120_000);

  it("ends every socket of a key revoked with `spark keys revoke`: the next response.create and idle sockets alike", async () => {
    const { gateway, spark, keys } = setup;
    const alice = keys["alice"] ?? "";
    // As the web UI opens it (the key in a subprotocol entry), and as the CLI does (a header).
    const page = await SocketClient.open(gateway.url, {}, [SPARK_SOCKET_PROTOCOL, keyProtocol(alice)]);
    const idle = await SocketClient.open(gateway.url, bearer(alice));
    const before = await page.create({ model: "remote-spark", input: "before the revocation" });
    expect(before.end.type).toBe("response.completed");
    expect(prompted("before the revocation")).toHaveLength(1);

    const revoked = await spark(["keys", "revoke", "alice"]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain("refuses it");

    const refusal = await refusedCreate(page, "after the revocation");
    expect(refusal).toMatchObject({ type: "error", status: 401, error: { code: "invalid_api_key" } });
    expect(await page.whenClosed()).toEqual({ code: 1008, reason: "invalid_api_key" });
    // The idle socket is closed by the gateway's sweep, told why.
    expect(await idle.whenClosed()).toEqual({ code: 1008, reason: "invalid_api_key" });
    expect(idle.events.find((event) => event.type === "error")).toMatchObject({ status: 401, error: { code: "invalid_api_key" } });
    expect(prompted("after the revocation")).toEqual([]);
    // HTTP agrees, and a new handshake with the key is refused.
    expect((await fetch(`${gateway.url}/v1/models`, { headers: bearer(alice) })).status).toBe(401);
    expect((await refusedHandshake(gateway.url, bearer(alice))).status).toBe(401);
    expect(gateway.stderr()).not.toContain(alice);
  }, 60_000);

  it("refuses a key's socket past max_sockets_per_key with a 429, while other keys still open theirs", async () => {
    const { gateway, keys } = setup;
    const bob = bearer(keys["bob"] ?? "");
    const held = [await SocketClient.open(gateway.url, bob), await SocketClient.open(gateway.url, bob)];
    const refused = await refusedHandshake(gateway.url, bob);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("websocket_connection_limit_reached");
    expect(refused.body.error.message).toContain("max_sockets_per_key");
    const carol = await SocketClient.open(gateway.url, bearer(keys["carol"] ?? ""));
    expect((await carol.create({ model: "remote-spark", input: "carol's turn" })).end.type).toBe("response.completed");

    // A place comes back when one of bob's sockets closes (counted once the connection itself is gone).
    await held[0]?.close();
    let reopened: SocketClient | undefined;
    await until(async () => {
      reopened = await SocketClient.open(gateway.url, bob).catch(() => undefined);
      return reopened !== undefined;
    }, "bob's place to come back");
    const metrics = await (await fetch(`${gateway.url}/metrics`, { headers: bob })).text();
    expect(metrics).toMatch(/spark_gateway_websockets_refused_total\{reason="max_sockets_per_key"\} [1-9]/);
    for (const client of [held[1], reopened, carol]) await client?.close();
  }, 60_000);
});

describe("a gateway without keys", () => {
  it("stops serving a socket opened without a key once `spark keys create` made one (missing_api_key)", async () => {
    const { gateway, spark } = await setUp("spark-socket-keyless", [], []);
    const client = await SocketClient.open(gateway.url);
    expect((await client.create({ model: "remote-spark", input: "anonymous turn" })).end.type).toBe("response.completed");

    const created = await spark(["keys", "create", "--name", "late"]);
    expect(created.code, created.stderr).toBe(0);
    // The gateway rereads the key count at most once a second: wait until HTTP sees the key.
    await until(async () => (await fetch(`${gateway.url}/v1/models`)).status === 401, "HTTP to require the new key");

    const refusal = await refusedCreate(client, "anonymous after the key");
    expect(refusal).toMatchObject({ type: "error", status: 401, error: { code: "missing_api_key" } });
    expect(await client.whenClosed()).toEqual({ code: 1008, reason: "missing_api_key" });
    expect(prompted("anonymous after the key")).toEqual([]);
  }, 120_000);
});
