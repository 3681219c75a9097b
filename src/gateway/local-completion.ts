import { LlamaCompletion, LlamaText, SpecialTokensText, type LlamaCompletionGenerationOptions, type Token } from "node-llama-cpp";
import { EventQueue, emptyUsage, toSparkError, type FinishReason, type StreamEvent } from "../core/index.js";
import type { LocalEngine } from "../models/providers/local/index.js";
import { CallMeter } from "../speed/index.js";

/** A raw (not chat) completion on the local engine: a plain prompt, or fill-in-the-middle with a suffix. */
export interface LocalCompletionRequest {
  path: string;
  contextSize?: number | undefined;
  prompt: string;
  /** With a suffix the model fills the middle between `prompt` and `suffix`. */
  suffix?: string | undefined;
  maxTokens: number;
  temperature?: number | undefined;
  seed?: number | undefined;
  stop: string[];
}

const stopReasons: Record<string, FinishReason> = { eogToken: "stop", stopGenerationTrigger: "stop", maxTokens: "length", abort: "abort" };

/**
 * The FIM prompt for models without infill tokens in their vocabulary: the widely used
 * `<|fim_prefix|>…<|fim_suffix|>…<|fim_middle|>` layout (Qwen2.5-Coder, StarCoder2, DeepSeek-style models
 * take it as special tokens when they have them; others read it as text).
 */
export function fimText(prefix: string, suffix: string): LlamaText {
  return LlamaText([new SpecialTokensText("<|fim_prefix|>"), prefix, new SpecialTokensText("<|fim_suffix|>"), suffix, new SpecialTokensText("<|fim_middle|>")]);
}

/**
 * Runs a raw completion on one of the model's context sequences and yields the same StreamEvents as a
 * ModelClient: text deltas, then usage, metrics and finish. Models with infill tokens use them
 * (llama.cpp's own FIM layout); the rest get `fimText`.
 */
export function localCompletion(engine: LocalEngine, request: LocalCompletionRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
  const events = new EventQueue<StreamEvent>();
  void run(engine, request, signal, events).finally(() => events.end());
  return events;
}

async function run(engine: LocalEngine, request: LocalCompletionRequest, signal: AbortSignal, events: EventQueue<StreamEvent>): Promise<void> {
  const usage = emptyUsage();
  let reason: FinishReason = "stop";
  const meter = new CallMeter();
  try {
    signal.throwIfAborted();
    const loaded = await engine.load(request.path, request.contextSize !== undefined ? { contextSize: request.contextSize } : {});
    const tokenizer = loaded.model.tokenizer;
    const infill = request.suffix !== undefined && loaded.model.tokens.infill.prefix !== null && loaded.model.tokens.infill.suffix !== null;
    const promptTokens: Token[] =
      request.suffix === undefined || infill
        ? LlamaText(request.prompt).tokenize(tokenizer)
        : fimText(request.prompt, request.suffix).tokenize(tokenizer);
    const suffixTokens: Token[] = infill && request.suffix !== undefined ? LlamaText(request.suffix).tokenize(tokenizer) : [];
    usage.inputTokens = promptTokens.length + suffixTokens.length;
    const slot = await loaded.pool.acquire(promptTokens, signal);
    const completion = new LlamaCompletion({ contextSequence: slot.sequence, autoDisposeSequence: false });
    try {
      usage.cachedInputTokens = slot.sequence.compareContextTokens(promptTokens).firstDifferentIndex;
      slot.predictor.beginRequest("input-lookup");
      const options: LlamaCompletionGenerationOptions = {
        signal,
        stopOnAbortSignal: true,
        maxTokens: Math.max(1, Math.min(request.maxTokens, loaded.contextSize - usage.inputTokens - 1)),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.stop.length ? { customStopTriggers: request.stop } : {}),
        onTextChunk: (text) => {
          meter.markToken();
          events.push({ type: "text-delta", text });
        },
        onToken: (tokens) => {
          meter.markToken();
          usage.outputTokens += tokens.length;
        },
      };
      const result = infill
        ? await completion.generateInfillCompletionWithMeta(promptTokens, suffixTokens, options)
        : await completion.generateCompletionWithMeta(promptTokens, options);
      reason = stopReasons[result.metadata.stopReason] ?? "stop";
    } finally {
      completion.dispose({ disposeSequence: false });
      loaded.pool.release(slot);
    }
  } catch (error) {
    if (signal.aborted) reason = "abort";
    else {
      events.push({ type: "error", error: toSparkError(error).toJSON() });
      reason = "error";
    }
  }
  events.push({ type: "usage", usage });
  events.push({ type: "metrics", metrics: meter.finish({ outputTokens: usage.outputTokens, promptTokensEvaluated: null, promptTokensReused: usage.cachedInputTokens }) });
  events.push({ type: "finish", reason });
}
