import type { ResponseCreateParamsStreaming, ResponseUsage } from "openai/resources/responses/responses";
import { ProviderError, type ModelRequest, type StreamEvent, type Usage } from "../../../core/index.js";
import type { RemoteCallState } from "./guard-remote-stream.js";
import { rateLimitFromHeaders } from "./rate-limit-headers.js";
import { OpenAIClientBase } from "./openai-client-base.js";
import { toResponsesInput, toResponsesTools } from "./to-responses-input.js";

function toUsage(usage: ResponseUsage): Usage {
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cachedInputTokens: usage.input_tokens_details?.cached_tokens ?? 0,
    acceptedPredictionTokens: 0,
    rejectedPredictionTokens: 0,
  };
}

/** OpenAI's Responses API, the native API of the Codex models. */
export class OpenAIResponsesClient extends OpenAIClientBase {
  /** The Responses API has no Predicted Outputs. */
  readonly supportsPrediction = false;

  private body(request: ModelRequest): ResponseCreateParamsStreaming {
    return {
      model: this.context.model,
      input: toResponsesInput(request.messages),
      stream: true,
      store: false,
      ...(request.tools?.length ? { tools: toResponsesTools(request.tools) } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { max_output_tokens: request.maxTokens } : {}),
      ...(request.jsonSchema
        ? { text: { format: { type: "json_schema", name: request.jsonSchema.name, schema: request.jsonSchema.schema, strict: true } } }
        : {}),
    };
  }

  protected async *run(request: ModelRequest, signal: AbortSignal | undefined, state: RemoteCallState): AsyncIterable<StreamEvent> {
    const { data: stream, response } = await this.openai.responses.create(this.body(request), signal ? { signal } : {}).withResponse();
    const rateLimit = rateLimitFromHeaders(response.headers);
    if (rateLimit) state.rateLimit = rateLimit;
    let sawToolCall = false;
    for await (const event of stream) {
      switch (event.type) {
        case "response.output_text.delta":
          state.meter.markToken();
          state.outputChunks++;
          yield { type: "text-delta", text: event.delta };
          break;
        case "response.reasoning_summary_text.delta":
        case "response.reasoning_text.delta":
          state.meter.markToken();
          yield { type: "reasoning-delta", text: event.delta };
          break;
        case "response.output_item.done":
          if (event.item.type === "function_call") {
            sawToolCall = true;
            yield { type: "tool-call", toolCall: { id: event.item.call_id, name: event.item.name, arguments: event.item.arguments } };
          }
          break;
        case "response.completed":
        case "response.incomplete":
          if (event.response.usage) state.usage = toUsage(event.response.usage);
          state.reason = event.type === "response.incomplete" ? "length" : sawToolCall ? "tool-calls" : "stop";
          break;
        case "response.failed":
          throw new ProviderError("provider_error", `${this.context.baseUrl} failed the response: ${event.response.error?.message ?? "no reason given"}.`, {
            status: 502,
          });
        case "error":
          throw new ProviderError("provider_error", `${this.context.baseUrl} reported an error: ${event.message}.`, { status: 502 });
        default:
          break;
      }
    }
  }
}
