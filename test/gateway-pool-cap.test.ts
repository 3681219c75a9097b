/**
 * A pool's `max_concurrent` end to end: the built `spark serve` in front of two scripted upstreams on
 * loopback, each allowed 2 requests at once and counted at the upstream. A burst of one conversation fills
 * both replicas and waits for slots instead of piling onto the conversation's replica; slots come back when
 * a request fails over, when its client goes away mid-answer, and when it goes away while waiting (it then
 * never reaches an upstream).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";

const MODEL = "m";
const CAP = 2;

/** Upstreams that answer 503 now. */
const failing = new Set<number>();

/** The answer's text: a completion's content, or a stream's deltas joined. */
function contentOf(body: string, stream: boolean): string {
  if (!stream) return (JSON.parse(body) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? "";
  const chunks = body.split("\n").filter((line) => line.startsWith("data: {")).map((line) => JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] });
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
}

function script(index: number) {
  return (req: RecordedRequest): ScriptedReply => {
    const text = JSON.stringify(req.body?.messages ?? "");
    if (text.includes("hold")) return { kind: "hang-after", chunks: ["held"] };
    if (failing.has(index)) return { kind: "error", status: 503 };
    // Slow enough that a burst's requests overlap at the upstream.
    return { kind: "text", chunks: ["a", "b", "c"], delayMs: 40, usage: { prompt: 10, completion: 3 } };
  };
}

describe("gateway pool max_concurrent", () => {
  let servers: ScriptedServer[] = [];
  let gateway: GatewayProcess;

  const receivers = (marker: string) => servers.flatMap((server, index) => (server.requests.some((req) => JSON.stringify(req.body ?? "").includes(marker)) ? [index] : []));
  const metric = async (name: string, labels: string): Promise<number> => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const line = text.split("\n").find((row) => row.startsWith(`${name}{${labels}}`));
    return Number(line?.split(" ").at(-1) ?? Number.NaN);
  };
  const waiting = () => metric("spark_pool_waiting", 'model="capped"');
  const inFlight = async () => [await metric("spark_pool_in_flight", 'model="capped",replica="1"'), await metric("spark_pool_in_flight", 'model="capped",replica="2"')];

  function chat(content: string, extra: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "capped", messages: [{ role: "user", content }], ...extra }),
      signal: signal ?? AbortSignal.timeout(60_000),
    });
  }

  beforeAll(async () => {
    servers = await Promise.all([0, 1].map((index) => startScriptedServer(script(index))));
    const home = tempDir("spark-pool-cap-home-");
    mkdirSync(join(home, ".spark"), { recursive: true });
    const member = (server: ScriptedServer) => `{ base_url = "${server.url}", model = "${MODEL}", max_concurrent = ${CAP} }`;
    writeFileSync(join(home, ".spark", "config.toml"), ["[gateway.pool]", "cooldown_ms = 60000", "[models.capped]", `upstreams = [${servers.map(member).join(", ")}]`, ""].join("\n"));
    gateway = await startGateway(tempDir("spark-pool-cap-"), { HOME: home, SPARK_HOME: join(home, ".spark") });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(servers.map((server) => server.close()));
  });

  it("never puts more than max_concurrent of a burst on a replica, and answers every request", async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const stream = i % 2 === 0;
        const response = await chat(`burst-${i}`, { prompt_cache_key: "one-conversation", stream });
        return { status: response.status, text: await response.text(), stream };
      }),
    );
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(200);
      expect(contentOf(answer.text, answer.stream)).toBe("abc");
    }
    expect(servers.map((server) => server.requests.length).reduce((a, b) => a + b)).toBe(12);
    expect(servers.map((server) => server.peakInFlight).every((peak) => peak <= CAP), JSON.stringify(servers.map((server) => server.peakInFlight))).toBe(true);
    await expect.poll(inFlight, { timeout: 10_000 }).toEqual([0, 0]);
    expect(await waiting()).toBe(0);
  }, 120_000);

  it("gives slots back when a client leaves mid-answer or while waiting, and when a request fails over", async () => {
    const holders = Array.from({ length: 2 * CAP }, () => new AbortController());
    // The headers of a streamed answer come with its upstream's first chunk: each holder is at an upstream.
    const held = await Promise.all(holders.map((holder, i) => chat(`hold-${i}`, { stream: true }, holder.signal)));
    expect(held.map((response) => response.status)).toEqual(holders.map(() => 200));
    await expect.poll(() => servers.map((server) => server.inFlight), { timeout: 20_000 }).toEqual([CAP, CAP]);
    // Both replicas are full: the next requests wait at the gateway.
    const leaving = new AbortController();
    const gone = chat("queued-gone", {}, leaving.signal).catch((error: unknown) => error);
    await expect.poll(waiting, { timeout: 20_000 }).toBe(1);
    leaving.abort();
    expect(await gone).toBeInstanceOf(Error);
    await expect.poll(waiting, { timeout: 20_000 }).toBe(0);
    // Recorded as a client that left (499), not as a failure of the pool.
    const requests = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(requests).toMatch(/spark_gateway_requests_total\{[^}]*model="capped"[^}]*status="499"\} 1\n/);
    expect(requests).not.toMatch(/spark_gateway_requests_total\{[^}]*model="capped"[^}]*status="503"\}/);
    const kept = chat("queued-kept");
    await expect.poll(waiting, { timeout: 20_000 }).toBe(1);
    for (const holder of holders) holder.abort();
    const answer = await kept;
    expect(answer.status, await answer.text()).toBe(200);
    expect(receivers("queued-gone")).toEqual([]);

    // Replica 1 fails: requests that try it first go on to replica 2, which still takes at most CAP at once.
    failing.add(0);
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => chat(`failover-${i}`, { prompt_cache_key: `failover-${i}` })));
      expect(answers.map((response) => response.status)).toEqual(answers.map(() => 200));
    } finally {
      failing.delete(0);
    }
    expect(servers.map((server) => server.peakInFlight).every((peak) => peak <= CAP)).toBe(true);
    await expect.poll(inFlight, { timeout: 10_000 }).toEqual([0, 0]);
    expect(await waiting()).toBe(0);
  }, 120_000);
});

