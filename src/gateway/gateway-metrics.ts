import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { BucketState } from "../store/index.js";

/**
 * Distinct model names kept as label values. A request may name any PROVIDER/MODEL, and every new label
 * value is a series kept for the gateway's life and written on every scrape: past this many, further names
 * are counted under OTHER_MODEL, so a client cycling through names cannot grow memory or /metrics.
 */
export const MAX_MODEL_LABELS = 200;
export const OTHER_MODEL = "other";

/** Prometheus metrics of one gateway, on its own registry (no process-wide default registry). */
export class GatewayMetrics {
  private readonly modelLabels = new Set<string>();
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "spark_gateway_requests_total",
    help: "Requests answered, by route, model and HTTP status.",
    labelNames: ["route", "model", "status"] as const,
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: "spark_gateway_tokens_total",
    help: "Tokens charged, by model, family and kind (input or output).",
    labelNames: ["model", "family", "kind"] as const,
    registers: [this.registry],
  });
  readonly ttft = new Histogram({
    name: "spark_gateway_time_to_first_token_seconds",
    help: "From the request's arrival to the first generated token sent to the client.",
    labelNames: ["route", "model"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly tokensPerSecond = new Histogram({
    name: "spark_gateway_output_tokens_per_second",
    help: "Output tokens per second after the first token, per request.",
    labelNames: ["model"] as const,
    buckets: [10, 25, 50, 100, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "spark_gateway_request_duration_seconds",
    help: "Whole request time, by route.",
    labelNames: ["route"] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "spark_gateway_errors_total",
    help: "Error answers and failed generations, by error code.",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly upstreamStreamErrors = new Counter({
    name: "spark_upstream_stream_errors_total",
    help: "Passed-through streams whose upstream broke the connection before the stream ended; the client got an error frame.",
    labelNames: ["route", "model"] as const,
    registers: [this.registry],
  });
  readonly disconnects = new Counter({
    name: "spark_gateway_client_disconnects_total",
    help: "Requests whose client went away before the answer ended; their generation was aborted.",
    labelNames: ["route", "model"] as const,
    registers: [this.registry],
  });
  readonly activeGenerations = new Gauge({
    name: "spark_gateway_active_generations",
    help: "Generations running now.",
    registers: [this.registry],
  });
  readonly bucketRemaining = new Gauge({
    name: "spark_gateway_bucket_remaining",
    help: "What is left in a rate-limit window, per key, family and window.",
    labelNames: ["key", "family", "window"] as const,
    registers: [this.registry],
  });
  readonly bucketLimit = new Gauge({
    name: "spark_gateway_bucket_limit",
    help: "The limit of a rate-limit window, per key, family and window.",
    labelNames: ["key", "family", "window"] as const,
    registers: [this.registry],
  });

  /** The label value for a model: its name while fewer than MAX_MODEL_LABELS names were seen, else OTHER_MODEL. */
  modelLabel(name: string): string {
    if (this.modelLabels.has(name)) return name;
    if (this.modelLabels.size >= MAX_MODEL_LABELS) return OTHER_MODEL;
    this.modelLabels.add(name);
    return name;
  }

  /**
   * Counts one answer, and its error if it failed: the only place requests and errors are counted, called
   * once per request (by the generation routes' record, else by the gateway's error or not-found handler).
   */
  answered(answer: { route: string; model: string; status: number; errorCode?: string | undefined }): void {
    this.requests.inc({ route: answer.route, model: answer.model, status: String(answer.status) });
    if (answer.errorCode !== undefined) this.errors.inc({ code: answer.errorCode });
  }

  /** Records the levels of a bucket after a reservation or a settlement. */
  bucket(keyName: string, state: BucketState): void {
    for (const window of state.windows) {
      const labels = { key: keyName, family: state.family, window: window.window };
      this.bucketRemaining.set(labels, window.remaining);
      this.bucketLimit.set(labels, window.limit);
    }
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
