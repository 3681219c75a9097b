import { setTimeout as sleep } from "node:timers/promises";
import type { FinishReason, Metrics } from "../core/index.js";
import { cleanFillByChat } from "../models/index.js";
import { CompletionBoundary } from "./completion-boundary.js";
import { CompletionCache } from "./completion-cache.js";
import type { CompletionSource } from "./completion-source.js";
import { buildFimContext, type OpenText } from "./fim-context.js";
import type { LspSettings } from "./lsp-settings.js";
import type { ModelRole, SparkMetrics } from "./lsp-protocol.js";
import { untilAborted } from "./until-aborted.js";

export interface CompletionTarget {
  uri: string;
  document: OpenText;
  offset: number;
  openDocuments: readonly OpenText[];
  /** Cancelled by the client ($/cancelRequest). */
  signal: AbortSignal;
}

export interface ActiveSource {
  source: CompletionSource;
  role: ModelRole;
  /** The model's configured temperature, used when the settings give none. */
  temperature?: number | undefined;
}

export interface CompleterDeps {
  settings: () => LspSettings;
  source: () => Promise<ActiveSource>;
  report: (metrics: SparkMetrics) => void;
  log: (message: string) => void;
}

/** Why a running generation was stopped before its end. */
class Superseded extends Error {
  constructor(why: string) {
    super(why);
    this.name = "Superseded";
  }
}

interface Generation {
  mode: "fim" | "chat";
  text: string;
  finish: FinishReason;
  metrics: Metrics | undefined;
  outputTokens: number;
  firstTextAt: number | undefined;
  error: string | undefined;
}

/**
 * Inline suggestions: one generation at a time. A newer request, a keystroke in the document or the
 * client's cancel aborts the running generation at once; a request waits until `debounceMs` after it
 * arrived, so a burst of keystrokes calls the model once; suggestions are cut at a natural boundary
 * (completion-boundary.ts) and the generation is stopped there; recent suggestions are served from a
 * cache while the user types through them. While the model loads, each document keeps only its latest
 * request: an older one, or one the client cancels, is answered at once, and the latest runs as soon as
 * the model is ready.
 */
export class InlineCompleter {
  private cache: CompletionCache;
  private running: { uri: string; controller: AbortController } | undefined;
  /** Per document, the request waiting for the model to load. */
  private readonly waiting = new Map<string, AbortController>();

  constructor(private readonly deps: CompleterDeps) {
    this.cache = new CompletionCache(deps.settings().cacheEntries);
  }

  /** Whether a request is being answered or waits for the model. */
  get busy(): boolean {
    return this.running !== undefined || this.waiting.size > 0;
  }

  /** A keystroke (or any change) in `uri` makes its running suggestion worthless: stop it now. */
  documentChanged(uri: string): void {
    this.waiting.get(uri)?.abort(new Superseded("the document changed"));
    if (this.running?.uri === uri) this.running.controller.abort(new Superseded("the document changed"));
  }

  documentClosed(uri: string): void {
    this.documentChanged(uri);
    this.cache.forget(uri);
  }

  async complete(target: CompletionTarget): Promise<string | undefined> {
    const receivedAt = performance.now();
    const active = await this.loaded(target);
    if (active === undefined) return undefined;
    const settings = this.deps.settings();
    this.running?.controller.abort(new Superseded("a newer request"));
    const controller = new AbortController();
    const running = { uri: target.uri, controller };
    this.running = running;
    try {
      const key = { uri: target.uri, text: target.document.text, offset: target.offset };
      const cached = this.cache.lookup(key);
      if (cached !== undefined) {
        this.deps.report(this.metrics(target, active, "cache", receivedAt, { mode: "chat", text: cached, finish: "stop", metrics: undefined, outputTokens: 0, firstTextAt: undefined, error: undefined }, "cached"));
        return cached;
      }
      const signal = AbortSignal.any([target.signal, controller.signal]);
      // Counted from the request's arrival: one that waited for the model to load runs at once.
      const debounce = settings.debounceMs - (performance.now() - receivedAt);
      if (debounce > 0) {
        try {
          await sleep(debounce, undefined, { signal });
        } catch {
          return undefined;
        }
      }
      const generation = await this.generate(target, active, settings, signal);
      const superseded = controller.signal.aborted && !target.signal.aborted && generation.finish === "abort";
      this.deps.report(this.metrics(target, active, generation.mode, receivedAt, generation, superseded ? "superseded" : generation.finish));
      if (generation.error !== undefined) this.deps.log(`completion failed: ${generation.error}`);
      if (generation.finish === "abort" || generation.finish === "error" || generation.text.trim() === "") return undefined;
      this.cache.remember(key, generation.text);
      return generation.text;
    } finally {
      if (this.running === running) this.running = undefined;
    }
  }

