import type OpenAI from "openai";
import type { CompletionRequest, ModelRequest, StreamEvent, StreamOptions } from "../../../core/index.js";
import type { ModelClient } from "../../model-client.js";
import { guardRemoteStream, type RemoteCallState } from "./guard-remote-stream.js";
import type { RemoteErrorContext } from "./map-openai-error.js";
import { OpenAICompletions } from "./openai-completions.js";

/**
 * What the remote clients share: the SDK client and the context its errors name, and completions
 * through the server's `/v1/completions` (whichever API serves the chat), falling back to this client's chat.
 */
export abstract class OpenAIClientBase implements ModelClient {
  private readonly completions: OpenAICompletions;
  abstract readonly supportsPrediction: boolean;

  constructor(
    protected readonly openai: OpenAI,
    protected readonly context: RemoteErrorContext,
    readonly displayName: string,
  ) {
    this.completions = new OpenAICompletions(openai, context);
  }

  /** Every remote stream runs under the one guard: errors mapped, usage and speed metered, `finish` last. */
  stream(request: ModelRequest, options: StreamOptions = {}): AsyncIterable<StreamEvent> {
    return guardRemoteStream((state) => this.run(request, options.signal, state), this.context, options.signal);
  }

  /** One call of this client's API: the events of `request`, recording usage and the finish reason in `state`. */
  protected abstract run(request: ModelRequest, signal: AbortSignal | undefined, state: RemoteCallState): AsyncIterable<StreamEvent>;

  complete(request: CompletionRequest, options: StreamOptions = {}): AsyncIterable<StreamEvent> {
    return this.completions.complete(request, options, this);
  }

  fillMode(): Promise<"fim" | "chat"> {
    return this.completions.fillMode();
  }

  async close(): Promise<void> {}
}
