import { errorMessage, SparkError, type Message, type ModelRequest, type ToolDefinition, type Usage } from "../../core/index.js";
import type { ModelClient } from "../../models/index.js";
import { capToolOutput } from "./cap-tool-output.js";
import { countRequestTokens, promptBudget, type ContextPolicy } from "./context-policy.js";
import { collectFacts, renderState } from "./conversation-facts.js";

/**
 * Compaction: the older turns of a conversation become one compact state (task, files touched, and
 * the model's summary of decisions and open problems); the system prompt and the most recent turns are
 * kept as they are. The summary call sends the conversation exactly as it stands with one question
 * appended, so the local engine answers it from the KV cache of the conversation it already holds; the
 * compacted conversation then starts with the same system prompt, whose cache is kept as well.
 */

export interface CompactOptions {
  client: ModelClient;
  messages: readonly Message[];
  tools: readonly ToolDefinition[];
  policy: ContextPolicy;
  signal?: AbortSignal | undefined;
  /** The conversation's ModelRequest.cacheKey: the summary call continues its cached prompt. */
  cacheKey?: string | undefined;
}

export interface Compaction {
  messages: Message[];
  /** The state message that replaced the older turns. */
  state: string;
  tokensBefore: number;
  tokensAfter: number;
  /** Prompt tokens of the summary call served from the cache (local engine). */
  summaryTokensReused: number;
  usage: Usage | undefined;
}

const summaryInstruction = [
  "Older turns of this conversation are about to be removed to fit the context window. Summarise them for yourself, so you can carry on the work from the summary alone.",
  "Do not call any tool. Answer briefly in these sections:",
  "Task: what the user asked, with its constraints.",
  "Decisions: what was decided and done so far.",
  "Files touched: paths and what changed in each.",
  "Open problems: what is left to do, what fails, the next step.",
].join("\n");

/** Share of the budget a compacted conversation aims at, so the next compaction is many turns away. */
const targetShare = 0.5;
/** Share of the budget the model's summary may take. */
const summaryShare = 0.15;

const summaryMaxTokens = (policy: ContextPolicy) => Math.max(64, Math.floor(promptBudget(policy) * summaryShare));

/** A user message, or an assistant message with the tool results that answer it: never split. */
function turnUnits(messages: readonly Message[]): Message[][] {
  const units: Message[][] = [];
  for (const message of messages) {
    const last = units.at(-1);
    if (message.role === "tool" && last) last.push(message);
    else units.push([message]);
  }
  return units;
}

/**
 * Splits the history after the system prompt into older units (to summarise) and recent ones (kept):
 * the latest unit always stays, earlier ones while they fit `keepTokens`.
 */
async function splitRecent(client: ModelClient, rest: readonly Message[], keepTokens: number): Promise<{ older: Message[]; recent: Message[] }> {
  const units = turnUnits(rest);
  let kept = 1;
  let tokens = await countRequestTokens(client, { messages: units.at(-1) ?? [] });
  while (kept < units.length - 1) {
    const next = await countRequestTokens(client, { messages: units[units.length - 1 - kept] ?? [] });
    if (tokens + next > keepTokens) break;
    tokens += next;
    kept++;
  }
  return { older: units.slice(0, units.length - kept).flat(), recent: units.slice(units.length - kept).flat() };
}

/** The text of one model call; a failed call throws, saying why. */
async function collectText(client: ModelClient, request: ModelRequest, signal: AbortSignal | undefined): Promise<{ text: string; reused: number; usage: Usage | undefined }> {
  let text = "";
  let reused = 0;
  let usage: Usage | undefined;
  for await (const event of client.stream(request, signal ? { signal } : {})) {
    if (event.type === "text-delta") text += event.text;
    if (event.type === "metrics") reused = event.metrics.promptTokensReused;
    if (event.type === "usage") usage = event.usage;
    if (event.type === "error") throw SparkError.fromJSON(event.error);
  }
  return { text, reused, usage };
}

