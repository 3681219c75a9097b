import { APIConnectionError, APIError } from "openai";
import { ProviderError, type SparkError, toSparkError, upstreamStatusError } from "../../../core/index.js";

export interface RemoteErrorContext {
  baseUrl: string;
  model: string;
  apiKeyEnv?: string;
  /** `apiKeyEnv` is not set (or empty): the server got the SDK's placeholder, not a key of the user's. */
  keyMissing?: boolean;
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
  const keyAdvice = keyAdviceFor(context);
  return upstreamStatusError(error.status, serverMessage(error), {
    where: `${context.baseUrl} (model ${context.model})`,
    keyAdvice,
    showKeyDetail: true,
    notFoundAdvice: "Check the model name; `spark models` lists configured ones.",
    cause: error,
  });
}

/** What to do about a refused key: a variable that is not set is the likely cause, and says so (no key was sent). */
function keyAdviceFor(context: RemoteErrorContext): string {
  if (!context.apiKeyEnv) return "Set an API key: --api-key-env NAME, or api_key_env in config";
  if (context.keyMissing) return `$${context.apiKeyEnv} is not set, so no key was sent: export ${context.apiKeyEnv}=a key this server accepts`;
  return `Check the key in $${context.apiKeyEnv}`;
}
