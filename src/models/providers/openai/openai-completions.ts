import OpenAI from "openai";
import type { Completion, CompletionCreateParamsStreaming } from "openai/resources/completions";
import type { Stream } from "openai/streaming";
import type { CompletionRequest, StreamEvent, StreamOptions } from "../../../core/index.js";
import { fillByChatRequest } from "../../fill-by-chat.js";
import type { ModelClient } from "../../model-client.js";
import { contentFiltered, finishReasons } from "./finish-reasons.js";
import { guardRemoteStream, type RemoteCallState } from "./guard-remote-stream.js";
import type { RemoteErrorContext } from "./map-openai-error.js";
import { rateLimitFromHeaders } from "./rate-limit-headers.js";

type Created = Promise<{ data: Stream<Completion>; response: Response }>;

/**
 * A 404 (no such route) or 400 (no `suffix`, or a chat-only model) on `/v1/completions` with a suffix
 * means this server cannot fill in the middle; other failures (auth, rate limits, 5xx) are reported as they are.
 */
function meansNoFim(error: unknown): boolean {
  return error instanceof OpenAI.APIError && (error.status === 404 || error.status === 400);
}

/**
 * The Completions API (`POST /v1/completions`, with `suffix` for fill-in-the-middle: llama.cpp's server,
 * vLLM, Ollama, ...). A server that shows it cannot fill in the middle gets that call, and every later
 * one, through the chat prompt of fill-by-chat.ts instead.
 */
export class OpenAICompletions {
  private unsupported = false;

  constructor(
    private readonly openai: OpenAI,
    private readonly context: RemoteErrorContext,
  ) {}

  fillMode(): Promise<"fim" | "chat"> {
    return Promise.resolve(this.unsupported ? "chat" : "fim");
  }

  /** `chat` answers when the server cannot fill in the middle. */
  complete(request: CompletionRequest, options: StreamOptions, chat: ModelClient): AsyncIterable<StreamEvent> {
    if (this.unsupported && request.suffix !== undefined) return chat.stream(fillByChatRequest(request), options);
    return this.run(request, options, chat);
  }

  private body(request: CompletionRequest): CompletionCreateParamsStreaming {
    return {
      model: this.context.model,
      prompt: request.prompt,
      // No stream_options: servers that do not know it answer 400, which would read as "no FIM".
      stream: true,
      ...(request.suffix !== undefined ? { suffix: request.suffix } : {}),
      ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.stop?.length ? { stop: request.stop } : {}),
    };
  }

  private async *run(request: CompletionRequest, options: StreamOptions, chat: ModelClient): AsyncGenerator<StreamEvent> {
    const { signal } = options;
    const created: Created = this.openai.completions.create(this.body(request), signal ? { signal } : {}).withResponse();
    const failure = await created.then(
      () => undefined,
      (error: unknown) => error,
    );
    if (request.suffix !== undefined && !signal?.aborted && meansNoFim(failure)) {
      this.unsupported = true;
      yield* chat.stream(fillByChatRequest(request), options);
      return;
    }
    yield* guardRemoteStream((state) => this.read(created, state), this.context, signal);
  }

  private async *read(created: Created, state: RemoteCallState): AsyncIterable<StreamEvent> {
    const { data: stream, response } = await created;
    const rateLimit = rateLimitFromHeaders(response.headers);
    if (rateLimit) state.rateLimit = rateLimit;
    for await (const chunk of stream) {
      if (chunk.usage) {
        state.usage.inputTokens = chunk.usage.prompt_tokens;
        state.usage.outputTokens = chunk.usage.completion_tokens;
        state.usage.cachedInputTokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
      }
      const choice = chunk.choices[0];
      if (!choice) continue;
      if (choice.text) {
        state.meter.markToken();
        state.outputChunks++;
        yield { type: "text-delta", text: choice.text };
      }
      if (choice.finish_reason === "content_filter") throw contentFiltered(this.context.baseUrl);
      if (choice.finish_reason) state.reason = finishReasons[choice.finish_reason] ?? "stop";
    }
  }
}
