import type { GatewayClient } from "./gateway-client.js";

/** A model the gateway serves, with its rate-limit family ("spark" is the fast family). */
export interface ListedModel {
  id: string;
  family: string;
}

const FAST_FAMILY = "spark";
const MODEL_STORAGE_NAME = "spark.model";

/**
 * The model toggle: one button flips between the fast model (the first of the "spark" family) and the
 * standard model (the first of any other family); the select offers every model the gateway lists.
 */
export class ModelPicker {
  private models: ListedModel[] = [];
  private readonly listeners: ((family: string | undefined) => void)[] = [];

  constructor(
    private readonly select: HTMLSelectElement,
    private readonly toggle: HTMLButtonElement,
    private readonly storage: Storage,
  ) {
    select.addEventListener("change", () => this.chosen());
    toggle.addEventListener("click", () => this.flip());
  }

  async load(client: GatewayClient): Promise<void> {
    this.models = (await client.json<{ data: ListedModel[] }>("/v1/spark/models")).data;
    this.select.replaceChildren(
      ...this.models.map((model) => {
        const option = document.createElement("option");
        option.value = model.id;
        option.textContent = `${model.id} (${model.family === FAST_FAMILY ? "fast" : model.family})`;
        return option;
      }),
    );
    const saved = this.storage.getItem(MODEL_STORAGE_NAME);
    const initial = this.models.find((model) => model.id === saved) ?? this.fast() ?? this.models[0];
    if (initial) this.select.value = initial.id;
    this.chosen();
  }

  current(): string {
    return this.select.value;
  }

  /** The rate-limit family of the chosen model. */
  currentFamily(): string | undefined {
    return this.models.find((model) => model.id === this.select.value)?.family;
  }

  /** Called with the chosen model's family whenever the choice changes. */
  onChange(listener: (family: string | undefined) => void): void {
    this.listeners.push(listener);
  }

  flip(): void {
    const target = this.isFast() ? this.standard() : this.fast();
    if (!target) return;
    this.select.value = target.id;
    this.chosen();
  }

  private fast(): ListedModel | undefined {
    return this.models.find((model) => model.family === FAST_FAMILY);
  }

  private standard(): ListedModel | undefined {
    return this.models.find((model) => model.family !== FAST_FAMILY);
  }

  private isFast(): boolean {
    return this.models.find((model) => model.id === this.select.value)?.family === FAST_FAMILY;
  }

  private chosen(): void {
    if (this.select.value) this.storage.setItem(MODEL_STORAGE_NAME, this.select.value);
    const fast = this.isFast();
    this.toggle.textContent = fast ? "Fast" : "Standard";
    this.toggle.setAttribute("aria-pressed", String(fast));
    this.toggle.disabled = !this.fast() || !this.standard();
    for (const listener of this.listeners) listener(this.currentFamily());
  }
}
