import type { IncomingMessage } from "node:http";
import { GatewayError, toGatewayError } from "./openai-error.js";
import { errorMessage } from "../core/index.js";

/**
 * Reads and parses a JSON request body with every limit a hostile client could push against: size (the
 * body limit), time (a slow body is cut with a 408), encoding (invalid UTF-8 is a 400 that says so) and
 * nesting depth (checked by one bounded scan before JSON.parse, so a body nested 100k deep is a 400
 * instead of a stack overflow in whatever walks the parsed value later: zod, the grammar builder,
 * JSON.stringify for an upstream).
 */

/** Deep enough for any real JSON schema of a tool or a response format; far below what overflows a stack. */
export const MAX_JSON_DEPTH = 128;

export interface BodyLimits {
  maxBytes: number;
  /** From the first byte awaited to the last one received. */
  timeoutMs: number;
  maxDepth?: number;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting of objects and arrays in `bytes`, stopping as soon as it passes `limit` (so the scan
 * is one pass, bounded by the body size). Brackets inside strings do not count. Malformed JSON is left
 * for JSON.parse to report.
 */
export function jsonDepthExceeds(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** Decodes the body strictly and parses it; every failure is a 400 that says what is wrong. */
export function parseJsonBytes(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new GatewayError(400, "The request body is not valid UTF-8. Send JSON encoded as UTF-8 (escape other bytes as \\uXXXX).", "invalid_encoding");
  }
  if (text.trim() === "") throw new GatewayError(400, "The request body is empty; send a JSON object.", "invalid_body");
  if (jsonDepthExceeds(bytes, maxDepth)) {
    throw new GatewayError(400, `The request body nests objects and arrays more than ${maxDepth} levels deep, the most this gateway accepts. Flatten the JSON.`, "json_too_deep");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GatewayError(400, `The request body is not valid JSON (${errorMessage(error)}). Send a JSON object.`, "invalid_json");
  }
}

export function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(413, `The request body is larger than this gateway accepts (${maxBytes} bytes). Send less (shorter messages or fewer tools), or raise gateway.body_limit in config.`, "request_too_large");
}

export function tooSlow(timeoutMs: number): GatewayError {
  // Connection: close: the rest of a slow body is never read, so the connection cannot be reused.
  return new GatewayError(
    408,
    `The request body did not arrive within ${timeoutMs} ms (gateway.body_timeout_ms). Send the whole body at once; on a slow link the gateway's operator can raise the limit.`,
    "request_timeout",
    null,
    "invalid_request_error",
    { connection: "close" },
  );
}

/** Reads the whole body within the limits, then parses it. */
export function readJsonBody(body: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  const declared = Number(body.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limits.maxBytes) return Promise.reject(tooLarge(limits.maxBytes));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error: GatewayError | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
      if (error) reject(error);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(tooSlow(limits.timeoutMs)), limits.timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return finish(tooLarge(limits.maxBytes));
      parts.push(chunk);
    };
    const onEnd = () => {
      try {
        finish(undefined, parseJsonBytes(Buffer.concat(parts, size), limits.maxDepth));
      } catch (error) {
        finish(toGatewayError(error));
      }
    };
    const onError = () => finish(new GatewayError(400, "The request body was cut off before it ended. Send it again.", "incomplete_body"));
    const onClose = () => {
      if (!body.complete) onError();
    };
    body.on("data", onData);
    body.once("end", onEnd);
    body.once("error", onError);
    body.once("close", onClose);
  });
}
