/**
 * Hostile clients and a hostile upstream against the real gateway (the built CLI on a loopback port), issue
 * 15's gateway rows: bodies held without a key, slow headers and bodies, reservations that ignore `n`, an
 * upstream that answers far more than reserved, JSON nested 100k deep, invalid UTF-8, bad tool names,
 * another local port's pages, and a table of malformed requests on every route. Every hostile input must
 * get a 4xx that says what to do, never a 5xx: the file counts both and prints them.
 * Bounded: every loop has a fixed count and every wait a deadline; traffic goes to 127.0.0.1 only.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { firstStatus, holdRequest, rssMiB } from "./support/raw-http.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";

/** Hostile inputs sent, and the 5xx answers they got (target 0). */
const tally = { hostile: 0, serverErrors: 0, failures: [] as string[] };

const reply = (request: RecordedRequest): ScriptedReply => {
  const body = request.body as { messages?: { content: string }[]; input?: unknown; prompt?: string };
  const prompt = body.messages?.at(-1)?.content ?? (typeof body.input === "string" ? body.input : "") ?? body.prompt ?? "";
  // An upstream that ignores max_tokens: 2,000 frames, and says so in its usage.
  if (prompt === "flood") return { kind: "text", chunks: Array.from({ length: 2000 }, () => "word "), usage: { prompt: 10, completion: 5000 } };
  // A stream longer than every time limit on receiving a request.
  if (prompt === "slow") return { kind: "text", chunks: Array.from({ length: 12 }, (_, index) => `s${index} `), delayMs: 250, usage: { prompt: 5, completion: 12 } };
  return { kind: "text", chunks: ["ok"], usage: { prompt: 5, completion: 1 } };
};

let upstream: ScriptedServer;

/** A project whose user config points at the scripted upstream, with small limits to push against. */
function setup(extra: string[] = [], gatewayKeys: string[] = []): { project: string; env: Record<string, string>; sparkHome: string } {
  const project = tempDir("spark-hostile-gw-");
  const home = tempDir("spark-hostile-gw-home-");
  mkdirSync(join(home, ".spark"));
  writeFileSync(
    join(home, ".spark", "config.toml"),
    [
      "[families]",
      'capped = ["capped-*"]',
      'choices = ["choices-*"]',
      "[models.plain-chat]",
      `base_url = "${upstream.url}"`,
      'model = "upstream-model"',
      "[models.capped-chat]",
      `base_url = "${upstream.url}"`,
      'model = "upstream-model"',
      "[models.capped-json]",
      `base_url = "${upstream.url}"`,
      'model = "upstream-model"',
      "[models.choices-chat]",
      `base_url = "${upstream.url}"`,
      'model = "upstream-model"',
      "[providers.lab]",
      `base_url = "${upstream.url}"`,
      'api = "responses"',
      "[gateway]",
      "headers_timeout_ms = 1500",
      "body_timeout_ms = 1500",
      'models = ["lab/codex"]',
      ...gatewayKeys,
      "[gateway.limits.capped]",
      "tokens_per_minute = 1000",
      "[gateway.limits.choices]",
      "tokens_per_minute = 1000",
      ...extra,
      "",
    ].join("\n"),
  );
  return { project, env: { HOME: home, SPARK_HOME: join(home, ".spark") }, sparkHome: join(home, ".spark") };
}

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

