/**
 * The web UI steers over the gateway's Responses WebSocket (the built `spark serve` with an API key on
 * loopback, Debian's Chromium through playwright-core, a scripted upstream at the network edge): a
 * message sent while an answer streams becomes `response.steer` (the gateway's steer counter, no second
 * request from the page), the page and the saved conversation hold the partial answer, the redirect and
 * the successor; the next turn continues with `previous_response_id`. The socket's handshake: the key in
 * a `spark.key.` subprotocol entry, only the protocol name echoed, a wrong key and another site's page
 * refused, header keys still working, the key in no log or metric. A refused socket: the page uses HTTP
 * and redirects by stop-and-resend.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page, WebSocketRoute } from "playwright-core";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyProtocol, SOCKET_KEY_PREFIX, SPARK_SOCKET_PROTOCOL } from "../src/web/responses-socket.js";
import { launchChromium, screenshot } from "./support/browser.js";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";
import { lastUserText } from "./support/web-stack.js";

const STEP_MS = 15_000;
const PARTIAL = "Partial answer so far. ";

let upstream: ScriptedServer;
let gateway: GatewayProcess;
let browser: Browser;
let key = "";

const script = (request: RecordedRequest): ScriptedReply => {
  const prompt = lastUserText(request);
  if (prompt.startsWith("hang")) return { kind: "hang-after", chunks: ["Partial ", "answer ", "so far. "] };
  if (prompt === "redirected") return { kind: "text", chunks: ["Redirected ", "answer."] };
  return { kind: "text", chunks: ["Hello ", "again."] };
};

beforeAll(async () => {
  upstream = await startScriptedServer(script);
  const project = tempDir("spark-web-steer-");
  const home = tempDir("spark-web-steer-home-");
  const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
  mkdirSync(join(project, ".spark"));
  mkdirSync(join(home, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), ['[models."remote-spark"]', `base_url = "${upstream.url}"`, 'model = "upstream-fast"', ""].join("\n"));
  // One socket at a time: the fallback test holds the only place to make the page's handshake refused.
  writeFileSync(join(home, ".spark", "config.toml"), ["[gateway.websocket]", "max_sockets = 1", "[gateway.limits.spark]", "requests_per_minute = 900", ""].join("\n"));
  const created = await runSpark(["keys", "create", "--name", "alice"], { cwd: project, env, timeoutMs: 30_000 });
  expect(created.code).toBe(0);
  key = created.stdout.trim();
  gateway = await startGateway(project, env);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  const code = await gateway?.stop();
  await upstream?.close();
  expect(code).toBe(0);
});

/** /metrics, behind the key like every route of a gateway with keys. */
async function metricsText(): Promise<string> {
  const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  return response.text();
}

async function metricOf(pattern: RegExp): Promise<number> {
  const text = await metricsText();
  return text
    .split("\n")
    .filter((line) => pattern.test(line))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

const STEERS = /^spark_gateway_websocket_steers_total\{outcome="accepted"\}/;
const GENERATED = /^spark_gateway_websocket_responses_total\{kind="generate"\}/;
const OPEN = /^spark_gateway_websockets_open /;
const refusedFor = (reason: string) => new RegExp(`^spark_gateway_websockets_refused_total\\{reason="${reason}"\\}`);

interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** The page's POSTs to the chat route (abort-and-resend goes through it). */
  posts: string[];
  /** The events the page sent on its sockets. */
  sent: Record<string, unknown>[];
  received: Record<string, unknown>[];
}

/** `prepare` runs before the page loads (a WebSocket route must be in place before the page opens its socket). */
async function openPage(prepare?: (page: Page) => Promise<void>): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  await context.addInitScript(`localStorage.setItem("spark.apiKey", ${JSON.stringify(key)})`);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const opened: OpenedPage = { context, page, posts: [], sent: [], received: [] };
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().includes("/v1/chat/completions")) opened.posts.push(String(request.postData()));
  });
  page.on("websocket", (socket) => {
    socket.on("framesent", ({ payload }) => opened.sent.push(JSON.parse(String(payload)) as Record<string, unknown>));
    socket.on("framereceived", ({ payload }) => opened.received.push(JSON.parse(String(payload)) as Record<string, unknown>));
  });
  await prepare?.(page);
  await page.goto(gateway.url);
  await expect.poll(() => page.locator("#model-select option").count(), { timeout: STEP_MS }).toBe(1);
  return opened;
}

