import { compactConversation, type ContextPolicy } from "../../src/agent/index.js";
import { runCall } from "../../src/model-bench/index.js";
import type { Message, ModelRequest, ToolDefinition } from "../../src/core/index.js";
import { defaultThreads, LocalEngine, LocalModelClient } from "../../src/models/providers/local/index.js";
import { CHAIN_TEXT, ensureChainModel } from "../../test/support/tiny-gguf.js";

/**
 * Compaction on the local engine: prompt tokens evaluated (and time) when a session near the end of
 * its window is compacted and goes on, with Spark's cache-keeping layout (the summary call extends the
 * conversation already in the KV cache; the compacted conversation keeps the system prompt first) against
 * a rebuild on a cold context, the same requests with nothing cached.
 */

export interface ContextPhase {
  phase: string;
  promptTokens: number;
  warmReused: number;
  warmEvaluated: number;
  warmMs: number;
  coldEvaluated: number;
  coldMs: number;
}

export interface ContextResult {
  model: string;
  threads: number;
  windowTokens: number;
  tokensBefore: number;
  tokensAfter: number;
  phases: ContextPhase[];
}

const WINDOW = 4096;
const policy: ContextPolicy = { windowTokens: WINDOW, reserveTokens: 256, compactAt: 0.8, toolOutputMaxBytes: 16_384, toolOutputMaxLines: 400 };
const tools: ToolDefinition[] = [{ name: "read_file", description: "Read a file of the workspace", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } }];
/** Model calls generate a fixed number of tokens (the chain model never stops by itself), the same warm and cold. */
const answerTokens = 16;

/** A session of `steps` read_file steps over chain text, so the model's vocabulary covers it. */
function session(steps: number): Message[] {
  const words = CHAIN_TEXT.trim().split(/\s+/);
  const messages: Message[] = [
    { role: "system", content: CHAIN_TEXT.slice(0, 400) },
    { role: "user", content: `Task: ${words.slice(0, 12).join(" ")}` },
  ];
  for (let step = 0; step < steps; step++) {
    messages.push({ role: "assistant", content: "", toolCalls: [{ id: `c${step}`, name: "read_file", arguments: JSON.stringify({ path: `src/file${step}.ts` }) }] });
    messages.push({ role: "tool", toolCallId: `c${step}`, content: words.slice(step * 7, step * 7 + 90).join(" ") });
  }
  return messages;
}

async function withClient<T>(model: string, threads: number, work: (client: LocalModelClient) => Promise<T>): Promise<T> {
  const engine = new LocalEngine({ threads, gpu: false, sequences: 2 });
  const client = new LocalModelClient(engine, model, "chain-wide", { contextSize: WINDOW, speculation: false });
  try {
    return await work(client);
  } finally {
    await client.close();
    await engine.dispose();
  }
}

/** One conversation: its calls carry the same cacheKey, as the agent's do. */
const conversationKey = "bench-session";
const request = (messages: Message[]): ModelRequest => ({ messages, tools, temperature: 0, maxTokens: answerTokens, cacheKey: conversationKey });

/** Steps of the session just under the compaction threshold, and one more step past it. */
async function sessionSize(client: LocalModelClient): Promise<number> {
  const threshold = (WINDOW - policy.reserveTokens) * policy.compactAt;
  let steps = 1;
  while ((await client.countPromptTokens(request(session(steps + 1)))) < threshold) steps++;
  return steps;
}

export async function runContextBench(log: (line: string) => void): Promise<ContextResult> {
  const model = await ensureChainModel({ wide: true });
  const threads = defaultThreads();
  return withClient(model, threads, async (warm) => {
    const steps = await sessionSize(warm);
    const before = session(steps);
    const past = [...session(steps + 2)];
    log(`context: a session of ${steps} steps in the cache, then ${steps + 2} steps past the threshold`);
    await runCall(warm, request(before));
    const started = performance.now();
    const compaction = await compactConversation({ client: warm, messages: past, tools, policy, cacheKey: conversationKey });
    const summaryMs = performance.now() - started;
    if (!compaction?.usage) throw new Error("the session did not compact");
    const next = await runCall(warm, request(compaction.messages));
    const coldSummary = await withClient(model, threads, async (cold) => {
      const coldStart = performance.now();
      const coldCompaction = await compactConversation({ client: cold, messages: past, tools, policy, cacheKey: conversationKey });
      return { ms: performance.now() - coldStart, evaluated: coldCompaction?.usage?.inputTokens ?? 0 };
    });
    const coldNext = await withClient(model, threads, (cold) => runCall(cold, request(compaction.messages)));
    const summaryPrompt = compaction.usage.inputTokens;
    return {
      model: "chain-wide.gguf (test model, 512 wide, 8 blocks)",
      threads,
      windowTokens: WINDOW,
      tokensBefore: compaction.tokensBefore,
      tokensAfter: compaction.tokensAfter,
      phases: [
        { phase: "summary call (older turns → state)", promptTokens: summaryPrompt, warmReused: compaction.summaryTokensReused, warmEvaluated: summaryPrompt - compaction.summaryTokensReused, warmMs: Math.round(summaryMs), coldEvaluated: coldSummary.evaluated, coldMs: Math.round(coldSummary.ms) },
        {
          phase: "first call on the compacted conversation",
          promptTokens: next.usage.inputTokens,
          warmReused: next.metrics.promptTokensReused,
          warmEvaluated: next.usage.inputTokens - next.metrics.promptTokensReused,
          warmMs: Math.round(next.metrics.totalMs),
          coldEvaluated: coldNext.usage.inputTokens - coldNext.metrics.promptTokensReused,
          coldMs: Math.round(coldNext.metrics.totalMs),
        },
      ],
    };
  });
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function contextMarkdown(result: ContextResult): string {
  const rows = result.phases.map(
    (phase) =>
      `| ${phase.phase} | ${integer.format(phase.promptTokens)} | ${integer.format(phase.warmReused)} | ${integer.format(phase.warmEvaluated)} | ${integer.format(phase.warmMs)} | ${integer.format(phase.coldEvaluated)} | ${integer.format(phase.coldMs)} |`,
  );
  return [
    `Model: ${result.model}; ${result.threads} thread(s); window ${integer.format(result.windowTokens)} tokens; compaction at 80% of the prompt budget.`,
    `The session compacted from ${integer.format(result.tokensBefore)} to ${integer.format(result.tokensAfter)} prompt tokens. Each call generates ${answerTokens} tokens (the summary call up to 15% of the budget), the same in both columns.`,
    "",
    "| phase | prompt tokens | Spark: reused from cache | Spark: evaluated | Spark: ms | cold rebuild: evaluated | cold rebuild: ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
  ].join("\n");
}