/** The summariser's own window: what it reports (a loaded GGUF), else what config or the known models say, else the agent's. */
async function summarizerWindow(summarizer: ModelClient, client: ModelClient, policy: ContextPolicy): Promise<number> {
  if (summarizer === client) return policy.windowTokens;
  if (summarizer.contextWindow) return summarizer.contextWindow();
  return policy.summarizerWindowTokens?.() ?? policy.windowTokens;
}

/**
 * The summary request: the conversation as it stands plus the question; when that is too long for the
 * summariser's window, a unit that alone does not fit goes first (an oversize paste, a huge tool output),
 * then the oldest units, until it fits (their task and files survive in the facts either way).
 */
async function summaryRequest(summarizer: ModelClient, head: Message[], older: Message[], tools: readonly ToolDefinition[], policy: ContextPolicy, windowTokens: number): Promise<ModelRequest> {
  const maxTokens = Math.min(summaryMaxTokens(policy), Math.floor(windowTokens / 4));
  const question: Message = { role: "user", content: summaryInstruction };
  const build = (body: Message[][]): ModelRequest => ({ messages: [...head, ...body.flat(), question], tools: [...tools], temperature: 0, maxTokens });
  // The summary's own answer must fit beside it, whatever reserve the agent's calls keep.
  const limit = windowTokens - maxTokens;
  const whole = build(turnUnits(older));
  if ((await countRequestTokens(summarizer, whole)) <= limit) return whole;
  const room = limit - (await countRequestTokens(summarizer, build([])));
  let units: Message[][] = [];
  for (const unit of turnUnits(older)) if ((await countRequestTokens(summarizer, { messages: unit })) <= room) units.push(unit);
  while (units.length > 0 && (await countRequestTokens(summarizer, build(units))) > limit) units = units.slice(1);
  return build(units);
}

/**
 * Replaces the older turns by their state. Returns undefined when there is nothing older to compact
 * (the conversation is one turn), or when the signal aborts.
 */
export async function compactConversation(options: CompactOptions, summarizer: ModelClient = options.client): Promise<Compaction | undefined> {
  const { client, messages, tools, policy, signal } = options;
  const head = messages[0]?.role === "system" ? [messages[0]] : [];
  // What stays verbatim: the room the target leaves after the system prompt (and tools) and the summary.
  const headTokens = await countRequestTokens(client, { messages: head, tools: [...tools] });
  const keepTokens = promptBudget(policy) * targetShare - headTokens - summaryMaxTokens(policy);
  const { older, recent } = await splitRecent(client, messages.slice(head.length), keepTokens);
  if (older.length === 0) return undefined;
  const tokensBefore = await countRequestTokens(client, { messages: [...messages], tools: [...tools] });
  let summary: { text: string; reused: number; usage: Usage | undefined };
  try {
    const request = await summaryRequest(summarizer, head, older, tools, policy, await summarizerWindow(summarizer, client, policy));
    summary = await collectText(summarizer, options.cacheKey === undefined ? request : { ...request, cacheKey: options.cacheKey }, signal);
  } catch (error) {
    if (signal?.aborted) return undefined;
    // The facts alone still carry the task: a failed summary must not end the session.
    summary = { text: `(The summary could not be written: ${errorMessage(error)})`, reused: 0, usage: undefined };
  }
  if (signal?.aborted) return undefined;
  // The summary call's max tokens bound the summary; the line cap guards against a model that rambles in short lines.
  const state = renderState(collectFacts(older), capToolOutput(summary.text, { maxBytes: Number.MAX_SAFE_INTEGER, maxLines: 200 }));
  const compacted: Message[] = [...head, { role: "user", content: state }, ...recent];
  const tokensAfter = await countRequestTokens(client, { messages: compacted, tools: [...tools] });
  return { messages: compacted, state, tokensBefore, tokensAfter, summaryTokensReused: summary.reused, usage: summary.usage };
}
