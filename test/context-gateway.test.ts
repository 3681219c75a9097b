import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { tempDir } from "./support/run-spark.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

/** A request to a local model that does not fit its window is the client's mistake: a 400 that says what to do. */

let gateway: GatewayProcess;

beforeAll(async () => {
  const model = await ensureTestModel();
  const project = tempDir("spark-ctx-gateway-");
  const home = tempDir("spark-ctx-gateway-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), ["[aliases]", `tiny = "local:${model}"`, "[models.tiny]", "context_size = 512", ""].join("\n"));
  gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
});

afterAll(async () => {
  await gateway?.stop();
});

describe("the gateway and a local model's context window", () => {
  it.each([false, true])("answers an oversize chat request with 400 context_length_exceeded (stream: %s), and keeps serving", async (stream) => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", stream, max_tokens: 4, messages: [{ role: "user", content: "word ".repeat(2000) }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    // OpenAI's code for it, so OpenAI clients recognise it.
    expect(body.error.code).toBe("context_length_exceeded");
    expect(body.error.message).toContain("context window of 512 tokens");
    const small = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", max_tokens: 4, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(small.status).toBe(200);
  });
});
