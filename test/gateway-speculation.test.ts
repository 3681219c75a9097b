/**
 * `[local] speculation = false` reaches the gateway's local engine. The chain test model (greedy decoding
 * writes CHAIN_TEXT whatever it is asked) is asked with CHAIN_TEXT in the prompt: a default gateway drafts
 * from the prompt (prompt lookup) and counts accepted drafts in /metrics; one with speculation off drafts
 * nothing, and writes the same text. (An explicit `prediction` is the client's request and stays honoured
 * with speculation off; that is not what this file checks.)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { tempDir } from "./support/run-spark.js";
import { CHAIN_TEXT, ensureChainModel } from "./support/tiny-gguf.js";

interface ChatAnswer {
  choices: { message: { content: string } }[];
}

const gateways: GatewayProcess[] = [];

async function gatewayWith(model: string, extraConfig: string[]): Promise<GatewayProcess> {
  const project = tempDir("spark-gateway-speculation-");
  const home = tempDir("spark-gateway-speculation-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), ["[aliases]", `chain = "local:${model}"`, "[models.chain]", "context_size = 2048", "temperature = 0", ...extraConfig, ""].join("\n"));
  const gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
  gateways.push(gateway);
  return gateway;
}

async function answerQuoting(gateway: GatewayProcess): Promise<string> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "chain", messages: [{ role: "user", content: `Rewrite this file:\n${CHAIN_TEXT}` }], max_tokens: 59 }),
    signal: AbortSignal.timeout(60_000),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as ChatAnswer).choices[0]?.message.content ?? "";
}

async function draftTokens(gateway: GatewayProcess, outcome: "accepted" | "rejected"): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text.split("\n").find((row) => row.startsWith("spark_gateway_draft_tokens_total{") && row.includes(`outcome="${outcome}"`));
  return Number(line?.split(" ").at(-1) ?? 0);
}

let model: string;
beforeAll(async () => {
  model = await ensureChainModel();
}, 60_000);

afterAll(async () => {
  const codes = await Promise.all(gateways.map((gateway) => gateway.stop()));
  expect(codes.every((code) => code === 0)).toBe(true);
}, 30_000);

describe("the gateway and [local] speculation", () => {
  it("drafts from the prompt by default and not at all with speculation = false; the answer is the same", async () => {
    const [speculating, plain] = await Promise.all([gatewayWith(model, []), gatewayWith(model, ["[local]", "speculation = false"])]);
    const withDrafts = await answerQuoting(speculating);
    const withoutDrafts = await answerQuoting(plain);
    expect(withDrafts.length).toBeGreaterThan(0);
    expect(withoutDrafts).toBe(withDrafts);
    expect(await draftTokens(speculating, "accepted")).toBeGreaterThan(10);
    expect(await draftTokens(plain, "accepted")).toBe(0);
    expect(await draftTokens(plain, "rejected")).toBe(0);
  }, 120_000);
});
