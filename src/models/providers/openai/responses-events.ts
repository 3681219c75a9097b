import type { ResponseStreamEvent, ResponseUsage } from "openai/resources/responses/responses";
import { addUsage, emptyUsage, ProviderError, type Message, type StreamEvent, type ToolCall, type Usage } from "../../../core/index.js";
import type { RemoteCallState } from "./guard-remote-stream.js";

function toUsage(usage: ResponseUsage): Usage {
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cachedInputTokens: usage.input_tokens_details?.cached_tokens ?? 0,
    acceptedPredictionTokens: 0,
    rejectedPredictionTokens: 0,
  };
}

/** The error event of the WebSocket (`error: {code, message}`) or of SSE (`code`, `message` at the top). */
function errorOf(event: Record<string, unknown>): { code: string | undefined; message: string } {
  const nested = event["error"] as { code?: unknown; message?: unknown } | undefined;
  const code = nested?.code ?? event["code"];
  const message = nested?.message ?? event["message"];
  return { code: typeof code === "string" ? code : undefined, message: typeof message === "string" ? message : "no reason given" };
}

/**
 * Reads the Responses API's events (over SSE or the WebSocket, the same events) into Spark's stream
 * events, noting usage, the finish reason, the response's id and what the model said (text and tool
 * calls) for a continuation with `previous_response_id`.
 */
export class ResponsesEventReader {
  responseId: string | undefined;
  text = "";
  readonly toolCalls: ToolCall[] = [];
  /** Set when the server says `previous_response_not_found`: the caller resends the full input. */
  chainLost = false;
  /**
   * What steers put into the conversation before the answer now being read: each steered answer's part
   * (when it said anything, as the server keeps it) and the steer's input. The chain holds them too.
   */
  readonly steeredItems: Message[] = [];
  /** Usage of the answers that steers ended, added to the successor's. */
  private steeredUsage = emptyUsage();

  /** `steerInput` hands over the input of the steer the server accepted (the caller sent it). */
  constructor(private readonly baseUrl: string, private readonly state: RemoteCallState, private readonly steerInput: () => Message[] = () => []) {}

  read(event: ResponseStreamEvent): StreamEvent | undefined {
    const { state } = this;
    switch (event.type) {
      case "response.created":
        this.responseId = event.response.id;
        return undefined;
      case "response.output_text.delta":
        state.meter.markToken();
        state.outputChunks++;
        this.text += event.delta;
        return { type: "text-delta", text: event.delta };
      case "response.reasoning_summary_text.delta":
      case "response.reasoning_text.delta":
        state.meter.markToken();
        return { type: "reasoning-delta", text: event.delta };
      case "response.output_item.done":
        if (event.item.type !== "function_call") return undefined;
        this.toolCalls.push({ id: event.item.call_id, name: event.item.name, arguments: event.item.arguments });
        return { type: "tool-call", toolCall: { id: event.item.call_id, name: event.item.name, arguments: event.item.arguments } };
      case "response.completed":
      case "response.incomplete":
      {
        this.responseId = event.response.id;
        // "steered" is the WebSocket mode's own reason, which the SDK's types do not list yet.
        const reason: string | undefined = event.response.incomplete_details?.reason;
        state.usage = addUsage(event.response.usage ? toUsage(event.response.usage) : emptyUsage(), this.steeredUsage);
        if (event.type === "response.incomplete" && reason === "steered") return this.steered();
        state.reason = event.type === "response.incomplete" ? "length" : this.toolCalls.length ? "tool-calls" : "stop";
        return undefined;
      }
      case "response.failed":
        throw new ProviderError("provider_error", `${this.baseUrl} failed the response: ${event.response.error?.message ?? "no reason given"}.`, { status: 502 });
      case "error": {
        const { code, message } = errorOf(event as unknown as Record<string, unknown>);
        if (code === "previous_response_not_found") {
          this.chainLost = true;
          return undefined;
        }
        // The server's message usually ends with its own full stop.
        throw new ProviderError("provider_error", `${this.baseUrl} reported an error: ${message.replace(/\.+$/, "")}.`, { status: 502 });
      }
      default:
        return undefined;
    }
  }

  /** A steer ended the answer: it and the steer's input join the conversation, and the successor's answer starts afresh. */
  private steered(): StreamEvent {
    const input = this.steerInput();
    if (this.text !== "" || this.toolCalls.length > 0) this.steeredItems.push({ role: "assistant", content: this.text, ...(this.toolCalls.length ? { toolCalls: [...this.toolCalls] } : {}) });
    this.steeredItems.push(...input);
    this.text = "";
    this.toolCalls.length = 0;
    this.steeredUsage = { ...this.state.usage };
    return { type: "steered", input };
  }
}
