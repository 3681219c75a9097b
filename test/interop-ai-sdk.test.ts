/**
 * The Vercel AI SDK 7 (pinned ai 7.0.185, @ai-sdk/openai 4.0.126, @ai-sdk/openai-compatible 3.0.97,
 * installed by scripts/install-interop.sh into .interop/ai-sdk) against the real `spark serve`: the
 * openai provider on Responses (its default) and on Chat Completions, and the openai-compatible provider,
 * each with a text answer, a streamed answer and a tool round trip run by the SDK's own loop (`stopWhen`).
 * The packages are not our dependencies: they are imported by absolute path, typed by the few members used.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  SCRIPTED_FINAL,
  SCRIPTED_TEXT,
  TOOL_NAME,
  TOOL_RESULT,
  importInterop,
  interopPackageDir,
  requireInterop,
  startInteropGateway,
  toolResultSeen,
  type InteropGateway,
} from "./support/interop-clients.js";

const CLIENT = "ai-sdk";
const installed = requireInterop("the Vercel AI SDK 7", ["ai", "@ai-sdk/openai", "@ai-sdk/openai-compatible"].map((pkg) => interopPackageDir(CLIENT, pkg)));

/** An AI SDK language model object: opaque to the test. */
type LanguageModel = object;
interface StepResult {
  toolCalls: { toolName: string; input: unknown }[];
  toolResults: { output: unknown }[];
}
interface AiModule {
  generateText(options: Record<string, unknown>): Promise<{ text: string; finishReason: string; steps: StepResult[] }>;
  streamText(options: Record<string, unknown>): { textStream: AsyncIterable<string>; text: PromiseLike<string>; steps: PromiseLike<StepResult[]> };
  tool(definition: Record<string, unknown>): unknown;
  jsonSchema(schema: Record<string, unknown>): unknown;
  stepCountIs(count: number): unknown;
}
interface OpenAIProvider {
  (model: string): LanguageModel;
  chat(model: string): LanguageModel;
  responses(model: string): LanguageModel;
}
interface OpenAIModule {
  createOpenAI(options: { baseURL: string; apiKey: string }): OpenAIProvider;
}
interface CompatibleModule {
  createOpenAICompatible(options: { name: string; baseURL: string; apiKey?: string }): (model: string) => LanguageModel;
}

describe.runIf(installed)("the Vercel AI SDK 7 through spark serve", () => {
  let spark: InteropGateway;
  let ai: AiModule;
  const models: Record<string, () => LanguageModel> = {};

  beforeAll(async () => {
    spark = await startInteropGateway();
    ai = await importInterop<AiModule>(CLIENT, "ai");
    const { createOpenAI } = await importInterop<OpenAIModule>(CLIENT, "@ai-sdk/openai");
    const { createOpenAICompatible } = await importInterop<CompatibleModule>(CLIENT, "@ai-sdk/openai-compatible");
    const openai = createOpenAI({ baseURL: spark.baseURL, apiKey: "sk-unused" });
    const compatible = createOpenAICompatible({ name: "spark", baseURL: spark.baseURL });
    models["@ai-sdk/openai (Responses)"] = () => openai("scripted");
    models["@ai-sdk/openai (Chat Completions)"] = () => openai.chat("scripted");
    models["@ai-sdk/openai-compatible"] = () => compatible("scripted");
  }, 60_000);

  afterAll(async () => {
    await spark?.stop();
  });

  function weatherTools(): Record<string, unknown> {
    return {
      [TOOL_NAME]: ai.tool({
        description: "The weather in a city",
        inputSchema: ai.jsonSchema({ type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false }),
        execute: async () => TOOL_RESULT,
      }),
    };
  }

  for (const provider of ["@ai-sdk/openai (Responses)", "@ai-sdk/openai (Chat Completions)", "@ai-sdk/openai-compatible"]) {
    describe(provider, () => {
      it("generateText: a text answer", async () => {
        const result = await ai.generateText({ model: models[provider]!(), prompt: "hi", maxRetries: 0 });
        expect(result.text).toBe(SCRIPTED_TEXT);
        expect(result.finishReason).toBe("stop");
      });

      it("streamText: a streamed answer arrives in several parts", async () => {
        const result = ai.streamText({ model: models[provider]!(), prompt: "hi", maxRetries: 0, onError: () => {} });
        const parts: string[] = [];
        for await (const part of result.textStream) parts.push(part);
        expect(parts.length).toBeGreaterThan(1);
        expect(parts.join("")).toBe(SCRIPTED_TEXT);
      });

      it("a tool round trip run by the SDK's loop (streamText + stopWhen)", async () => {
        const before = spark.upstream.requests.length;
        const result = ai.streamText({ model: models[provider]!(), prompt: "Weather in Paris?", tools: weatherTools(), stopWhen: ai.stepCountIs(3), maxRetries: 0, onError: () => {} });
        let text = "";
        for await (const part of result.textStream) text += part;
        const steps = await result.steps;
        expect(steps[0]?.toolCalls.map((call) => [call.toolName, call.input])).toEqual([[TOOL_NAME, { city: "Paris" }]]);
        expect(steps[0]?.toolResults.map((toolResult) => toolResult.output)).toEqual([TOOL_RESULT]);
        expect(text).toBe(SCRIPTED_FINAL);
        expect(spark.upstream.requests.length - before).toBe(2);
        expect(toolResultSeen(spark.upstream)).toContain(TOOL_RESULT);
      });
    });
  }

  it("the tiny local model streams an answer (openai-compatible)", async () => {
    const { createOpenAICompatible } = await importInterop<CompatibleModule>(CLIENT, "@ai-sdk/openai-compatible");
    const result = ai.streamText({ model: createOpenAICompatible({ name: "spark", baseURL: spark.baseURL })("tiny"), prompt: "hi", maxOutputTokens: 8, maxRetries: 0, onError: () => {} });
    let text = "";
    for await (const part of result.textStream) text += part;
    expect(text.length).toBeGreaterThan(0);
  });
});
