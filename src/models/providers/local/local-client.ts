import type { ChatHistoryItem, ChatModelFunctions, LLamaChatGenerateResponseOptions, LlamaGrammar, LlamaText, Token } from "node-llama-cpp";
import {
  ContextOverflowError,
  EventQueue,
  emptyUsage,
  toSparkError,
  type CompletionRequest,
  type FinishReason,
  type ModelRequest,
  type StreamEvent,
  type StreamOptions,
  type Usage,
} from "../../../core/index.js";
import { CallMeter } from "../../../speed/index.js";
import type { SpeculationMode } from "../../../speed/speculation/index.js";
import { fillByChatRequest } from "../../fill-by-chat.js";
import type { ModelClient } from "../../model-client.js";
import { hasInfillTokens } from "./fit-infill.js";
import { promptTokensOf, transcriptAfter } from "./held-tokens.js";
import { sharedPrefix } from "./kv-entry.js";
import { generateCompletion, warmCompletionPrompt } from "./local-completion.js";
import type { LoadedModel, LocalEngine } from "./local-engine.js";
import { tokensPerTranscript, type Slot } from "./sequence-pool.js";
import { saveSequenceState } from "./save-sequence-state.js";
import { stopReasons } from "./stop-reasons.js";
import { toChatFunctions, toChatHistory } from "./to-chat-history.js";

/** Prompt tokens a prewarm evaluates between looks at its abort signal. */
const prewarmChunk = 512;

export interface LocalClientOptions {
  /** Tokens per context sequence. */
  contextSize?: number;
  /** A GGUF that drafts tokens for speculative decoding (same vocabulary). */
  draftModelPath?: string;
  /** False turns speculative decoding off (prompt lookup and draft model; a request's prediction still speculates). */
  speculation?: boolean;
}

interface DraftCounts {
  validated: number;
  refuted: number;
}

/**
 * The embedded engine behind the ModelClient interface. Each call runs on the context sequence with the
 * longest cached prefix of its prompt, with speculative decoding from the request's prediction, a draft
 * model or prompt lookup.
 */
export class LocalModelClient implements ModelClient {
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private readonly running = new Set<Promise<void>>();
  readonly supportsPrediction = true;

  constructor(
    private readonly engine: LocalEngine,
    private readonly path: string,
    readonly displayName: string,
    private readonly options: LocalClientOptions = {},
  ) {}

  private load(): Promise<LoadedModel> {
    return this.engine.load(this.path, {
      ...(this.options.contextSize !== undefined ? { contextSize: this.options.contextSize } : {}),
      ...(this.options.draftModelPath ? { draftModelPath: this.options.draftModelPath } : {}),
    });
  }

  stream(request: ModelRequest, options: StreamOptions = {}): AsyncIterable<StreamEvent> {
    return this.launch(options, (signal, events) => this.generate(request, signal, events));
  }

  /** Native fill-in-the-middle with the model's infill tokens; a model without them is asked through its chat template. */
  complete(request: CompletionRequest, options: StreamOptions = {}): AsyncIterable<StreamEvent> {
    return this.launch(options, async (signal, events) => {
      // A load failure is left to generateCompletion, which reports it like any other.
      const loaded = await this.load().catch(() => undefined);
      if (loaded && request.suffix !== undefined && !hasInfillTokens(loaded)) {
        for await (const event of this.stream(fillByChatRequest(request), { signal })) events.push(event);
        return;
      }
      await generateCompletion(() => this.load(), request, { signal, speculation: this.options.speculation !== false }, events);
    });
  }

  /**
   * Evaluates a completion's prompt (all but its last token) ahead of the call, natively filled in the
   * middle only: a model that fills through its chat template is not warmed (nothing evaluated).
   */
  async warmCompletion(request: CompletionRequest, options: StreamOptions = {}): Promise<{ usage: Usage }> {
    options.signal?.throwIfAborted();
    const loaded = await this.load();
    if (request.suffix !== undefined && !hasInfillTokens(loaded)) return { usage: emptyUsage() };
    return { usage: await warmCompletionPrompt(loaded, request, options.signal) };
  }

  async fillMode(): Promise<"fim" | "chat"> {
    return hasInfillTokens(await this.load()) ? "fim" : "chat";
  }

