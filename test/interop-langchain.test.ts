/**
 * LangChain's ChatOpenAI (pinned @langchain/openai 1.6.0 with @langchain/core 1.4.0, installed by
 * scripts/install-interop.sh into .interop/langchain) against the real `spark serve`: invoke, stream, and a
 * tool round trip (bindTools, the AI message's tool_calls, a ToolMessage back) on Chat Completions and on
 * Responses (`useResponsesApi`). Imported by absolute path, typed by the few members used.
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

const CLIENT = "langchain";
const installed = requireInterop("LangChain ChatOpenAI 1.6", ["@langchain/openai", "@langchain/core"].map((pkg) => interopPackageDir(CLIENT, pkg)));

interface AIMessage {
  content: unknown;
  text: string;
  tool_calls?: { id?: string; name: string; args: Record<string, unknown> }[];
}
interface ChatModel {
  invoke(input: unknown): Promise<AIMessage>;
  stream(input: unknown): Promise<AsyncIterable<AIMessage>>;
  bindTools(tools: unknown[]): ChatModel;
}
interface LangChainOpenAI {
  ChatOpenAI: new (fields: Record<string, unknown>) => ChatModel;
}
interface LangChainMessages {
  HumanMessage: new (content: string) => unknown;
  ToolMessage: new (fields: { content: string; tool_call_id: string }) => unknown;
}

describe.runIf(installed)("LangChain ChatOpenAI 1.6 through spark serve", () => {
  let spark: InteropGateway;
  let lc: LangChainOpenAI;
  let messages: LangChainMessages;

  beforeAll(async () => {
    spark = await startInteropGateway();
    lc = await importInterop<LangChainOpenAI>(CLIENT, "@langchain/openai");
    messages = await importInterop<LangChainMessages>(CLIENT, "@langchain/core", "dist/messages/index.js");
  }, 60_000);

  afterAll(async () => {
    await spark?.stop();
  });

  const weather = { type: "function", function: { name: TOOL_NAME, description: "The weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };

  for (const api of ["Chat Completions", "Responses"]) {
    describe(api, () => {
      const model = (name = "scripted"): ChatModel =>
        new lc.ChatOpenAI({ model: name, apiKey: "sk-unused", configuration: { baseURL: spark.baseURL }, maxRetries: 0, useResponsesApi: api === "Responses" });

      it("invoke: a text answer", async () => {
        const answer = await model().invoke("hi");
        expect(answer.text).toBe(SCRIPTED_TEXT);
      });

      it("stream: a streamed answer arrives in several chunks", async () => {
        const parts: string[] = [];
        for await (const chunk of await model().stream("hi")) if (chunk.text) parts.push(chunk.text);
        expect(parts.length).toBeGreaterThan(1);
        expect(parts.join("")).toBe(SCRIPTED_TEXT);
      });

      it("a tool round trip: bindTools, tool_calls, a ToolMessage back, the final text", async () => {
        const withTools = model().bindTools([weather]);
        const question = new messages.HumanMessage("Weather in Paris?");
        const first = await withTools.invoke([question]);
        expect(first.tool_calls?.map((call) => [call.name, call.args])).toEqual([[TOOL_NAME, { city: "Paris" }]]);
        const callId = first.tool_calls?.[0]?.id ?? "";
        expect(callId).not.toBe("");
        let text = "";
        for await (const chunk of await withTools.stream([question, first, new messages.ToolMessage({ content: TOOL_RESULT, tool_call_id: callId })])) text += chunk.text;
        expect(text).toBe(SCRIPTED_FINAL);
        expect(toolResultSeen(spark.upstream)).toContain(TOOL_RESULT);
      });
    });
  }

  it("the tiny local model streams an answer", async () => {
    const tiny = new lc.ChatOpenAI({ model: "tiny", apiKey: "sk-unused", configuration: { baseURL: spark.baseURL }, maxRetries: 0, maxTokens: 8 });
    let text = "";
    for await (const chunk of await tiny.stream("hi")) text += chunk.text;
    expect(text.length).toBeGreaterThan(0);
  });
});
