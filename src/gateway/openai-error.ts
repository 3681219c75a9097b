import type { FastifyReply } from "fastify";
import { SparkError, toSparkError, type SparkErrorCode } from "../core/index.js";

/** The error body every OpenAI client understands: `{error: {message, type, param, code}}`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/** What only the gateway's answer carries besides a SparkError's code, status and message. */
interface GatewayErrorExtras {
  /** What the gateway's log gets instead of the message: details a client must not see (an upstream's address). */
  logMessage?: string | undefined;
  cause?: unknown;
}

/**
 * A SparkError as the gateway answers it: with the request field at fault, OpenAI's error type and the
 * headers of the answer (Retry-After). The message says what to fix; it never contains a key, a stack
 * trace or a file path of the gateway's machine beyond what the operator configured.
 */
export class GatewayError extends SparkError {
  readonly logMessage: string | undefined;

  constructor(
    status: number,
    message: string,
    code: SparkErrorCode,
    readonly param: string | null = null,
    readonly type: string = typeForStatus(status),
    readonly headers: Record<string, string> = {},
    extras: GatewayErrorExtras = {},
  ) {
    super(code, message, { status, cause: extras.cause });
    this.logMessage = extras.logMessage;
  }

  /** The same error, with `message` for the log only. */
  logging(message: string): GatewayError {
    return new GatewayError(this.status, this.message, this.code, this.param, this.type, this.headers, { logMessage: message, cause: this.cause });
  }

  /** The same error with another message for the client; the log keeps what this one would have said. */
  withMessage(message: string): GatewayError {
    return new GatewayError(this.status, message, this.code, this.param, this.type, this.headers, { logMessage: this.logMessage ?? this.message, cause: this.cause });
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

/** Codes whose OpenAI name differs from Spark's: clients that know OpenAI's errors recognize them. */
const openAICodes: Partial<Record<SparkErrorCode, string>> = {
  model_unknown: "model_not_found",
  model_not_configured: "model_not_found",
  context_overflow: "context_length_exceeded",
};

/** The code a client (and /metrics) sees for an error. */
export function wireCode(error: SparkError): string {
  return openAICodes[error.code] ?? error.code;
}

/** Anything thrown as the gateway's answer; a SparkError's status decides 4xx or 5xx (anything else is 500). */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const spark = toSparkError(error);
  const status = spark.status >= 400 && spark.status < 600 ? spark.status : 500;
  return new GatewayError(status, spark.message, spark.code, null, typeForStatus(status), {}, { cause: spark });
}

/** The one OpenAI-style error body, for an answer with an error status and for an error frame in a stream. */
export function openAIErrorBody(error: SparkError): OpenAIErrorBody {
  const failure = toGatewayError(error);
  return { error: { message: failure.message, type: failure.type, param: failure.param, code: wireCode(failure) } };
}

export function badRequest(message: string, param: string | null = null, code: SparkErrorCode = "invalid_request"): GatewayError {
  return new GatewayError(400, message, code, param);
}

export function unsupported(param: string, message: string): GatewayError {
  return new GatewayError(400, message, "unsupported_parameter", param);
}

/** Answers a request with an error: its status, its headers (Retry-After) and the one error body. */
export function sendError(reply: FastifyReply, failure: GatewayError, body: (failure: GatewayError) => object = openAIErrorBody): FastifyReply {
  return reply.code(failure.status).headers(failure.headers).send(body(failure));
}
