import type { ChatModelFunctions, LLamaChatGenerateResponseOptions, LlamaGrammar, Token } from "node-llama-cpp";
import {
  EventQueue,
  emptyUsage,
  toSparkError,
  type FinishReason,
  type ModelRequest,
  type StreamEvent,
  type StreamOptions,
} from "../../../core/index.js";
import { CallMeter } from "../../../speed/index.js";
import type { ModelClient } from "../../model-client.js";
import type { LoadedModel, LocalEngine } from "./local-engine.js";
import { toChatFunctions, toChatHistory } from "./to-chat-history.js";

const stopReasons: Record<string, FinishReason> = {
  eogToken: "stop",
  stopGenerationTrigger: "stop",
  customStopTrigger: "stop",
  maxTokens: "length",
  functionCalls: "tool-calls",
  abort: "abort",
};

/** The embedded engine behind the ModelClient interface. Calls on one model run one at a time. */
export class LocalModelClient implements ModelClient {
  private queue: Promise<void> = Promise.resolve();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(
    private readonly engine: LocalEngine,
    private readonly path: string,
    readonly displayName: string,
    private readonly contextSize?: number,
  ) {}

  stream(request: ModelRequest, options: StreamOptions = {}): AsyncIterable<StreamEvent> {
    const events = new EventQueue<StreamEvent>();
    const turn = this.queue.then(() => this.generate(request, options.signal, events));
    this.queue = turn.catch(() => undefined);
    void turn.finally(() => events.end());
    return events;
  }

  private async grammarFor(loaded: LoadedModel, schema: Record<string, unknown>): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      // JSON Schema in general is wider than the GBNF converter's type; it validates at run time.
      grammar = loaded.model.llama.createGrammarForJsonSchema(schema as Parameters<typeof loaded.model.llama.createGrammarForJsonSchema>[0]);
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  private async generate(request: ModelRequest, signal: AbortSignal | undefined, events: EventQueue<StreamEvent>): Promise<void> {
    let meter = new CallMeter();
    const usage = emptyUsage();
    let reason: FinishReason = "stop";
    let promptTokensEvaluated: number | null = null;
    try {
      if (signal?.aborted) throw signal.reason;
      const loaded = await this.engine.load(this.path, this.contextSize);
      // Loading the model is a one-time cost per process; TTFT measures the call itself.
      meter = new CallMeter();
      const history = toChatHistory(request.messages);
      const functions: ChatModelFunctions | undefined = request.tools?.length ? toChatFunctions(request.tools) : undefined;
      const promptTokens = this.promptTokens(loaded, history, functions);
      const reused = loaded.sequence.compareContextTokens(promptTokens).firstDifferentIndex;
      usage.inputTokens = promptTokens.length;
      usage.cachedInputTokens = reused;
      promptTokensEvaluated = promptTokens.length - reused;

      const options: LLamaChatGenerateResponseOptions<ChatModelFunctions> = {
        ...(signal ? { signal, stopOnAbortSignal: true } : {}),
        // Without a limit a model that never emits end-of-text would run until the window is full.
        maxTokens: request.maxTokens ?? Math.max(1, loaded.contextSize - promptTokens.length),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        onTextChunk: (text) => {
          meter.markToken();
          events.push({ type: "text-delta", text });
        },
        onToken: (tokens) => {
          meter.markToken();
          usage.outputTokens += tokens.length;
        },
        ...(functions ? { functions } : request.jsonSchema ? { grammar: await this.grammarFor(loaded, request.jsonSchema.schema) } : {}),
      };
      const result = await loaded.chat.generateResponse(history, options);
      reason = stopReasons[result.metadata.stopReason] ?? "stop";
      result.functionCalls?.forEach((call, index: number) => {
        events.push({
          type: "tool-call",
          toolCall: { id: `call_${Date.now().toString(36)}_${index}`, name: call.functionName, arguments: JSON.stringify(call.params ?? {}) },
        });
      });
    } catch (error) {
      if (signal?.aborted) reason = "abort";
      else {
        events.push({ type: "error", error: toSparkError(error).toJSON() });
        reason = "error";
      }
    }
    events.push({ type: "usage", usage });
    events.push({
      type: "metrics",
      metrics: meter.finish({ outputTokens: usage.outputTokens, promptTokensEvaluated, promptTokensReused: usage.cachedInputTokens }),
    });
    events.push({ type: "finish", reason });
  }

  /** The prompt exactly as the chat template renders it, to count tokens and cache reuse. */
  private promptTokens(loaded: LoadedModel, history: ReturnType<typeof toChatHistory>, functions: ChatModelFunctions | undefined): Token[] {
    const { contextText } = loaded.chat.chatWrapper.generateContextState({
      chatHistory: history,
      ...(functions ? { availableFunctions: functions, documentFunctionParams: true } : {}),
    });
    return contextText.tokenize(loaded.model.tokenizer);
  }

  async close(): Promise<void> {
    await this.queue;
  }
}
