import { errorMessage } from "../core/index.js";
import { buildFimContext, type OpenText } from "./fim-context.js";
import type { ActiveSource } from "./inline-completer.js";
import type { LspSettings } from "./lsp-settings.js";
import { untilAborted } from "./until-aborted.js";

/** A document as it is now, and where its cursor was last seen. */
export interface WarmTarget {
  document: OpenText;
  offset: number;
  openDocuments: readonly OpenText[];
}

export interface WarmerDeps {
  settings: () => LspSettings;
  /** The active model; a warm-up started during a load waits for it (a request cancels the wait). */
  source: () => Promise<ActiveSource>;
  /** The document to warm, now; undefined once it is closed. */
  target: (uri: string) => WarmTarget | undefined;
  /** True while a real request is being answered or waits: no warm-up starts then. */
  busy: () => boolean;
  log: (message: string) => void;
}

/**
 * Warms the prompt of the next suggestion before it is asked for: once a document has been quiet for
 * `warmIdleMs` after it was opened or changed (or the model became ready), the fill-in-the-middle prompt
 * for its last cursor (the end of a newly opened file) is evaluated into the model's cache, so the first
 * suggestion there evaluates only the tokens from the cursor on. One warm-up at a time, never while a
 * request runs; a request cancels it (at most one small chunk of evaluation later) and keeps what it did.
 * The evaluation runs on llama.cpp's threads: the message loop stays free.
 */
export class PrefixWarmer {
  private timer: NodeJS.Timeout | undefined;
  private running: { controller: AbortController; done: Promise<void> } | undefined;

  constructor(private readonly deps: WarmerDeps) {}

  /** `uri` changed or opened: warm it once it has been quiet a while (a later call replaces this one). */
  schedule(uri: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.start(uri), this.deps.settings().warmIdleMs);
    this.timer.unref();
  }

  /** A real request is coming: no pending warm-up, and the running one stopped (resolves once it has). */
  async cancel(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const running = this.running;
    running?.controller.abort();
    await running?.done;
  }

  private start(uri: string): void {
    this.timer = undefined;
    // Not quiet after all: tried again after the next quiet spell.
    if (this.deps.busy()) return this.schedule(uri);
    this.running?.controller.abort();
    const controller = new AbortController();
    const done = this.warm(uri, controller.signal).finally(() => {
      if (this.running?.controller === controller) this.running = undefined;
    });
    this.running = { controller, done };
  }

  private async warm(uri: string, signal: AbortSignal): Promise<void> {
    try {
      // A failed load is reported by the load itself.
      const active = await untilAborted(this.deps.source(), signal).catch(() => undefined);
      const target = this.deps.target(uri);
      if (active === undefined || target === undefined || signal.aborted) return;
      const settings = this.deps.settings();
      const context = buildFimContext(target.document, Math.min(target.offset, target.document.text.length), target.openDocuments, settings);
      const usage = await active.source.warm(context, { signal, maxTokens: settings.maxCompletionTokens });
      if (usage && usage.inputTokens > 0) this.deps.log(`warmed ${uri}: ${usage.inputTokens} prompt tokens, ${usage.cachedInputTokens} of them already cached`);
    } catch (error) {
      // A cancelled warm-up is the normal case, not worth a line.
      if (!signal.aborted) this.deps.log(`warming ${uri} failed: ${errorMessage(error)}`);
    }
  }
}
