import { LlamaCompletion, type LlamaCompletionResponse, type LlamaContextSequence, type Token } from "node-llama-cpp";
import { EventQueue, emptyUsage, toSparkError, type FinishReason, type StreamEvent } from "../core/index.js";
import type { LoadedModel, LoadOptions, LocalEngine } from "../models/providers/local/index.js";
import { CallMeter } from "../speed/index.js";
import type { CompletionCall, CompletionSource } from "./completion-source.js";
import { fimPrefix, type FimContext } from "./fim-context.js";

const stopReasons: Record<LlamaCompletionResponse["metadata"]["stopReason"], FinishReason> = {
  eogToken: "stop",
  stopGenerationTrigger: "stop",
  customStopTrigger: "stop",
  maxTokens: "length",
  abort: "abort",
};

export interface LocalFimOptions {
  engine: LocalEngine;
  path: string;
  load: LoadOptions;
  displayName: string;
  /** Used when the model has no infill tokens. */
  fallback: CompletionSource;
  /** False: no prompt-lookup speculation. */
  speculation?: boolean;
}

function hasInfillTokens(loaded: LoadedModel): boolean {
  const { infill } = loaded.model.tokens;
  return infill.prefix !== null && infill.suffix !== null;
}

/**
 * Native fill-in-the-middle on the embedded engine: the prefix and suffix around FIM tokens, run on the
 * context sequence that already holds the longest part of the prompt, so a keystroke re-evaluates only
 * the tokens from the cursor on. Models without FIM tokens go to the chat prompt instead.
 */
export class LocalFimSource implements CompletionSource {
  private readonly completions = new WeakMap<LlamaContextSequence, LlamaCompletion>();

  constructor(private readonly options: LocalFimOptions) {}

  get displayName(): string {
    return this.options.displayName;
  }

  private load(): Promise<LoadedModel> {
    return this.options.engine.load(this.options.path, this.options.load);
  }

  async mode(): Promise<"fim" | "chat"> {
    return hasInfillTokens(await this.load()) ? "fim" : "chat";
  }

  complete(context: FimContext, call: CompletionCall): AsyncIterable<StreamEvent> {
    const events = new EventQueue<StreamEvent>();
    void this.run(context, call, events).finally(() => events.end());
    return events;
  }

  private completionFor(sequence: LlamaContextSequence): LlamaCompletion {
    let completion = this.completions.get(sequence);
    if (!completion) {
      completion = new LlamaCompletion({ contextSequence: sequence });
      this.completions.set(sequence, completion);
    }
    return completion;
  }

  /**
   * The prefix and suffix as tokens, cut to fit the context with room for the answer: the suffix to a
   * quarter of the room at most, the prefix from its start, in coarse steps (as stableTail does for
   * characters) so the kept beginning, and its cache, survive the next keystrokes. Then the whole prompt
   * as node-llama-cpp lays it out (prefix-suffix-middle), to pick a sequence and count reuse.
   */
  private fit(loaded: LoadedModel, prefix: string, suffix: string, maxTokens: number): { prefix: Token[]; suffix: Token[]; prompt: Token[] } {
    const { model } = loaded;
    const { infill, bos } = model.tokens;
    // node-llama-cpp keeps a tenth of the context free for shifting; four special tokens at most.
    const room = Math.max(16, loaded.contextSize - Math.ceil(loaded.contextSize / 10) - maxTokens - 4);
    const suffixTokens = model.tokenize(suffix, false, "trimLeadingSpace").slice(0, Math.floor(room / 4));
    let prefixTokens = model.tokenize(prefix, false, "trimLeadingSpace");
    const prefixRoom = room - suffixTokens.length;
    if (prefixTokens.length > prefixRoom) {
      const step = Math.max(1, Math.floor(prefixRoom / 4));
      prefixTokens = prefixTokens.slice(Math.ceil((prefixTokens.length - prefixRoom) / step) * step);
    }
    const prompt: Token[] = [];
    if (bos !== null && model.tokens.shouldPrependBosToken) prompt.push(bos);
    if (infill.middle !== null) prompt.push(infill.prefix as Token, ...prefixTokens, infill.suffix as Token, ...suffixTokens, infill.middle);
    else prompt.push(infill.suffix as Token, ...suffixTokens, infill.prefix as Token, ...prefixTokens);
    return { prefix: prefixTokens, suffix: suffixTokens, prompt };
  }

  private async run(context: FimContext, call: CompletionCall, events: EventQueue<StreamEvent>): Promise<void> {
    const loaded = await this.load().catch((error: unknown) => error as Error);
    if (loaded instanceof Error) return this.fail(events, loaded, call.signal);
    if (!hasInfillTokens(loaded)) {
      for await (const event of this.options.fallback.complete(context, call)) events.push(event);
      return;
    }
    const meter = new CallMeter();
    const usage = emptyUsage();
    let reason: FinishReason = "stop";
    let evaluated: number | null = null;
    try {
      const { prefix, suffix, prompt } = this.fit(loaded, fimPrefix(context), context.suffix, call.maxTokens);
      const slot = await loaded.pool.acquire(prompt, call.signal);
      try {
        usage.inputTokens = prompt.length;
        usage.cachedInputTokens = slot.sequence.compareContextTokens(prompt).firstDifferentIndex;
        evaluated = prompt.length - usage.cachedInputTokens;
        slot.predictor.beginRequest(this.options.speculation === false ? "off" : "input-lookup");
        const result = await this.completionFor(slot.sequence).generateInfillCompletionWithMeta(prefix, suffix, {
          signal: call.signal,
          stopOnAbortSignal: true,
          maxTokens: call.maxTokens,
          // Greedy unless asked otherwise: the same text gets the same suggestion.
          temperature: call.temperature ?? 0,
          onToken: (tokens) => {
            meter.markToken();
            usage.outputTokens += tokens.length;
          },
          onTextChunk: (text) => {
            meter.markToken();
            events.push({ type: "text-delta", text });
          },
        });
        reason = stopReasons[result.metadata.stopReason];
      } finally {
        loaded.pool.release(slot);
      }
    } catch (error) {
      if (call.signal.aborted) reason = "abort";
      else return this.fail(events, error, call.signal);
    }
    events.push({ type: "usage", usage });
    events.push({ type: "metrics", metrics: meter.finish({ outputTokens: usage.outputTokens, promptTokensEvaluated: evaluated, promptTokensReused: usage.cachedInputTokens }) });
    events.push({ type: "finish", reason });
  }

  private fail(events: EventQueue<StreamEvent>, error: unknown, signal: AbortSignal): void {
    if (signal.aborted) {
      events.push({ type: "finish", reason: "abort" });
      return;
    }
    events.push({ type: "error", error: toSparkError(error).toJSON() });
    events.push({ type: "finish", reason: "error" });
  }
}
