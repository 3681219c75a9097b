import type { CallSettings, ClientDependencies, ModelClient, ResolvedModel } from "../models/index.js";
import { createModelClient } from "../models/index.js";
import type { CompletionSource } from "./completion-source.js";
import type { ModelInfo, ModelRole } from "./lsp-protocol.js";
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
  dispose(): Promise<void>;
}

export type OpenLspModel = (role: ModelRole, name: string) => Promise<LspModel>;

/**
 * Builds the model for a resolved name. Inline suggestions go through the client's completion call:
 * native fill-in-the-middle where the model (FIM tokens) or its server (`/v1/completions` with `suffix`)
 * has it, else a chat prompt.
 */
export async function openLspModel(resolved: ResolvedModel, deps: ClientDependencies, disposeDeps: () => Promise<void>): Promise<LspModel> {
  const client = await createModelClient(resolved, deps);
  return {
    name: resolved.name,
    settings: resolved.settings,
    client,
    completions: new ModelCompletionSource(client),
    // A local model's context window is known once it is loaded; remote clients have nothing to load.
    warm: async () => void (await client.contextWindow?.()),
    dispose: async () => {
      await client.close();
      await disposeDeps();
    },
  };
}

/** The fast model and, when configured, the review model; each opened on first use, kept open after. */
export class ModelSet {
  private role: ModelRole = "fast";
  private readonly opened = new Map<ModelRole, Promise<LspModel>>();

  constructor(
    private readonly open: OpenLspModel,
    private readonly names: { fast: string; review?: string | undefined },
  ) {}

  get activeRole(): ModelRole {
    return this.role;
  }

  nameOf(role: ModelRole): string | undefined {
    return role === "fast" ? this.names.fast : this.names.review;
  }

  get(role: ModelRole = this.role): Promise<LspModel> {
    const name = this.nameOf(role);
    if (name === undefined) return Promise.reject(new Error(`no ${role} model is configured; start spark lsp with --review-model NAME`));
    let model = this.opened.get(role);
    if (!model) {
      model = this.open(role, name);
      this.opened.set(role, model);
      model.catch(() => this.opened.delete(role));
    }
    return model;
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

  async dispose(): Promise<void> {
    const models = await Promise.allSettled(this.opened.values());
    this.opened.clear();
    for (const model of models) if (model.status === "fulfilled") await model.value.dispose();
  }
}
