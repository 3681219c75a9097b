/**
 * The web UI on a gateway with API keys: the page asks for a key, keeps it in local storage, shows the
 * key's bucket quota, and each key sees only its own saved conversations.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshot } from "./support/browser.js";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";

const STEP_MS = 10_000;

let upstream: ScriptedServer;
let gateway: GatewayProcess;
let browser: Browser;
const keys: Record<"alice" | "bob", string> = { alice: "", bob: "" };

beforeAll(async () => {
  upstream = await startScriptedServer([{ kind: "text", chunks: ["Hello ", "with a key."] }]);
  const project = tempDir("spark-web-keys-");
  const home = tempDir("spark-web-keys-home-");
  const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
  mkdirSync(join(project, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), ['[models."remote-spark"]', `base_url = "${upstream.url}"`, 'model = "upstream-fast"', ""].join("\n"));
  for (const name of ["alice", "bob"] as const) {
    const created = await runSpark(["keys", "create", "--name", name, "--family", "spark", "--rpm", "30"], { cwd: project, env, timeoutMs: 30_000 });
    expect(created.code).toBe(0);
    keys[name] = created.stdout.trim();
  }
  gateway = await startGateway(project, env);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  expect(await gateway?.stop()).toBe(0);
  await upstream?.close();
});

const conversationsOf = async (key: string | undefined) =>
  fetch(`${gateway.url}/v1/spark/conversations`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe("the web UI with API keys", () => {
  it("asks for a key, keeps it, shows the key's quota, and saves conversations per key", async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    await page.goto(gateway.url);
    await expect.poll(() => page.locator("#key-dialog").isVisible(), { timeout: STEP_MS }).toBe(true);
    await screenshot(page, "11-key-dialog");
    await page.fill("#key-input", keys.alice);
    await page.press("#key-input", "Enter");
    await expect.poll(() => page.locator("#model-select option").count(), { timeout: STEP_MS }).toBe(1);
    expect(await page.evaluate(`localStorage.getItem("spark.apiKey")`)).toBe(keys.alice);
    await page.fill("#composer-input", "hello with a key");
    await page.press("#composer-input", "Enter");
    await expect.poll(() => page.locator("article.message.assistant").last().getAttribute("data-finish"), { timeout: STEP_MS }).toBe("stop");
    await expect.poll(() => page.locator("#stat-quota").textContent()).toMatch(/^spark: \d+\/30 requests\/min/);
    await expect.poll(() => page.locator(".conversation-link").count()).toBe(1);
    await screenshot(page, "12-with-key");

    const alice = (await (await conversationsOf(keys.alice)).json()) as { data: { title: string }[] };
    expect(alice.data.map((conversation) => conversation.title)).toEqual(["hello with a key"]);
    expect(((await (await conversationsOf(keys.bob)).json()) as { data: unknown[] }).data).toEqual([]);
    const anonymous = await conversationsOf(undefined);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe("missing_api_key");
    expect((await fetch(`${gateway.url}/v1/spark/quota`)).status).toBe(401);
    const quota = (await (await fetch(`${gateway.url}/v1/spark/quota`, { headers: { authorization: `Bearer ${keys.bob}` } })).json()) as { data: { family: string; windows: { remaining: number; limit: number }[] }[] };
    // Bob's own bucket, untouched by Alice's requests.
    expect(quota.data).toEqual([{ family: "spark", windows: [expect.objectContaining({ window: "requests-per-minute", limit: 30, remaining: 30 })] }]);
    await context.close();
  });
});
