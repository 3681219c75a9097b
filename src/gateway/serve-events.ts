import { emptyUsage, SparkError, type FinishReason, type SparkErrorJSON, type StreamEvent, type ToolCall, type Usage } from "../core/index.js";
import type { CallMeter } from "../speed/index.js";
import type { EventSink } from "./event-sink.js";
import { toGatewayError, wireCode, type GatewayError } from "./openai-error.js";
import type { StopFilter } from "./stop-filter.js";
import type { StreamEncoder } from "./stream-encoder.js";

/** What one request did, for the charge, the usage record and the metrics. */
export interface Outcome {
  status: number;
  usage: Usage;
  reason: FinishReason;
  /** Set when the answer is an error the handler still has to send (nothing was sent yet). */
  failure?: GatewayError;
  /** The failure already sent to the client inside its open stream (a pool counts it against the replica). */
  streamFailure?: GatewayError;
  errorCode?: string;
  disconnected: boolean;
  /** The local engine's speculative drafts (prompt lookup, draft model, predicted output), when it reported them. */
  drafts?: { accepted: number; rejected: number };
  /** How long the local engine's call took by its own clock, when it reported it: the rest of the request is the gateway's. */
  modelMs?: number;
  /** The Responses API's id of the response, when an upstream's answer named it (a pool keeps it for previous_response_id). */
  responseId?: string;
}

/** What a route's runner gets: where to answer, how to time it, and the request's abort signal. */
export interface RunContext {
  /** The client's end: the runner's only way to answer (see event-sink.ts). */
  sink: EventSink;
  stream: boolean;
  /** Started when the request arrived: the runner marks the first token it passes on. */
  meter: CallMeter;
  /** Aborted when the client goes away (or a stop sequence ends the generation). */
  signal: AbortSignal;
  stopGeneration(): void;
  /** The max tokens the reservation assumed per choice; runners pass it on to the model or upstream. */
  maxTokens: number;
  /**
   * Output tokens reserved in all (max tokens times the choices asked for): a passed-through stream that
   * goes past it is cut, since an upstream may ignore max_tokens.
   */
  outputAllowance: number;
  /** Whether the bucket limits tokens (then an upstream request without max tokens gets this one). */
  limitsTokens: boolean;
  /** An error message as the client may see it: without the upstream's address. */
  publicMessage(message: string): string;
}

/**
 * Drives a ModelClient-style event stream into one API's wire format. Streaming opens the SSE response at
 * the first token, so a failure before any output still gets a proper HTTP error status; a failure after
 * it is reported in the stream, as OpenAI does.
 */
export async function serveEvents(context: RunContext, events: AsyncIterable<StreamEvent>, encoder: StreamEncoder, stop: StopFilter): Promise<Outcome> {
  const { sink, meter } = context;
  const clientGone = () => sink.gone.aborted;
  let text = "";
  let reasoning = "";
  const toolCalls: ToolCall[] = [];
  let usage = emptyUsage();
  let reason: FinishReason = "stop";
  let error: SparkErrorJSON | undefined;
  let drafts: Outcome["drafts"];
  let modelMs: number | undefined;
  /** What the event iterator threw: answered like an error event, keeping the usage seen so far. */
  let thrown: GatewayError | undefined;

  const open = async () => {
    if (sink.opened || !context.stream) return;
    sink.open();
    await sink.send(encoder.start());
  };
  const sendText = async (chunk: string) => {
    if (!chunk) return;
    meter.markToken();
    text += chunk;
    if (context.stream) {
      await open();
      await sink.send(encoder.text(chunk));
    }
  };

  try {
    for await (const event of events) {
      switch (event.type) {
        case "text-delta": {
          const chunk = stop.push(event.text);
          if (stop.stopped) context.stopGeneration();
          await sendText(chunk);
          break;
        }
        case "reasoning-delta":
          meter.markToken();
          reasoning += event.text;
          if (context.stream) {
            await open();
            await sink.send(encoder.reasoning(event.text));
          }
          break;
        case "tool-call":
          meter.markToken();
          toolCalls.push(event.toolCall);
          if (context.stream) {
            await open();
            await sink.send(encoder.toolCall(event.toolCall, toolCalls.length - 1));
          }
          break;
        case "usage":
          usage = event.usage;
          break;
        case "metrics":
          drafts = { accepted: event.metrics.draftTokensAccepted, rejected: event.metrics.draftTokensRejected };
          modelMs = event.metrics.totalMs;
          break;
        case "error":
          error = event.error;
          break;
        case "finish":
          reason = event.reason;
          break;
        default:
          break;
      }
    }
  } catch (cause) {
    // A client that went away is answered below as a disconnect, whatever the iterator threw.
    if (!clientGone()) thrown = toGatewayError(cause);
  }
  if (!thrown) await sendText(stop.flush());
  if (stop.stopped && reason === "abort" && !clientGone()) reason = "stop";
  const outcome: Outcome = { status: 200, usage, reason, disconnected: clientGone(), ...(drafts ? { drafts } : {}), ...(modelMs !== undefined ? { modelMs } : {}) };
  if (outcome.disconnected) return { ...outcome, status: 499, reason: "abort" };
  const summary = { text, reasoning, toolCalls, reason, usage };
  const failure = thrown ?? (error ? toGatewayError(SparkError.fromJSON(error)) : undefined);
  if (failure) {
    if (!sink.opened) return { ...outcome, status: failure.status, reason: "error", failure, errorCode: wireCode(failure) };
    await sink.fail(failure, encoder.error(failure.withMessage(context.publicMessage(failure.message))));
    return { ...outcome, reason: "error", streamFailure: failure, errorCode: wireCode(failure) };
  }
  if (context.stream) {
    await open();
    await sink.send(encoder.end(summary));
    sink.end();
  } else {
    sink.answer(200, encoder.body(summary));
  }
  return outcome;
}
