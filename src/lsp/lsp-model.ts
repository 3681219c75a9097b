import { errorMessage, ModelError } from "../core/index.js";
import type { CallSettings, ModelClient } from "../models/index.js";
import type { ModelRuntime } from "../runtime/index.js";
import type { CompletionSource } from "./completion-source.js";
import type { ModelInfo, ModelRole, SparkStatus } from "./lsp-protocol.js";
import { ModelCompletionSource } from "./model-completion-source.js";

/** One model as the language server uses it: a client for edits and a source of inline suggestions. */
export interface LspModel {
  name: string;
  /** Per-call defaults from config and flags (temperature, max tokens), used for edits. */
  settings: CallSettings;
  client: ModelClient;
  completions: CompletionSource;
  /** Loads what the first request would otherwise wait for (a local model's weights). */
  warm(): Promise<void>;
}

/**
 * Opens a model through the runtime (its client closed with it). Inline suggestions go through the
 * client's completion call: native fill-in-the-middle where the model (FIM tokens) or its server
 * (`/v1/completions` with `suffix`) has it, else a chat prompt.
 */
export async function openLspModel(runtime: ModelRuntime, name: string): Promise<LspModel> {
  const { client, resolved } = await runtime.open(name);
  return {
    name: resolved.name,
    settings: resolved.settings,
    client,
    completions: new ModelCompletionSource(client),
    // A local model's context window is known once it is loaded; remote clients have nothing to load.
    warm: async () => void (await client.contextWindow?.()),
  };
}

/**
 * The runtime's fast model and, when it has one, its review model; each opened and loaded on first use
 * and kept, both on the runtime's one local engine. The names are resolved here, so a wrong one fails at
 * once. Each load's progress goes to the status listener: loading, then ready or failed (a failed load is
 * tried again on the next use).
 */
export class ModelSet {
  private role: ModelRole = "fast";
  private readonly opened = new Map<ModelRole, Promise<LspModel>>();
  private readonly names: { fast: string; review?: string | undefined };
  private statusListener: (status: SparkStatus) => void = () => undefined;

  constructor(private readonly runtime: ModelRuntime) {
    const review = runtime.roleName("review");
    this.names = { fast: runtime.resolve(runtime.roleName("fast")).name, review: review === undefined ? undefined : runtime.resolve(review).name };
  }

  get activeRole(): ModelRole {
    return this.role;
  }

  nameOf(role: ModelRole): string | undefined {
    return role === "fast" ? this.names.fast : this.names.review;
  }

  /** Called with every load's progress (one listener: the language server's). */
  onStatus(listener: (status: SparkStatus) => void): void {
    this.statusListener = listener;
  }

  /** The role's model, loaded (a local model's weights in memory); the first call starts the load. */
  get(role: ModelRole = this.role): Promise<LspModel> {
    const name = this.nameOf(role);
    if (name === undefined) return Promise.reject(new ModelError("model_not_configured", `No ${role} model is configured: start spark lsp with --review-model NAME, or set the alias \`review\` in config.`));
    let model = this.opened.get(role);
    if (!model) {
      model = this.load(role, name);
      this.opened.set(role, model);
    }
    return model;
  }

  private async load(role: ModelRole, name: string): Promise<LspModel> {
    const started = performance.now();
    this.statusListener({ state: "loading", role, model: name });
    try {
      const model = await openLspModel(this.runtime, name);
      await model.warm();
      this.statusListener({ state: "ready", role, model: name, loadMs: Math.round(performance.now() - started) });
      return model;
    } catch (error) {
      this.opened.delete(role);
      this.statusListener({ state: "failed", role, model: name, message: errorMessage(error) });
      throw error;
    }
  }

  /** Switches to `role`, or to the other role when none is given; stays put when that role has no model. */
  use(role?: ModelRole): ModelInfo {
    const next = role ?? (this.role === "fast" ? "review" : "fast");
    if (this.nameOf(next) !== undefined) this.role = next;
    return this.info();
  }

  info(): ModelInfo {
    const other: ModelRole = this.role === "fast" ? "review" : "fast";
    const alternative = this.nameOf(other);
    return { role: this.role, model: this.nameOf(this.role) ?? "", ...(alternative !== undefined ? { alternative } : {}) };
  }

  /** Closes both models and unloads the engine (the runtime's dispose). */
  async dispose(): Promise<void> {
    await Promise.allSettled(this.opened.values());
    this.opened.clear();
    await this.runtime.dispose();
  }
}
