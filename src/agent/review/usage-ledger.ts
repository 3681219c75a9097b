import type { Metrics, Usage } from "../../core/index.js";

/** Price of a model in currency units per million tokens (from `[review.prices]`). */
export interface ModelPrice {
  input: number;
  output: number;
}

/** Everything one model spent in a run: calls, time, tokens, cost, and the gateway buckets charged. */
export interface ModelAccount {
  model: string;
  role: "drafter" | "reviewer";
  calls: number;
  /** Sum of the calls' own durations (request to last token). */
  ms: number;
  inputTokens: number;
  outputTokens: number;
  /** Output tokens per second of call time; null before any call finished. */
  tokensPerSecond: number | null;
  /** Null when no price is configured for the model. */
  cost: number | null;
  /** Rate-limit buckets (model families) a Spark gateway charged, when the calls went through one. */
  buckets: string[];
}

interface Entry {
  calls: number;
  ms: number;
  inputTokens: number;
  outputTokens: number;
  buckets: Set<string>;
}

/** Adds up the usage and metrics events of every model call, per model and role. */
export class UsageLedger {
  private readonly entries = new Map<string, { model: string; role: ModelAccount["role"]; entry: Entry }>();

  constructor(private readonly prices: Readonly<Record<string, ModelPrice>> = {}) {}

  /** Takes any stream or agent event; only `usage` and `metrics` count. */
  observe(model: string, role: ModelAccount["role"], event: { type: string; usage?: Usage; metrics?: Metrics }): void {
    if (event.type !== "usage" && event.type !== "metrics") return;
    const key = `${role}\u0000${model}`;
    const found = this.entries.get(key) ?? { model, role, entry: { calls: 0, ms: 0, inputTokens: 0, outputTokens: 0, buckets: new Set<string>() } };
    this.entries.set(key, found);
    const { entry } = found;
    if (event.type === "usage" && event.usage) {
      entry.inputTokens += event.usage.inputTokens;
      entry.outputTokens += event.usage.outputTokens;
    }
    if (event.type === "metrics" && event.metrics) {
      entry.calls++;
      entry.ms += event.metrics.totalMs;
      if (event.metrics.rateLimit?.family) entry.buckets.add(event.metrics.rateLimit.family);
    }
  }

  private cost(model: string, entry: Entry): number | null {
    const price = this.prices[model];
    return price ? (entry.inputTokens * price.input + entry.outputTokens * price.output) / 1_000_000 : null;
  }

  accounts(): ModelAccount[] {
    return [...this.entries.values()].map(({ model, role, entry }) => ({
      model,
      role,
      calls: entry.calls,
      ms: Math.round(entry.ms),
      inputTokens: entry.inputTokens,
      outputTokens: entry.outputTokens,
      tokensPerSecond: entry.ms > 0 ? entry.outputTokens / (entry.ms / 1000) : null,
      cost: this.cost(model, entry),
      buckets: [...entry.buckets],
    }));
  }
}