async function post(base: string, path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** Sends one hostile request and counts it; a 5xx is recorded with what caused it. */
async function hostile(label: string, send: () => Promise<Answer>): Promise<Answer> {
  tally.hostile++;
  const answer = await send();
  if (answer.status >= 500) {
    tally.serverErrors++;
    tally.failures.push(`${label}: ${answer.status} ${answer.text.slice(0, 200)}`);
  }
  return answer;
}

const codeOf = (answer: Answer) => (JSON.parse(answer.text) as { error?: { code?: string } }).error?.code;
const chat = (model: string, content: string, extra: Record<string, unknown> = {}) => JSON.stringify({ model, messages: [{ role: "user", content }], ...extra });

beforeAll(async () => {
  upstream = await startScriptedServer(reply);
});

afterAll(async () => {
  await upstream?.close();
  console.log(`hostile gateway inputs: ${tally.hostile} sent, ${tally.serverErrors} answered 5xx${tally.failures.length ? `:\n${tally.failures.join("\n")}` : ""}`);
  expect(tally.serverErrors).toBe(0);
});

describe("a keyless gateway against hostile clients", () => {
  let gateway: GatewayProcess;
  let port: number;
  beforeAll(async () => {
    const { project, env } = setup();
    gateway = await startGateway(project, env);
    port = Number(new URL(gateway.url).port);
  });
  afterAll(async () => {
    expect(await gateway?.stop()).toBe(0);
  });

  it("accepts only its own port in Origin and Host", async () => {
    const get = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest({ host: "127.0.0.1", port, path: "/v1/models", headers, timeout: 5000 }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on("error", reject).end();
      });
    tally.hostile += 3;
    expect(await get({ host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port + 1}` })).toBe(403);
    expect(await get({ host: `127.0.0.1:${port}`, origin: "http://127.0.0.1" })).toBe(403);
    expect(await get({ host: `127.0.0.1:${port + 1}` })).toBe(403);
    expect(await get({ host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` })).toBe(200);
  });

  it("cuts a slow body with a 408 and slow headers by closing, within bounded time", async () => {
    tally.hostile += 2;
    const slowBody = holdRequest(port, `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":`);
    const slowHeaders = holdRequest(port, `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n`);
    const deadline = (request: typeof slowBody) => Promise.race([request.closed, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 6000))]);
    const [body, headers] = await Promise.all([deadline(slowBody), deadline(slowHeaders)]);
    slowBody.socket.destroy();
    slowHeaders.socket.destroy();
    expect(body?.status).toBe(408);
    expect(body?.text).toContain("gateway.body_timeout_ms");
    expect(body?.afterMs).toBeLessThan(4000);
    expect(headers).toBeDefined();
    expect(headers?.afterMs).toBeLessThan(4500);
  });

  it("does not cut a streaming answer that lasts longer than those limits", async () => {
    const answer = await post(gateway.url, "/v1/chat/completions", chat("plain-chat", "slow", { stream: true }));
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("s11 ");
    expect(answer.text).toContain("[DONE]");
  });

  it("reserves max tokens for each of n choices (and best_of)", async () => {
    const one = await post(gateway.url, "/v1/chat/completions", chat("choices-chat", "hi", { max_tokens: 300 }));
    expect(one.status).toBe(200);
    const five = await hostile("chat n=5", () => post(gateway.url, "/v1/chat/completions", chat("choices-chat", "hi", { max_tokens: 300, n: 5 })));
    expect(five.status).toBe(429);
    expect(five.text).toContain("n choices");
    const bestOf = await hostile("completions best_of=5", () => post(gateway.url, "/v1/completions", JSON.stringify({ model: "choices-chat", prompt: "hi", max_tokens: 300, best_of: 5 })));
    expect(bestOf.status).toBe(429);
  });

  it("never lets an upstream's answer past its reservation silently: a stream is cut, an overshoot is charged", async () => {
    const streamed = await hostile("flooding upstream, stream", () => post(gateway.url, "/v1/chat/completions", chat("capped-chat", "flood", { stream: true, max_tokens: 10 })));
    expect(streamed.status).toBe(200);
    const frames = streamed.text.split("\n\n").filter((frame) => frame.includes('"content":"word '));
    expect(frames.length).toBeLessThan(40);
    expect(streamed.text).toContain("reservation_exceeded");
    // Not streamed, the answer is whole when it arrives: it is passed on and every token charged, so the
    // bucket (1,000 tokens a minute) refuses until it refills.
    const whole = await hostile("flooding upstream, not streamed", () => post(gateway.url, "/v1/chat/completions", chat("capped-json", "flood", { max_tokens: 10 })));
    expect(whole.status).toBe(200);
    const next = await post(gateway.url, "/v1/chat/completions", chat("capped-chat", "hi", { max_tokens: 10 }));
    expect(next.status).toBe(429);
    expect(next.headers.get("x-ratelimit-remaining-tokens")).toBe("0");
    expect(next.text).toMatch(/refills in/);
  });

  it("answers every malformed body on every route with a 4xx that says what to fix", async () => {
    const deep = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    const deepObject = `{"model":"plain-chat","messages":${deep(100_000)}}`;
    const badUtf8 = Buffer.concat([Buffer.from('{"model":"plain-chat","messages":[{"role":"user","content":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}]}')]);
    const tool = (name: string) => ({ type: "function", function: { name, parameters: { type: "object", properties: {} } } });
    const cases: { label: string; path: string; body: string | Buffer; status: number; says: RegExp; headers?: Record<string, string> }[] = [
      ...["/v1/chat/completions", "/v1/responses", "/v1/completions", "/v1/spark/conversations"].flatMap((path) => [
        { label: `${path} nested 100k deep`, path, body: deepObject, status: 400, says: /more than 128 levels deep/ },
        { label: `${path} invalid UTF-8`, path, body: badUtf8, status: 400, says: /not valid UTF-8/ },
        { label: `${path} not JSON`, path, body: "{\"model\":", status: 400, says: /not valid JSON/ },
        { label: `${path} a JSON array`, path, body: "[]", status: 400, says: /JSON object/ },
        { label: `${path} text/plain`, path, body: "hello", status: 415, says: /Content-Type: application\/json/, headers: { "content-type": "text/plain" } },
        { label: `${path} __proto__`, path, body: '{"__proto__":{"admin":true},"model":"plain-chat"}', status: 400, says: /./ },
      ]),
      { label: "tool name with NUL", path: "/v1/chat/completions", body: chat("plain-chat", "hi", { tools: [tool("read\u0000file")] }), status: 400, says: /read\\+u0000file\\+" is not valid: use 1 to 64/ },
      { label: "tool name with newline", path: "/v1/chat/completions", body: chat("plain-chat", "hi", { tools: [tool("a\nb")] }), status: 400, says: /tools\[0\]\.function\.name/ },
      { label: "tool name of 65 characters", path: "/v1/chat/completions", body: chat("plain-chat", "hi", { tools: [tool("x".repeat(65))] }), status: 400, says: /1 to 64/ },
      { label: "Responses tool name with NUL", path: "/v1/responses", body: JSON.stringify({ model: "lab/codex", input: "hi", tools: [{ type: "function", name: "a\u0000", parameters: {} }] }), status: 400, says: /tools\[0\]\.name/ },
      { label: "Responses namespace holding a bad name", path: "/v1/responses", body: JSON.stringify({ model: "lab/codex", input: "hi", tools: [{ type: "namespace", name: "crm", description: "d", tools: [{ type: "function", name: "get\ncustomer" }] }] }), status: 400, says: /tools\[0\]\.tools\[0\]\.name/ },
      { label: "max_tokens 1e300", path: "/v1/chat/completions", body: chat("capped-chat", "hi", { max_tokens: 1e300 }), status: 400, says: /max_tokens/ },
      { label: "n 1e9", path: "/v1/chat/completions", body: chat("choices-chat", "hi", { n: 1e9 }), status: 429, says: /Waiting does not help/ },
      { label: "model with NUL", path: "/v1/chat/completions", body: chat("a\u0000b", "hi"), status: 404, says: /./ },
      { label: "conversation message to an unknown id", path: "/v1/spark/conversations/..%2F..%2Fetc/messages", body: JSON.stringify({ role: "user", content: "x" }), status: 404, says: /no conversation/ },
      { label: "conversation with a deep title", path: "/v1/spark/conversations", body: `{"title":${deep(200)},"model":"m"}`, status: 400, says: /levels deep/ },
      { label: "unknown route with a body", path: "/v1/nothing", body: "{}", status: 404, says: /no route/ },
    ];
    for (const entry of cases) {
      const answer = await hostile(entry.label, () => post(gateway.url, entry.path, entry.body, entry.headers));
      expect.soft(answer.status, `${entry.label}: ${answer.text.slice(0, 300)}`).toBe(entry.status);
      expect.soft(answer.text, entry.label).toMatch(entry.says);
      expect.soft(codeOf(answer), entry.label).toBeTruthy();
    }
    const paths = ["/v1/models/%00", "/v1/models/%E0%A4%A", `/v1/spark/conversations/${"x".repeat(10_000)}`, "/v1/spark/conversations/%2e%2e%2f%2e%2e", "/%2e%2e/%2e%2e/etc/passwd", "/v1/models?x=%ZZ"];
    for (const path of paths) {
      const answer = await hostile(`GET ${path.slice(0, 40)}`, async () => {
        const response = await fetch(`${gateway.url}${path}`, { signal: AbortSignal.timeout(10_000) });
        return { status: response.status, text: await response.text(), headers: response.headers };
      });
      expect.soft(answer.status, `GET ${path.slice(0, 40)}: ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
      expect.soft(answer.status, `GET ${path.slice(0, 40)}: ${answer.text.slice(0, 200)}`).toBeLessThan(500);
    }
    // A valid Responses namespace group (function tools inside) is not refused.
    const namespaced = await post(gateway.url, "/v1/responses", JSON.stringify({ model: "lab/codex", input: "hi", tools: [{ type: "namespace", name: "crm", description: "customers", tools: [{ type: "function", name: "get_customer", parameters: { type: "object", properties: {} } }] }] }));
    expect(namespaced.status, namespaced.text).toBe(200);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });
});

describe("a gateway with keys against bodies sent without one", () => {
  let gateway: GatewayProcess;
  let port: number;
  let key: string;
  beforeAll(async () => {
    const { project, env } = setup();
    const created = await runSpark(["keys", "create", "--name", "hostile"], { cwd: project, env, timeoutMs: 30_000 });
    expect(created.code).toBe(0);
    key = created.stdout.trim();
    gateway = await startGateway(project, env);
    port = Number(new URL(gateway.url).port);
  });
  afterAll(async () => {
    expect(await gateway?.stop()).toBe(0);
  });

  it("refuses a request without a key with 401 before reading its body", async () => {
    const small = await hostile("no key, small body", () => post(gateway.url, "/v1/chat/completions", chat("plain-chat", "hi")));
    expect(small.status).toBe(401);
    const held = holdRequest(port, `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 4194304\r\n\r\n{"model":`);
    tally.hostile++;
    expect(await firstStatus(held, 3000)).toBe(401);
    held.socket.destroy();
    const deep = await hostile("with a key, nested deep", () => post(gateway.url, "/v1/chat/completions", `{"messages":${"[".repeat(50_000)}`, { authorization: `Bearer ${key}` }));
    expect(deep.status).toBe(400);
  });

  it("stays near its baseline memory with 100 held 4 MB bodies without a key, and closes them promptly", async () => {
    const pid = gateway.child.pid ?? 0;
    const baseline = await rssMiB(pid);
    const body = Buffer.alloc(4 * 1024 * 1024 - 1, 0x61);
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n`;
    const held = Array.from({ length: 100 }, () => holdRequest(port, head, body));
    tally.hostile += held.length;
    let peak = baseline;
    const sampler = setInterval(() => void rssMiB(pid).then((rss) => (peak = Math.max(peak, rss)), () => undefined), 50);
    const outcomes = await Promise.all(held.map((request) => Promise.race([request.closed, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 8000))])));
    clearInterval(sampler);
    peak = Math.max(peak, await rssMiB(pid));
    for (const request of held) request.socket.destroy();
    const closed = outcomes.filter((outcome) => outcome !== undefined);
    const slowest = Math.max(...closed.map((outcome) => outcome.afterMs));
    console.log(`100 held 4 MB bodies without a key: RSS ${baseline.toFixed(0)} MiB before, ${peak.toFixed(0)} MiB at peak; ${closed.length} closed, the slowest after ${slowest.toFixed(0)} ms; ${closed.filter((outcome) => outcome.status === 401).length} saw the 401`);
    expect(closed.length).toBe(100);
    expect(slowest).toBeLessThan(5000);
    expect(peak - baseline).toBeLessThan(100);
  });
});

describe("a key filling the web UI's conversation storage (#29)", () => {
  let gateway: GatewayProcess;
  let sparkHome: string;
  let auth: Record<string, string>;
  const dbBytes = () => ["spark.db", "spark.db-wal"].reduce((sum, name) => sum + (statSync(join(sparkHome, name), { throwIfNoEntry: false })?.size ?? 0), 0);
  const send = (method: string, path: string, body?: unknown) =>
    hostile(`${method} ${path}`, async () => {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: body === undefined ? auth : { ...auth, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: response.status, text: await response.text(), headers: response.headers };
    });

  beforeAll(async () => {
    // Generation families are capped at 1,000 tokens/min as in the attack; the web UI's routes count against
    // the standard family's 40 requests a minute.
    const setupResult = setup(["[gateway.limits.standard]", "requests_per_minute = 40"], ["conversations_max = 3", "conversation_storage_max_chars = 1000000"]);
    sparkHome = setupResult.sparkHome;
    const created = await runSpark(["keys", "create", "--name", "filler"], { cwd: setupResult.project, env: setupResult.env, timeoutMs: 30_000 });
    expect(created.code).toBe(0);
    auth = { authorization: `Bearer ${created.stdout.trim()}` };
    gateway = await startGateway(setupResult.project, setupResult.env);
  });
  afterAll(async () => {
    expect(await gateway?.stop()).toBe(0);
  });

  it("cannot grow storage past the key's quota of conversations and characters", async () => {
    const before = dbBytes();
    const ids: string[] = [];
    const refusedCreates: Answer[] = [];
    for (let index = 0; index < 5; index++) {
      const answer = await send("POST", "/v1/spark/conversations", { title: `fill ${index}`, model: "plain-chat" });
      if (answer.status === 201) ids.push((JSON.parse(answer.text) as { id: string }).id);
      else refusedCreates.push(answer);
    }
    expect(ids).toHaveLength(3);
    expect(refusedCreates.map((answer) => [answer.status, codeOf(answer)])).toEqual([
      [409, "conversation_quota_exceeded"],
      [409, "conversation_quota_exceeded"],
    ]);
    expect(refusedCreates[0]?.text).toMatch(/Delete old conversations in the web UI's sidebar.*conversations_max/);
    const big = "x".repeat(300_000);
    const statuses: number[] = [];
    for (let index = 0; index < 12; index++) statuses.push((await send("POST", `/v1/spark/conversations/${ids[index % 3] ?? ""}/messages`, { role: "user", content: big })).status);
    const stored = statuses.filter((status) => status === 204).length;
    const full = await send("POST", `/v1/spark/conversations/${ids[0] ?? ""}/messages`, { role: "user", content: big });
    expect(full.status).toBe(413);
    expect(codeOf(full)).toBe("conversation_storage_full");
    expect(full.text).toMatch(/hold 900000 of its 1000000 characters.*conversation_storage_max_chars/);
    const grown = dbBytes() - before;
    console.log(`conversation quota: ${stored} of 12 messages of 300,000 characters stored, the rest ${statuses.filter((status) => status === 413).length}× 413; spark.db (+WAL) grew ${(grown / 1e6).toFixed(2)} MB`);
    expect(stored).toBe(3);
    expect(grown).toBeLessThan(3_000_000);
    // Deleting makes room again, as the message says.
    expect((await send("DELETE", `/v1/spark/conversations/${ids[0] ?? ""}`)).status).toBe(204);
    expect((await send("POST", "/v1/spark/conversations", { title: "after delete", model: "plain-chat" })).status).toBe(201);
  });

  it("answers a flood of conversation requests with 429 and Retry-After, like model requests", async () => {
    const answers: Answer[] = [];
    for (let index = 0; index < 50; index++) answers.push(await send("GET", "/v1/spark/conversations"));
    const limited = answers.filter((answer) => answer.status === 429);
    console.log(`conversation flood: ${answers.length - limited.length} answered, ${limited.length}× 429`);
    expect(limited.length).toBeGreaterThan(0);
    expect(codeOf(limited[0] as Answer)).toBe("rate_limit_exceeded");
    expect(Number(limited[0]?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(answers[0]?.headers.get("x-ratelimit-limit-requests")).toBe("40");
  });
});
