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
  readonly requests = this.counter("spark_gateway_requests_total", "Requests answered, by route, model and HTTP status.", ["route", "model", "status"]);
  readonly tokens = this.counter("spark_gateway_tokens_total", "Tokens charged, by model, family and kind (input or output).", ["model", "family", "kind"]);
  readonly ttft = this.histogram("spark_gateway_time_to_first_token_seconds", "From the request's arrival to the first generated token sent to the client.", ["route", "model"], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  readonly tokensPerSecond = this.histogram("spark_gateway_output_tokens_per_second", "Output tokens per second after the first token, per request.", ["model"], [10, 25, 50, 100, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000]);
  readonly duration = this.histogram("spark_gateway_request_duration_seconds", "Whole request time, by route.", ["route"], [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300]);
  readonly overhead = this.histogram("spark_gateway_overhead_seconds", "A request's time in the gateway outside the local engine's call (its whole time less the time the engine reported), by route.", ["route"], [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]);
  readonly draftTokens = this.counter("spark_gateway_draft_tokens_total", "Speculative draft tokens of the local engine, by model and outcome (accepted or rejected by the model).", ["model", "outcome"]);
  readonly errors = this.counter("spark_gateway_errors_total", "Error answers and failed generations, by error code.", ["code"]);
  readonly upstreamStreamErrors = this.counter("spark_upstream_stream_errors_total", "Passed-through streams whose upstream broke the connection before the stream ended; the client got an error frame.", ["route", "model"]);
  readonly disconnects = this.counter("spark_gateway_client_disconnects_total", "Requests whose client went away before the answer ended; their generation was aborted.", ["route", "model"]);
  readonly activeGenerations = this.gauge("spark_gateway_active_generations", "Generations running now.", []);
  readonly bucketRemaining = this.gauge("spark_gateway_bucket_remaining", "What is left in a rate-limit window, per key, family and window.", ["key", "family", "window"]);
  readonly bucketLimit = this.gauge("spark_gateway_bucket_limit", "The limit of a rate-limit window, per key, family and window.", ["key", "family", "window"]);

  readonly poolRouted = this.counter("spark_pool_requests_total", "Attempts routed to each replica of a pooled model (a retry counts on each replica it tried).", ["model", "replica"]);
  readonly poolFailures = this.counter("spark_pool_failures_total", "Replica failures: no connection, a timeout, a 5xx or 429, a broken stream, a failed probe.", ["model", "replica"]);
  readonly poolCooldowns = this.counter("spark_pool_cooldowns_total", "Cool-downs started: the replica was out of rotation for a while.", ["model", "replica"]);
  readonly poolInFlight = this.gauge("spark_pool_in_flight", "Requests running on each replica now.", ["model", "replica"]);
  readonly poolWaiting = this.gauge("spark_pool_waiting", "Requests waiting for a slot: every replica they may use is at its max_concurrent.", ["model"]);
  readonly poolRejected = this.counter("spark_pool_rejected_total", "Requests a pool refused with 503 pool_saturated: its wait queue was full (queue_full) or no slot came within queue_timeout_ms (queue_timeout).", ["model", "reason"]);
  readonly poolUp = this.gauge("spark_pool_replica_up", "1 when the replica is in rotation, 0 while it cools down or cannot be used.", ["model", "replica"]);
  readonly poolAffinity = this.counter("spark_pool_affinity_total", "Pooled requests with a conversation, by routing: hit (its replica), moved (its replica was at max_concurrent, out of balance or down), new.", ["model", "result"]);
  readonly poolRetries = this.counter("spark_pool_retries_total", "Requests retried on another replica after a failure before their first byte.", ["model"]);
  readonly poolCachedTokens = this.counter("spark_pool_cached_tokens_total", "Prompt tokens each replica reported as read from its cache (cached_tokens).", ["model", "replica"]);

  // One registration per kind, so each metric above is its name, help, labels (and buckets) and nothing else.
  private counter<T extends string>(name: string, help: string, labelNames: readonly T[]): Counter<T> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<T extends string>(name: string, help: string, labelNames: readonly T[]): Gauge<T> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram<T extends string>(name: string, help: string, labelNames: readonly T[], buckets: number[]): Histogram<T> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

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
