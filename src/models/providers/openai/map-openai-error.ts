import { APIConnectionError, APIError } from "openai";
import { ProviderError, type SparkError, toSparkError, upstreamStatusError } from "../../../core/index.js";

export interface RemoteErrorContext {
  baseUrl: string;
  model: string;
  apiKeyEnv?: string;
  /** A preset's or config provider's name; "custom" (or absent) when the URL came from --base-url or base_url. */
  provider?: string;
}

/** A built-in provider's URL is not the user's to check; an unreachable one is the network (or a proxy). */
function reachAdvice(context: RemoteErrorContext): string {
  if (context.provider === undefined || context.provider === "custom") {
    return "Check that the server is running and the URL (--base-url or base_url in config) is right.";
  }
  return `Check your network connection (and proxy), or point ${context.provider} elsewhere with [providers.${context.provider}] base_url in config.`;
}

function serverMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === "string" ? body.message : error.message;
}

/** Turns the SDK's errors into SparkErrors whose message says what to do. Keys never appear in them. */
export function mapOpenAIError(error: unknown, context: RemoteErrorContext): SparkError {
  if (error instanceof APIConnectionError) {
    return new ProviderError(
      "provider_unreachable",
      // The SDK's message ("Connection error.") ends with its own full stop.
      `Cannot reach ${context.baseUrl}: ${error.message.replace(/\.+$/, "")}. ${reachAdvice(context)}`,
      { status: 502, retryable: true, cause: error },
    );
  }
  if (!(error instanceof APIError) || error.status === undefined) return toSparkError(error);
  const keyAdvice = context.apiKeyEnv ? `Check the key in $${context.apiKeyEnv}` : "Set an API key: --api-key-env NAME, or api_key_env in config";
  return upstreamStatusError(error.status, serverMessage(error), {
    where: `${context.baseUrl} (model ${context.model})`,
    keyAdvice,
    showKeyDetail: true,
    notFoundAdvice: "Check the model name; `spark models` lists configured ones.",
    cause: error,
  });
}
