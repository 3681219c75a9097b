import { ContextOverflowError, type Message, type ModelRequest, type Usage } from "../../core/index.js";
import type { ModelClient } from "../../models/index.js";
import { compactConversation, type Compaction } from "./compact-conversation.js";
import { countRequestTokens, promptBudget, type ContextPolicy } from "./context-policy.js";
import { shareToolResults } from "./share-tool-results.js";

/** What keeping a request inside the window reports to the agent's listeners. */
export type ContextEvent =
  | { type: "context"; usedTokens: number; windowTokens: number }
  | { type: "compacted"; messages: Message[]; state: string; tokensBefore: number; tokensAfter: number; summaryTokensReused: number };

export interface FitResult {
  /** The conversation to send: the same, or compacted. */
  messages: Message[];
  /** Usage of the summary call, when one was made. */
  summaryUsage: Usage | undefined;
}

function compactedEvent(compaction: Compaction): ContextEvent {
  const { messages, state, tokensBefore, tokensAfter, summaryTokensReused } = compaction;
  return { type: "compacted", messages, state, tokensBefore, tokensAfter, summaryTokensReused };
}

/**
 * Before a model call: counts the request's tokens; past the compaction threshold, compacts the older
 * turns; if the compacted request still exceeds the budget, the latest step's tool results share what is
 * left (shareToolResults); if even that does not fit, the input itself is too large and a
 * ContextOverflowError says what to do. Yields the window's fill and any compaction; returns the
 * conversation to send, or undefined when the signal aborted the compaction.
 */
export async function* fitContext(
  client: ModelClient,
  request: ModelRequest,
  policy: ContextPolicy,
  signal: AbortSignal | undefined,
): AsyncGenerator<ContextEvent, FitResult | undefined> {
  const budget = promptBudget(policy);
  let used = await countRequestTokens(client, request);
  let result: FitResult = { messages: request.messages, summaryUsage: undefined };
  if (used > budget * policy.compactAt) {
    // A summariser that cannot be opened (no key for the review model) is no reason to fail: the model itself summarises.
    const summarizer = policy.summarizer ? await policy.summarizer().catch(() => client) : client;
    const compaction = await compactConversation({ client, messages: request.messages, tools: request.tools ?? [], policy, signal, cacheKey: request.cacheKey }, summarizer);
    if (signal?.aborted) return undefined;
    if (compaction) {
      yield compactedEvent(compaction);
      used = compaction.tokensAfter;
      result = { messages: compaction.messages, summaryUsage: compaction.usage };
    }
  }
  if (used > budget) {
    // Several tool results of the latest step, each within its own cap, may exceed the budget together: they share it.
    const shared = await shareToolResults(client, { ...request, messages: result.messages }, budget);
    if (!shared) throw new ContextOverflowError(used, policy.windowTokens, policy.reserveTokens, client.displayName);
    used = shared.tokens;
    result = { ...result, messages: shared.messages };
  }
  yield { type: "context", usedTokens: used, windowTokens: policy.windowTokens };
  return result;
}