/**
 * The pool's wait queue is bounded (`[gateway.pool] max_queued`, `queue_timeout_ms`): one replica capped at
 * one request, held by a stream its upstream never ends. The next request waits; while it does, a request in
 * each API family is refused at once (the queue is full); then the waiter is refused when its time is up.
 * Each refusal is 503 pool_saturated with Retry-After in the caller's error shape, counted, and reaches no
 * upstream; the waiter gave back nothing it did not hold, and once the holder lets go a request is answered.
 */
describe("gateway pool wait queue bounds", () => {
  // The full-queue refusals must come while the waiter still waits: a margin for a loaded 2-core machine.
  const QUEUE_TIMEOUT_MS = 2000;
  let upstream: ScriptedServer;
  let gateway: GatewayProcess;

  const metricsText = async () => (await fetch(`${gateway.url}/metrics`)).text();
  const metric = async (line: RegExp): Promise<number> => Number(line.exec(await metricsText())?.[1] ?? Number.NaN);
  const waiting = () => metric(/^spark_pool_waiting\{model="bounded"\} (\d+)$/m);
  const inFlight = () => metric(/^spark_pool_in_flight\{model="bounded",replica="1"\} (\d+)$/m);
  const post = (path: string, body: object, signal: AbortSignal = AbortSignal.timeout(60_000)) =>
    fetch(`${gateway.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
  const chat = (content: string, extra: object = {}, signal?: AbortSignal) => post("/v1/chat/completions", { model: "bounded", messages: [{ role: "user", content }], ...extra }, signal);

  beforeAll(async () => {
    upstream = await startScriptedServer(script(2));
    const home = tempDir("spark-pool-queue-home-");
    mkdirSync(join(home, ".spark"), { recursive: true });
    const config = ["[gateway.pool]", `queue_timeout_ms = ${QUEUE_TIMEOUT_MS}`, "max_queued = 1", "[models.bounded]", `upstreams = [{ base_url = "${upstream.url}", model = "${MODEL}", max_concurrent = 1 }]`, ""];
    writeFileSync(join(home, ".spark", "config.toml"), config.join("\n"));
    gateway = await startGateway(tempDir("spark-pool-queue-"), { HOME: home, SPARK_HOME: join(home, ".spark") });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  it("refuses past max_queued at once and past queue_timeout_ms, with 503 pool_saturated and Retry-After in every API's shape, and leaks no slot or waiter", async () => {
    const holder = new AbortController();
    const held = await chat("hold-the-slot", { stream: true }, holder.signal);
    expect(held.status).toBe(200);
    await expect.poll(() => upstream.inFlight, { timeout: 20_000 }).toBe(1);

    const started = performance.now();
    const timedOut = chat("waits-too-long").then(async (response) => ({ response, body: (await response.json()) as { error: { code: string; message: string } }, elapsed: performance.now() - started }));
    await expect.poll(waiting, { timeout: 20_000 }).toBe(1);

    // The queue is full: each API family is refused at once, in its own error shape.
    const [streamed, responses, anthropic, gemini] = await Promise.all([
      chat("refused-chat", { stream: true }),
      post("/v1/responses", { model: "bounded", input: "refused-responses" }),
      post("/v1/messages", { model: "bounded", max_tokens: 16, messages: [{ role: "user", content: "refused-messages" }] }),
      post("/v1beta/models/bounded:generateContent", { contents: [{ role: "user", parts: [{ text: "refused-gemini" }] }] }),
    ]);
    for (const response of [streamed, responses, anthropic, gemini]) {
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    }
    for (const body of [await streamed.json(), await responses.json()] as { error: { code: string; type: string; message: string } }[]) {
      expect(body.error).toMatchObject({ code: "pool_saturated", type: "server_error" });
      expect(body.error.message).toMatch(/its wait queue is full \(\[gateway\.pool\] max_queued = 1\)\. Retry in 1 s.*raise max_concurrent .*add replicas/);
    }
    expect(await anthropic.json()).toEqual({ type: "error", error: { type: "overloaded_error", message: expect.stringMatching(/max_queued/) } });
    expect(await gemini.json()).toMatchObject({ error: { code: 503, status: "UNAVAILABLE", details: [{ reason: "pool_saturated" }] } });
    expect(await waiting()).toBe(1);
    // GET /v1/spark/pools shows the queue and its bounds next to the replicas.
    const pools = (await (await fetch(`${gateway.url}/v1/spark/pools`)).json()) as { data: { model: string; waiting: number; maxQueued: number; queueTimeoutMs: number; replicas: { inFlight: number }[] }[] };
    expect(pools.data).toEqual([{ model: "bounded", waiting: 1, maxQueued: 1, queueTimeoutMs: QUEUE_TIMEOUT_MS, replicas: [expect.objectContaining({ replica: "1", inFlight: 1, maxConcurrent: 1 })] }]);

    // The waiter is refused when its time is up, no sooner; it held no slot, so the holder's is still counted.
    const { response, body, elapsed } = await timedOut;
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(body.error.code).toBe("pool_saturated");
    expect(body.error.message).toMatch(new RegExp(`within ${QUEUE_TIMEOUT_MS} ms \\(\\[gateway\\.pool\\] queue_timeout_ms\\)`));
    expect(elapsed).toBeGreaterThanOrEqual(QUEUE_TIMEOUT_MS);
    expect(await waiting()).toBe(0);
    expect(await inFlight()).toBe(1);

    const text = await metricsText();
    expect(text).toMatch(/^spark_pool_rejected_total\{model="bounded",reason="queue_full"\} 4$/m);
    expect(text).toMatch(/^spark_pool_rejected_total\{model="bounded",reason="queue_timeout"\} 1$/m);
    expect(text).toMatch(/^spark_gateway_errors_total\{code="pool_saturated"\} 5$/m);
    expect(upstream.requests.map((req) => JSON.stringify(req.body))).toEqual([expect.stringContaining("hold-the-slot")]);
    // Back-pressure working as configured is a warning in the log, never an error: one line per refusal.
    const logged = gateway.stderr().split("\n");
    expect(logged.filter((line) => /^spark serve: warn: .*The gateway is saturated/.test(line))).toHaveLength(5);
    expect(logged.filter((line) => line.startsWith("spark serve: error:"))).toEqual([]);

    // The holder lets go: the slot comes back and the next request is answered.
    holder.abort();
    await expect.poll(inFlight, { timeout: 20_000 }).toBe(0);
    const answer = await chat("after-release");
    expect(answer.status).toBe(200);
    expect(contentOf(await answer.text(), false)).toBe("abc");
    expect(await waiting()).toBe(0);
  }, 120_000);
});