async function send(page: Page, text: string): Promise<void> {
  await page.fill("#composer-input", text);
  await page.press("#composer-input", "Enter");
}

/** Each message on screen: who, its text, how it ended. */
async function shownMessages(page: Page): Promise<(string | null | undefined)[][]> {
  const articles = page.locator("article.message");
  const shown: (string | null | undefined)[][] = [];
  for (let index = 0; index < (await articles.count()); index++) {
    const article = articles.nth(index);
    shown.push([await article.getAttribute("aria-label"), (await article.textContent())?.trim(), await article.getAttribute("data-finish")]);
  }
  return shown;
}

const answers = (page: Page) => page.locator("article.message.assistant");
const finishOf = (page: Page) => answers(page).last().getAttribute("data-finish");

async function savedMessages(title: string): Promise<{ role: string; content: string; interrupted: boolean }[]> {
  const headers = { authorization: `Bearer ${key}` };
  const listed = (await (await fetch(`${gateway.url}/v1/spark/conversations?q=${encodeURIComponent(title)}`, { headers })).json()) as { data: { id: string; title: string }[] };
  const found = listed.data.find((conversation) => conversation.title === title);
  if (!found) return [];
  return ((await (await fetch(`${gateway.url}/v1/spark/conversations/${found.id}`, { headers })).json()) as { messages: { role: string; content: string; interrupted: boolean }[] }).messages;
}

/** Waits until no socket is open on the gateway (a closed page's socket is gone), so max_sockets has room. */
async function noSocketsOpen(): Promise<void> {
  await expect.poll(() => metricOf(OPEN), { timeout: STEP_MS }).toBe(0);
}

const wsUrl = () => `${gateway.url.replace(/^http/, "ws")}/v1/responses`;

interface Handshake {
  status: number | undefined;
  protocolHeader: string | undefined;
  body: string;
  socket: WebSocket;
}

/** Opens a socket the way a test client chooses; resolves with how the handshake was answered. */
function handshake(protocols: string[], headers: Record<string, string> = {}): Promise<Handshake> {
  const socket = new WebSocket(wsUrl(), protocols, { headers });
  return new Promise((resolve) => {
    socket.once("upgrade", (response) => resolve({ status: 101, protocolHeader: response.headers["sec-websocket-protocol"], body: "", socket }));
    socket.once("unexpected-response", (_request, response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      response.on("end", () => resolve({ status: response.statusCode, protocolHeader: response.headers["sec-websocket-protocol"] as string | undefined, body, socket }));
    });
    socket.once("error", () => resolve({ status: undefined, protocolHeader: undefined, body: "", socket }));
  });
}

async function closed(opened: Handshake): Promise<void> {
  if (opened.socket.readyState === WebSocket.CLOSED) return;
  await new Promise<void>((resolve) => {
    opened.socket.once("close", () => resolve());
    opened.socket.close();
  });
}

