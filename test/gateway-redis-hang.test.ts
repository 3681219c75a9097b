/**
 * A Redis that accepts connections and never answers, end to end through the built gateway (`spark serve
 * --redis`): the rate limiter fails closed with a 503 that says so (the upstream never sees the request),
 * the gateway keeps serving, and once the real Redis answers again requests go through. A gateway cannot
 * start on a silent Redis, and says why.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { startRedisProxy, type RedisProxy } from "./support/redis-proxy.js";
import { redisServerInstalled, startRedis, type TestRedis } from "./support/redis-server.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { SCRIPTED_MODEL, startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";

function home(): Record<string, string> {
  const dir = tempDir("spark-redis-hang-home-");
  return { HOME: dir, SPARK_HOME: join(dir, ".spark") };
}

/** Polls `answer` every 200 ms for up to 60 s until `done` holds for what it returns. */
async function until<T>(answer: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let tries = 0; tries < 300; tries++) {
    const value = await answer();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("gave up waiting after 60 s");
}

describe.skipIf(!redisServerInstalled())("spark serve --redis with a Redis that stops answering", () => {
  let redis: TestRedis;
  let proxy: RedisProxy;
  let upstream: ScriptedServer;
  let gateway: GatewayProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    proxy = await startRedisProxy(redis.url);
    upstream = await startScriptedServer(() => ({ kind: "text", chunks: ["ok"] }));
    dir = tempDir("spark-redis-hang-");
    mkdirSync(join(dir, ".spark"));
    // A limited family, so every request is metered in Redis.
    writeFileSync(join(dir, ".spark", "config.toml"), `[models.up]\nmodel = "${SCRIPTED_MODEL}"\nbase_url = "${upstream.url}"\n[gateway.limits.standard]\nrequests_per_minute = 1000\n`);
  });

  afterAll(async () => {
    if (gateway) expect(await gateway.stop()).toBe(0);
    await proxy?.close();
    await upstream?.close();
    await redis?.stop();
  });

  const ask = async (): Promise<{ status: number; text: string }> => {
    const answer = await fetch(`${gateway!.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "up", messages: [{ role: "user", content: "hi" }], max_tokens: 3 }),
    });
    return { status: answer.status, text: await answer.text() };
  };

  it("refuses to start on a Redis that never answers, saying so", async () => {
    proxy.setMode("silent");
    const result = await runSpark(["serve", "--port", "0", "--redis", proxy.url], { cwd: dir, env: home(), timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(it accepted the connection but did not answer within \d+ ms\)/);
    expect(result.stdout).not.toContain("listening");
  }, 90_000);

  it("answers 503 saying Redis did not answer while it hangs, keeps serving, and meters again once it answers", async () => {
    proxy.setMode("forward");
    gateway = await startGateway(dir, home(), ["--redis", proxy.url]);
    expect((await ask()).status).toBe(200);
    const before = upstream.requests.length;

    proxy.setMode("silent");
    const refused = await ask();
    expect(refused.status, refused.text).toBe(503);
    const body = JSON.parse(refused.text) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("store_unreachable");
    expect(body.error.message).toMatch(/^The rate limiter could not use its Redis at 127\.0\.0\.1:\d+: it accepted the connection but did not answer within \d+ ms\. The request was refused rather than let through unmetered/);
    expect(body.error.message).toContain("redis-cli -h 127.0.0.1 -p");
    // Later requests fail the same way (on the hung connection, or while reconnecting to the silent one).
    const again = await ask();
    expect(again.status, again.text).toBe(503);
    expect(again.text).toContain("refused rather than let through unmetered");
    expect(upstream.requests.length).toBe(before);
    // Still serving: a route that needs no bucket answers.
    expect((await fetch(`${gateway.url}/v1/models`)).status).toBe(200);

    proxy.setMode("forward");
    await until(ask, (answer) => answer.status === 200);
    expect(upstream.requests.length).toBeGreaterThan(before);
    await until(async () => gateway!.stderr(), (log) => log.includes("is reachable again"));
    const log = gateway.stderr();
    expect(log.match(/Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/g)).toHaveLength(1);
    expect(log).not.toContain("[ioredis]");
  }, 120_000);
});
