/**
 * The gateway's rate buckets under concurrency, end to end: `spark serve` processes on loopback in front
 * of the scripted upstream, hundreds of parallel requests against one key's bucket (the official `openai`
 * client, streaming and not, and plain fetch), in both stores (SQLite, Redis), through one gateway and
 * through two gateway processes sharing the store. Exactly the allowed number succeed, the rest get 429s
 * naming the bucket, no refused request reaches the upstream, and `spark usage --json` totals are exact:
 * every success charged once, at what the upstream reported, and nothing charged for a refusal.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";


const redis = inject("redis");

/** What the upstream reports for every answer (and so what each success is settled to). */
const USAGE = { prompt: 10, completion: 5 };
/** `max_tokens` of the token-bucket requests; the upstream then reports exactly the reservation. */
const MAX_TOKENS = 100;

interface Outcomes {
  ok: number;
  limited: { message: string; retryAfter: number }[];
  other: string[];
}

interface UsageReport {
  keys: { name: string; buckets: { family: string; windows: { window: string; limit: number; used: number; remaining: number }[]; lastWeek: { requests: number; inputTokens: number; outputTokens: number } }[] }[];
}

function storeChecks(store: "sqlite" | "redis") {
  let upstream: ScriptedServer;
  let project: string;
  let env: Record<string, string>;
  let gateways: GatewayProcess[] = [];
  /** Tokens one "count me" request reserves (prompt estimate + MAX_TOKENS), read from a probe's headers. */
  let reservation = 0;
  const storeArgs = () => (store === "redis" && "url" in redis ? ["--redis", redis.url] : []);
  const spark = (args: string[]) => runSpark(args, { cwd: project, env, timeoutMs: 30_000 });

  async function createKey(name: string, limits: string[]): Promise<string> {
    const created = await spark(["keys", "create", "--name", name, ...limits]);
    expect(created.code, created.stderr).toBe(0);
    return created.stdout.trim();
  }

  /** `count` requests at once, round-robin over `targets`: a third SDK, a third SDK streaming, a third fetch. */
  async function burst(targets: GatewayProcess[], key: string, count: number, model: string, marker: string): Promise<Outcomes> {
    const clients = targets.map((gateway) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0, timeout: 30_000 }));
    const outcomes: Outcomes = { ok: 0, limited: [], other: [] };
    const body = { model, messages: [{ role: "user" as const, content: marker }], max_tokens: MAX_TOKENS };
    const one = async (index: number): Promise<void> => {
      const client = clients[index % clients.length]!;
      const gateway = targets[index % targets.length]!;
      try {
        if (index % 3 === 0) {
          const completion = await client.chat.completions.create(body);
          if (completion.choices[0]?.message.content !== "ok") throw new Error(`unexpected answer ${JSON.stringify(completion)}`);
        } else if (index % 3 === 1) {
          const stream = await client.chat.completions.create({ ...body, stream: true });
          let text = "";
          for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
          if (text !== "ok") throw new Error(`unexpected streamed answer ${text}`);
        } else {
          const response = await fetch(`${gateway.url}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(30_000),
          });
          const json = (await response.json()) as { error?: { message: string }; choices?: { message: { content: string } }[] };
          if (response.status === 429) {
            outcomes.limited.push({ message: json.error?.message ?? "", retryAfter: Number(response.headers.get("retry-after")) });
            return;
          }
          if (response.status !== 200 || json.choices?.[0]?.message.content !== "ok") throw new Error(`status ${response.status}: ${JSON.stringify(json)}`);
        }
        outcomes.ok++;
      } catch (error) {
        if (error instanceof OpenAI.RateLimitError) outcomes.limited.push({ message: error.message, retryAfter: Number(error.headers?.get("retry-after")) });
        else outcomes.other.push(error instanceof Error ? error.message : String(error));
      }
    };
    await Promise.all(Array.from({ length: count }, (_, index) => one(index)));
    return outcomes;
  }

  async function usage(name: string): Promise<UsageReport["keys"][number]["buckets"]> {
    const result = await spark(["usage", "--key", name, "--json", ...storeArgs()]);
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as UsageReport).keys[0]?.buckets ?? [];
  }

  /** Token-bucket prompts: all the same length, so all reserve what the probe reserved. */
  const countMe = (name: string) => `count me ${name}-${store}`.padEnd(32, ".");
  const upstreamCalls = (marker: string) => upstream.requests.filter((request) => JSON.stringify(request.body?.messages ?? "").includes(marker)).length;

  beforeAll(async () => {
    upstream = await startScriptedServer((request: RecordedRequest): ScriptedReply => {
      const prompt = String(request.body?.messages?.at(-1)?.content ?? "");
      // The token-bucket requests report exactly what they reserved, so settling frees nothing.
      if (prompt.startsWith("count me") && reservation > 0) return { kind: "text", chunks: ["o", "k"], usage: { prompt: reservation - MAX_TOKENS, completion: MAX_TOKENS } };
      return { kind: "text", chunks: ["o", "k"], usage: USAGE };
    });
    project = tempDir(`spark-gateway-concurrency-${store}-`);
    const home = tempDir("spark-gateway-concurrency-home-");
    mkdirSync(join(project, ".spark"));
    writeFileSync(
      join(project, ".spark", "config.toml"),
      [
        "[families]",
        'spark = ["fast-*"]',
        "[models.remote-chat]",
        `base_url = "${upstream.url}"`,
        'model = "upstream-model"',
        "[models.fast-chat]",
        `base_url = "${upstream.url}"`,
        'model = "upstream-model"',
        "",
      ].join("\n"),
    );
    env = { HOME: home, SPARK_HOME: join(home, ".spark") };
    const probeKey = await createKey("probe", ["--family", "spark", "--tpm", "1000000000"]);
    // Two gateway processes on the same Spark home: the same keys, and the same SQLite file or Redis.
    gateways = await Promise.all([startGateway(project, env, storeArgs()), startGateway(project, env, storeArgs())]);
    const probe = new OpenAI({ baseURL: `${gateways[0]!.url}/v1`, apiKey: probeKey, maxRetries: 0 });
    const { response } = await probe.chat.completions.create({ model: "fast-chat", messages: [{ role: "user", content: countMe("probe") }], max_tokens: MAX_TOKENS }).withResponse();
    reservation = Number(response.headers.get("x-ratelimit-limit-tokens")) - Number(response.headers.get("x-ratelimit-remaining-tokens"));
    expect(reservation).toBeGreaterThan(MAX_TOKENS);
  }, 40_000);

  afterAll(async () => {
    const codes = await Promise.all(gateways.map((gateway) => gateway.stop()));
    await upstream?.close();
    expect(codes.every((code) => code === 0)).toBe(true);
  }, 20_000);

  it("300 parallel requests against 120 requests/minute through one gateway: exactly 120 succeed, totals exact", async () => {
    const key = await createKey("single-requests", ["--family", "standard", "--rpm", "120"]);
    const outcomes = await burst(gateways.slice(0, 1), key, 300, "remote-chat", `single-requests-${store}`);
    expect(outcomes.other).toEqual([]);
    expect(outcomes.ok).toBe(120);
    expect(outcomes.limited).toHaveLength(180);
    expect(outcomes.limited.every((refusal) => refusal.message.includes('"standard" family of key "single-requests"') && refusal.message.includes("requests per minute"))).toBe(true);
    expect(outcomes.limited.every((refusal) => refusal.retryAfter > 0)).toBe(true);
    expect(upstreamCalls(`single-requests-${store}`)).toBe(120);
    await expect.poll(async () => (await usage("single-requests")).find((bucket) => bucket.family === "standard"), { timeout: 10_000, interval: 200 }).toMatchObject({
      windows: [{ window: "requests-per-minute", limit: 120, used: 120, remaining: 0 }],
      lastWeek: { requests: 120, inputTokens: 120 * USAGE.prompt, outputTokens: 120 * USAGE.completion },
    });
  }, 30_000);

  it("100 parallel requests against a token bucket that holds 40 reservations: exactly 40 succeed, no overshoot", async () => {
    const limit = 40 * reservation + Math.floor(reservation / 2);
    const key = await createKey("single-tokens", ["--family", "spark", "--tpm", String(limit)]);
    const outcomes = await burst(gateways.slice(0, 1), key, 100, "fast-chat", countMe("single"));
    expect(outcomes.other).toEqual([]);
    expect(outcomes.ok).toBe(40);
    expect(outcomes.limited).toHaveLength(60);
    expect(outcomes.limited.every((refusal) => refusal.message.includes('"spark" family') && refusal.message.includes("tokens per minute"))).toBe(true);
    expect(upstreamCalls(countMe("single"))).toBe(40);
    await expect.poll(async () => (await usage("single-tokens")).find((bucket) => bucket.family === "spark"), { timeout: 10_000, interval: 200 }).toMatchObject({
      windows: [{ window: "tokens-per-minute", limit, used: 40 * reservation, remaining: limit - 40 * reservation }],
      lastWeek: { requests: 40, inputTokens: 40 * (reservation - MAX_TOKENS), outputTokens: 40 * MAX_TOKENS },
    });
  }, 30_000);

  it(`two gateway processes sharing ${store === "redis" ? "Redis" : "one SQLite file"} stay exact: 300 requests split over both, 120 allowed`, async () => {
    const key = await createKey("pair-requests", ["--family", "standard", "--rpm", "120", "--tpm", "1000000"]);
    const outcomes = await burst(gateways, key, 300, "remote-chat", `pair-requests-${store}`);
    expect(outcomes.other).toEqual([]);
    expect(outcomes.ok).toBe(120);
    expect(outcomes.limited).toHaveLength(180);
    expect(upstreamCalls(`pair-requests-${store}`)).toBe(120);
    // Every success settled once, to what the upstream reported, whichever gateway served it.
    await expect.poll(async () => (await usage("pair-requests")).find((bucket) => bucket.family === "standard"), { timeout: 10_000, interval: 200 }).toMatchObject({
      windows: [
        { window: "requests-per-minute", limit: 120, used: 120, remaining: 0 },
        { window: "tokens-per-minute", limit: 1_000_000, used: 120 * (USAGE.prompt + USAGE.completion) },
      ],
      lastWeek: { requests: 120, inputTokens: 120 * USAGE.prompt, outputTokens: 120 * USAGE.completion },
    });
  }, 30_000);

  it("two gateway processes, one token bucket: exactly the reservations that fit succeed", async () => {
    const limit = 40 * reservation + Math.floor(reservation / 2);
    const key = await createKey("pair-tokens", ["--family", "spark", "--tpm", String(limit)]);
    const outcomes = await burst(gateways, key, 100, "fast-chat", countMe("pair"));
    expect(outcomes.other).toEqual([]);
    expect(outcomes.ok).toBe(40);
    expect(outcomes.limited).toHaveLength(60);
    expect(upstreamCalls(countMe("pair"))).toBe(40);
    await expect.poll(async () => (await usage("pair-tokens")).find((bucket) => bucket.family === "spark")?.windows, { timeout: 10_000, interval: 200 }).toEqual([
      { window: "tokens-per-minute", limit, used: 40 * reservation, remaining: limit - 40 * reservation, resetMs: expect.any(Number) },
    ]);
    // Keys never reach the gateways' logs, even under load.
    for (const gateway of gateways) expect(gateway.stderr()).not.toMatch(/sk-spark-[0-9a-f]{16}_/);
  }, 30_000);
}

describe("rate buckets under concurrency, end to end (SQLite)", () => storeChecks("sqlite"));

describe.skipIf(!("url" in redis))(`rate buckets under concurrency, end to end (Redis${"unavailable" in redis ? `: skipped, ${redis.unavailable}` : ""})`, () => storeChecks("redis"));