describe("a redirect while the answer streams is a steer", () => {
  it("steers once (no abort-and-resend), shows and saves partial, redirect and successor; the next turn sends only itself", async () => {
    const { context, page, posts, sent, received } = await openPage();
    const steers = await metricOf(STEERS);
    const generated = await metricOf(GENERATED);
    const disconnect = upstream.waitForClientDisconnect(STEP_MS);
    await send(page, "hang on");
    await expect.poll(() => answers(page).last().textContent()).toContain("so far.");
    await send(page, "redirected");
    await disconnect;
    await expect.poll(() => finishOf(page), { timeout: STEP_MS }).toBe("stop");

    expect(await metricOf(STEERS)).toBe(steers + 1);
    // The first answer and the successor the gateway made itself.
    expect(await metricOf(GENERATED)).toBe(generated + 2);
    expect(posts).toEqual([]);
    expect(sent.map((event) => event["type"])).toEqual(["response.create", "response.steer"]);
    expect(sent[1]).toEqual({ type: "response.steer", input: "redirected" });
    // The quota line's figures come on the socket, before the response, as HTTP's headers did.
    expect(received.find((event) => event["type"] === "spark.rate_limits")).toMatchObject({ headers: { "x-spark-family": "spark", "x-ratelimit-limit-requests": "900" } });

    // On screen: the partial answer (marked redirected), the redirect as the user's, the successor.
    expect(await shownMessages(page)).toEqual([
      ["You", "hang on", null],
      ["Spark", PARTIAL.trim(), "steered"],
      ["You", "redirected", null],
      ["Spark", "Redirected answer.", "stop"],
    ]);
    const expected = [
      { role: "user", content: "hang on", interrupted: false },
      { role: "assistant", content: PARTIAL, interrupted: true },
      { role: "user", content: "redirected", interrupted: false },
      { role: "assistant", content: "Redirected answer.", interrupted: false },
    ];
    await expect.poll(() => savedMessages("hang on"), { timeout: STEP_MS }).toEqual(expected);
    // The successor was asked with exactly what the page shows and saved.
    const successor = upstream.requests.filter((request) => request.method === "POST").at(-1);
    expect((successor?.body as { messages: unknown[] }).messages).toEqual(expected.slice(0, 3).map(({ role, content }) => ({ role, content })));
    await screenshot(page, "13-steered");

    // The next turn continues the socket's chain: only the new message goes out.
    await send(page, "and then?");
    await expect.poll(() => answers(page).count()).toBe(3);
    await expect.poll(() => finishOf(page), { timeout: STEP_MS }).toBe("stop");
    const next = sent.at(-1) as { type: string; previous_response_id?: string; input: unknown[] };
    expect(next.type).toBe("response.create");
    expect(next.previous_response_id).toMatch(/^resp_/);
    expect(next.input).toEqual([{ type: "message", role: "user", content: "and then?" }]);
    const last = upstream.requests.filter((request) => request.method === "POST").at(-1);
    expect((last?.body as { messages: unknown[] }).messages).toEqual([...expected.map(({ role, content }) => ({ role, content })), { role: "user", content: "and then?" }]);
    await context.close();
  }, 120_000);
});

describe("the socket's handshake", () => {
  it("takes the key from the subprotocol entry and echoes only the protocol name; header keys still work", async () => {
    await noSocketsOpen();
    const browserLike = await handshake([SPARK_SOCKET_PROTOCOL, keyProtocol(key)]);
    expect(browserLike.status).toBe(101);
    expect(browserLike.protocolHeader).toBe(SPARK_SOCKET_PROTOCOL);
    expect(browserLike.socket.protocol).toBe(SPARK_SOCKET_PROTOCOL);
    await closed(browserLike);
    await noSocketsOpen();
    // The key entry first: still only the name comes back.
    const reversed = await handshake([keyProtocol(key), SPARK_SOCKET_PROTOCOL]);
    expect(reversed.protocolHeader).toBe(SPARK_SOCKET_PROTOCOL);
    await closed(reversed);
    await noSocketsOpen();
    // The Codex CLI's way: a bearer header, no subprotocol.
    const codexLike = await handshake([], { authorization: `Bearer ${key}`, "openai-beta": "responses_websockets=2026-02-06" });
    expect(codexLike.status).toBe(101);
    expect(codexLike.protocolHeader).toBeUndefined();
    await closed(codexLike);
    await noSocketsOpen();
  }, 60_000);

  it("refuses a wrong key, a key entry alone and no key at the handshake, and never repeats the key", async () => {
    const wrong = `${key.slice(0, -4)}abcd`;
    const refusals = [
      { protocols: [SPARK_SOCKET_PROTOCOL, keyProtocol(wrong)], status: 401, code: "invalid_api_key" },
      { protocols: [keyProtocol(key)], status: 400, code: "invalid_subprotocol" },
      { protocols: [SPARK_SOCKET_PROTOCOL], status: 401, code: "missing_api_key" },
      { protocols: [SPARK_SOCKET_PROTOCOL, `${SOCKET_KEY_PREFIX}not*base64`], status: 400, code: "invalid_subprotocol" },
    ];
    for (const { protocols, status, code } of refusals) {
      const answer = await handshake(protocols);
      expect(answer.status).toBe(status);
      expect((JSON.parse(answer.body) as { error: { code: string } }).error.code).toBe(code);
      expect(answer.protocolHeader).toBeUndefined();
      for (const secret of [key, wrong, keyProtocol(key), keyProtocol(wrong)]) expect(answer.body).not.toContain(secret);
    }
    const metrics = await metricsText();
    for (const secret of [key, keyProtocol(key), key.slice(-12)]) {
      expect(metrics).not.toContain(secret);
      expect(gateway.stderr()).not.toContain(secret);
    }
  }, 60_000);

  it("refuses another site's page that holds the key: Chromium's handshake carries that site as Origin", async () => {
    await noSocketsOpen();
    const refusedBefore = await metricOf(refusedFor("origin"));
    const hostile = http.createServer((_request, response) => {
      const script = `const s = new WebSocket(${JSON.stringify(wsUrl())}, ${JSON.stringify([SPARK_SOCKET_PROTOCOL, keyProtocol(key)])});
s.onopen = () => (document.title = "open"); s.onclose = (event) => (document.title = "closed:" + event.code);`;
      response.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><title>waiting</title><script>${script}</script>`);
    });
    await new Promise<void>((resolve) => hostile.listen(0, "127.0.0.1", resolve));
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(hostile.address() as AddressInfo).port}/`);
      await expect.poll(() => page.title(), { timeout: STEP_MS }).toBe("closed:1006");
      expect(await metricOf(refusedFor("origin"))).toBe(refusedBefore + 1);
      // The same from a client that says it is that site.
      const forged = await handshake([SPARK_SOCKET_PROTOCOL, keyProtocol(key)], { origin: "https://evil.example" });
      expect(forged.status).toBe(403);
      expect((JSON.parse(forged.body) as { error: { code: string } }).error.code).toBe("origin_not_allowed");
    } finally {
      await context.close();
      await new Promise((resolve) => hostile.close(resolve));
    }
  }, 60_000);
});

