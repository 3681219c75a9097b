import type OpenAI from "openai";
import type { CompletionRequest, ModelRequest, StreamEvent, StreamOptions } from "../../../core/index.js";
import type { ModelClient } from "../../model-client.js";
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

  abstract stream(request: ModelRequest, options?: StreamOptions): AsyncIterable<StreamEvent>;

  complete(request: CompletionRequest, options: StreamOptions = {}): AsyncIterable<StreamEvent> {
    return this.completions.complete(request, options, this);
  }

  fillMode(): Promise<"fim" | "chat"> {
    return this.completions.fillMode();
  }

  async close(): Promise<void> {}
}
