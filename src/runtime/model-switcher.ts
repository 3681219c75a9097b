import { FAST_ALIAS, REVIEW_ALIAS } from "../config/index.js";
import type { ModelRuntime, OpenedModel } from "./model-runtime.js";

/**
 * The session's model and `/model`: the active model, switched by name (alias, PROVIDER/MODEL, local:…)
 * or toggled between the fast model and the review model (the `spark` and `review` aliases). Every model
 * is opened through the runtime, so they share its local engine; a model switched away from is closed
 * with the runtime, after its running calls have ended.
 */
export class ModelSwitcher {
  private constructor(
    readonly runtime: ModelRuntime,
    private active: OpenedModel,
  ) {}

  /** Opens the runtime's fast model; when that fails the runtime is disposed and the error thrown. It owns the runtime from then on. */
  static async open(runtime: ModelRuntime): Promise<ModelSwitcher> {
    return new ModelSwitcher(runtime, await runtime.openFast());
  }

  get current(): OpenedModel {
    return this.active;
  }

  /** Switches to `name`; throws (a ModelError) for a name that does not resolve, and keeps the active model then. */
  async switchTo(name: string): Promise<OpenedModel> {
    this.active = await this.runtime.open(name);
    return this.active;
  }

  /** `/model` alone: the review model when on anything else, the fast model when on the review model. */
  toggleTarget(): string {
    return this.active.name === REVIEW_ALIAS ? FAST_ALIAS : REVIEW_ALIAS;
  }

  dispose(): Promise<void> {
    return this.runtime.dispose();
  }
}
