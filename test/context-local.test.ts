import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTools, runAgent, type AgentEvent, type ContextPolicy, type Tool } from "../src/agent/index.js";
import { stateMarker } from "../src/agent/context/index.js";
import type { Message, Metrics } from "../src/core/index.js";
import { LocalEngine, LocalModelClient } from "../src/models/providers/local/index.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

/**
 * Compaction on the embedded engine with the tiny test model (its text is noise; what holds for any
 * weights is asserted): a session past the compaction threshold of a small window is compacted, the
 * task state survives, the next request fits, and the KV cache of the unchanged prefix is reused.
 */

const WINDOW = 4096;
const RESERVE = 256;
const TASK = "Add input validation to parseConfig in src/config.ts";
let engine: LocalEngine;
let client: LocalModelClient;
const tools: Tool[] = defaultTools.filter((tool) => ["read_file", "apply_patch"].includes(tool.definition.name));
const policy: ContextPolicy = { windowTokens: WINDOW, reserveTokens: RESERVE, compactAt: 0.8, toolOutputMaxBytes: 16_384, toolOutputMaxLines: 400 };
const workspace = mkdtempSync(join(tmpdir(), "spark-context-local-"));

beforeAll(async () => {
  engine = new LocalEngine({ threads: 1, gpu: false, sequences: 2 });
  client = new LocalModelClient(engine, await ensureTestModel(), "tiny", { contextSize: WINDOW });
});
afterAll(async () => {
  await client.close();
  await engine.dispose();
});

/** One earlier agent step: the model read a file and got its text back. */
function readStep(index: number, path: string): Message[] {
  const source = Array.from({ length: 12 }, (_, line) => `${line + 1}| export const value${index}_${line} = ${line};`).join("\n");
  return [
    { role: "assistant", content: "", toolCalls: [{ id: `call_${index}`, name: "read_file", arguments: JSON.stringify({ path }) }] },
    { role: "tool", toolCallId: `call_${index}`, content: source },
  ];
}

async function run(messages: Message[]): Promise<AgentEvent[]> {
  const events: AgentEvent[] = [];
  const toolContext = { workspace, approvalMode: "auto-edit" as const, allowNetwork: false, applyPatch: async () => ({ ok: false, output: "not in this test" }) };
  for await (const event of runAgent({ client, messages, tools, toolContext, maxTurns: 1, temperature: 0, maxTokens: 8, context: policy })) events.push(event);
  return events;
}

const metricsOf = (events: AgentEvent[]): Metrics[] => events.flatMap((event) => (event.type === "metrics" ? [event.metrics] : []));

describe("compaction on the local engine (tiny GGUF, 4,096-token window)", () => {
  it("compacts a session past the threshold, keeps the task state, fits the window and reuses the cached prefix", async () => {
    const system: Message = { role: "system", content: "You are Spark, a fast coding agent. Make surgical edits." };
    const files = ["src/config.ts", "src/schema.ts", "src/errors.ts", "src/index.ts"];
    // A first turn well under the threshold: it runs as is, and leaves the conversation in the KV cache.
    const firstTurn: Message[] = [system, { role: "user", content: TASK }, ...files.flatMap((path, index) => readStep(index, path))];
    const first = await run(firstTurn);
    expect(first.some((event) => event.type === "compacted")).toBe(false);
    const answer = first.find((event): event is Extract<AgentEvent, { type: "message" }> => event.type === "message" && event.message.role === "assistant");
    if (!answer) throw new Error("the first turn gave no answer");

    // The next turn pushes the session past 80% of the budget: older turns are compacted first.
    const more = ["src/loader.ts", "src/defaults.ts"].flatMap((path, index) => readStep(10 + index, path));
    const secondTurn: Message[] = [...firstTurn, { role: "assistant", content: answer.message.content }, { role: "user", content: "Also check the loader." }, ...more];
    const second = await run(secondTurn);
    const compacted = second.find((event): event is Extract<AgentEvent, { type: "compacted" }> => event.type === "compacted");
    if (!compacted) throw new Error(`no compaction: ${JSON.stringify(second.filter((event) => event.type === "context"))} after ${JSON.stringify(first.filter((event) => event.type === "context"))}`);

    expect(compacted.tokensBefore).toBeGreaterThan((WINDOW - RESERVE) * 0.8);
    expect(compacted.tokensAfter).toBeLessThan(compacted.tokensBefore);
    expect(compacted.messages[0]).toEqual(system);
    expect(compacted.state.startsWith(stateMarker)).toBe(true);
    expect(compacted.state).toContain(TASK);
    for (const path of ["src/config.ts", "src/index.ts"]) expect(compacted.state).toContain(`${path} (read)`);
    const context = second.find((event) => event.type === "context");
    expect(context).toMatchObject({ windowTokens: WINDOW });
    expect((context as { usedTokens: number }).usedTokens).toBeLessThanOrEqual(WINDOW - RESERVE);

    // The summary call is the conversation as it stood plus a question: answered from the cache of the first turn.
    const firstPrompt = (first.find((event) => event.type === "usage") as { usage: { inputTokens: number } }).usage.inputTokens;
    expect(compacted.summaryTokensReused).toBeGreaterThan(firstPrompt * 0.9);
    // The session goes on from the compacted conversation, and from its cache: the next turn evaluates only its new tokens.
    const reply = second.find((event): event is Extract<AgentEvent, { type: "message" }> => event.type === "message" && event.message.role === "assistant");
    if (!reply) throw new Error("the compacted turn gave no answer");
    const third = await run([...compacted.messages, { role: "assistant", content: reply.message.content }, { role: "user", content: "Go on." }]);
    expect(third.some((event) => event.type === "compacted")).toBe(false);
    const [afterCompaction] = metricsOf(second);
    const [nextTurn] = metricsOf(third);
    expect(nextTurn?.promptTokensReused).toBeGreaterThanOrEqual(compacted.tokensAfter);
    console.log(
      `context-local: first turn ${firstPrompt} prompt tokens; before compaction ${compacted.tokensBefore}, after ${compacted.tokensAfter}; ` +
        `summary call reused ${compacted.summaryTokensReused}; compacted call reused ${afterCompaction?.promptTokensReused}; next turn reused ${nextTurn?.promptTokensReused}`,
    );
  });

  it("answers a local request larger than the window with a context_overflow error, not a crash", async () => {
    const events = [];
    for await (const event of client.stream({ messages: [{ role: "user", content: "x ".repeat(WINDOW * 2) }], maxTokens: 4 })) events.push(event);
    const error = events.find((event) => event.type === "error");
    expect(error).toMatchObject({ error: { code: "context_overflow", status: 400 } });
    expect(JSON.stringify(error)).toContain("--context-size");
    expect(events.at(-1)).toEqual({ type: "finish", reason: "error" });
  });
});
