import type OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import type { ModelRequest, StreamEvent, Usage } from "../../../core/index.js";
import { contentFiltered, finishReasons } from "./finish-reasons.js";
import type { RemoteCallState } from "./guard-remote-stream.js";
import { rateLimitFromHeaders } from "./rate-limit-headers.js";
import type { RemoteErrorContext } from "./map-openai-error.js";
import { OpenAIClientBase } from "./openai-client-base.js";
import { toChatMessages, toChatTools } from "./to-chat-messages.js";
import { ToolCallAssembler } from "./tool-call-assembler.js";


function toUsage(usage: NonNullable<ChatCompletionChunk["usage"]>): Usage {
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    cachedInputTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    acceptedPredictionTokens: usage.completion_tokens_details?.accepted_prediction_tokens ?? 0,
    rejectedPredictionTokens: usage.completion_tokens_details?.rejected_prediction_tokens ?? 0,
  };
}

/** Reasoning text as OpenAI-compatible servers stream it (vLLM, llama.cpp, Groq use these fields). */
function reasoningOf(delta: ChatCompletionChunk.Choice.Delta): string | undefined {
  const extended = delta as { reasoning_content?: unknown; reasoning?: unknown };
  const text = extended.reasoning_content ?? extended.reasoning;
  return typeof text === "string" && text.length > 0 ? text : undefined;
}

/** Chat Completions API: OpenAI and every OpenAI-compatible server. */
export class OpenAIChatClient extends OpenAIClientBase {
  constructor(
    openai: OpenAI,
    context: RemoteErrorContext,
    displayName: string,
    /** Only servers that implement Predicted Outputs accept `prediction`; others reject the request. */
    readonly supportsPrediction: boolean = false,
  ) {
    super(openai, context, displayName);
  }

  private body(request: ModelRequest): ChatCompletionCreateParamsStreaming {
    return {
      model: this.context.model,
      messages: toChatMessages(request.messages),
      stream: true,
      stream_options: { include_usage: true },
      ...(request.tools?.length ? { tools: toChatTools(request.tools) } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      // max_tokens rather than max_completion_tokens: every compatible server understands it.
      ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.stop?.length ? { stop: request.stop } : {}),
      ...(request.prediction !== undefined ? { prediction: { type: "content", content: request.prediction } } : {}),
      // The conversation, so the upstream (OpenAI, a Spark replica) serves it from its prompt cache.
      ...(request.cacheKey ? { prompt_cache_key: request.cacheKey } : {}),
      ...(request.jsonSchema
        ? { response_format: { type: "json_schema", json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema, strict: true } } }
        : {}),
    };
  }

  protected async *run(request: ModelRequest, signal: AbortSignal | undefined, state: RemoteCallState): AsyncIterable<StreamEvent> {
    const { data: stream, response } = await this.openai.chat.completions.create(this.body(request), signal ? { signal } : {}).withResponse();
    const rateLimit = rateLimitFromHeaders(response.headers);
    if (rateLimit) state.rateLimit = rateLimit;
    const toolCalls = new ToolCallAssembler();
    for await (const chunk of stream) {
      if (chunk.usage) state.usage = toUsage(chunk.usage);
      const choice = chunk.choices[0];
      if (!choice) continue;
      const reasoning = reasoningOf(choice.delta);
      if (reasoning) {
        state.meter.markToken();
        yield { type: "reasoning-delta", text: reasoning };
      }
      if (choice.delta.content) {
        state.meter.markToken();
        state.outputChunks++;
        yield { type: "text-delta", text: choice.delta.content };
      }
      for (const delta of choice.delta.tool_calls ?? []) {
        state.meter.markToken();
        toolCalls.add(delta);
      }
      if (choice.finish_reason === "content_filter") throw contentFiltered(this.context.baseUrl);
      if (choice.finish_reason) state.reason = finishReasons[choice.finish_reason] ?? "stop";
    }
    // An abort (an interrupt, a steer) can end the stream quietly mid-arguments: a call cut there is no
    // call, and is never passed on (nor kept in the conversation) with half its arguments.
    if (signal?.aborted) return;
    for (const toolCall of toolCalls.finish()) yield { type: "tool-call", toolCall };
  }
}
