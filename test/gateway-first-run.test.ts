/**
 * The gateway as a new user meets it, end to end through the built CLI: `spark serve -m FILE` serves and
 * lists that model, `--server` sends every name to the gateway, every answer carries rate-limit headers,
 * an unreachable upstream's address stays in the gateway's log, and Redis that is not there is said once.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { startRedis, redisServerInstalled } from "./support/redis-server.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function home(): Record<string, string> {
  const dir = tempDir("spark-first-run-home-");
  return { HOME: dir, SPARK_HOME: join(dir, ".spark") };
}

describe("spark serve -m and spark --server", () => {
  let gateway: GatewayProcess;
  let upstreamPort: number;
  const served = "local:./model.gguf";

  beforeAll(async () => {
    const dir = tempDir("spark-first-run-");
    copyFileSync(await ensureTestModel(), join(dir, "model.gguf"));
    upstreamPort = await closedPort();
    mkdirSync(join(dir, ".spark"));
    // The gateway's own names: "spark" (what the CLI's alias must not shadow) and an upstream that is down.
    writeFileSync(join(dir, ".spark", "config.toml"), `[aliases]\nspark = "${served}"\n[models.down]\nmodel = "m"\nbase_url = "http://localhost:${upstreamPort}/v1"\n`);
    gateway = await startGateway(dir, home(), ["-m", served]);
  });

  afterAll(async () => {
    expect(await gateway?.stop()).toBe(0);
  });

  it("lists the -m model in /v1/models and the web UI's picker, and answers requests naming it, with rate-limit headers", async () => {
    const models = (await (await fetch(`${gateway.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((model) => model.id)).toContain(served);
    const picker = (await (await fetch(`${gateway.url}/v1/spark/models`)).json()) as { data: { id: string }[] };
    expect(picker.data.map((model) => model.id)).toContain(served);
    const answer = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: served, messages: [{ role: "user", content: "hi" }], max_tokens: 3 }),
    });
    expect(answer.status, await answer.clone().text()).toBe(200);
    // No limit is configured: the header says so, and no number is invented for a window without one.
    expect(answer.headers.get("x-ratelimit-unlimited")).toBe("requests-per-minute, tokens-per-minute, tokens-per-5-hours, tokens-per-week");
    expect(answer.headers.get("x-ratelimit-limit-requests")).toBeNull();
  });

  it("refuses to start when the -m file is missing, naming it", async () => {
    const result = await runSpark(["serve", "--port", "0", "-m", "local:./missing.gguf"], { env: home(), timeoutMs: 20_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing\.gguf does not exist/);
    expect(result.stdout).not.toContain("listening");
  });

  it("--server sends the name to the gateway even where a local alias would resolve it", async () => {
    const env = home();
    mkdirSync(env.SPARK_HOME as string, { recursive: true });
    // Resolved here, this alias would fail (no such file); only the gateway knows "spark".
    writeFileSync(join(env.SPARK_HOME as string, "config.toml"), `[aliases]\nspark = "local:/nonexistent/model.gguf"\n`);
    const result = await runSpark(["--server", gateway.url, "-m", "spark", "--max-tokens", "3", "hi"], { env, timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(0);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    // Over the gateway's Responses WebSocket, Spark's client's transport for --server.
    expect(metrics).toMatch(/route="\/v1\/responses \(websocket\)",model="spark",status="200"/);
  });

  it("hides an unreachable upstream's address from the client and logs it", async () => {
    const answer = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "down", messages: [{ role: "user", content: "hi" }], max_tokens: 3 }),
    });
    const text = await answer.text();
    expect(answer.status).toBe(502);
    expect(text).toMatch(/Cannot reach the upstream of model m/);
    expect(text).not.toContain(String(upstreamPort));
    expect(text).not.toMatch(/localhost|127\.0\.0\.1/);
    expect(gateway.stderr()).toContain(`http://localhost:${upstreamPort}/v1`);
  });
});

describe("spark serve --redis", () => {
  it("refuses to start when Redis is unreachable, saying so once", async () => {
    const port = await closedPort();
    const result = await runSpark(["serve", "--port", "0", "--redis", `redis://:secret@127.0.0.1:${port}`], { env: home(), timeoutMs: 20_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot reach Redis at redis://127.0.0.1:${port}`);
    expect(result.stderr).not.toContain("secret");
    expect(result.stderr).not.toContain("[ioredis]");
  });

  it.skipIf(!redisServerInstalled())("says once when Redis goes away while serving, and retries quietly", async () => {
    const redis = await startRedis();
    const gateway = await startGateway(tempDir("spark-first-run-redis-"), home(), ["--redis", redis.url]);
    try {
      await redis.stop();
      // ioredis retries about once a second: three seconds would print several lines if each were told.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const log = gateway.stderr();
      expect(log.match(/Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/g)).toHaveLength(1);
      expect(log).not.toContain("[ioredis]");
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });
});
