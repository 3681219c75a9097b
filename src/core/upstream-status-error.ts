import { ProviderError } from "./errors.js";

/** Who failed, and what the reader of the error can do about it: the key's owner (CLI) or a gateway's client. */
export interface UpstreamErrorContext {
  /** The server that answered, e.g. "https://api.openai.com/v1 (model gpt-5)". */
  where: string;
  /** What to do about a refused key, as a sentence without its full stop. */
  keyAdvice: string;
  /**
   * Whether the server's own words on a refused key may be shown. Not to a gateway's clients: the key is
   * the operator's, and servers may echo part of it.
   */
  showKeyDetail: boolean;
  /** What to do about an unknown model or route, as a sentence; absent when the reader cannot act on it. */
  notFoundAdvice?: string;
  cause?: unknown;
}

/**
 * The one mapping of an upstream model server's HTTP error status to a SparkError. A caller's mistake stays
 * 4xx; a refused key is 502, since the key is Spark's (or the gateway's), not the request's; the server's
 * own failures are 502 and worth retrying.
 */
export function upstreamStatusError(status: number, detail: string, context: UpstreamErrorContext): ProviderError {
  const { where, cause } = context;
  if (status === 401 || status === 403) {
    const said = context.showKeyDetail ? `${status}: ${detail}` : String(status);
    return new ProviderError("provider_auth", `${where} rejected the API key (${said}). ${context.keyAdvice}.`, { status: 502, cause });
  }
  if (status === 429) {
    return new ProviderError("provider_rate_limited", `${where} is rate limiting requests (429: ${detail}). Wait and try again, or use another model.`, {
      status: 429,
      retryable: true,
      cause,
    });
  }
  if (status === 404) {
    const advice = context.notFoundAdvice ? ` ${context.notFoundAdvice}` : "";
    return new ProviderError("provider_bad_request", `${where} does not know this model or route (404: ${detail}).${advice}`, { status: 404, cause });
  }
  if (status === 413) return new ProviderError("provider_bad_request", `${where} refused the request as too large (413: ${detail}). Send less.`, { status: 413, cause });
  if (status >= 400 && status < 500) return new ProviderError("provider_bad_request", `${where} refused the request (${status}: ${detail}).`, { status: 400, cause });
  return new ProviderError("provider_error", `${where} failed (${status}: ${detail}). Try again later.`, { status: 502, retryable: true, cause });
}
