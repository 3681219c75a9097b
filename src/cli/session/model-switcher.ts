import type { LoadedConfig } from "../../config/index.js";
import { createModelClient, resolveModel, type ClientDependencies, type ModelClient, type ResolvedModel } from "../../models/index.js";
import type { PipelineReviewer } from "../../agent/review/index.js";
import { loadWithFlags, type GlobalOptions } from "../global-options.js";
import { clientDependencies } from "../open-model.js";
import { reviewerFor } from "../review-wiring.js";

/**
 * The session's model and `/model`: opens a client for a name (alias, PROVIDER/MODEL, local:…), keeps
 * the local engine shared between the models it opens, and toggles between the fast model and the
 * review model (the `spark` and `review` aliases). A model that is replaced is closed once its running
 * calls have ended.
 */

export interface ActiveModel {
  /** The name as given (or the configured default's). */
  name: string;
  client: ModelClient;
  resolved: ResolvedModel;
}

export const FAST_ALIAS = "spark";
export const REVIEW_ALIAS = "review";

export class ModelSwitcher {
  private active: ActiveModel;
  private readonly retired: ModelClient[] = [];

  private constructor(
    private readonly loaded: LoadedConfig,
    private readonly deps: ClientDependencies,
    private readonly disposeEngine: () => Promise<void>,
    first: ActiveModel,
  ) {
    this.active = first;
  }

  /** Opens the model of `-m` (or the configured default); throws, saying what to do, when there is none. */
  static async open(options: GlobalOptions): Promise<ModelSwitcher> {
    const loaded = loadWithFlags(options);
    const { deps, disposeEngine } = clientDependencies(loaded);
    const resolved = resolveModel(options.model, { loaded, env: process.env, cwd: process.cwd() });
    try {
      const client = await createModelClient(resolved, deps);
      return new ModelSwitcher(loaded, deps, disposeEngine, { name: resolved.name, client, resolved });
    } catch (error) {
      await disposeEngine();
      throw error;
    }
  }

  get current(): ActiveModel {
    return this.active;
  }

  /** Switches to `name`; the old client closes when its calls end. Throws (a ModelError) for a name that does not resolve. */
  async switchTo(name: string): Promise<ActiveModel> {
    const resolved = resolveModel(name, { loaded: this.loaded, env: process.env, cwd: process.cwd() });
    const client = await createModelClient(resolved, this.deps);
    this.retired.push(this.active.client);
    this.active = { name: resolved.name, client, resolved };
    return this.active;
  }

  /** The configuration the session was opened with. */
  get config(): LoadedConfig {
    return this.loaded;
  }

  /** Opens another model beside the active one (the one that compacts, for instance); closed with the session. */
  async openAnother(name: string): Promise<ModelClient> {
    const client = await createModelClient(resolveModel(name, { loaded: this.loaded, env: process.env, cwd: process.cwd() }), this.deps);
    this.retired.push(client);
    return client;
  }

  /** `/model` alone: the review model when on anything else, the fast model when on the review model. */
  toggleTarget(): string {
    return this.active.name === REVIEW_ALIAS ? FAST_ALIAS : REVIEW_ALIAS;
  }

  /** Whether a name is one of the configured aliases or models (for a helpful message before trying it). */
  isConfigured(name: string): boolean {
    const { aliases = {}, models = {} } = this.loaded.config;
    return name in aliases || name in models;
  }

  /** The review model for /review, opened when first used and sharing the local engine; closed with the session. */
  reviewModel(): PipelineReviewer {
    return reviewerFor(this.loaded, undefined, (name) => this.openAnother(name));
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([this.active.client, ...this.retired].map((client) => client.close()));
    await this.disposeEngine();
  }
}
