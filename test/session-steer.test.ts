/**
 * Steering and prewarm from the interactive session: the built `spark` in a pseudo-terminal (tmux) talks
 * to the built `spark serve` over its Responses WebSocket (`--server`). A redirect typed while the answer
 * streams goes out as `response.steer` (the gateway's steer counter, no second request from the session),
 * the conversation keeps the partial answer, the redirect and the successor's answer, as the model saw
 * them, and a resumed session holds the same; a server without the socket gets abort-and-resend; typing
 * prewarms the conversation once, and the reply then evaluates only the new message. Upstreams are
 * scripted at the network edge; the prewarm runs on the real engine with the tiny GGUF.
 */
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openStores } from "../src/store/index.js";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { startSparkInPty, tmuxInstalled, tmuxMissing, type PtySession } from "./support/pty-session.js";
import { tempDir } from "./support/run-spark.js";
import { startScriptedServer, SCRIPTED_MODEL, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

type ChatMessage = { role: string; content: string | null };
const STORY = "Write a story.";
const REDIRECT = "Say hi instead.";

/** The last user message of a Chat Completions body or a Responses body. */
function lastUser(request: RecordedRequest): string {
  const body = request.body as { messages?: ChatMessage[]; input?: ChatMessage[] | string };
  const items = body.messages ?? (Array.isArray(body.input) ? body.input : [{ role: "user", content: String(body.input) }]);
  return items.filter((item) => item.role === "user").at(-1)?.content ?? "";
}

const reply = (request: RecordedRequest): ScriptedReply => {
  const prompt = lastUser(request);
  if (prompt === STORY) return { kind: "hang-after", chunks: ["Once ", "upon ", "a time"] };
  if (prompt === REDIRECT) return { kind: "text", chunks: ["Hi", " there!"] };
  return { kind: "text", chunks: ["Fine."] };
};

let pty: PtySession | undefined;
afterEach(() => {
  pty?.close();
  pty = undefined;
});

function saved(home: string, workspace: string) {
  const stores = openStores(home);
  try {
    const sessions = stores.sessions.list(realpathSync(workspace));
    return { sessions, messages: sessions[0] ? stores.sessions.messages(sessions[0].id) : [] };
  } finally {
    stores.close();
  }
}

async function metricOf(url: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => pattern.test(line))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

/** Starts a session in the pty, types the story request and waits for its answer to stream. */
async function storyStreaming(args: string[], cwd: string, env: Record<string, string>): Promise<PtySession> {
  const session = startSparkInPty(args, { cwd, env });
  pty = session;
  await session.waitFor("● ready", 30_000);
  session.type(STORY);
  session.press("Enter");
  await session.waitFor(/Once upon a time[\s\S]*● streaming/, 30_000);
  return session;
}

describe.skipIf(!tmuxInstalled())(`steering from the interactive session${tmuxInstalled() ? "" : ` (skipped: ${tmuxMissing})`}`, () => {
  let upstream: ScriptedServer;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    upstream = await startScriptedServer(reply);
    const project = tempDir("spark-steer-session-gw-");
    const home = tempDir("spark-steer-session-gw-home-");
    mkdirSync(join(project, ".spark"));
    writeFileSync(join(project, ".spark", "config.toml"), ["[models.remote-chat]", `base_url = "${upstream.url}"`, 'model = "upstream-model"', ""].join("\n"));
    gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  it("sends a redirect as response.steer: partial answer, redirect and successor kept as the model saw them, and resumed so", async () => {
    const workspace = tempDir("spark-steer-session-ws-");
    const home = join(tempDir("spark-steer-session-home-"), ".spark");
    const env = { SPARK_HOME: home };
    const args = ["--server", gateway.url, "-m", "remote-chat"];
    const seen = upstream.requests.length;
    const session = await storyStreaming(args, workspace, env);

    session.type(REDIRECT);
    session.press("Enter");
    let screen = await session.waitFor(/↪ redirected[\s\S]*Hi there![\s\S]*● ready/, 30_000);
    expect(screen).not.toContain("⏹ interrupted");
    expect(screen).toContain(`› ${REDIRECT}`);
    expect(await metricOf(gateway.url, /^spark_gateway_websocket_steers_total\{outcome="accepted"\}/)).toBe(1);
    // The gateway made the successor itself: the session sent no second response.create (abort-and-resend).
    expect(await metricOf(gateway.url, /^spark_gateway_websocket_responses_total\{kind="generate"\}/)).toBe(2);
    const calls = upstream.requests.slice(seen).filter((request) => request.path.endsWith("/chat/completions"));
    expect(calls.map(lastUser)).toEqual([STORY, REDIRECT]);

    session.type("/quit");
    session.press("Enter");
    await session.waitFor(/Session saved: spark resume [0-9a-f]{8}/);
    const { sessions, messages } = saved(home, workspace);
    expect(messages.map((stored) => [stored.message.role, stored.message.content.slice(0, 40), stored.interrupted])).toEqual([
      ["system", expect.any(String), false],
      ["user", STORY, false],
      ["assistant", "Once upon a time", true],
      ["user", REDIRECT, false],
      ["assistant", "Hi there!", false],
    ]);
    // Exactly what the model saw when it wrote the successor's answer.
    const successor = (calls[1]?.body as { messages: ChatMessage[] }).messages;
    expect(successor.map((message) => [message.role, message.content ?? ""])).toEqual(messages.slice(0, 4).map((stored) => [stored.message.role, stored.message.content]));
    session.close();

    const sessionId = sessions[0]?.id ?? "";
    const resumed = startSparkInPty(["resume", sessionId.slice(0, 8), ...args], { cwd: workspace, env });
    pty = resumed;
    screen = await resumed.waitFor(/resumed session[\s\S]*● ready/, 30_000);
    for (const line of [`› ${STORY}`, "Once upon a time", `› ${REDIRECT}`, "Hi there!"]) expect(screen).toContain(line);
    resumed.type("And then?");
    resumed.press("Enter");
    await resumed.waitFor(/Fine\.[\s\S]*● ready/, 30_000);
    // A new socket sends the whole conversation: the same history again.
    const next = (upstream.requests.at(-1)?.body as { messages: ChatMessage[] }).messages;
    expect(next.map((message) => [message.role, message.content ?? ""])).toEqual([
      ...messages.map((stored) => [stored.message.role, stored.message.content]),
      ["user", "And then?"],
    ]);
  }, 120_000);

  it("falls back to abort-and-resend against a server without the Responses WebSocket", async () => {
    const workspace = tempDir("spark-steer-fallback-ws-");
    const home = join(tempDir("spark-steer-fallback-home-"), ".spark");
    const env = { SPARK_HOME: home };
    const seen = upstream.requests.length;
    const session = await storyStreaming(["--server", upstream.url, "-m", SCRIPTED_MODEL], workspace, env);

    session.type(REDIRECT);
    session.press("Enter");
    await session.waitFor(/⏹ interrupted[\s\S]*Hi there![\s\S]*● ready/, 30_000);
    await upstream.waitForClientDisconnect(5_000);
    // The socket's upgrade was refused (a GET the scripted server does not serve): both turns went over HTTP.
    const calls = upstream.requests.slice(seen).filter((request) => request.method === "POST");
    expect(calls.map((request) => request.path)).toEqual(["/v1/responses", "/v1/responses"]);
    expect(calls.map(lastUser)).toEqual([STORY, REDIRECT]);
    session.type("/quit");
    session.press("Enter");
    await session.waitFor(/Session saved/);
    const { messages } = saved(home, workspace);
    expect(messages.map((stored) => [stored.message.role, stored.interrupted])).toEqual([
      ["system", false],
      ["user", false],
      ["assistant", true],
      ["user", false],
      ["assistant", false],
    ]);
  }, 120_000);
});

describe.skipIf(!tmuxInstalled())(`prewarm while the user types${tmuxInstalled() ? "" : ` (skipped: ${tmuxMissing})`}`, () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    const model = await ensureTestModel();
    const project = tempDir("spark-prewarm-session-gw-");
    const home = tempDir("spark-prewarm-session-gw-home-");
    mkdirSync(join(project, ".spark"));
    writeFileSync(join(project, ".spark", "config.toml"), ["[aliases]", `tiny = "local:${model}"`, "[models.tiny]", "context_size = 8192", "temperature = 0", ""].join("\n"));
    gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  it("prewarms once after a pause in typing, and the reply evaluates only the new message", async () => {
    const workspace = tempDir("spark-prewarm-session-ws-");
    const home = join(tempDir("spark-prewarm-session-home-"), ".spark");
    const metric = (pattern: RegExp) => metricOf(gateway.url, pattern);
    const evaluated = /^spark_gateway_websocket_prompt_tokens_total\{kind="evaluated"\}/;
    const session = startSparkInPty(["--server", gateway.url, "-m", "tiny", "--max-tokens", "4"], { cwd: workspace, env: { SPARK_HOME: home } });
    pty = session;
    await session.waitFor("● ready", 30_000);

    session.type("hello");
    // Counted when the prewarm has ended: the instructions and tools are in the engine's cache.
    await expect.poll(() => metric(/^spark_gateway_websocket_responses_total\{kind="prewarm"\}/), { timeout: 90_000, interval: 100 }).toBe(1);
    const warmed = await metric(evaluated);
    expect(warmed).toBeGreaterThan(200);
    session.type(" there");
    await session.waitFor("hello there");
    session.press("Enter");
    await session.waitFor(/● ready[^\n]*reused/, 90_000);

    expect(await metric(/^spark_gateway_websocket_prewarm_hits_total /)).toBe(1);
    expect(await metric(/^spark_gateway_websocket_responses_total\{kind="prewarm"\}/)).toBe(1);
    expect(await metric(/^spark_gateway_websocket_responses_total\{kind="generate"\}/)).toBe(1);
    // The reply evaluated the new message (and its template), not the prompt the prewarm had evaluated.
    const turn = (await metric(evaluated)) - warmed;
    expect(turn).toBeGreaterThan(0);
    expect(turn).toBeLessThanOrEqual(48);
    expect(await metric(/^spark_gateway_websocket_prompt_tokens_total\{kind="reused"\}/)).toBeGreaterThanOrEqual(warmed);
  }, 240_000);
});
