import { LlamaText, type LlamaCompletion, type LlamaCompletionGenerationOptions, type LlamaCompletionResponse, type Token } from "node-llama-cpp";
import { EventQueue, emptyUsage, toSparkError, type CompletionRequest, type FinishReason, type StreamEvent, type Usage } from "../../../core/index.js";
import { CallMeter } from "../../../speed/index.js";
import { fitInfill } from "./fit-infill.js";
import type { LoadedModel } from "./local-engine.js";
import { stopReasons } from "./stop-reasons.js";

/** How the call runs: its abort signal, and whether prompt-lookup speculation may draft tokens. */
export interface CompletionRun {
  signal: AbortSignal | undefined;
  speculation: boolean;
}

/** What to evaluate: the prompt as the model reads it, the answer's limit, and the generation itself. */
interface CompletionPlan {
  prompt: Token[];
  maxTokens: number;
  generate(completion: LlamaCompletion, options: LlamaCompletionGenerationOptions): Promise<LlamaCompletionResponse>;
}

/** With a suffix: the model's own infill tokens around prefix and suffix, cut to fit the context. */
function infillPlan(loaded: LoadedModel, request: CompletionRequest & { suffix: string }): CompletionPlan {
  // Room for a long answer, yet most of the context left to the text around the cursor.
  const maxTokens = request.maxTokens ?? Math.floor(loaded.contextSize / 4);
  const { prefix, suffix, prompt } = fitInfill(loaded, request.prompt, request.suffix, maxTokens);
  return { prompt, maxTokens, generate: (completion, options) => completion.generateInfillCompletionWithMeta(prefix, suffix, options) };
}

function continuationPlan(loaded: LoadedModel, request: CompletionRequest): CompletionPlan {
  const prompt = LlamaText(request.prompt).tokenize(loaded.model.tokenizer);
  const room = loaded.contextSize - prompt.length - 1;
  return { prompt, maxTokens: Math.max(1, Math.min(request.maxTokens ?? room, room)), generate: (completion, options) => completion.generateCompletionWithMeta(prompt, options) };
}

function planFor(loaded: LoadedModel, request: CompletionRequest): CompletionPlan {
  return request.suffix !== undefined ? infillPlan(loaded, { ...request, suffix: request.suffix }) : continuationPlan(loaded, request);
}

/** Prompt tokens a warm-up evaluates between looks at its abort signal: a real request waits at most one chunk. */
const warmChunk = 64;

/**
 * Evaluates a completion's prompt, all but its last token, into the sequence that holds most of it (a
 * state saved by an earlier process first, when it holds more), so that the call for it, or for a cursor
 * a little further on, evaluates only what follows. The last token is left to the call, which needs its
 * logits. In chunks, so an abort (a real request) stops it within one chunk; what was evaluated stays.
 */
export async function warmCompletionPrompt(loaded: LoadedModel, request: CompletionRequest, signal: AbortSignal | undefined): Promise<Usage> {
  const usage = emptyUsage();
  const plan = planFor(loaded, request);
  const target = plan.prompt.slice(0, -1);
  const slot = await loaded.pool.acquire(plan.prompt, signal);
  try {
    let reused = slot.sequence.compareContextTokens(plan.prompt).firstDifferentIndex;
    if (loaded.persistence) reused = await loaded.persistence.restore(slot, plan.prompt, reused);
    usage.inputTokens = target.length;
    usage.cachedInputTokens = Math.min(reused, target.length);
    // Keeps the shared start and drops what follows it (never shifting the window), then evaluates the rest.
    await slot.sequence.adaptStateToTokens(target, false);
    for (let start = slot.sequence.nextTokenIndex; start < target.length; start += warmChunk) {
      signal?.throwIfAborted();
      await slot.sequence.evaluateWithoutGeneratingNewTokens(target.slice(start, start + warmChunk));
    }
    return usage;
  } finally {
    loaded.pool.release(slot);
    loaded.persistence?.used(slot, 0);
  }
}

/**
 * Runs a raw completion (fill-in-the-middle when the request has a suffix; the model must have infill
 * tokens then) on the context sequence that already holds the longest part of its prompt, so a keystroke
 * re-evaluates only the tokens from the cursor on. Ends, like every model call, with usage, metrics and
 * finish; an abort ends with finish{reason:"abort"}.
 */
export async function generateCompletion(load: () => Promise<LoadedModel>, request: CompletionRequest, run: CompletionRun, events: EventQueue<StreamEvent>): Promise<void> {
  const meter = new CallMeter();
  const usage = emptyUsage();
  let reason: FinishReason = "stop";
  let evaluated: number | null = null;
  try {
    run.signal?.throwIfAborted();
    const loaded = await load();
    const plan = planFor(loaded, request);
    const slot = await loaded.pool.acquire(plan.prompt, run.signal);
    try {
      usage.inputTokens = plan.prompt.length;
      usage.cachedInputTokens = slot.sequence.compareContextTokens(plan.prompt).firstDifferentIndex;
      // A state saved by an earlier process (an editor reopened) may hold more of this prompt than memory does.
      if (loaded.persistence) usage.cachedInputTokens = await loaded.persistence.restore(slot, plan.prompt, usage.cachedInputTokens);
      evaluated = plan.prompt.length - usage.cachedInputTokens;
      slot.predictor.beginRequest(run.speculation ? "input-lookup" : "off", [], plan.maxTokens);
      const result = await plan.generate(slot.completion, {
        ...(run.signal ? { signal: run.signal, stopOnAbortSignal: true } : {}),
        maxTokens: plan.maxTokens,
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.stop?.length ? { customStopTriggers: request.stop } : {}),
        onToken: (tokens) => {
          meter.markToken();
          usage.outputTokens += tokens.length;
        },
        onTextChunk: (text) => {
          meter.markToken();
          events.push({ type: "text-delta", text });
        },
      });
      reason = stopReasons[result.metadata.stopReason] ?? "stop";
    } finally {
      loaded.pool.release(slot);
      // Saved once the slot has been idle a while, so the next process starts from this prompt.
      loaded.persistence?.used(slot, 0);
    }
  } catch (error) {
    if (run.signal?.aborted) reason = "abort";
    else {
      events.push({ type: "error", error: toSparkError(error).toJSON() });
      reason = "error";
    }
  }
  events.push({ type: "usage", usage });
  events.push({ type: "metrics", metrics: meter.finish({ outputTokens: usage.outputTokens, promptTokensEvaluated: evaluated, promptTokensReused: usage.cachedInputTokens }) });
  events.push({ type: "finish", reason });
}
