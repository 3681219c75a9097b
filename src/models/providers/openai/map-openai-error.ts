import { APIConnectionError, APIError } from "openai";
import { ProviderError, type SparkError, toSparkError } from "../../../core/index.js";

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
  const where = `${context.baseUrl} (model ${context.model})`;
  if (error instanceof APIConnectionError) {
    return new ProviderError(
      "provider_unreachable",
      // The SDK's message ("Connection error.") ends with its own full stop.
      `Cannot reach ${context.baseUrl}: ${error.message.replace(/\.+$/, "")}. ${reachAdvice(context)}`,
      { status: 502, retryable: true, cause: error },
    );
  }
  if (!(error instanceof APIError) || error.status === undefined) return toSparkError(error);
  const detail = serverMessage(error);
  const status = error.status;
  if (status === 401 || status === 403) {
    const keyHint = context.apiKeyEnv
      ? `Check the key in $${context.apiKeyEnv}`
      : "Set an API key: --api-key-env NAME, or api_key_env in config";
    return new ProviderError("provider_auth", `${where} rejected the API key (${status}: ${detail}). ${keyHint}.`, {
      status: 401,
      cause: error,
    });
  }
  if (status === 429) {
    return new ProviderError("provider_rate_limited", `${where} is rate limiting requests (429: ${detail}). Wait and try again, or use another model.`, {
      status: 429,
      retryable: true,
      cause: error,
    });
  }
  if (status === 404) {
    return new ProviderError("provider_bad_request", `${where} does not know this model or route (404: ${detail}). Check the model name; \`spark models\` lists configured ones.`, {
      status: 404,
      cause: error,
    });
  }
  if (status >= 400 && status < 500) {
    return new ProviderError("provider_bad_request", `${where} refused the request (${status}: ${detail}).`, { status: 400, cause: error });
  }
  return new ProviderError("provider_error", `${where} failed (${status}: ${detail}). Try again later.`, {
    status: 502,
    retryable: true,
    cause: error,
  });
}
