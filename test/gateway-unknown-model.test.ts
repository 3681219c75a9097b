/**
 * What the built gateway answers for a model it cannot serve: a name nobody configured is "not here"
 * (with where to look), even when its shape would send it to OpenAI; only a configured name without its
 * key is "configured but no key".
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { tempDir } from "./support/run-spark.js";

describe("the gateway on a model it cannot serve", () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    const dir = tempDir("spark-gateway-unknown-");
    const home = tempDir("spark-gateway-unknown-home-");
    mkdirSync(join(dir, ".spark"));
    // "fast" is configured and goes to OpenAI; no OPENAI_API_KEY reaches the gateway.
    writeFileSync(join(dir, ".spark", "config.toml"), `[aliases]\nfast = "gpt-5.3-codex-spark"\n`);
    gateway = await startGateway(dir, { HOME: home, SPARK_HOME: join(home, ".spark") });
  }, 30_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  const ask = async (model: string) => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, error: ((await response.json()) as { error: { message: string; code: string } }).error };
  };

  it("an OpenAI-shaped name nobody configured is not served here, and says why it could not go to OpenAI", async () => {
    const { status, error } = await ask("gpt-nope");
    expect(status).toBe(404);
    expect(error.code).toBe("model_not_found");
    expect(error.message).not.toContain("configured but");
    expect(error.message).toContain("does not exist on this gateway");
    expect(error.message).toContain("$OPENAI_API_KEY is not set where the gateway runs");
    expect(error.message).toContain("Models here: fast.");
    expect(error.message).toContain("GET /v1/models");
  });

  it("a configured name without its key still says the key is missing", async () => {
    const { status, error } = await ask("fast");
    expect(status).toBe(503);
    expect(error.message).toContain("configured but the gateway has no key for it ($OPENAI_API_KEY");
  });
});