describe("without the socket", () => {
  it("uses HTTP when the gateway refuses the socket, and redirects by stop-and-resend; nothing is lost", async () => {
    await noSocketsOpen();
    // The gateway's only socket place is taken: the page's handshake is refused (503).
    const holder = await handshake([], { authorization: `Bearer ${key}` });
    expect(holder.status).toBe(101);
    const refusedBefore = await metricOf(refusedFor("max_sockets"));
    const steers = await metricOf(STEERS);
    const { context, page, posts, sent } = await openPage();
    try {
      const disconnect = upstream.waitForClientDisconnect(STEP_MS);
      await send(page, "hang over http");
      await expect.poll(() => answers(page).last().textContent()).toContain("so far.");
      await send(page, "redirected");
      await disconnect;
      await expect.poll(() => finishOf(page), { timeout: STEP_MS }).toBe("stop");
      expect(await metricOf(refusedFor("max_sockets"))).toBeGreaterThan(refusedBefore);
      expect(await metricOf(STEERS)).toBe(steers);
      expect(sent).toEqual([]);
      expect(posts).toHaveLength(2);
      const [first, second] = posts.map((body) => JSON.parse(body) as { messages: unknown[]; prompt_cache_key: string });
      // One conversation, one cache key: the local engine keeps serving it from the sequence that holds it.
      expect(second?.prompt_cache_key).toMatch(/^[0-9a-f]{32}$/);
      expect(second?.prompt_cache_key).toBe(first?.prompt_cache_key);
      expect(second?.messages).toEqual([
        { role: "user", content: "hang over http" },
        { role: "assistant", content: PARTIAL },
        { role: "user", content: "redirected" },
      ]);
      expect(await answers(page).first().getAttribute("data-finish")).toBe("abort");
      await expect.poll(() => savedMessages("hang over http"), { timeout: STEP_MS }).toEqual([
        { role: "user", content: "hang over http", interrupted: false },
        { role: "assistant", content: PARTIAL, interrupted: true },
        { role: "user", content: "redirected", interrupted: false },
        { role: "assistant", content: "Redirected answer.", interrupted: false },
      ]);
    } finally {
      await context.close();
      await closed(holder);
    }
  }, 120_000);
});

/**
 * The page's sockets, passed through to the gateway by Playwright (the browser still opens the real
 * socket, with its protocols and Origin): each one's page end, and what the page sent on it. With
 * `declineSteers`, a steer is answered `response.steer.failed` as a gateway does when it cannot take it.
 */
