/**
 * `spark keys`, `spark usage` and the gateway's rate-limit buckets, end to end: keys made with the CLI,
 * the gateway started by the CLI, the official `openai` SDK as the client, the tiny local GGUF as the
 * model under two names in two families. The same checks run against Redis buckets (`--redis`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { ensureTestModel } from "./support/tiny-gguf.js";


const redis = inject("redis");

interface Setup {
  project: string;
  env: Record<string, string>;
  spark: (args: string[]) => ReturnType<typeof runSpark>;
}

async function project(): Promise<Setup> {
  const model = await ensureTestModel();
  const dir = tempDir("spark-gateway-keys-");
  const home = tempDir("spark-gateway-keys-home-");
  mkdirSync(join(dir, ".spark"));
  writeFileSync(
    join(dir, ".spark", "config.toml"),
    ['[families]', 'spark = ["fast-*"]', "[aliases]", `tiny = "local:${model}"`, `fast-tiny = "local:${model}"`, "[models.tiny]", "temperature = 0", ""].join("\n"),
  );
  const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
  return { project: dir, env, spark: (args) => runSpark(args, { cwd: dir, env, timeoutMs: 30_000 }) };
}

const ask = (client: OpenAI, model: string) =>
  client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 4 }).withResponse();

function bucketChecks(store: "sqlite" | "redis") {
  let setup: Setup;
  let gateway: GatewayProcess;
  let key: string;
  let client: OpenAI;
  const storeArgs = () => (store === "redis" && "url" in redis ? ["--redis", redis.url] : []);

  beforeAll(async () => {
    setup = await project();
    const created = await setup.spark(["keys", "create", "--name", "ci-bot", "--family", "spark", "--rpm", "2", "--tpm", "100000", "--family", "standard", "--rpm", "50"]);
    expect(created.code).toBe(0);
    key = created.stdout.trim();
    expect(key).toMatch(/^sk-spark-[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain("only time the key is shown");
    gateway = await startGateway(setup.project, setup.env, storeArgs());
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
  });

  afterAll(async () => {
    expect(await gateway?.stop()).toBe(0);
    // Keys never reach the gateway's log.
    expect(gateway?.stderr()).not.toContain(key);
    expect(gateway?.stderr()).not.toMatch(/sk-spark-[0-9a-f]{16}_/);
  });

  it("requires a key once one exists: 401 without one and with a wrong one, never echoing it", async () => {
    await expect.poll(() => gateway.stderr()).toContain("API keys are required");
    const none = await fetch(`${gateway.url}/v1/models`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("missing_api_key");
    const wrongKey = `${key.slice(0, -4)}AAAA`;
    const wrong = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: wrongKey, maxRetries: 0 });
    const error = await wrong.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "x" }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(JSON.stringify((error as InstanceType<typeof OpenAI.AuthenticationError>).error)).not.toContain(wrongKey.slice(9));
    const metrics = await fetch(`${gateway.url}/metrics`);
    expect(metrics.status).toBe(401);
  });

  it("limits per family, with OpenAI's rate-limit headers, a 429 with Retry-After naming the bucket", async () => {
    const first = await ask(client, "fast-tiny");
    expect(first.response.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(first.response.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect(first.response.headers.get("x-ratelimit-limit-tokens")).toBe("100000");
    expect(Number(first.response.headers.get("x-ratelimit-remaining-tokens"))).toBeLessThan(100000);
    expect(first.response.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+(ms|s|m\d+s)$/);
    expect(first.response.headers.get("x-ratelimit-reset-tokens")).toMatch(/^\d+(ms|s|m\d+s)$/);
    const second = await ask(client, "fast-tiny");
    expect(second.response.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    const limited = await ask(client, "fast-tiny").catch((caught: unknown) => caught);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    const error = limited as InstanceType<typeof OpenAI.RateLimitError>;
    expect(Number(error.headers?.get("retry-after"))).toBeGreaterThan(0);
    expect(error.headers?.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(error.message).toContain('"spark" family of key "ci-bot"');
    expect(error.message).toContain("requests per minute");
    expect(error.message).toMatch(/refills in \d/);
  });

  it("keeps the families apart: the spark family's use leaves standard's bucket whole", async () => {
    const standard = await ask(client, "tiny");
    expect(standard.response.headers.get("x-ratelimit-limit-requests")).toBe("50");
    expect(standard.response.headers.get("x-ratelimit-remaining-requests")).toBe("49");
    expect(standard.response.headers.get("x-spark-family")).toBe("standard");
  });

  it("spark usage shows every bucket of the key, with what was charged", async () => {
    const usage = await setup.spark(["usage", "--key", "ci-bot", "--json", ...storeArgs()]);
    expect(usage.code).toBe(0);
    const report = JSON.parse(usage.stdout) as { keys: { name: string; buckets: { family: string; windows: { window: string; limit: number; used: number; remaining: number }[] }[] }[] };
    expect(report.keys.map((entry) => entry.name)).toEqual(["ci-bot"]);
    const buckets = Object.fromEntries(report.keys[0]?.buckets.map((bucket) => [bucket.family, bucket.windows]) ?? []);
    expect(buckets.spark).toContainEqual(expect.objectContaining({ window: "requests-per-minute", limit: 2, used: 2, remaining: 0 }));
    expect(buckets.standard).toContainEqual(expect.objectContaining({ window: "requests-per-minute", limit: 50, used: 1, remaining: 49 }));
    const text = await setup.spark(["usage", ...storeArgs()]);
    expect(text.stdout).toContain("ci-bot");
    expect(text.stdout).toMatch(/spark\s+requests per minute: 2\/2 used, 0 left, refills in/);
  });

  it("serves the spark CLI through --server with the key from $SPARK_API_KEY", async () => {
    const args = ["--server", gateway.url, "-m", "tiny", "--max-tokens", "3", "hi"];
    const answered = await runSpark([...args, "--json"], { env: { SPARK_API_KEY: key } });
    expect(answered.code).toBe(0);
    const events = answered.stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; metrics?: { rateLimit?: { remainingRequests?: number; limitRequests?: number } } });
    expect(events.some((event) => event.type === "text-delta")).toBe(true);
    // The gateway's rate-limit headers reach the metrics, for the session's quota display.
    expect(events.find((event) => event.type === "metrics")?.metrics?.rateLimit).toMatchObject({ limitRequests: 50 });
    const refused = await runSpark(args);
    expect(refused.code).toBe(1);
    // Not "check the key": there was none to check, and the message says so.
    expect(refused.stderr).toContain("$SPARK_API_KEY is not set, so no key was sent: export SPARK_API_KEY=a key this server accepts.");
    const wrong = await runSpark(args, { env: { SPARK_API_KEY: "sk-spark-0000000000000000_mistyped" } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("Check the key in $SPARK_API_KEY.");
    // The gateway's own sentence is quoted once, without a second full stop after it.
    const unknown = await runSpark(["--server", gateway.url, "-m", "nonesuch", "--max-tokens", "3", "hi"], { env: { SPARK_API_KEY: key } });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/The model 'nonesuch' does not exist on this gateway\..*lists them\.\n$/);
    expect(unknown.stderr).not.toContain("..");
  });

  it("spark keys list never shows a secret; revoke locks the key out of the running gateway", async () => {
    const list = await setup.spark(["keys", "list"]);
    expect(list.stdout).toContain("ci-bot");
    expect(list.stdout).toContain("spark: 2 req/min, 100000 tok/min; standard: 50 req/min");
    expect(list.stdout).not.toMatch(/sk-spark-[0-9a-f]/);
    const revoked = await setup.spark(["keys", "revoke", "ci-bot"]);
    expect(revoked.code).toBe(0);
    const again = await setup.spark(["keys", "revoke", "ci-bot"]);
    expect(again.code).toBe(1);
    const refused = await ask(client, "tiny").catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
  });
}

describe("API keys and rate buckets (SQLite)", () => bucketChecks("sqlite"));

describe.skipIf(!("url" in redis))(`API keys and rate buckets (Redis${"unavailable" in redis ? `: skipped, ${redis.unavailable}` : ""})`, () => bucketChecks("redis"));

describe("spark keys create", () => {
  it("refuses a duplicate name and a bad limit", async () => {
    const setup = await project();
    expect((await setup.spark(["keys", "create", "--name", "a"])).code).toBe(0);
    const duplicate = await setup.spark(["keys", "create", "--name", "a"]);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('A key named "a" already exists');
    const bad = await setup.spark(["keys", "create", "--name", "b", "--rpm", "lots"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--rpm expects a whole number");
  });
});