  /**
   * The active model once it is loaded, or undefined when this request was superseded (a newer request
   * or a change in its document) or cancelled while it waited; a failed load throws.
   */
  private async loaded(target: CompletionTarget): Promise<ActiveSource | undefined> {
    this.waiting.get(target.uri)?.abort(new Superseded("a newer request for the document"));
    const controller = new AbortController();
    this.waiting.set(target.uri, controller);
    const signal = AbortSignal.any([target.signal, controller.signal]);
    try {
      return await untilAborted(this.deps.source(), signal);
    } finally {
      if (this.waiting.get(target.uri) === controller) this.waiting.delete(target.uri);
    }
  }

  private async generate(target: CompletionTarget, active: ActiveSource, settings: LspSettings, signal: AbortSignal): Promise<Generation> {
    const context = buildFimContext(target.document, target.offset, target.openDocuments, settings);
    const boundary = new CompletionBoundary({
      linePrefix: context.linePrefix,
      lineSuffix: context.lineSuffix,
      followingText: context.suffix.slice(context.lineSuffix.length + 1),
      maxLines: settings.maxLines,
    });
    const mode = await active.source.mode();
    let chat = mode === "chat";
    // Reaching a boundary stops the generation through this controller; it is not a cancel.
    const atBoundary = new AbortController();
    const generation: Generation = { mode, text: "", finish: "stop", metrics: undefined, outputTokens: 0, firstTextAt: undefined, error: undefined };
    let raw = "";
    this.deps.log(`completion started: ${target.uri} at offset ${target.offset} (${boundary.mode} mode, ${chat ? "chat" : "fim"} prompt, ${active.source.displayName})`);
    const temperature = settings.temperature ?? active.temperature;
    const events = active.source.complete(context, {
      signal: AbortSignal.any([signal, atBoundary.signal]),
      maxTokens: settings.maxCompletionTokens,
      ...(temperature !== undefined ? { temperature } : {}),
    });
    let first = true;
    for await (const event of events) {
      if (first) {
        first = false;
        // A source may switch to the chat prompt on this very call (a server without FIM); by its first event it knows.
        generation.mode = await active.source.mode();
        chat = generation.mode === "chat";
      }
      switch (event.type) {
        case "text-delta": {
          if (atBoundary.signal.aborted) break;
          generation.firstTextAt ??= performance.now();
          raw += event.text;
          const cut = boundary.cut(chat ? cleanFillByChat(raw, context.linePrefix) : raw, false);
          generation.text = cut.text;
          if (cut.done) atBoundary.abort();
          break;
        }
        case "metrics":
          generation.metrics = event.metrics;
          break;
        case "usage":
          generation.outputTokens = event.usage.outputTokens;
          break;
        case "error":
          generation.error = event.error.message;
          break;
        case "finish":
          generation.finish = event.reason;
          break;
        default:
          break;
      }
    }
    if (atBoundary.signal.aborted && !signal.aborted) generation.finish = "stop";
    if (generation.finish !== "abort" && generation.finish !== "error" && !atBoundary.signal.aborted) {
      generation.text = boundary.cut(chat ? cleanFillByChat(raw, context.linePrefix) : raw, true).text;
    }
    return generation;
  }

  private metrics(target: CompletionTarget, active: ActiveSource, mode: SparkMetrics["mode"], receivedAt: number, generation: Generation, finish: SparkMetrics["finish"]): SparkMetrics {
    const now = performance.now();
    return {
      kind: "completion",
      uri: target.uri,
      model: active.source.displayName,
      role: active.role,
      mode,
      finish,
      ttftMs: generation.firstTextAt === undefined ? null : round(generation.firstTextAt - receivedAt),
      tokensPerSecond: generation.metrics?.decodeTokensPerSecond == null ? null : round(generation.metrics.decodeTokensPerSecond),
      outputTokens: generation.outputTokens,
      promptTokensReused: generation.metrics?.promptTokensReused ?? 0,
      totalMs: round(now - receivedAt),
      chars: generation.text.length,
    };
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
