import { openAIErrorBody, toGatewayError, wireCode, type GatewayError } from "./openai-error.js";

/**
 * The error bodies of the three API families the gateway speaks. Each client reads only its own vendor's
 * shape (Claude Code shows `error.message` of `{type: "error", error: {type, message}}`, Gemini CLI the
 * `{error: {code, message, status}}` of Google APIs), so every answer on a vendor's paths, the refusals
 * made before a route runs (no key, a body too large) included, uses that vendor's shape.
 */

export type ErrorShape = "openai" | "anthropic" | "gemini";
export type ErrorBody = (failure: GatewayError) => object;

/** Anthropic's error types (https://docs.anthropic.com/en/api/errors), by status. */
function anthropicType(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

/** Google's canonical status names, by HTTP status. */
function googleStatus(status: number): string {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 408:
    case 504:
      return "DEADLINE_EXCEEDED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 503:
      return "UNAVAILABLE";
    default:
      return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

/** `{type: "error", error: {type, message}}`, as Anthropic answers and as its streams' `error` event carries. */
export function anthropicErrorBody(error: GatewayError): { type: "error"; error: { type: string; message: string } } {
  const failure = toGatewayError(error);
  return { type: "error", error: { type: anthropicType(failure.status), message: failure.message } };
}

/** `{error: {code, message, status, details}}`, as Google APIs answer; Spark's own code is in the details. */
export function geminiErrorBody(error: GatewayError): { error: { code: number; message: string; status: string; details: object[] } } {
  const failure = toGatewayError(error);
  const details = [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: wireCode(failure), domain: "spark" }];
  return { error: { code: failure.status, message: failure.message, status: googleStatus(failure.status), details } };
}

/** Which vendor a request path belongs to: `/v1/messages…` is Anthropic's, `/v1beta/…` Gemini's. */
export function errorShapeOf(url: string): ErrorShape {
  const path = url.split("?")[0] ?? "";
  if (path === "/v1/messages" || path.startsWith("/v1/messages/")) return "anthropic";
  if (path === "/v1beta" || path.startsWith("/v1beta/")) return "gemini";
  return "openai";
}

export const errorBodies: Record<ErrorShape, ErrorBody> = { openai: openAIErrorBody, anthropic: anthropicErrorBody, gemini: geminiErrorBody };