  /** Runs `work` into a fresh event stream; a consumer that stops reading (a break, a closed connection) stops it too. */
  private launch(options: StreamOptions, work: (signal: AbortSignal, events: EventQueue<StreamEvent>) => Promise<void>): AsyncIterable<StreamEvent> {
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const events = new EventQueue<StreamEvent>(() => stop.abort());
    const run = work(signal, events).finally(() => {
      events.end();
      this.running.delete(run);
    });
    this.running.add(run);
    return events;
  }

  private async grammarFor(loaded: LoadedModel, schema: Record<string, unknown>): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      // JSON Schema in general is wider than the GBNF converter's type; it validates at run time.
      grammar = loaded.model.llama.createGrammarForJsonSchema(schema as Parameters<typeof loaded.model.llama.createGrammarForJsonSchema>[0]);
      this.grammars.set(key, grammar);
      grammar.catch(() => this.grammars.delete(key));
    }
    return grammar;
  }

  private speculationMode(request: ModelRequest, slot: Slot): SpeculationMode {
    if (request.prediction) return "prediction";
    if (this.options.speculation === false) return "off";
    return slot.predictor.hasDraftModel ? "draft" : "input-lookup";
  }

  private async generate(request: ModelRequest, signal: AbortSignal | undefined, events: EventQueue<StreamEvent>): Promise<void> {
    let meter = new CallMeter();
    const usage = emptyUsage();
    const drafts: DraftCounts = { validated: 0, refuted: 0 };
    let reason: FinishReason = "stop";
    let promptTokensEvaluated: number | null = null;
    try {
      signal?.throwIfAborted();
      const loaded = await this.load();
      // Loading the model is a one-time cost per process; TTFT measures the call itself.
      meter = new CallMeter();
      const history = toChatHistory(request.messages);
      const functions: ChatModelFunctions | undefined = request.tools?.length ? toChatFunctions(request.tools) : undefined;
      const contextText = this.render(loaded, history, functions);
      const tokensFor = tokensPerTranscript((transcript) => promptTokensOf(contextText, transcript, loaded.model.tokenizer));
      const slot = await loaded.pool.acquire(tokensFor, signal, request.cacheKey);
      let transcript = slot.transcript;
      try {
        const promptTokens = [...tokensFor(slot)];
        // llama.cpp would silently drop the start of the conversation to make room: say so instead.
        if (promptTokens.length >= loaded.contextSize) throw new ContextOverflowError(promptTokens.length, loaded.contextSize, 0, this.displayName);
        let reused = slot.sequence.compareContextTokens(promptTokens).firstDifferentIndex;
        // A state saved by an earlier process may hold more of this prompt than memory does.
        if (loaded.persistence) reused = await loaded.persistence.restore(slot, promptTokens, reused);
        usage.inputTokens = promptTokens.length;
        usage.cachedInputTokens = reused;
        promptTokensEvaluated = promptTokens.length - reused;
        // Without a limit a model that never emits end-of-text would run until the window is full.
        const maxTokens = request.maxTokens ?? Math.max(1, loaded.contextSize - promptTokens.length);
        slot.predictor.beginRequest(this.speculationMode(request, slot), request.prediction ? loaded.model.tokenize(request.prediction) : [], maxTokens);
        const before = { ...slot.sequence.tokenPredictions };
        const generated: Token[] = [];
        let said = "";
        const options: LLamaChatGenerateResponseOptions<ChatModelFunctions> = {
          ...(signal ? { signal, stopOnAbortSignal: true } : {}),
          maxTokens,
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.seed !== undefined ? { seed: request.seed } : {}),
          ...(request.stop?.length ? { customStopTriggers: request.stop } : {}),
          onTextChunk: (text) => {
            meter.markToken();
            said += text;
            events.push({ type: "text-delta", text });
          },
          onToken: (tokens) => {
            meter.markToken();
            usage.outputTokens += tokens.length;
            generated.push(...tokens);
          },
          ...(functions ? { functions } : request.jsonSchema ? { grammar: await this.grammarFor(loaded, request.jsonSchema.schema) } : {}),
        };
        const result = await slot.chat.generateResponse(history, options);
        reason = stopReasons[result.metadata.stopReason] ?? "stop";
        drafts.validated = slot.sequence.tokenPredictions.validated - before.validated;
        drafts.refuted = slot.sequence.tokenPredictions.refuted - before.refuted;
        const prompt = { text: contextText, tokens: promptTokens };
        // A function call is rendered back by the template, not as generated: only the prompt is kept as it was.
        transcript = result.functionCalls?.length ? prompt : transcriptAfter(loaded.model, prompt, generated, said);
        result.functionCalls?.forEach((call, index: number) => {
          events.push({
            type: "tool-call",
            toolCall: { id: `call_${Date.now().toString(36)}_${index}`, name: call.functionName, arguments: JSON.stringify(call.params ?? {}) },
          });
        });
      } finally {
        // A failed call keeps the old transcript: its tokens still say its text, whatever the sequence holds now.
        slot.transcript = transcript;
        loaded.pool.release(slot);
        loaded.persistence?.used(slot, this.sharedPrefixLength(loaded, request, functions));
      }
    } catch (error) {
      if (signal?.aborted) reason = "abort";
      else {
        events.push({ type: "error", error: toSparkError(error).toJSON() });
        reason = "error";
      }
    }
    this.finish(events, { request, usage, drafts, meter, promptTokensEvaluated, reason });
  }

  private finish(
    events: EventQueue<StreamEvent>,
    call: { request: ModelRequest; usage: Usage; drafts: DraftCounts; meter: CallMeter; promptTokensEvaluated: number | null; reason: FinishReason },
  ): void {
    const { usage, drafts } = call;
    // Predicted Outputs report their draft counts in the usage, under OpenAI's names.
    if (call.request.prediction) {
      usage.acceptedPredictionTokens = drafts.validated;
      usage.rejectedPredictionTokens = drafts.refuted;
    }
    events.push({ type: "usage", usage });
    const metrics = call.meter.finish({
      outputTokens: usage.outputTokens,
      promptTokensEvaluated: call.promptTokensEvaluated,
      promptTokensReused: usage.cachedInputTokens,
      draftTokensAccepted: drafts.validated,
      draftTokensRejected: drafts.refuted,
    });
    events.push({ type: "metrics", metrics });
    events.push({ type: "finish", reason: call.reason });
  }

  /** The prompt exactly as the chat template renders it, as text. */
  private render(loaded: LoadedModel, history: ChatHistoryItem[], functions: ChatModelFunctions | undefined): LlamaText {
    return loaded.chatWrapper().generateContextState({
      chatHistory: history,
      ...(functions ? { availableFunctions: functions, documentFunctionParams: true } : {}),
    }).contextText;
  }

  /** The prompt's tokens as the template renders it, every part tokenized (no sequence's transcript applied). */
  private promptTokens(loaded: LoadedModel, history: ChatHistoryItem[], functions: ChatModelFunctions | undefined): Token[] {
    return this.render(loaded, history, functions).tokenize(loaded.model.tokenizer);
  }

  /**
   * How many leading prompt tokens every call with this request's system messages and tools shares,
   * whatever its task: the common start of the prompt rendered with two different user messages.
   */
  private sharedPrefixLength(loaded: LoadedModel, request: ModelRequest, functions: ChatModelFunctions | undefined): number {
    const firstOther = request.messages.findIndex((message) => message.role !== "system");
    const system = firstOther === -1 ? request.messages : request.messages.slice(0, firstOther);
    if (system.length === 0) return 0;
    const [a, b] = ["a", "b"].map((task) => this.promptTokens(loaded, toChatHistory([...system, { role: "user", content: task }]), functions));
    return sharedPrefix(a ?? [], b ?? []);
  }

  /**
   * Prewarm (the Responses API's `generate: false`): the conversation so far goes into the sequence that
   * serves it (by cache key, else longest prefix), without the empty model turn a generation would open,
   * so the next turn that extends it evaluates only its new tokens.
   */
  async prewarm(request: ModelRequest, options: StreamOptions = {}): Promise<{ usage: Usage }> {
    const { signal } = options;
    signal?.throwIfAborted();
    const loaded = await this.load();
    const functions = request.tools?.length ? toChatFunctions(request.tools) : undefined;
    // A conversation before its first task prewarms what every task shares (see taskPrefixTokens); its
    // tokens are cut from a rendering with a stand-in task, so they hold no transcript of the prompt's text.
    const beforeFirstTask = functions !== undefined && request.messages.every((message) => message.role === "system");
    const contextText = beforeFirstTask ? undefined : this.render(loaded, toChatHistory(request.messages).slice(0, -1), functions);
    const tokensFor = tokensPerTranscript((transcript) => (contextText ? promptTokensOf(contextText, transcript, loaded.model.tokenizer) : this.taskPrefixTokens(loaded, request, functions)));
    const slot = await loaded.pool.acquire(tokensFor, signal, request.cacheKey);
    let transcript = slot.transcript;
    try {
      const promptTokens = [...tokensFor(slot)];
      if (promptTokens.length >= loaded.contextSize) throw new ContextOverflowError(promptTokens.length, loaded.contextSize, 0, this.displayName);
      if (loaded.persistence) await loaded.persistence.restore(slot, promptTokens, slot.sequence.compareContextTokens(promptTokens).firstDifferentIndex);
      // Keeps the shared prefix and drops what follows it (never shifting the window), then evaluates the rest.
      await slot.sequence.adaptStateToTokens(promptTokens, false);
      const reused = slot.sequence.nextTokenIndex;
      // In chunks, so that a client that goes away stops a long prompt's evaluation soon.
      for (let start = reused; start < promptTokens.length; start += prewarmChunk) {
        signal?.throwIfAborted();
        await slot.sequence.evaluateWithoutGeneratingNewTokens(promptTokens.slice(start, start + prewarmChunk));
      }
      transcript = contextText ? { text: contextText, tokens: promptTokens } : undefined;
      return { usage: { ...emptyUsage(), inputTokens: promptTokens.length, cachedInputTokens: reused } };
    } finally {
      slot.transcript = transcript;
      loaded.pool.release(slot);
      loaded.persistence?.used(slot, this.sharedPrefixLength(loaded, request, functions));
    }
  }

  /**
   * What a prewarm of a conversation before its first task (system messages only) evaluates: the prompt
   * rendered with a stand-in task, cut to what every task shares, as node-llama-cpp puts the tools'
   * documentation before the system messages when nothing follows them and after them otherwise: rendered
   * alone, they would share almost nothing with the turn.
   */
  private taskPrefixTokens(loaded: LoadedModel, request: ModelRequest, functions: ChatModelFunctions | undefined): Token[] {
    const withTask = this.promptTokens(loaded, toChatHistory([...request.messages, { role: "user", content: "a" }]), functions);
    return withTask.slice(0, this.sharedPrefixLength(loaded, request, functions));
  }

  async contextWindow(): Promise<number> {
    return (await this.load()).contextSize;
  }

  async countPromptTokens(request: ModelRequest): Promise<number> {
    const loaded = await this.load();
    const functions = request.tools?.length ? toChatFunctions(request.tools) : undefined;
    return this.promptTokens(loaded, toChatHistory(request.messages), functions).length;
  }

  /** Saves the most recently used conversation's evaluated state, to resume it later without re-prefill. */
  async saveSession(filePath: string): Promise<{ tokens: number; fileSize: number }> {
    const loaded = await this.load();
    const slot = loaded.pool.mostRecent();
    if (!slot) throw new Error("no context sequence to save");
    // Saving evaluates the last token again: a call running on the sequence must not see that.
    if (!loaded.pool.tryClaim(slot)) throw new Error("the conversation to save is still running: save it once it has finished");
    try {
      const { fileSize } = await saveSequenceState(slot.sequence, filePath);
      return { tokens: slot.sequence.contextTokens.length, fileSize };
    } finally {
      loaded.pool.release(slot);
    }
  }

  /** Loads a state saved by saveSession (same model file) into the least recently used sequence. */
  async loadSession(filePath: string): Promise<void> {
    const loaded = await this.load();
    const slot = await loaded.pool.acquire([]);
    try {
      await slot.sequence.loadStateFromFile(filePath, { acceptRisk: true });
    } finally {
      loaded.pool.release(slot);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.running);
  }
}
