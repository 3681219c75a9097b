import { SparkError, type SparkErrorCode } from "../core/index.js";

/** The error body every OpenAI client understands: `{error: {message, type, param, code}}`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * A request the gateway answers with an error status. The message says what to fix; it never contains a
 * key, a stack trace or a file path of the gateway's machine beyond what the operator configured.
 */
export class GatewayError extends Error {
  /** What the gateway's log gets instead of the message: details a client must not see (an upstream's address). */
  logMessage: string | undefined;

  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly param: string | null = null,
    readonly type: string = typeForStatus(status),
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "GatewayError";
  }

  /** Keeps `message` for the log only; returns this error. */
  logging(message: string): this {
    this.logMessage = message;
    return this;
  }

  /** The same error with another message for the client; the log keeps what this one would have said. */
  withMessage(message: string): GatewayError {
    const copy = new GatewayError(this.status, message, this.code, this.param, this.type, this.headers);
    copy.logMessage = this.logMessage ?? this.message;
    return copy;
  }

  body(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

function typeForStatus(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "invalid_request_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

const codeNames: Partial<Record<SparkErrorCode, string>> = {
  model_unknown: "model_not_found",
  model_not_configured: "model_not_found",
  provider_rate_limited: "rate_limit_exceeded",
  context_overflow: "context_length_exceeded",
};

/** A SparkError (or anything thrown) as the gateway's answer; its status decides 4xx or 5xx. */
export function fromSparkError(error: SparkError): GatewayError {
  const status = error.status >= 400 && error.status < 600 ? error.status : 500;
  return new GatewayError(status, error.message, codeNames[error.code] ?? error.code);
}

export function badRequest(message: string, param: string | null = null, code = "invalid_request"): GatewayError {
  return new GatewayError(400, message, code, param);
}

export function unsupported(param: string, message: string): GatewayError {
  return new GatewayError(400, message, "unsupported_parameter", param);
}
