import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The Responses WebSocket's own metrics, on the gateway's registry (beside the per-request ones it also feeds). */
export class SocketMetrics {
  readonly open: Gauge;
  readonly refused: Counter<"reason">;
  readonly turnsPerSocket: Histogram;
  readonly responses: Counter<"kind">;
  readonly prewarmHits: Counter;
  readonly promptTokens: Counter<"kind">;
  readonly steers: Counter<"outcome">;
  readonly clientErrors: Counter<"code">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.open = new Gauge({ name: "spark_gateway_websockets_open", help: "Responses WebSockets open now.", registers });
    this.refused = new Counter({ name: "spark_gateway_websockets_refused_total", help: "WebSocket handshakes refused, by reason.", labelNames: ["reason"] as const, registers });
    this.turnsPerSocket = new Histogram({
      name: "spark_gateway_websocket_turns",
      help: "Responses generated per WebSocket, observed when it closes.",
      buckets: [0, 1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    });
    this.responses = new Counter({ name: "spark_gateway_websocket_responses_total", help: "Responses made over WebSockets, by kind (generate or prewarm).", labelNames: ["kind"] as const, registers });
    this.prewarmHits = new Counter({ name: "spark_gateway_websocket_prewarm_hits_total", help: "Turns that continued a prewarm and found its prompt in the cache.", registers });
    this.promptTokens = new Counter({
      name: "spark_gateway_websocket_prompt_tokens_total",
      help: "Prompt tokens of WebSocket responses, by kind: reused from the cache or evaluated.",
      labelNames: ["kind"] as const,
      registers,
    });
    this.steers = new Counter({ name: "spark_gateway_websocket_steers_total", help: "response.steer events, by outcome (accepted, pending, failed).", labelNames: ["outcome"] as const, registers });
    this.clientErrors = new Counter({ name: "spark_gateway_websocket_error_events_total", help: "error events sent over WebSockets, by code.", labelNames: ["code"] as const, registers });
  }
}