async function routeSockets(page: Page, options: { declineSteers: boolean }) {
  const routes: { page: WebSocketRoute; server: WebSocketRoute; sent: Record<string, unknown>[] }[] = [];
  await page.routeWebSocket(/\/v1\/responses$/, (socket) => {
    const route = { page: socket, server: socket.connectToServer(), sent: [] as Record<string, unknown>[] };
    routes.push(route);
    socket.onMessage((message) => {
      const event = JSON.parse(String(message)) as Record<string, unknown>;
      route.sent.push(event);
      if (options.declineSteers && event["type"] === "response.steer") {
        const error = { type: "invalid_request_error", code: "no_active_response", message: "declined by the test", param: null };
        return socket.send(JSON.stringify({ type: "response.steer.failed", response_id: null, input: [], error }));
      }
      route.server.send(message);
    });
  });
  return routes;
}

describe("when the socket fails", () => {
  it("a declined steer falls back to stop-and-resend on the socket; nothing is lost", async () => {
    await noSocketsOpen();
    const steers = await metricOf(STEERS);
    let routes: Awaited<ReturnType<typeof routeSockets>> = [];
    const { context, page, posts } = await openPage(async (page) => void (routes = await routeSockets(page, { declineSteers: true })));
    try {
      const disconnect = upstream.waitForClientDisconnect(STEP_MS);
      await send(page, "hang, then decline");
      await expect.poll(() => answers(page).last().textContent()).toContain("so far.");
      await send(page, "redirected");
      await disconnect;
      await expect.poll(() => finishOf(page), { timeout: STEP_MS }).toBe("stop");
      expect(await metricOf(STEERS)).toBe(steers);
      expect(posts).toEqual([]);
      const sent = routes.flatMap((route) => route.sent);
      expect(sent.map((event) => event["type"])).toEqual(["response.create", "response.steer", "response.cancel", "response.create"]);
      // After a stop the whole conversation goes out again (the gateway's copy of a stopped answer may hold more).
      expect(sent[3]).toMatchObject({ input: [{ role: "user", content: "hang, then decline" }, { role: "assistant", content: PARTIAL }, { role: "user", content: "redirected" }] });
      expect(sent[3]?.["previous_response_id"]).toBeUndefined();
      expect(await answers(page).first().getAttribute("data-finish")).toBe("abort");
      await expect.poll(() => savedMessages("hang, then decline"), { timeout: STEP_MS }).toEqual([
        { role: "user", content: "hang, then decline", interrupted: false },
        { role: "assistant", content: PARTIAL, interrupted: true },
        { role: "user", content: "redirected", interrupted: false },
        { role: "assistant", content: "Redirected answer.", interrupted: false },
      ]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("a socket dropped mid-answer keeps the partial answer, reopens by itself, and the next turn goes on it", async () => {
    await noSocketsOpen();
    let routes: Awaited<ReturnType<typeof routeSockets>> = [];
    const { context, page, posts } = await openPage(async (page) => void (routes = await routeSockets(page, { declineSteers: false })));
    try {
      const disconnect = upstream.waitForClientDisconnect(STEP_MS);
      await send(page, "hang, then drop");
      await expect.poll(() => answers(page).last().textContent()).toContain("so far.");
      const [first] = routes;
      await first?.server.close();
      await first?.page.close({ code: 1011, reason: "dropped by the test" });
      // The gateway stops the generation of a closed socket: the upstream request is closed.
      await disconnect;
      await expect.poll(() => finishOf(page), { timeout: STEP_MS }).toBe("abort");
      expect(await page.locator("#status-line").textContent()).toContain("dropped");
      await expect.poll(() => routes.length, { timeout: STEP_MS }).toBe(2);
      await send(page, "still there?");
      await expect.poll(() => answers(page).count()).toBe(2);
      await expect.poll(() => finishOf(page), { timeout: STEP_MS }).toBe("stop");
      expect(posts).toEqual([]);
      // A new socket holds no chain: the whole conversation goes out on it.
      expect(routes[1]?.sent).toMatchObject([{ type: "response.create", input: [{ content: "hang, then drop" }, { content: PARTIAL }, { content: "still there?" }] }]);
      await expect.poll(() => savedMessages("hang, then drop"), { timeout: STEP_MS }).toEqual([
        { role: "user", content: "hang, then drop", interrupted: false },
        { role: "assistant", content: PARTIAL, interrupted: true },
        { role: "user", content: "still there?", interrupted: false },
        { role: "assistant", content: "Hello again.", interrupted: false },
      ]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
